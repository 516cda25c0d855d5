# shellcheck shell=sh
# A Linux guest with edu behind one root port and an NVMe controller behind
# another moves edu's BAR0, memory decoding on, where it must not decode:
# onto the local APIC's page, over a page of its own RAM, outside its root
# port's window, onto the NVMe controller's BAR0 and onto ECAM; the APIC,
# RAM and ECAM cases also with the port's window opened over the place.
# After each move the guest's shell still answers and its local timer
# ticks, the address still reaches what it reached before (the APIC's
# version register, the RAM's bytes, all ones, the controller's
# registers, the host bridge's IDs), and for the APIC, RAM and ECAM the
# VMM said the BAR does not decode there. Back at home edu answers again,
# and at the end edu-test drives it (ID, factorial, a 2048-byte DMA round
# trip) and the controller reads the disk pattern. Then the root port's
# memory enable is turned off (edu's BAR reads all ones) and on again
# (edu answers, edu-test passes). The guest runs with iomem=relaxed so
# that /dev/mem reaches the MMIO the kernel claimed (bar-move.c).
# timeout: 300

edu=$(device_bdf edu)
nvme=$(device_bdf nvme)
drive=$(device_drive nvme)
EDU=0000:01:00.0
NVME=0000:02:00.0
RP0=0000:00:01.0
RP1=0000:00:02.0
EDU_ID=0x010000ed
ALL_ONES=0xffffffff
LAPIC=0xfee00000
ECAM=0xe0000000
HOST_BRIDGE_IDS=0x00081b36
ROOT_PORT_IDS=0x000c1b36

seq=0
reply=
val=
where="while it booted"

# tool ARGS...: runs "bar-move ARGS" in the guest; $reply is its line
# after "BARMOVE TAG ". The typed command echoed back does not match.
tool() {
	seq=$((seq + 1))
	printf '%s\n' "bar-move -t q$seq $*" >&3
	wait_for "BARMOVE q$seq " 60 "$where"
	reply=$(grep -a "BARMOVE q$seq " output | tail -n 1 | tr -d '\r')
	reply=${reply#*"BARMOVE q$seq "}
	case $reply in error*) fail "bar-move $* in the guest $where: $reply" ;; esac
	echo "  bar-move $*: $reply"
}

# field N: the Nth word of $reply.
field() {
	echo "$reply" | awk -v n="$1" '{ print $n }'
}

# mem ADDR: $val, the 32-bit word at guest physical ADDR (through /dev/mem).
mem() {
	tool mem-read "$(printf '0x%x' "$(($1))")"
	val=$(field 3)
}

# same A B: true if the two numbers are equal.
same() {
	[ "$(($1))" -eq "$(($2))" ]
}

# alive: the guest's shell runs a command and its local timer ticks.
alive() {
	seq=$((seq + 1))
	printf '%s\n' "echo ALIVE-q$seq-\$((6*7))" >&3
	wait_for "ALIVE-q$seq-42" 60 "$where"
	tool ticks
	case $reply in *" ok") ;; *) fail "the guest's local timer stopped $where: $reply" ;; esac
}

# set_bar ADDR: writes edu's BAR0 (32 bits) through its config space; it reads back as written.
set_bar() {
	tool cfg-write "$EDU" 0x10 "$(printf '0x%x' "$(($1))")"
	same "$(field 6)" "$1" || fail "edu's BAR0 reads $(field 6) after the guest wrote $1 to it"
}

# window_over ADDR: root port rp0's memory window becomes exactly the 1 MiB at ADDR.
window_over() {
	w=$(((($1) >> 16) & 0xfff0))
	tool cfg-write "$RP0" 0x20 "$(printf '0x%08x' $((w | w << 16)))"
}

# window_back: rp0's memory window as Linux left it.
window_back() {
	tool cfg-write "$RP0" 0x20 "$rp0_window"
}

# vmm_said ADDR: airlock's output has the VMM's line about BAR0 placed at ADDR.
vmm_said() {
	digits=$(printf '%x' "$(($1))")
	grep -a 'placed BAR0' output | grep -qi -- "$digits" ||
		fail "the VMM said nothing like 'placed BAR0 ... $1' $where"
	echo "  the VMM said: $(grep -a 'placed BAR0' output | grep -i -- "$digits" | tail -n 1 | tr -d '\r')"
}

# home: edu's BAR0 back where Linux put it, and edu answers there.
home() {
	where="after the guest put edu's BAR0 back at $edu_bar"
	set_bar "$edu_bar_reg"
	mem "$edu_bar"
	same "$val" "$EDU_ID" || fail "edu's ID register at $edu_bar reads $val $where, not $EDU_ID"
	alive
}

