# shellcheck shell=bash
# bash completion for airlock(8): installed as
# PREFIX/share/bash-completion/completions/airlock.

_airlock_bdfs() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d" ] && printf '%s\n' "${d##*/}"
	done
}

_airlock() {
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=${COMP_WORDS[1]:-}
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "run list doctor bind unbind check-policy --help --version" -- "$cur")
		return
	fi
	case $cmd in
	run)
		case $prev in
		--kernel | -k | --initrd | -r | --policy)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return ;;
		--com1)
			mapfile -t COMPREPLY < <(compgen -W "console none" -- "$cur")
			return ;;
		--memory | -m | --processors | -p | --cmdline | -c | --name | --sandbox-id | \
			--pcie-root-complex | --pcie-root-port | --vfio)
			return ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "--kernel --initrd --cmdline --memory --hugepages --processors
			--com1 --pcie-root-complex --pcie-root-port --vfio --name --policy --sandbox-id --stats
			--help" -- "$cur") ;;
	list)
		mapfile -t COMPREPLY < <(compgen -W "--json --help" -- "$cur") ;;
	doctor)
		[ "$prev" = --memory ] && return
		mapfile -t COMPREPLY < <(compgen -W "--memory --help $(_airlock_bdfs)" -- "$cur") ;;
	bind)
		mapfile -t COMPREPLY < <(compgen -W "--group --force --help $(_airlock_bdfs)" -- "$cur") ;;
	unbind)
		mapfile -t COMPREPLY < <(compgen -W "--help $(_airlock_bdfs)" -- "$cur") ;;
	check-policy)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	esac
}
complete -F _airlock airlock
