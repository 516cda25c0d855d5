# shellcheck shell=bash
# Shared host-side functions of the test-host scripts (bash). Source it; it
# sets TESTHOST_SRC, REPO_ROOT, TESTHOST_BUILD and TESTHOST_CACHE.

TESTHOST_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$TESTHOST_SRC/../.." && pwd)
TESTHOST_BUILD=${TESTHOST_BUILD:-$REPO_ROOT/build/testhost}
TESTHOST_CACHE=${TESTHOST_CACHE:-$TESTHOST_BUILD/cache}

# Host packages the test host needs (command to look for, package providing it).
HOST_TOOLS=(
	"qemu-system-x86_64 qemu-system-x86"
	"cpio cpio"
	"modprobe kmod"
	"depmod kmod"
	"xz xz-utils"
	"zstd zstd"
	"timeout coreutils"
	"jq jq"
	# The host tier's tools, for the scenario host-tier.
	"setpriv util-linux"
	"script bsdutils"
	"pgrep procps"
	"cmp diffutils"
)

say() { printf '[testhost] %s\n' "$*" >&2; }
die() { printf '[testhost] error: %s\n' "$*" >&2; exit 1; }

# apt-get install PKG..., running `apt-get update` once if a package is unknown.
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	local install=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120)
	if ! "${install[@]}" "$@" >/dev/null 2>&1; then
		say "apt-get update"
		apt-get update -q >/dev/null || die "apt-get update failed"
		"${install[@]}" "$@" >/dev/null || die "apt-get install $* failed"
	fi
}

# busybox must be the static one: it runs in initramfs images without libraries.
have_static_busybox() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' busybox-static 2>/dev/null)" = installed ]
}

