#!/usr/bin/env bash
# Writes the seed corpora in tests/fuzz/corpus/: a few small valid and
# nearly valid inputs a target, for libFuzzer to start from. Run it again
# after changing a seed here; the files it writes are committed.
set -eu
cd "$(dirname "$0")"
# What this script wrote before goes; inputs libFuzzer found and that were
# kept as seeds (named by their SHA-1) stay.
mkdir -p corpus
find corpus -regextype posix-extended -type f ! -regex '.*/[0-9a-f]{40}' -delete
mkdir -p corpus/fuzz_ipc corpus/fuzz_policy corpus/fuzz_cli corpus/fuzz_bootimage corpus/fuzz_pcie

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

# fuzz_cli: the arguments after "run", NUL-separated, and after an empty one a VM file.
args() { printf '%s\0' "$@" | head -c -1; }
args --kernel bzImage --memory 1G --processors 4 --com1 console --cmdline 'console=ttyS0 quiet' \
	--name vm1 --stats >corpus/fuzz_cli/plain
args --kernel k --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 \
	--vfio rp0:0000:01:00.0 --vfio rp1:10de:*,trap >corpus/fuzz_cli/pcie
args --kernel=k --initrd=i --sandbox-id=64000:64000 --policy=/etc/airlock/policy.conf >corpus/fuzz_cli/equals
args --kernel k --vfio rp0:0000:01:00.0 >corpus/fuzz_cli/undeclared-port
args --kernel k --memory 3M >corpus/fuzz_cli/too-little-memory
args --help >corpus/fuzz_cli/help
# After an empty argument, the VM file the arguments name.
{ args t1 --memory 64M; printf '\0\0'; printf '%s\n' '# t1' 'kernel /k' 'cmdline a  b # c' 'pcie-root-complex rc0' \
	'pcie-root-port rc0:rp0' 'vfio rp0:0000:01:00.0' hugepages 'name t1'; } >corpus/fuzz_cli/vm-file
{ args --config /c --vfio rp0:10de:*; printf '\0\0'; printf '%s\n' 'kernel k' 'memory 1G' 'memory 2G'; } \
	>corpus/fuzz_cli/vm-file-bad

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

