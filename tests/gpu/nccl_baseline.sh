#!/usr/bin/env bash
# usage: nccl_baseline.sh COLLBENCH
# On a host with a CUDA device: one rank runs NCCL's all-reduce (nccl, nccl-ring, nccl-tree)
# and our ring and tree on CUDA buffers (every dtype, sum and max), timed with CUDA events;
# then two ranks share device 0 for our ring and tree over TCP with staged CUDA buffers. Each
# result file must show every element right, the timer, the memory, NCCL's version and each
# rank's GPU. Exits 77 (skipped) without a device.
set -euo pipefail
collbench=$1
if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "SKIPPED: no CUDA device (nvidia-smi -L failed)"
  exit 77
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { mpirun --oversubscribe --mca mtl ^psm,psm2,ofi "$@"; }
run -np 1 "$collbench" --memory cuda --algo nccl,nccl-ring,nccl-tree,ring,tree -b 8 -e 16M -f 8 \
  -n 5 -w 2 -d all -o sum,max -J "$dir/nccl.json"
run -np 2 "$collbench" --memory cuda --device 0 --transport tcp --algo ring,tree -b 8 -e 16M \
  -f 8 -n 5 -w 2 -d float32,bfloat16,int64 -J "$dir/tcp.json"
/usr/bin/python3 - "$dir/nccl.json" "$dir/tcp.json" <<'PY'
import json, sys
for path, algos in ((sys.argv[1], {"nccl", "nccl-ring", "nccl-tree", "ring", "tree"}),
                    (sys.argv[2], {"ring", "tree"})):
    doc = json.load(open(path))
    run, rows = doc["run"], doc["measurements"]
    assert run["status"]["state"] == "complete", run["status"]
    assert run["options"]["memory"] == "cuda" and run["options"]["timer"] == "cuda", run["options"]
    assert run["libraries"].get("nccl"), run["libraries"]
    assert all(h["rank_gpus"] for h in run["hosts"]), run["hosts"]
    seen = {m["algorithm"] for m in rows}
    assert seen == algos, (path, seen)
    wrong = [m for m in rows if m["wrong"] != 0]
    assert not wrong, wrong[:3]
    print(path, len(rows), "measurements, all correct;", run["transport_provider"])
    assert "staged through pinned host memory" in run["transport_provider"], run["transport_provider"]
PY
