#!/usr/bin/env bash
# Measures, in one go on this host, collbench's ring and tree against the vendor baselines and
# against each transport's own point-to-point bandwidth, and writes the tables with ratios
# (ours / peer, medians over repeats) to docs/PERFORMANCE.md. Every ratio compares numbers taken
# in the same mpirun launch.
#   scripts/bench-local.sh [-o OUT_DIR] [-r REPEATS] [-n "2 4"] [--doc FILE] [--no-micro]
# Launches, per rank count and repeat (8 B to 64 MiB, out-of-place, float32 sum):
#   tcp      mpirun --mca btl tcp,self: ring, tree over TCP; mpi (Open MPI over its TCP BTL);
#            gloo-ring, gloo-bcube (Gloo's TCP transport)
#   fi-tcp   ring, tree over libfabric's tcp provider; mpi with Open MPI's default (shared
#            memory) BTL
#   fi-shm   ring, tree over libfabric's shm provider
#   pingpong tcp, libfabric tcp, libfabric shm (2 ranks, the bandwidth of one link)
# Open MPI's psm MTL is excluded in every launch: it starts a thread that wakes every 125 us in
# each rank, which costs small-message latency on a host without InfiniPath hardware.
# COLLBENCH_BIN selects another collbench binary (to measure an older build with the same
# script); the micro-benchmarks (tests/bench) run unless --no-micro.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=$COLLBENCH_ROOT/build/bench-local
repeats=3
ranks="2 4"
doc=$COLLBENCH_ROOT/docs/PERFORMANCE.md
micro=1
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    -r) repeats=$2; shift 2 ;;
    -n) ranks=$2; shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    --no-micro) micro=0; shift ;;
    *) echo "bench-local: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "${COLLBENCH_BIN:-}" ]; then
  install_packages
  build collbench bench_reduce bench_transport
fi
bin=${COLLBENCH_BIN:-$BUILD_DIR/collbench}
mkdir -p "$out"
rm -f "$out"/*.json
# shellcheck disable=SC2207
mpi=(mpirun $(mpirun_flags) --mca mtl ^psm,psm2,ofi)
common=(-b 8 -e 64M -f 2 -n 10 -w 3 --in-place no -d float32 -o sum)
algos() { "$bin" --list | grep -q "gloo-ring" && echo "ring,tree,mpi,gloo-ring,gloo-bcube" || echo "ring,tree,mpi"; }

for r in $(seq 1 "$repeats"); do
  for np in $ranks; do
    echo "bench-local: repeat $r of $repeats, $np ranks"
    "${mpi[@]}" -np "$np" --mca btl tcp,self "$bin" "${common[@]}" --algo "$(algos)" \
      --label tcp -J "$out/tcp_${np}_$r.json" >/dev/null
    "${mpi[@]}" -np "$np" "$bin" "${common[@]}" --transport libfabric --fi-provider tcp \
      --algo ring,tree,mpi --label fi-tcp -J "$out/fi-tcp_${np}_$r.json" >/dev/null
    "${mpi[@]}" -np "$np" "$bin" "${common[@]}" --transport libfabric --fi-provider shm \
      --algo ring,tree --label fi-shm -J "$out/fi-shm_${np}_$r.json" >/dev/null
  done
  for t in tcp fi-tcp fi-shm; do
    flags=(--transport tcp)
    [ "$t" = tcp ] || flags=(--transport libfabric --fi-provider "${t#fi-}")
    "${mpi[@]}" -np 2 "$bin" --collective pingpong "${flags[@]}" -b 8 -e 64M -f 2 -n 10 -w 3 \
      --in-place no --label "pingpong-$t" -J "$out/pingpong-${t}_$r.json" >/dev/null
  done
done

if [ "$micro" = 1 ]; then
  echo "bench-local: micro-benchmarks"
  "$BUILD_DIR/tests/bench_reduce" --benchmark_filter='memcpy|float32|float16/sum|bfloat16/sum' \
    --benchmark_repetitions="$repeats" --benchmark_report_aggregates_only=true \
    --benchmark_format=json >"$out/micro_reduce.json"
  "$BUILD_DIR/tests/bench_transport" --benchmark_repetitions="$repeats" \
    --benchmark_report_aggregates_only=true --benchmark_format=json >"$out/micro_transport.json"
fi
python3 "$COLLBENCH_ROOT/scripts/perf_table.py" "$out" -o "$doc"
echo "bench-local: wrote $doc"
