# Turns policy/vmm-seccomp.allow into a C table for vmm/syscall-filter.c.
# SCMP_SYS(), the uapi macros and syscall-filter.h's enums make a misspelt name a compile error.
function fail(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	bad = 1
	exit 1
}
# A comma-separated list of names as a C bit mask of prefix-NAME enumerators.
function bits(list, prefix,   n, i, a, c, s, dup) {
	n = split(list, a, ",")
	for (i = 1; i <= n; i++) {
		if (a[i] !~ /^[a-z][a-z-]*$/)
			fail("bad name '" a[i] "' in '" list "'")
		if (dup[a[i]]++)
			fail("'" a[i] "' is named twice in '" list "'")
		c = toupper(a[i])
		gsub(/-/, "_", c)
		s = s (i > 1 ? " | " : "") "1u << " prefix c
	}
	return s
}
{ sub(/#.*/, "") }
NF == 0 { next }
NF != 4 { fail("expected 'syscall NAME THREADS FDS' or 'ioctl REQUEST THREADS FDS'") }
$2 !~ /^[A-Za-z_][A-Za-z0-9_]*$/ { fail("bad name '" $2 "'") }
$1 != "syscall" && $1 != "ioctl" { fail("unknown kind '" $1 "'") }
{
	threads = $3 == "all" ? "main,input,output,vcpu" : $3
	n = split(threads, t, ",")
	for (i = 1; i <= n; i++)
		if (seen[$1 " " $2 " " t[i]]++)
			fail("'" $1 " " $2 "' is listed twice for the " t[i] " thread")
	mask = bits(threads, "SYSCALL_FILTER_THREAD_")
	fds = $4 == "-" ? "0" : bits($4, "SYSCALL_FILTER_FD_")
	if ($1 == "syscall")
		rows = rows sprintf("\t{ SCMP_SYS(%s), 0, 0, %s, %s, \"%s\" },\n", $2, mask, fds, $2)
	else
		rows = rows sprintf("\t{ SCMP_SYS(ioctl), 1, %s, %s, %s, \"ioctl %s\" },\n", $2, mask, fds, $2)
}
END {
	if (bad)
		exit 1
	print "/* Generated from policy/vmm-seccomp.allow by vmm/seccomp-gen.awk. */"
	print "static const struct syscall_filter_allow syscall_filter_allowlist[] = {"
	printf "%s", rows
	print "};"
}
