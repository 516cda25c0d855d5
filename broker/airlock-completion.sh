# shellcheck shell=bash
# bash completion for airlock(8): installed as
# PREFIX/share/bash-completion/completions/airlock.

_airlock_bdfs() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d" ] && printf '%s\n' "${d##*/}"
	done
}

# The VMs of /etc/airlock/vms/NAME.conf, for airlock run NAME.
_airlock_vms() {
	local f
	for f in /etc/airlock/vms/*.conf; do
		[ -e "$f" ] && f=${f##*/} && printf '%s\n' "${f%.conf}"
	done
}

# The running VMs' names, from the registry (stale entries too: airlock console says so).
_airlock_running() {
	local f
	for f in /run/airlock/vms/*; do
		[ -f "$f" ] && printf '%s\n' "${f##*/}"
	done
}

_airlock() {
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=${COMP_WORDS[1]:-}
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "run list doctor bind unbind check-policy ps console stop kill --help --version" -- "$cur")
		return
	fi
	case $cmd in
	run)
		case $prev in
		--kernel | -k | --initrd | -r | --policy | --config)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return ;;
		--com1)
			mapfile -t COMPREPLY < <(compgen -W "console none file= socket socket= listen= pty" -- "$cur")
			return ;;
		--memory | -m | --processors | -p | --cmdline | -c | --name | --sandbox-id | \
			--pcie-root-complex | --pcie-root-port | --vfio | --stop-timeout)
			return ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "--kernel --initrd --cmdline --memory --hugepages --processors
			--com1 --pcie-root-complex --pcie-root-port --vfio --name --policy --sandbox-id --stats --stop-timeout
			--config --help $(_airlock_vms)" -- "$cur") ;;
	list)
		mapfile -t COMPREPLY < <(compgen -W "--json --help" -- "$cur") ;;
	doctor)
		[ "$prev" = --memory ] && return
		mapfile -t COMPREPLY < <(compgen -W "--memory --help $(_airlock_bdfs)" -- "$cur") ;;
	bind)
		if [ "$prev" = --config ]; then
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
		fi
		mapfile -t COMPREPLY < <(compgen -W "--group --force --config --help $(_airlock_bdfs)" -- "$cur") ;;
	unbind)
		mapfile -t COMPREPLY < <(compgen -W "--help $(_airlock_bdfs)" -- "$cur") ;;
	check-policy)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	console)
		[ "$COMP_CWORD" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "--help $(_airlock_running)" -- "$cur") ;;
	stop)
		[ "$prev" = --timeout ] && return
		mapfile -t COMPREPLY < <(compgen -W "--timeout --force --help $(_airlock_running)" -- "$cur") ;;
	kill)
		mapfile -t COMPREPLY < <(compgen -W "--help $(_airlock_running)" -- "$cur") ;;
	esac
}
complete -F _airlock airlock