# edu_test: edu-test in the guest: ID, liveness, factorial, 2048-byte DMA.
edu_test() {
	seq=$((seq + 1))
	printf '%s\n' "edu-test $EDU | sed 's/^/q$seq /'; echo EDU-DONE-q$seq-\$((6*7))" >&3
	wait_for "EDU-DONE-q$seq-42" 120 "$where"
	grep -a "q$seq GUEST-EDU" output | tr -d '\r'
	for line in "id $EDU_ID" "live ok" "fact 10 3628800" "dma 2048 ok"; do
		grep -aqF "q$seq GUEST-EDU $EDU $line" output || fail "edu-test did not say '$line' $where"
	done
}

step "airlock run ... --vfio rp0:$edu --vfio rp1:$nvme, the guest's shell on COM1 (iomem=relaxed)"
guest_shell "iomem=relaxed" --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 \
	--vfio "rp0:$edu" --vfio "rp1:$nvme"
expect_line output "GUEST-PCI $EDU 1234:11e8:00ff00 -"
expect_line output "GUEST-PCI $NVME 1b36:0010:010802 nvme"
expect_line output "GUEST-EDU $EDU id $EDU_ID"
disk=$(grep -a "^GUEST-BLOCK nvme" output | head -n 1 | awk '{ print $2 }')
[ -n "$disk" ] || fail "the guest has no NVMe disk (no GUEST-BLOCK nvme... line)"

step "where things are before any move"
where="before any move"
tool cfg-read "$RP0" 0
same "$(field 4)" "$ROOT_PORT_IDS" || fail "$RP0 is not the first root port: IDs $(field 4)"
tool cfg-read "$RP1" 0
same "$(field 4)" "$ROOT_PORT_IDS" || fail "$RP1 is not the second root port: IDs $(field 4)"
tool cfg-read "$EDU" 4 2
[ $(($(field 4) & 2)) -ne 0 ] || fail "edu's memory decoding is off (command $(field 4))"
tool cfg-read "$EDU" 0x10
edu_bar_reg=$(field 4)
tool bar "$EDU" 0
edu_bar=$(field 5)
edu_size=$(field 7)
same "$edu_size" 0x100000 || fail "edu's BAR0 is $edu_size bytes, not 1 MiB"
same "$edu_bar" "$((edu_bar_reg & ~0xf))" || fail "edu's BAR0 register $edu_bar_reg, its address $edu_bar"
mem "$edu_bar"
same "$val" "$EDU_ID" || fail "edu's ID register at $edu_bar reads $val through /dev/mem, not $EDU_ID"
tool bar "$NVME" 0
nvme_bar=$(field 5)
mem "$((nvme_bar + 8))"
nvme_vs=$val
same "$nvme_vs" "$ALL_ONES" && fail "the NVMe controller's version register at $nvme_bar+8 reads all ones"
mem "$((nvme_bar))"
nvme_cap=$val
mem "$((LAPIC + 0x30))"
lapic_ver=$val
mem "$ECAM"
same "$val" "$HOST_BRIDGE_IDS" || fail "ECAM at $ECAM reads $val, not the host bridge's IDs $HOST_BRIDGE_IDS"
tool cfg-read "$RP0" 0x20
rp0_window=$(field 4)
tool window "$RP0"
rp0_lo=$(field 4) rp0_hi=$(field 5) rp0_plo=$(field 7) rp0_phi=$(field 8)
tool window "$RP1"
rp1_lo=$(field 4) rp1_hi=$(field 5) rp1_plo=$(field 7) rp1_phi=$(field 8)
echo "  edu BAR0 $edu_bar ($edu_size bytes), nvme BAR0 $nvme_bar (VS $nvme_vs)," \
	"local APIC version $lapic_ver, rp0 window $rp0_lo-$rp0_hi, rp1 window $rp1_lo-$rp1_hi"
alive

step "edu's BAR0 onto the local APIC's page ($LAPIC)"
# lapic_check: the APIC, not edu, answers at its page.
lapic_check() {
	mem "$((LAPIC + 0x30))"
	same "$val" "$lapic_ver" || fail "$LAPIC+0x30 reads $val $where, not the local APIC's version $lapic_ver"
	mem "$LAPIC"
	same "$val" "$EDU_ID" && fail "$LAPIC reads edu's ID register $where"
	return 0
}
where="after the guest moved edu's BAR0 onto the local APIC ($LAPIC), outside rp0's window"
set_bar "$LAPIC"
alive
lapic_check
where="with edu's BAR0 on the local APIC ($LAPIC) and rp0's memory window opened over it"
window_over "$LAPIC"
alive
lapic_check
vmm_said "$LAPIC"
window_back
home

