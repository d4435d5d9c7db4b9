#!/usr/bin/env bash
# The Debian packages holding the shared libraries BINARY loads (ldd) and those it opens at run
# time (SONAME..., found with ldconfig), one per line, sorted: what a runtime image must
# install. Fails naming a library that no package holds.
#   scripts/container/runtime-packages.sh BINARY [SONAME...]
set -euo pipefail
binary=$1
shift
libraries() {
  ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
  local soname
  for soname in "$@"; do
    ldconfig -p | awk -v so="$soname" '$1 == so && !found { print $NF; found = 1 }' | grep . ||
      { echo "runtime-packages: no $soname on this machine" >&2; exit 1; }
  done
}
libraries "$@" | sort -u | while read -r lib; do
  # Debian registers a library under /usr/lib or /lib, whichever path ldd did not print.
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
    dpkg -S "${lib#/usr}" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null) ||
    { echo "runtime-packages: no Debian package holds $lib" >&2; exit 1; }
  echo "${pkg%%:*}"
done | sort -u
