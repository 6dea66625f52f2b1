#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian package (cpack) from a Release tree, unpacks it into a
# scratch root and checks it as a user gets it: `ptrescue --version` runs,
# `man -l` renders the page without warnings, the docs and LICENSE are there,
# Depends names only Debian runtime libraries (no sanitizer runtime: the
# package must come from a Release build), and the bash completion completes
# `ptrescue res<TAB>` to `rescue` and rescue's options from the installed
# binary. See tests/install/CMakeLists.txt for where the Release tree comes from.
#
#   deb_test.sh SOURCE_DIR RELEASE_TREE SCRATCH
set -euo pipefail
source_dir=$(cd "$1" && pwd) release=$2 scratch=$3
fail() { echo "install test: FAIL: $*" >&2; exit 1; }
mkdir -p "$scratch"

cache_value() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt" 2>/dev/null; }
is_release_tree_of_source() {
  [ "$(cache_value "$1" CMAKE_BUILD_TYPE)" = Release ] &&
    [ "$(cache_value "$1" PTRESCUE_SANITIZE)" = OFF ] &&
    [ "$(cache_value "$1" CMAKE_HOME_DIRECTORY)" -ef "$source_dir" ]
}
if ! is_release_tree_of_source "$release"; then
  if [ "${CI:-}" = true ]; then
    fail "$release is not a Release build of $source_dir (README's first command, tools/setup.sh, makes it; CI must run it before the tests)"
  fi
  echo "install test: $release is not a Release build of this source; building one in $scratch/release (minutes)"
  release=$scratch/release
  cmake -S "$source_dir" -B "$release" -DCMAKE_BUILD_TYPE=Release -DPTRESCUE_SANITIZE=OFF \
    -DPTRESCUE_TESTS=OFF -DPTRESCUE_FUZZ=OFF >"$scratch/configure.log" 2>&1 ||
    { cat "$scratch/configure.log"; fail "configuring $release failed"; }
fi
# Brings the tree up to date with the source (and re-runs CMake, which writes
# CPackConfig.cmake) before cpack reads its configuration.
cmake --build "$release" --target ptrescue -j"$(nproc)" >"$scratch/build.log" 2>&1 ||
  { tail -n 40 "$scratch/build.log"; fail "building $release failed"; }

version=$(cache_value "$release" CMAKE_PROJECT_VERSION)
deb_name=ptrescue_${version}_$(dpkg --print-architecture).deb
rm -rf "$scratch/package" "$scratch/root"
(cd "$scratch" && cpack --config "$release/CPackConfig.cmake" -B "$scratch/package") >"$scratch/cpack.log" 2>&1 ||
  { cat "$scratch/cpack.log"; fail "cpack failed"; }
deb=$scratch/package/$deb_name
[ -f "$deb" ] || fail "cpack made no $deb_name; it made: $(cd "$scratch/package" && echo *.deb)"
echo "install test: built $deb_name"

depends=$(dpkg-deb -f "$deb" Depends)
echo "install test: Depends: $depends"
[ -n "$depends" ] || fail "the package has no Depends: dpkg-shlibdeps did not run"
grep -qw libc6 <<<"$depends" || fail "Depends lacks libc6: it was not computed from the binary"
while read -r name; do
  case $name in
    libasan* | libubsan* | liblsan* | libtsan*) fail "Depends names $name: the package was built with sanitizers" ;;
  esac
  section=$(dpkg-query -W -f='${Section}' "$name" 2>/dev/null) ||
    fail "Depends names $name, which is not an installed Debian package"
  [ "$section" = libs ] || fail "Depends names $name, of section '$section', not a runtime library (section libs)"
done < <(tr ',|' '\n' <<<"$depends" | sed 's/(.*)//; s/^ *//; s/ *$//' | grep -v '^$')

root=$scratch/root
dpkg -x "$deb" "$root"
got=$("$root/usr/bin/ptrescue" --version) || fail "the installed ptrescue --version failed"
[ "$got" = "ptrescue $version" ] || fail "the installed ptrescue --version says '$got', not 'ptrescue $version'"

page=$root/usr/share/man/man1/ptrescue.1.gz
[ -f "$page" ] || fail "no man page at usr/share/man/man1/ptrescue.1.gz"
MANWIDTH=80 man --warnings -P cat -l "$page" >"$scratch/man.txt" 2>"$scratch/man.err" ||
  { cat "$scratch/man.err"; fail "man -l could not render the installed page"; }
[ ! -s "$scratch/man.err" ] || { cat "$scratch/man.err"; fail "man -l warned rendering the installed page"; }
grep -q '^NAME' "$scratch/man.txt" || fail "the rendered page has no NAME section: $(head -n 5 "$scratch/man.txt")"
grep -Eq '^ *ptrescue +- ' "$scratch/man.txt" ||
  fail "the rendered page does not name ptrescue: $(head -n 5 "$scratch/man.txt")"

for doc in README.md LICENSE docs/USAGE.md docs/TESTING.md; do
  [ -f "$root/usr/share/doc/ptrescue/$doc" ] || fail "usr/share/doc/ptrescue/$doc is not installed"
done
grep -q 'GNU GENERAL PUBLIC LICENSE' "$root/usr/share/doc/ptrescue/LICENSE" || fail "the installed LICENSE is not the GPL"

completion=$root/usr/share/bash-completion/completions/ptrescue
[ -f "$completion" ] || fail "no bash completion at usr/share/bash-completion/completions/ptrescue"
# As bash does on TAB: the function `complete -p` names, with COMP_WORDS set.
complete_line() {
  PATH=$root/usr/bin:$PATH bash -c '
    source "$1"; shift
    function=$(complete -p ptrescue | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    "$function" ptrescue "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    echo "${COMPREPLY[*]}"' completion "$completion" "$@"
}
got=$(complete_line ptrescue res)
[ "$got" = rescue ] || fail "'ptrescue res<TAB>' completes to '$got', not 'rescue'"
got=$(complete_line ptrescue rescue --time)
[ "$got" = --timeout ] || fail "'ptrescue rescue --time<TAB>' completes to '$got', not '--timeout'"
echo "install test: $deb_name installs ptrescue $version, its man page, docs and bash completion"
