#!/usr/bin/env bash
# Writes the seed corpora in tests/fuzz/corpus/: a few small valid and
# nearly valid inputs a target, for libFuzzer to start from. Run it again
# after changing a seed here; the files it writes are committed.
set -eu
cd "$(dirname "$0")"
rm -rf corpus
mkdir -p corpus/fuzz_ipc corpus/fuzz_policy corpus/fuzz_cli corpus/fuzz_bootimage

# Little-endian integers as bytes.
u8()  { printf '%b' "\\x$(printf %02x "$1")"; }
u16() { u8 $(($1 & 255)); u8 $(($1 >> 8 & 255)); }
u32() { u16 $(($1 & 65535)); u16 $(($1 >> 16 & 65535)); }
u64() { u32 $(($1 & 0xffffffff)); u32 $(($1 >> 32 & 0xffffffff)); }
# put FILE OFFSET: stdin's bytes into FILE at OFFSET.
put() { dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none; }

# fuzz_ipc: records [u8 fds][u16 length][datagram]; a datagram is the
# header (type, payload length, sequence number), then the payload.
rec()        { u8 "$1"; u16 $((12 + $3)); u32 "$2"; u32 "$3"; u32 "$4"; }	# FDS TYPE LEN SEQ
hello()      { rec "${2:-0}" 1 8 "$1"; u32 1; u32 0; }				# SEQ [FDS]
device_req() { rec 0 3 8 "$1"; u32 "$2"; u32 0; }				# SEQ INDEX
locked()     { rec 0 2 0 "$1"; }						# SEQ
ipc=corpus/fuzz_ipc
{ hello 1; device_req 2 0; device_req 3 1; device_req 4 2; locked 5; } >$ipc/full-sequence
{ hello 1; device_req 2 2; device_req 3 0; device_req 4 1; locked 5; } >$ipc/devices-out-of-order
hello 1 >$ipc/hello
{ hello 1; locked 2; } >$ipc/locked-before-devices
{ hello 1; device_req 2 1; device_req 3 1; } >$ipc/device-twice
{ hello 1; device_req 2 3; } >$ipc/device-not-assigned
{ hello 1; hello 2; } >$ipc/hello-twice
{ hello 1; locked 1; } >$ipc/replayed-seq
hello 1 1 >$ipc/hello-with-fd
{ u8 0; u16 6; u32 1; u16 8; } >$ipc/truncated-header

# fuzz_policy: policy files (airlock-policy(5)).
printf '%s\n' '# a policy' 'audit-log /var/log/airlock/audit.log' \
	'allow user root device 0000:01:00.0' \
	'allow group root device 10de:* memory 16G devices 2   # a GPU or two' \
	'deny user * device 8086::0c03' 'allow user 1000 device 0000:0a:1f.7 memory 512M' >corpus/fuzz_policy/every-key
printf 'allow devices 1 memory 1G device *:10d3 group 65534\n' >corpus/fuzz_policy/keys-in-any-order
printf 'deny user * device *:*\n\tallow user root device 1af4:1041:0200\n' >corpus/fuzz_policy/deny-all-first
printf 'allow user root device 0000:01:00.0\nallow user 0 device 0000:01:00.0\n' >corpus/fuzz_policy/duplicate
printf 'deny user root device 10de:* memory 1G\n' >corpus/fuzz_policy/cap-on-deny
printf 'audit-log relative.log\r\n' >corpus/fuzz_policy/bad-audit-log

# fuzz_cli: the arguments after "run", NUL-separated.
args() { printf '%s\0' "$@" | head -c -1; }
args --kernel bzImage --memory 1G --processors 4 --com1 console --cmdline 'console=ttyS0 quiet' \
	--name vm1 --stats >corpus/fuzz_cli/plain
args --kernel k --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 \
	--vfio rp0:0000:01:00.0 --vfio rp1:10de:*,trap >corpus/fuzz_cli/pcie
args --kernel=k --initrd=i --sandbox-id=64000:64000 --policy=/etc/airlock/policy.conf >corpus/fuzz_cli/equals
args --kernel k --vfio rp0:0000:01:00.0 >corpus/fuzz_cli/undeclared-port
args --kernel k --memory 3M >corpus/fuzz_cli/too-little-memory
args --help >corpus/fuzz_cli/help

# fuzz_bootimage: a Linux bzImage (boot protocol 2.15: one setup sector,
# the header to 0x268, a 64-byte kernel), and a PVH ELF (one loadable
# segment at 1 MiB holding the Xen entry note and the code it names).
bz() {	# FILE VERSION
	head -c 1088 /dev/zero >"$1"
	u8 1 | put "$1" 0x1f1			# setup_sects
	u16 0xaa55 | put "$1" 0x1fe		# boot_flag
	u8 0x66 | put "$1" 0x201		# jump: the header runs to 0x268
	printf HdrS | put "$1" 0x202
	u16 "$2" | put "$1" 0x206
	u8 1 | put "$1" 0x211			# loadflags: LOADED_HIGH
	u32 0x7fffffff | put "$1" 0x22c		# initrd_addr_max
	u32 0x200000 | put "$1" 0x230		# kernel_alignment
	u16 1 | put "$1" 0x236			# xloadflags: 64-bit entry
	u32 2047 | put "$1" 0x238		# cmdline_size
	u32 0x100000 | put "$1" 0x260		# init_size
}
bz corpus/fuzz_bootimage/bzimage 0x020f
bz corpus/fuzz_bootimage/bzimage-protocol-2.06 0x0206
pvh() {	# FILE NOTE-DESC-SIZE
	local note=$((64 + 2 * 56)) code=$((64 + 2 * 56 + 16 + $2))
	{
		printf '\x7fELF'; u8 2; u8 1; u8 1; head -c 9 /dev/zero	# ELF64, little-endian
		u16 2; u16 62; u32 1; u64 $((0x100000 + code))		# ET_EXEC, x86-64, entry
		u64 64; u64 0; u32 0; u16 64; u16 56; u16 2; u16 0; u16 0; u16 0
		u32 1; u32 7; u64 0; u64 0x100000; u64 0x100000; u64 $((code + 3)); u64 0x1000; u64 0x1000
		u32 4; u32 4; u64 "$note"; u64 $((0x100000 + note)); u64 $((0x100000 + note))
		u64 $((16 + $2)); u64 $((16 + $2)); u64 4
		u32 4; u32 "$2"; u32 18; printf 'Xen\0'			# XEN_ELFNOTE_PHYS32_ENTRY
		if [ "$2" = 4 ]; then u32 $((0x100000 + code)); else u64 $((0x100000 + code)); fi
		printf '\xf4\xeb\xfd'					# hlt; jmp .-1
	} >"$1"
}
pvh corpus/fuzz_bootimage/pvh.elf 4
pvh corpus/fuzz_bootimage/pvh-64bit-note.elf 8