step "edu's BAR0 over a page of the guest's own RAM"
where="after the guest moved edu's BAR0 over its own RAM"
seq=$((seq + 1))
ram=q$seq
printf '%s\n' "rm -f /bar-move-go; bar-move -t $ram ram $EDU 0 /bar-move-go &" >&3
wait_for "BARMOVE $ram ram moved" 60 "$where"
reply=$(grep -a "BARMOVE $ram ram moved" output | tail -n 1 | tr -d '\r')
reply=${reply#*"BARMOVE $ram "}
echo "  $reply"
ram_bar=$(field 5)
[ -n "$ram_bar" ] || fail "bar-move did not say where it moved edu's BAR0: $reply"
alive
where="with edu's BAR0 over the guest's own RAM ($ram_bar) and rp0's memory window opened over it"
window_over "$ram_bar"
alive
printf '%s\n' "touch /bar-move-go" >&3
wait_for "BARMOVE $ram ram $ram_bar " 60 "$where"
reply=$(grep -a "BARMOVE $ram ram $ram_bar " output | tail -n 1 | tr -d '\r')
reply=${reply#*"BARMOVE $ram "}
echo "  $reply"
case $reply in *" ok "*) ;; *) fail "the guest's RAM under edu's BAR0 did not read and write as RAM: $reply" ;; esac
vmm_said "$ram_bar"
window_back
home

step "edu's BAR0 outside rp0's window"
# outside LO HI: true if the 1 MiB at $out lies outside [LO, HI].
outside() {
	[ "$((out + 0xfffff))" -lt "$(($1))" ] || [ "$((out))" -gt "$(($2))" ]
}
out=0xc7f00000
until outside "$rp0_lo" "$rp0_hi" && outside "$rp1_lo" "$rp1_hi" && outside "$rp0_plo" "$rp0_phi" &&
	outside "$rp1_plo" "$rp1_phi"; do
	out=$((out - 0x100000))
	[ "$out" -gt "$((0xc0000000))" ] || fail "no free MiB in rc0's 32-bit window outside both ports' windows"
done
out=$(printf '0x%x' "$out")
where="after the guest moved edu's BAR0 to $out, outside its root port's window"
set_bar "$out"
alive
mem "$out"
same "$val" "$ALL_ONES" || fail "$out reads $val $where, not all ones"
mem "$edu_bar"
same "$val" "$ALL_ONES" || fail "edu's old place $edu_bar reads $val $where, not all ones"
home

step "edu's BAR0 onto the NVMe controller's BAR0 ($nvme_bar)"
onto=$(printf '0x%x' "$((nvme_bar & ~(edu_size - 1)))")
where="after the guest moved edu's BAR0 to $onto, over the NVMe controller's BAR0"
set_bar "$onto"
alive
mem "$((nvme_bar + 8))"
same "$val" "$nvme_vs" || fail "the NVMe version register reads $val $where, not $nvme_vs"
mem "$((nvme_bar))"
same "$val" "$nvme_cap" || fail "the NVMe capabilities read $val $where, not $nvme_cap"
seq=$((seq + 1))
printf '%s\n' "disk-pattern check /dev/$disk $drive 1M; echo DISK-DONE-q$seq-\$((6*7))" >&3
wait_for "DISK-DONE-q$seq-42" 120 "$where"
expect_line output "GUEST-DISK $disk read 1048576 ok"
home

step "edu's BAR0 onto ECAM ($ECAM)"
# ecam_check: ECAM, not edu, answers there, and config space works.
ecam_check() {
	mem "$ECAM"
	same "$val" "$HOST_BRIDGE_IDS" || fail "$ECAM reads $val $where, not the host bridge's IDs $HOST_BRIDGE_IDS"
	tool cfg-read "$RP1" 0
	same "$(field 4)" "$ROOT_PORT_IDS" || fail "$RP1's IDs read $(field 4) $where"
}
where="after the guest moved edu's BAR0 onto ECAM ($ECAM), outside rp0's window"
set_bar "$ECAM"
alive
ecam_check
where="with edu's BAR0 on ECAM ($ECAM) and rp0's memory window opened over it"
window_over "$ECAM"
alive
ecam_check
vmm_said "$ECAM"
window_back
home

step "edu, back at home, driven by edu-test: ID, factorial, a 2048-byte DMA round trip"
edu_test

step "rp0's memory space enable off: edu's BAR0 reads all ones; on again: edu answers"
tool cfg-read "$EDU" 4 2
[ $(($(field 4) & 2)) -ne 0 ] || fail "edu's memory decoding is off (command $(field 4))"
tool cfg-read "$RP0" 4 2
rp0_cmd=$(field 4)
[ $((rp0_cmd & 2)) -ne 0 ] || fail "rp0's memory space enable is off already (command $rp0_cmd)"
where="after the guest turned rp0's memory space enable off"
tool cfg-write "$RP0" 4 "$(printf '0x%04x' $((rp0_cmd & ~2)))" 2
alive
mem "$edu_bar"
same "$val" "$ALL_ONES" || fail "edu's ID register at $edu_bar reads $val $where, not all ones"
where="after the guest turned rp0's memory space enable on again"
tool cfg-write "$RP0" 4 "$rp0_cmd" 2
mem "$edu_bar"
same "$val" "$EDU_ID" || fail "edu's ID register at $edu_bar reads $val $where, not $EDU_ID"
alive
edu_test

step "the guest powers off"
where="at power-off"
guest_shell_end
