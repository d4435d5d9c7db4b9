#!/usr/bin/env bash
# Measures, in one go on this host, collbench's ring and tree against the vendor baselines and
# against each transport's own point-to-point bandwidth, and writes the tables with ratios
# (ours / peer, medians over repeats) to docs/PERFORMANCE.md. Every ratio compares numbers taken
# in the same mpirun launch, or in launches one after the other (two transports, a pingpong).
#   scripts/bench-local.sh [-o OUT_DIR] [-r REPEATS] [-n "2 4"] [--doc FILE] [--no-micro]
#                          [--link RATE|none]
# Launches, per rank count and repeat (8 B to 64 MiB, out-of-place, float32 sum):
#   tcp      mpirun --mca btl tcp,self: ring, tree, recursive-doubling and best (the fastest of
#            ours per size) over TCP; mpi (Open MPI over its TCP BTL); gloo-ring, gloo-bcube
#            (Gloo's TCP transport)
#   fi-tcp   ring, tree over libfabric's tcp provider; mpi with Open MPI's default (shared
#            memory) BTL
#   ring-*   (2 ranks, 4-64 MiB, three rounds per repeat) ring alone over TCP, over libfabric's
#            tcp provider, and over TCP in the provider's segment size (the same messages on the
#            wire; docs/PERFORMANCE-NOTES.md: under bbr on loopback the message size, not the
#            transport, sets the congestion state): the transports compared without other
#            algorithms' traffic on their sockets
#   fi-shm   ring, tree over libfabric's shm provider
#   pingpong tcp, libfabric tcp, libfabric shm (2 ranks, the bandwidth of one link)
#   hosts-ring-*  (with the link launches, three rounds per repeat) ring alone between 2
#            emulated hosts over an unlimited link, over TCP and over libfabric's tcp provider:
#            each host its own TCP stack (netns-hosts.sh's congestion control, cubic), no
#            loopback device between the ranks
#   link     ring and tree over TCP between 2, 4 and 8 emulated hosts (network namespaces, one rank
#            each) whose links tc limits to --link RATE per direction (default 1gbit), and the
#            pingpong over the same link: loopback measures the CPU's copies, this the link
#            (needs root; skipped with a note where namespaces cannot be made; --link none)
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
link=1gbit
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    -r) repeats=$2; shift 2 ;;
    -n) ranks=$2; shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    --no-micro) micro=0; shift ;;
    --link) link=$2; shift 2 ;;
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
# Iterations by time (--iter-time): about 0.1 s of timed calls per size, 5 at least, so an 8 B
# call is timed thousands of times (a p50 of 10 calls moved best / MPI by 20% between launches)
# and a 64 MiB one 5 times.
timing=(--iter-time 0.1 -w 3)
# What every launch reduces: out-of-place float32 sums.
shape=(--in-place no -d float32 -o sum)
# Rounds per repeat of the launches that compare two transports one after the other.
rounds=3
# The numbers of repeat $1's rounds (1-3 for the first, 4-6 for the second, ...).
round_numbers() { seq $((rounds * ($1 - 1) + 1)) $((rounds * $1)); }
common=(-b 8 -e 64M -f 2 "${timing[@]}" "${shape[@]}")
# (Read --list whole first: grep -q stopping early would make pipefail report collbench's EPIPE.)
algos() {
  local list
  list=$("$bin" --list)
  case $list in
    *gloo-ring*) echo "ring,tree,recursive-doubling,best,mpi,gloo-ring,gloo-bcube" ;;
    *) echo "ring,tree,recursive-doubling,best,mpi" ;;
  esac
}
# flags=(the collbench flags of transport label $1): tcp, or fi-PROVIDER for libfabric's.
transport_flags() {
  flags=(--transport tcp)
  [ "$1" = tcp ] || flags=(--transport libfabric --fi-provider "${1#fi-}")
}
# A recorded option of a result file's run (run.options.KEY).
run_option() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["run"]["options"][sys.argv[2]])' \
    "$1" "$2"
}
# Ring alone at 2 ranks, 4-64 MiB: our TCP, libfabric's tcp provider, then our TCP in the
# provider's segment size (read from its result file), in launches one after the other; $rounds
# rounds per repeat, each round a pair of its own for perf_table (files numbered 1, 2, 3, ...).
compare_transports() {
  local n segment
  local ring=(-np 2 "$bin" -b 4M -e 64M -f 2 "${timing[@]}" "${shape[@]}" --algo ring)
  for n in $(round_numbers "$1"); do
    "${mpi[@]}" "${ring[@]}" --label ring-tcp -J "$out/ring-tcp_2_$n.json" >/dev/null
    transport_flags fi-tcp
    "${mpi[@]}" "${ring[@]}" "${flags[@]}" --label ring-fi-tcp -J "$out/ring-fi-tcp_2_$n.json" \
      >/dev/null
    segment=$(run_option "$out/ring-fi-tcp_2_$n.json" segment_bytes)
    "${mpi[@]}" "${ring[@]}" --segment-bytes "$segment" --label ring-tcp-fi-segment \
      -J "$out/ring-tcp-fi-segment_2_$n.json" >/dev/null
  done
}