ensure_host_tools() {
	local missing=() entry
	for entry in "${HOST_TOOLS[@]}"; do
		command -v "${entry%% *}" >/dev/null || missing+=("${entry#* }")
	done
	have_static_busybox || missing+=(busybox-static)
	[ ${#missing[@]} -eq 0 ] && return 0
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	[ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); install them as root"
	say "installing ${missing[*]}"
	apt_install "${missing[@]}"
	have_static_busybox || die "busybox-static did not install"
}

# The linux-image-X.Y.Z-N-amd64 package that linux-image-amd64 depends on.
# TESTHOST_KERNEL_PKG overrides it.
kernel_package() {
	local pkg=${TESTHOST_KERNEL_PKG:-}
	[ -n "$pkg" ] || pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ && !found++ { print $2 }')
	if [ -z "$pkg" ]; then
		say "apt-get update (to find linux-image-amd64)"
		apt-get update -q >/dev/null 2>&1 || true
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ && !found++ { print $2 }')
	fi
	if [ -z "$pkg" ]; then
		# Offline: fall back to the newest kernel already in the cache.
		pkg=$(find "$TESTHOST_CACHE/kernel" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
		[ -n "$pkg" ] || die "cannot find Debian's linux-image-amd64 package (apt-get update?)"
		say "apt has no linux-image-amd64; using cached $pkg"
	fi
	printf '%s\n' "$pkg"
}

# Download and unpack the kernel package once; prints the unpacked tree.
# The tree has boot/vmlinuz-KVER and lib/modules/KVER with a modules.dep.
# Older kernels in the cache are removed once a newer one is in.
fetch_kernel() {
	local pkg=$1 dir="$TESTHOST_CACHE/kernel/$1" debs="$TESTHOST_CACHE/debs" deb
	if [ -e "$dir/.complete" ]; then
		printf '%s\n' "$dir"
		return 0
	fi
	mkdir -p "$debs"
	deb=$(find "$debs" -mindepth 1 -maxdepth 1 -name "${pkg}_*.deb" 2>/dev/null | sort | head -n 1 || true)
	if [ -z "$deb" ]; then
		say "downloading $pkg"
		if ! download_deb "$pkg" "$debs"; then
			# The package lists may be older than the archive.
			say "apt-get update"
			apt-get update -q >/dev/null 2>&1 || true
			download_deb "$pkg" "$debs" || die "apt-get download $pkg failed"
		fi
		deb=$(find "$debs" -mindepth 1 -maxdepth 1 -name "${pkg}_*.deb" | sort | head -n 1)
	fi
	say "unpacking $(basename "$deb")"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir"
	depmod -b "$dir" "$(kernel_version "$dir")"
	touch "$dir/.complete"
	find "$TESTHOST_CACHE/kernel" -mindepth 1 -maxdepth 1 ! -name "$pkg" -exec rm -rf {} +
	find "$debs" -name '*.deb' ! -name "${pkg}_*" -delete
	printf '%s\n' "$dir"
}

download_deb() {
	(cd "$2" && apt-get download -q -o APT::Sandbox::User=root "$1" >/dev/null 2>&1)
}

# KVER of an unpacked kernel tree.
kernel_version() {
	local v
	v=$(find "$1/lib/modules" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' | sort | head -n 1)
	[ -n "$v" ] || die "no lib/modules in $1"
	printf '%s\n' "$v"
}

# Debian's headers for kernel KVER (linux-headers-KVER), installed on the
# build host when missing; prints their build tree.
ensure_kernel_headers() {
	local kver=$1 dir=/usr/src/linux-headers-$1
	if [ ! -e "$dir/Makefile" ]; then
		[ "$(id -u)" -eq 0 ] || die "linux-headers-$kver is missing; install it as root"
		say "installing linux-headers-$kver"
		apt_install "linux-headers-$kver"
		[ -e "$dir/Makefile" ] || die "linux-headers-$kver did not install $dir/Makefile"
	fi
	printf '%s\n' "$dir"
}

# Builds guestfs/edu-irq/airlock_edu.ko for kernel KVER; prints its path.
# The sources are copied with their times into a build directory of their
# own, so kbuild leaves the source tree clean and rebuilds only on change.
build_edu_module() {
	local kver=$1 headers dir=$TESTHOST_BUILD/edu-irq/$1
	headers=$(ensure_kernel_headers "$kver")
	mkdir -p "$dir"
	cp -p "$TESTHOST_SRC"/guestfs/edu-irq/* "$dir/"
	if ! make -C "$headers" M="$dir" modules >"$dir/build.log" 2>&1; then
		sed 's/^/    /' "$dir/build.log" >&2
		die "building airlock_edu.ko against $headers failed"
	fi
	printf '%s\n' "$dir/airlock_edu.ko"
}

# Print, in load order and without duplicates, the module files needed to
# load the named modules (dependencies first). Built-in modules print nothing.
resolve_modules() {
	local kdir=$1 kver=$2 m
	shift 2
	for m in "$@"; do
		modprobe -C /dev/null -d "$kdir" -S "$kver" --show-depends "$m" ||
			die "kernel $kver has no module $m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# Copy modules (decompressing .ko.xz/.ko.zst/.ko.gz) into DEST/lib/modules/
# and write DEST/lib/modules/load.list, which names them in load order.
install_modules() {
	local kdir=$1 kver=$2 dest=$3 list=${INSTALL_MODULES_LIST:-load.list} ko name
	shift 3
	mkdir -p "$dest/lib/modules"
	: >"$dest/lib/modules/$list"
	resolve_modules "$kdir" "$kver" "$@" >"$dest/lib/modules/.resolved"
	while read -r ko; do
		name=$(basename "$ko")
		name=${name%.xz} name=${name%.zst} name=${name%.gz}
		# A dependency an earlier list loads already.
		[ -e "$dest/lib/modules/$name" ] && continue
		case $ko in
		*.ko.xz) xz -dc "$ko" >"$dest/lib/modules/$name" ;;
		*.ko.zst) zstd -qdc "$ko" >"$dest/lib/modules/$name" ;;
		*.ko.gz) gzip -dc "$ko" >"$dest/lib/modules/$name" ;;
		*.ko) cp "$ko" "$dest/lib/modules/$name" ;;
		*) die "unexpected module file $ko" ;;
		esac
		printf '%s\n' "$name" >>"$dest/lib/modules/$list"
	done <"$dest/lib/modules/.resolved"
	rm -f "$dest/lib/modules/.resolved"
}

# A minimal root tree with the static busybox and its applets as symlinks.
make_busybox_root() {
	local root=$1 applet
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,etc,proc,sys,run,tmp,root}
	ln -s bin "$root/sbin"
	mkdir -p "$root/usr"
	ln -s ../bin "$root/usr/bin"
	ln -s ../bin "$root/usr/sbin"
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
	done
	mknod -m 600 "$root/dev/console" c 5 1
	mknod -m 666 "$root/dev/null" c 1 3
	chmod 1777 "$root/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
		>"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

# Install a dynamically linked program and the shared libraries it loads
# (as ldd finds them on the build host) into a root tree.
install_with_libs() {
	local root=$1 bin=$2 dest=$3 lib
	install -D -m 0755 "$bin" "$root$dest"
	for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}

# Pack a root tree into an uncompressed newc cpio (the kernel unpacks it
# fastest that way), every file owned by root.
pack_cpio() {
	local root=$1 out=$2
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
	mv "$out.tmp" "$out"
}

# Console text without carriage returns and terminal control sequences
# (SeaBIOS resets the terminal, ESC c, in mid-line: that starts a new line).
clean_console() {
	sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc/\n/g' -e 's/\r$//' -e 's/\r//g'
}

# scenarios_for_another_boot LOG NAME...: of these scenarios, those another
# boot of the test host should run: no result in LOG (the serial logs of
# every boot so far, one after the other), and not already running twice
# when the test host died, so that one scenario that brings the test host
# down cannot use up every boot. Those it died in come last, after the
# ones it never got to.
scenarios_for_another_boot() {
	local log=$1
	shift
	clean_console <"$log" | awk -v names="$*" '
		BEGIN { n = split(names, order, " ") }
		$1 == "SCENARIO-BEGIN" { began[$2]++ }
		$1 == "SCENARIO-RESULT" { done[$2] = 1 }
		END {
			for (i = 1; i <= n; i++)
				if (!(order[i] in done) && !(order[i] in began)) print order[i]
			for (i = 1; i <= n; i++)
				if (!(order[i] in done) && began[order[i]] == 1) print order[i]
		}'
}

# Read tests/testhost/devices.conf: prints "name bdf id qemu-device" rows.
device_table() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TESTHOST_SRC/devices.conf"
}

# The build host's disk-pattern (guestfs/disk-pattern.c), built when it is
# missing or older than its source; prints its path.
build_disk_pattern() {
	local tool=$TESTHOST_BUILD/tools/disk-pattern src=$TESTHOST_SRC/guestfs/disk-pattern.c
	if [ ! -x "$tool" ] || [ "$src" -nt "$tool" ]; then
		mkdir -p "${tool%/*}"
		gcc -O2 -Wall -Wextra -Werror -o "$tool.$$" "$src" || die "cannot build $tool from $src"
		mv "$tool.$$" "$tool"
	fi
	printf '%s\n' "$tool"
}

# QEMU arguments for one device row; raw images for drive=ID go to IMGDIR.
# Each image is 128 MiB, made afresh: the first 64 MiB hold disk-pattern's
# pattern, which starts with the line "AIRLOCK-DISK ID" (so a guest can
# check it reads the right disk) and which a guest can verify sector by
# sector; the rest is zeros, for guests to write to. netdev=ID gets QEMU's
# user network with restrict=on: a peer for the NIC, with no way out of QEMU.
qemu_device_args() {
	local name=$1 imgdir=$2 row bdf dev drive netdev slot
	row=$(device_table | awk -v n="$name" '$1 == n') || true
	[ -n "$row" ] || die "unknown device '$name' (see $TESTHOST_SRC/devices.conf)"
	read -r _ bdf _ dev <<<"$row"
	slot=${bdf##*:}
	case $dev in
	*drive=*)
		drive=${dev##*drive=}
		drive=${drive%%,*}
		mkdir -p "$imgdir"
		rm -f "$imgdir/$drive.img"
		"$(build_disk_pattern)" fill "$imgdir/$drive.img" "$drive" >&2 ||
			die "cannot write the disk image $imgdir/$drive.img"
		truncate -s 128M "$imgdir/$drive.img"
		printf '%s\n' -drive "file=$imgdir/$drive.img,if=none,format=raw,id=$drive"
		;;
	esac
	case $dev in
	*netdev=*)
		netdev=${dev##*netdev=}
		printf '%s\n' -netdev "user,id=${netdev%%,*},restrict=on"
		;;
	esac
	printf '%s\n' -device "$dev,addr=$slot"
}

# backing_check LOG IMGDIR: after QEMU has exited, checks each line
# "BACKING-EXPECT DRIVE OFFSET TOKEN" a scenario printed into LOG (between
# its SCENARIO-BEGIN and SCENARIO-RESULT): IMGDIR/DRIVE.img must hold
# "TOKEN\n" at byte OFFSET. Before that scenario's SCENARIO-RESULT it adds
# "BACKING-FOUND DRIVE OFFSET TOKEN in FILE" or "BACKING-MISSING ...", and
# a missing token turns a PASS into a FAIL with the reason "the guest's
# write to DRIVE at OFFSET is not in the backing file" (a scenario that
# failed already keeps its own reason).
backing_check() {
	local log=$1 imgdir=$2 found=$1.backing scenario drive offset token img line
	clean_console <"$log" | awk '
		$1 == "SCENARIO-BEGIN" { scenario = $2 }
		$1 == "SCENARIO-RESULT" { scenario = "" }
		$1 == "BACKING-EXPECT" && scenario != "" { print scenario, $2, $3, $4 }' |
		while read -r scenario drive offset token; do
			img=$imgdir/$drive.img
			if ! [[ $drive =~ ^[A-Za-z0-9_-]+$ && $offset =~ ^[0-9]+$ && -n $token ]]; then
				line="BACKING-MISSING $drive $offset $token: malformed; expected BACKING-EXPECT DRIVE OFFSET TOKEN"
			elif [ ! -f "$img" ]; then
				line="BACKING-MISSING $drive $offset $token: there is no backing file $img"
			elif cmp -s <(printf '%s\n' "$token") \
				<(dd if="$img" iflag=skip_bytes,count_bytes skip="$offset" count=$((${#token} + 1)) 2>/dev/null); then
				line="BACKING-FOUND $drive $offset $token in $img"
			else
				line="BACKING-MISSING $drive $offset $token: $img holds $(dd if="$img" iflag=skip_bytes,count_bytes \
					skip="$offset" count=16 2>/dev/null | od -A n -t x1 | tr -d ' \n') there"
			fi
			printf '%s\t%s\t%s at %s\n' "$scenario" "$line" "$drive" "$offset"
		done >"$found"
	if [ -s "$found" ]; then
		awk -F '\t' '
			NR == FNR {
				n[$1]++
				lines[$1, n[$1]] = $2
				if ($2 ~ /^BACKING-MISSING/ && !($1 in missing))
					missing[$1] = "the guest'\''s write to " $3 " is not in the backing file"
				next
			}
			{
				clean = $0
				gsub(/\r/, "", clean)
				split(clean, f, " ")
			}
			f[1] == "SCENARIO-RESULT" && (f[2] in n) {
				for (i = 1; i <= n[f[2]]; i++)
					print lines[f[2], i]
				if (f[3] == "PASS" && (f[2] in missing)) {
					print "SCENARIO-RESULT " f[2] " FAIL " f[4] " " missing[f[2]]
					next
				}
			}
			{ print }' "$found" "$log" >"$log.tmp"
		mv "$log.tmp" "$log"
		while IFS=$'\t' read -r scenario line _; do
			say "$scenario: $line"
		done <"$found"
	fi
	rm -f "$found"
}

# write_results PARSED LOG OUT SKIPPED: the counts of a run for
# tests/total.sh, from parse-results.sh's output PARSED and the serial log
# LOG, as "SUITE PASSED FAILED SKIPPED" lines: the scenarios but host-tier
# (SKIPPED 1: host-tier left out), and the host tier's own tests (its TAP
# lines), which count as many as they would in make check. A host-tier
# that failed without a failing test line counts one failure.
write_results() {
	local parsed=$1 log=$2 out=$3 skipped=$4
	mkdir -p "$(dirname "$out")"
	awk -v skipped="$skipped" '
		$2 == "host-tier" { next }
		$1 == "PASS" { p++ } $1 == "FAIL" { f++ }
		END { print "scenarios", p + 0, f + 0, skipped }' "$parsed" >"$out"
	grep -q '^[A-Z]*  host-tier ' "$parsed" || return 0
	clean_console <"$log" | awk '
		$1 == "SCENARIO-BEGIN" && $2 == "host-tier" { p = f = 0; inside = 1; verdict = ""; next }
		inside && $1 == "SCENARIO-RESULT" && $2 == "host-tier" { inside = 0; verdict = $3; next }
		inside && /^ok / { p++ }
		inside && /^not ok/ { f++ }
		END { if (verdict != "PASS" && f == 0) f = 1; print "host-tier", p + 0, f + 0, 0 }' >>"$out"
}
