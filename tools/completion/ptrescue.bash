# SPDX-License-Identifier: GPL-3.0-or-later
# bash completion for ptrescue. Installed as
# share/bash-completion/completions/ptrescue (cmake/Packaging.cmake); to try
# it from a checkout: source tools/completion/ptrescue.bash
#
# Completes the subcommand, then a subcommand's options. The options are read
# from `ptrescue SUBCOMMAND --help` of the very binary being completed, so the
# list cannot fall behind the program. Anything else completes as a file name
# (sources, images, mapfiles), through `complete -o default`.

_ptrescue_subcommands="rescue demo analyze identify smart smart-diff hash verify fill report export files mount plan headmap sim"

# The long options SUBCOMMAND's help names, one per line.
_ptrescue_options() {
  local program=$1 subcommand=$2
  command -v "$program" >/dev/null 2>&1 || program=ptrescue
  "$program" "$subcommand" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

_ptrescue() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    mapfile -t COMPREPLY < <(compgen -W "$_ptrescue_subcommands --help --version" -- "$cur")
    return 0
  fi
  local subcommand=${COMP_WORDS[1]}
  # Option values with a fixed set of words; other values are files or free text.
  case $prev in
    --transport) mapfile -t COMPREPLY < <(compgen -W "auto sat scsi nvme block" -- "$cur"); return 0 ;;
    --hash) mapfile -t COMPREPLY < <(compgen -W "md5 sha1 sha256 all" -- "$cur"); return 0 ;;
    --head-map) mapfile -t COMPREPLY < <(compgen -W "infer sim none" -- "$cur"); return 0 ;;
    --compression) mapfile -t COMPREPLY < <(compgen -W "none empty-block fast best" -- "$cur"); return 0 ;;
    --format) mapfile -t COMPREPLY < <(compgen -W "e01" -- "$cur"); return 0 ;;
    --cpass) mapfile -t COMPREPLY < <(compgen -W "0 1 2 3 4 5 1-5 1,2,5" -- "$cur"); return 0 ;;
    --size | -s) mapfile -t COMPREPLY < <(compgen -W "output" -- "$cur"); return 0 ;;
    -F | --fill-mode | --fill) mapfile -t COMPREPLY < <(compgen -W "? * / - + l ?*/-" -- "$cur"); return 0 ;;
  esac
  if ((COMP_CWORD == 2)); then
    case $subcommand in
      headmap) mapfile -t COMPREPLY < <(compgen -W "show infer" -- "$cur"); return 0 ;;
      sim) mapfile -t COMPREPLY < <(compgen -W "replay testmap ceiling" -- "$cur"); return 0 ;;
    esac
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_ptrescue_options "${COMP_WORDS[0]}" "$subcommand")" -- "$cur")
  fi
  return 0
}

complete -o bashdefault -o default -F _ptrescue ptrescue