for r in $(seq 1 "$repeats"); do
  for np in $ranks; do
    echo "bench-local: repeat $r of $repeats, $np ranks"
    "${mpi[@]}" -np "$np" --mca btl tcp,self "$bin" "${common[@]}" --algo "$(algos)" \
      --label tcp -J "$out/tcp_${np}_$r.json" >/dev/null
    "${mpi[@]}" -np "$np" "$bin" "${common[@]}" --transport libfabric --fi-provider tcp \
      --algo ring,tree,mpi --label fi-tcp -J "$out/fi-tcp_${np}_$r.json" >/dev/null
    if [ "$np" = 2 ]; then compare_transports "$r"; fi
    "${mpi[@]}" -np "$np" "$bin" "${common[@]}" --transport libfabric --fi-provider shm \
      --algo ring,tree --label fi-shm -J "$out/fi-shm_${np}_$r.json" >/dev/null
  done
  for t in tcp fi-tcp fi-shm; do
    transport_flags "$t"
    "${mpi[@]}" -np 2 "$bin" --collective pingpong "${flags[@]}" -b 8 -e 64M -f 2 "${timing[@]}" \
      --in-place no --label "pingpong-$t" -J "$out/pingpong-${t}_$r.json" >/dev/null
  done
done

# Link-bound: one rank per emulated host, so every byte crosses a rate-limited veth link.
link_run() {
  local hosts=$1 name=$2
  shift 2
  "$COLLBENCH_ROOT/scripts/netns-hosts.sh" -H "$hosts" -r 1 --rate "$link" --collbench "$bin" -- \
    -b 1M -e 64M -f 4 -n 3 -w 1 "${shape[@]}" --label "link-$link" \
    -J "$out/$name.json" "$@" >/dev/null
}
# Ring alone between 2 emulated hosts over an unlimited link, our TCP then libfabric's tcp
# provider, in rounds numbered as compare_transports' rounds.
compare_transports_on_hosts() {
  local n t
  for n in $(round_numbers "$1"); do
    for t in tcp fi-tcp; do
      transport_flags "$t"
      "$COLLBENCH_ROOT/scripts/netns-hosts.sh" -H 2 -r 1 --collbench "$bin" -- -b 4M -e 64M -f 2 \
        "${timing[@]}" "${shape[@]}" --algo ring "${flags[@]}" --label "hosts-ring-$t" \
        -J "$out/hosts-ring-${t}_2_$n.json" >/dev/null
    done
  done
}
if [ "$link" != none ]; then
  for r in $(seq 1 "$repeats"); do
    echo "bench-local: repeat $r of $repeats, emulated hosts over a $link link"
    status=0
    link_run 2 "link-pingpong_2_$r" --collective pingpong || status=$?
    if [ "$status" = 77 ]; then
      echo "bench-local: no network namespaces here; link-bound figures skipped" >&2
      break
    fi
    [ "$status" = 0 ] || exit "$status"
    for hosts in 2 4 8; do link_run "$hosts" "link_${hosts}_$r" --algo ring,tree; done
    compare_transports_on_hosts "$r"
  done
fi

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