# fuzz_pcie: a set-up byte (bits 5-6: 0 nvme and e1000e behind root ports 0
# and 1, 1 e1000e and nvme, 2 edu and nvme, 3 e1000e and edu), then
# operations: an op byte (kind, size, write, aux) and its operands, a
# write's value last (tests/fuzz/fuzz_pcie.c says what each kind does).
op() {	# KIND SIZE WRITE [AUX]
	local lg=0
	case $2 in 2) lg=1 ;; 4) lg=2 ;; 8) lg=3 ;; esac
	u8 $(($1 | lg << 3 | $3 << 5 | ${4:-0} << 6))
}
val() { case $1 in 1) u8 "$2" ;; 2) u16 "$2" ;; 4) u32 "$2" ;; *) u64 "$2" ;; esac; }	# SIZE VALUE
ecam_rd() { op 0 "$4" 0; u8 "$1"; u8 $(($2 << 3)); u16 "$3"; }			# BUS DEV REG SIZE
ecam_wr() { op 0 "$4" 1; u8 "$1"; u8 $(($2 << 3)); u16 "$3"; val "$4" "$5"; }	# BUS DEV REG SIZE VALUE
cf8_rd()  { op 1 "$3" 0 "$2"; u32 "$1"; }					# CF8 OFF SIZE
cf8_wr()  { op 1 "$3" 1 "$2"; u32 "$1"; val "$3" "$4"; }			# CF8 OFF SIZE VALUE
cfg_rd()  { op 2 "$3" 0; u8 "$1"; u16 "$2"; }					# DEV REG SIZE
cfg_wr()  { op 2 "$3" 1; u8 "$1"; u16 "$2"; val "$3" "$4"; }			# DEV REG SIZE VALUE
mem_rd()  { op 3 "$3" 0; u8 "$1"; u32 "$2"; }					# TARGET OFF SIZE
mem_wr()  { op 3 "$3" 1; u8 "$1"; u32 "$2"; val "$3" "$4"; }			# TARGET OFF SIZE VALUE
io_rd()   { op 4 "$3" 0; u8 "$1"; u16 "$2"; }					# TARGET OFF SIZE
io_wr()   { op 4 "$3" 1; u8 "$1"; u16 "$2"; val "$3" "$4"; }			# TARGET OFF SIZE VALUE
# windows PORT MEM-BASE MEM-LIMIT PREF-BASE PREF-LIMIT PREF-BASE-HI PREF-LIMIT-HI IO-BASE IO-LIMIT COMMAND
windows() { op 5 1 0; u8 "$1"; u16 "$2"; u16 "$3"; u16 "$4"; u16 "$5"; u32 "$6"; u32 "$7"; u8 "$8"; u8 "$9"; u16 "${10}"; }
bar()     { op 6 1 0 "${4:-0}"; u8 "$1"; u8 "$2"; u64 "$3"; }			# DEV BAR ADDRESS [AUX]
irq()     { op 7 1 0; u8 "$1"; u8 "$2"; }						# DEV VECTOR
# Root port 0: memory [0xc0000000, 0xc3ffffff], prefetchable [512 GiB, +256 MiB),
# I/O [0x2000, 0x2fff]; port 1 the next ones; both decoding (I/O, memory, bus master).
open0() { windows 0 0xc000 0xc3f0 0x0000 0x0ff0 0x80 0x80 0x20 0x20 7; }
open1() { windows 1 0xc400 0xc7f0 0x1000 0x1ff0 0x80 0x80 0x30 0x30 7; }
# Targets of mem_rd/mem_wr: BAR n of device d is 2 + n + 16 * d, its ROM 8, MSI-X table 9, PBA 10.
pcie=corpus/fuzz_pcie
{	# nvme's 64-bit BAR0 and e1000e's three memory BARs and I/O BAR placed, decoded, used
	u8 0; open0; open1
	bar 0 0 0xc0000000 1; bar 1 0 0xc4000000; bar 1 1 0xc4020000; bar 1 3 0xc4040000; bar 1 2 0x3000 1
	cfg_rd 0 0x10 4; cfg_rd 0 0x14 4; cfg_rd 1 0x18 4
	mem_rd 2 0 8; mem_wr 2 0x14 4 0x460001; mem_rd 0x12 8 4; mem_rd 0x15 0x1000 4
	io_rd 0x81 0 4; io_wr 0x81 4 4 0x12345678; io_rd 0x81 0x1e 2
} >$pcie/place-and-decode
{	# MSI-X as Linux turns it on: function masked, entries written, unmasked; vectors fire while masked
	u8 0; open0; open1; bar 0 0 0xc0000000 1; bar 1 3 0xc4040000 1
	cfg_wr 0 0x42 2 0xc000; mem_wr 9 0 8 0xfee00000; mem_wr 9 8 8 0x4021; cfg_wr 0 0x42 2 0x8000
	irq 0 0; irq 0 1; mem_rd 10 0 8; mem_wr 9 12 4 1; irq 0 0; mem_rd 10 0 8; mem_wr 9 12 4 0
	mem_rd 9 0 4; mem_wr 9 0x10 4 0xfee01000; mem_wr 9 0x1c 4 0; mem_wr 10 0 8 0
	cfg_wr 1 0xa2 2 0x8000; mem_wr 0x19 0x10 8 0xfee02000; mem_wr 0x19 0x1c 4 0; irq 1 1; mem_rd 0x1a 0 8
	cfg_wr 0 0x42 2 0; cfg_wr 1 0xa2 2 0
} >$pcie/msix
{	# edu (INTx, MSI, a ROM) and nvme: MSI on and off, the ROM enabled and read, written
	u8 $((0x40 | 0x80)); open0; open1; bar 0 0 0xc0000000 1; irq 0 0
	cfg_wr 0 0x44 4 0xfee00000; cfg_wr 0 0x4c 2 0x4041; cfg_wr 0 0x42 2 1; irq 0 0; cfg_rd 0 0x40 4
	cfg_wr 0 0x42 2 0; cfg_wr 0 0x30 4 0xfffff800; cfg_rd 0 0x30 4; bar 0 6 0xc0100001
	mem_rd 8 0x10 8; mem_wr 8 0 4 0; mem_rd 2 0 4; mem_wr 2 8 4 5
} >$pcie/edu-msi-rom
{	# nvme's BAR0 moved onto the local APIC, the I/O APIC and ECAM, inside a window opened over them
	u8 0; windows 0 0xc000 0xfff0 0 0 0 0 0 0 2; bar 0 0 0xc0000000 1
	bar 0 0 0xfee00000; mem_rd 11 0x30 4; mem_wr 11 0xb0 4 0; mem_rd 2 0 4
	bar 0 0 0xfec00000; bar 0 0 0xe0000000; ecam_rd 0 0 0 4; mem_rd 12 0 4; bar 0 0 0xc0000000
} >$pcie/bar-on-lapic
{	# a window over guest RAM, a BAR in it: over RAM never, just above it yes
	u8 0; windows 0 0x0000 0x0ff0 0 0 0 0 0 0 2; bar 0 0 0x00100000 1; mem_rd 0 0x100000 4
	bar 0 0 0x03ffc000; bar 0 0 0x04000000; mem_rd 0 0x04000000 4
} >$pcie/window-over-ram
{	# both ports' windows the same; the devices' BARs on one another, then apart
	u8 0; windows 0 0xc000 0xc3f0 0 0 0 0 0 0 2; windows 1 0xc000 0xc3f0 0 0 0 0 0 0 2
	bar 0 0 0xc0000000 1; bar 1 0 0xc0000000 1; bar 1 1 0xc0020000; bar 1 0 0xc0040000
	bar 0 0 0xc0020000; bar 0 0 0xc0060000; mem_rd 0x12 0 4; mem_rd 0x12 0x40000 4
} >$pcie/bars-overlap
{	# the type 1 mechanism: port 0's windows and nvme's BAR through 0xcf8/0xcfc, odd sizes beside
	u8 0; cf8_wr 0x80000820 0 4 0xc3f0c000; cf8_wr 0x80000804 0 2 7; cf8_wr 0x80000818 1 1 1
	cf8_wr 0x80010010 0 4 0xc0000000; cf8_wr 0x80010014 0 4 0; cf8_wr 0x80010004 0 2 6
	cf8_rd 0x80010000 0 4; cf8_rd 0x80010000 2 2; cf8_rd 0x80010008 3 1; cf8_rd 0x00010000 0 4
	io_rd 0 0xcf8 4; io_rd 0 0xcf8 2; io_rd 0 0xcfe 2; io_wr 0 0xcfd 1 0; io_rd 0 0xcff 4
	mem_rd 2 0x1000 4
} >$pcie/cf8-cfc
{	# a mapped BAR through the port's D3hot, Link Disable and decode enable, the device's D3hot
	u8 0; open0; bar 0 0 0xc0000000 1
	ecam_wr 0 1 0x44 2 3; cfg_rd 0 0 4; ecam_wr 0 1 0x44 2 1; ecam_wr 0 1 0x44 2 0
	ecam_wr 0 1 0x58 2 0x10; ecam_rd 0 1 0x5a 2; ecam_wr 0 1 0x58 2 0; ecam_wr 0 1 0x5e 2 0xffff
	ecam_wr 0 1 4 2 0; ecam_wr 0 1 4 2 2; cfg_wr 0 0x64 2 3; mem_rd 2 0 4; cfg_wr 0 0x64 2 0
	cfg_wr 0 4 2 0; cfg_wr 0 4 2 2; windows 0 0xc100 0xc3f0 0 0 0 0 0 0 2; windows 0 0xc000 0xc3f0 0 0 0 0 0 0 2
} >$pcie/power-and-link
{	# nvme's BAR0 in the prefetchable window above 4 GiB, half written, sized while decoding
	u8 0; open0; bar 0 0 0x8000000000 1; mem_rd 2 0 4; bar 0 0 0x8000100000 2; mem_rd 2 0 4
	cfg_wr 0 0x14 4 0x80; cfg_wr 0 0x10 4 0xffffffff; cfg_rd 0 0x10 4; cfg_wr 0 0x10 4 0x00200000
	cfg_wr 0 0x14 4 0xffffffff; cfg_rd 0 0x14 4; cfg_wr 0 0x14 4 0x80; cfg_rd 1 0x30 4
	ecam_rd 0 1 0x24 8; ecam_wr 0 1 0x28 8 0x8100000080
} >$pcie/bar-64bit-half
{	# every second memory slot KVM refuses: those pieces stay trapped
	u8 2; open0; open1; bar 0 0 0xc0000000 1; bar 1 0 0xc4000000; bar 1 1 0xc4020000; bar 1 3 0xc4040000 1
	mem_rd 0x12 0x100 4; mem_rd 0x15 0x1000 4; mem_rd 0x1f 0x02000010 4; bar 1 0 0xc4100000; mem_rd 0x12 0 4
} >$pcie/slots-refused
{	# VFIO and KVM refuse interrupts: MSI-X turned on and used all the same
	u8 $((0x18 | 0x80)); open0; bar 0 0 0xc0000000 1; cfg_wr 0 0x42 2 0x8000
	mem_wr 9 0 8 0xfee00000; mem_wr 9 8 8 0x4021; irq 0 0; mem_rd 10 0 8; cfg_wr 0 0x42 2 0; irq 1 0
} >$pcie/interrupts-refused
{	# bus numbers moved: the device follows its port's secondary bus; overlapping ranges hide one
	u8 0; ecam_wr 0 1 0x19 1 5; ecam_wr 0 1 0x1a 1 5; cfg_rd 0 0 4; ecam_rd 5 0 0 4; ecam_rd 1 0 0 4
	ecam_wr 0 2 0x18 4 0x090300; ecam_rd 3 0 0 4; ecam_wr 0 1 0x18 4 0x090100; ecam_rd 3 0 0 4
	ecam_rd 5 1 0 4; op 0 4 0; u8 40; u8 0; u16 0; op 0 4 0; u8 1; u8 1; u16 0; ecam_rd 0 0 2 4
} >$pcie/bus-numbers
{	# e1000e behind port 0: its I/O BAR inside and outside the I/O window, MSI-X in BAR3 beside registers
	u8 $((0x20)); open0; bar 0 2 0x2040 1; io_rd 0x80 0 4; io_wr 0x80 0x10 2 0xabcd; io_rd 0 0x205f 1
	io_rd 0 0x2060 1; bar 0 2 0x5000; io_rd 0x80 0 4; bar 0 3 0xc0040000; cfg_wr 0 0xa2 2 0xc000
	mem_wr 9 0 8 0xfee00000; mem_rd 10 0 8; mem_rd 5 0x1000 4; mem_rd 5 0x3000 4; mem_wr 5 0x2000 4 1
} >$pcie/io-bar-and-msix-beside
{	# e1000e and edu: mapped pieces reached through the trapped path too
	u8 $((0x60)); open0; open1; bar 0 0 0xc0000000 1; bar 0 1 0xc0020000; bar 1 0 0xc4000000 1
	mem_rd 15 0x01000010 4; mem_rd 0x1f 0x00000008 8; mem_wr 15 0 4 1; mem_rd 13 0x20000 4; mem_rd 14 0 4
	mem_rd 1 0 4
} >$pcie/through-mapped-pieces
