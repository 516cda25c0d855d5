# Turns policy/vmm-seccomp.allow into a C table for vmm/seccomp.c.
# SCMP_SYS() and the uapi macros make a misspelt name a compile error.
function fail(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	bad = 1
	exit 1
}
{ sub(/#.*/, "") }
NF == 0 { next }
NF != 2 { fail("expected 'syscall NAME' or 'ioctl REQUEST'") }
$2 !~ /^[A-Za-z_][A-Za-z0-9_]*$/ { fail("bad name '" $2 "'") }
seen[$1 " " $2]++ { fail("'" $1 " " $2 "' is listed twice") }
$1 == "syscall" { rows = rows sprintf("\t{ SCMP_SYS(%s), 0, 0, \"%s\" },\n", $2, $2); next }
$1 == "ioctl" { rows = rows sprintf("\t{ SCMP_SYS(ioctl), 1, %s, \"ioctl %s\" },\n", $2, $2); next }
{ fail("unknown kind '" $1 "'") }
END {
	if (bad)
		exit 1
	print "/* Generated from policy/vmm-seccomp.allow by vmm/seccomp-gen.awk. */"
	print "static const struct seccomp_allow seccomp_allowlist[] = {"
	printf "%s", rows
	print "};"
}
