#!/usr/bin/env bash
# Fails (listing the files) when a C++ source does not match .clang-format.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bad=()
while IFS= read -r f; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.h' '*.cc' '*.cu' 2>/dev/null || find transports collectives results harness tests -name '*.h' -o -name '*.cc')
if [ ${#bad[@]} -gt 0 ]; then
  printf 'not formatted with .clang-format (run clang-format -i):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check_format: all sources match .clang-format"
