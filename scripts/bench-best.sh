#!/usr/bin/env bash
# best against the algorithms it chooses among, all in one launch: all-reduce ring, tree,
# recursive-doubling and best, REPEATS launches. Prints, per size, best's choice in each launch
# and the median over launches of best's busbw / the fastest of the three measured beside it
# (1.0: best ran the fastest; below: it chose a slower one, or calibration cost showed).
#   scripts/bench-best.sh [REPEATS] [-- collbench flags]   (default 3 launches; 4 ranks on this
#   host over TCP, 8 B to 64 MiB, out of place; the build in build/ is used)
#   COLLBENCH_NETNS="-H 4 -r 1 --rate 200mbit" runs it on emulated hosts instead.
set -euo pipefail
root=$(cd -P "$(dirname "$0")/.." && pwd)
source "$root/scripts/common.sh"
repeats=${1:-3}
shift $(($# > 0 ? 1 : 0))
[ "${1:-}" != -- ] || shift
collbench=$BUILD_DIR/collbench
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
sweep=(--algo ring,tree,recursive-doubling,best -b 8 -e 64M -f 4 -n 10 -w 2 --in-place no "$@")
for ((i = 0; i < repeats; i++)); do
  if [ -n "${COLLBENCH_NETNS:-}" ]; then
    # shellcheck disable=SC2086
    "$root/scripts/netns-hosts.sh" $COLLBENCH_NETNS --collbench "$collbench" -- "${sweep[@]}" \
      -J "$dir/$i.json" >/dev/null
  else
    mpirun $(mpirun_flags) -np "${COLLBENCH_NP:-4}" "$collbench" "${sweep[@]}" -J "$dir/$i.json" \
      >/dev/null
  fi
done
python3 - "$dir" "$repeats" <<'PY'
import collections, json, statistics, sys
d, repeats = sys.argv[1], int(sys.argv[2])
ratios, choices, fastest = collections.defaultdict(list), collections.defaultdict(list), {}
for i in range(repeats):
    rows = collections.defaultdict(dict)
    for m in json.load(open(f"{d}/{i}.json"))["measurements"]:
        rows[m["bytes"]][m["algorithm"]] = m
    for size, algos in sorted(rows.items()):
        others = {a: m["busbw_gbps"] for a, m in algos.items() if a != "best"}
        top = max(others, key=others.get)
        ratios[size].append(algos["best"]["busbw_gbps"] / others[top] if others[top] else 1.0)
        choices[size].append(algos["best"]["choice"]["algorithm"])
        fastest.setdefault(size, []).append(top)
print(f"{'size':>10}  {'best / fastest':>14}  best chose (each launch) / fastest measured")
for size in sorted(ratios):
    print(f"{size:>10}  {statistics.median(ratios[size]):>14.2f}  "
          f"{','.join(choices[size])} / {','.join(fastest[size])}")
PY
