#!/usr/bin/env bash
# usage: check_baseline.sh COLLBENCH FIXTURES
# collbench check --baseline on result files: identical files pass; one size 20% slower fails
# naming it (and passes under a 25% tolerance); files of different rank counts say what did not
# match; a bad tolerance and a check with nothing to check are usage errors. Link screens are
# compared pair by pair: one direction at half its bandwidth is named; screens of different rank
# counts say so. nccl-tests JSON is refused with the command that converts it, and converted
# (scripts/collbench-report --to-collbench) it is compared like ours: one size 20% slower is
# named.
set -euo pipefail
collbench=$1 fixtures=$2
base=$fixtures/result_tcp_2ranks.json
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
  echo "check_baseline: FAILED: $*" >&2
  exit 1
}
expect() { # STATUS REGEX -- ARGS...
  local status=$1 regex=$2 rc=0
  shift 3
  "$collbench" check "$@" >"$dir/out" 2>&1 || rc=$?
  [ "$rc" -eq "$status" ] || { cat "$dir/out" >&2; fail "exit $rc, expected $status: check $*"; }
  grep -Eq -- "$regex" "$dir/out" || { cat "$dir/out" >&2; fail "no line matches '$regex'"; }
}
python3 - "$base" "$dir" <<'PY'
import json, sys
base, d = sys.argv[1], sys.argv[2]
doc = json.load(open(base))
for m in doc["measurements"]:
    if m["algorithm"] == "tree" and m["bytes"] == 262144:
        for k in m["time_us"]:
            if k != "samples":
                m["time_us"][k] *= 1.2
        m["busbw_gbps"] /= 1.2
        m["algbw_gbps"] /= 1.2
json.dump(doc, open(f"{d}/slower.json", "w"))
doc = json.load(open(base))
for m in doc["measurements"]:
    m["ranks"] = 4
doc["run"]["ranks"] = 4
json.dump(doc, open(f"{d}/ranks4.json", "w"))
screen = json.load(open(sys.argv[1].replace("result_tcp_2ranks.json", "screen_4ranks.json")))
screen["screen"]["bandwidth_gbps"][1][2] /= 2
json.dump(screen, open(f"{d}/screen_slower.json", "w"))
for key in ("bandwidth_gbps", "latency_us"):
    screen["screen"][key] = [row[:3] for row in screen["screen"][key][:3]]
screen["screen"]["hosts"] = screen["screen"]["hosts"][:3]
json.dump(screen, open(f"{d}/screen3.json", "w"))
PY
expect 0 "^# baseline: 8 measurements compared, 0 slower by more than 10%$" -- --baseline "$base" "$base"
expect 4 "^REGRESSED: all_reduce tree tcp 2 ranks 262144 B float32 sum out-of-place: 20.0% slower than the baseline \(time [0-9.]+ -> [0-9.]+ us, busbw [0-9.]+ -> [0-9.]+ GB/s\)$" -- \
  --baseline "$base" "$dir/slower.json"
grep -c "^REGRESSED" "$dir/out" | grep -qx 1 || fail "more than the one slower size was named"
expect 0 "8 measurements compared, 0 slower by more than 25%" -- --baseline "$base" \
  --tolerance 25% "$dir/slower.json"
expect 2 "--baseline: no measurement of .*result_tcp_2ranks.json matches one of the new results .*; ranks: 2 in the baseline, 4 in the new results$" -- \
  --baseline "$base" "$dir/ranks4.json"
expect 2 "--tolerance: 'ten' is not a tolerance" -- --baseline "$base" --tolerance ten "$base"
expect 2 "give --spec, --baseline or both" -- "$base"
screen=$fixtures/screen_4ranks.json
expect 0 "^# baseline: 18 pair values compared, 0 worse by more than a factor 1.1$" -- \
  --baseline "$screen" "$screen"
expect 4 "^REGRESSED: pairwise screen bandwidth vm \(rank 1\) -> vm \(rank 2\): 100.0% slower than the baseline \([0-9.]+ -> [0-9.]+ GB/s\)$" -- \
  --baseline "$screen" "$dir/screen_slower.json"
expect 2 "--baseline: .*screen_4ranks.json: the screens have 4 and 3 ranks: pairs cannot be matched" -- \
  --baseline "$screen" "$dir/screen3.json"
# nccl-tests JSON: converted by the report tool's importer, then compared.
nccl=$fixtures/../report/samples/nccl_all_reduce.json
report=$fixtures/../../scripts/collbench-report
python3 - "$nccl" "$dir/nccl_slower.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["results"][1]["out_of_place"]["time"] *= 1.2
json.dump(doc, open(sys.argv[2], "w"))
PY
expect 2 "nccl_all_reduce.json: not a collbench result file .*convert to one with scripts/collbench-report --to-collbench OUT.json" -- \
  --baseline "$nccl" "$base"
"$report" "$nccl" --to-collbench "$dir/nccl_base.json" >/dev/null
"$report" "$dir/nccl_slower.json" --to-collbench "$dir/nccl_new.json" >/dev/null
expect 0 "^# baseline: 4 measurements compared, 0 slower" -- --baseline "$dir/nccl_base.json" \
  "$dir/nccl_base.json"
expect 4 "^REGRESSED: all_reduce nccl nccl 2 ranks 134217728 B float32 sum out-of-place: 20.0% slower than the baseline" -- \
  --baseline "$dir/nccl_base.json" "$dir/nccl_new.json"
grep -c "^REGRESSED" "$dir/out" | grep -qx 1 || fail "more than the one slower nccl-tests size"
echo "check_baseline: ok"
