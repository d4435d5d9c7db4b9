#!/usr/bin/env bash
# Emulated hosts on one machine: N network namespaces joined by veth pairs to one bridge, each
# with its own address and host name, optionally rate-limited per link with tc tbf; then one
# mpirun across them, each rank inside its host's namespace and collbench's TCP transport bound
# to that host's interface.
#
# usage: scripts/netns-hosts.sh [-H HOSTS] [-r RANKS_PER_HOST] [--rate RATE] [--tcp-cc NAME]
#                               [--keep] [--launcher mpirun|env] [--collbench PATH]
#                               [--mpirun-arg ARG]... -- [collbench flags]
#   -H HOSTS           hosts to emulate (default 2, at most 200)
#   -r RANKS_PER_HOST  ranks on each (default 2); rank r runs on host r / RANKS_PER_HOST
#   --rate RATE        per-link limit in each direction, in tc's units (e.g. 200mbit, 1gbit)
#   --burst BYTES      the token bucket of every rate limit (tc tbf burst; default 256k): a
#                      call that moves less than this per rank crosses at the speed of the
#                      host, not of the link. Give a plain number of bytes or with k or m
#                      (1024, 1024^2). The run records "tbf rate=RATE burst=BYTES cc=NAME" in its
#                      result file (run.environment.COLLBENCH_LINK_EMULATION), and
#                      `collbench model fit` leaves such calls out of the fit. Smaller buckets
#                      starve the link when ranks outnumber cores: at 16 ranks on 2 cores and
#                      200mbit, ring all-reduce reached 0.0085 GB/s busbw with 32k against
#                      0.024 with 256k (a bucket must cover the time a rank waits for a core)
#   --tcp-cc NAME      TCP congestion control in every host (default cubic, Linux's own default;
#                      one of /proc/sys/net/ipv4/tcp_available_congestion_control), whatever
#                      this machine's default is, and recorded as cc=NAME beside the bucket.
#                      Under bbr (this VM's default) flows that share a tbf link stalled for
#                      tens of milliseconds with every link idle: the tree all-reduce at 8
#                      hosts over 200mbit ran 14 of 30 1 MiB calls over 110 ms (bound 84 ms),
#                      under cubic none (docs/PERFORMANCE-NOTES.md, 2026-12-07)
#   --host-rate H=RATE          host H's link at RATE in both directions (a bad cable or NIC
#                               planted on one host; repeatable, wins over --rate)
#   --host-egress-rate H=RATE   host H's link at RATE out of the host only (one bad direction)
#   --launcher env     start the ranks without mpirun (scripts/launch-local.sh): they meet
#                      through collbench's env bootstrap at host 0's address on the bridge
#   --keep             leave the namespaces and bridge up afterwards (remove with --down)
#   --down             remove whatever an earlier run left (namespaces, veth pairs, the bridge,
#                      processes still inside), and exit; fails naming what it could not remove
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN). Exits 77 ("skipped" for ctest) with a message
# when namespaces, veth pairs or bridges cannot be created here.
#
# Hosts are cbh0, cbh1, ... at 10.77.0.1, .2, ...; the bridge cbbr0 is 10.77.0.254 in the
# calling namespace. Ranks find mpirun's PMIx server over the bridge (PMIx listens there, not on
# loopback, which is per namespace). Inside each host the interface is cb0, so every rank gets
# the same --tcp-addr cb0. The vendor baselines cross the emulated links too: Open MPI is held
# to its TCP BTL on cb0 (its shared-memory BTL would join ranks of different namespaces, which
# share the machine's memory, and bypass the links), and Gloo binds to cb0
# (GLOO_SOCKET_IFNAME), as does libfabric's tcp provider (FI_TCP_IFACE, unless the caller set it).
set -euo pipefail

PREFIX=cbh
BRIDGE=cbbr0
SUBNET=10.77.0

die() {
  echo "netns-hosts: $*" >&2
  exit 2
}
skip() {
  echo "netns-hosts: SKIPPED: $*" >&2
  exit 77
}

# Internal: the command mpirun starts for each rank (see launch below).
if [ "${1:-}" = "--as-rank" ]; then
  per_host=$2
  shift 3 # --as-rank N --
  host=$((${OMPI_COMM_WORLD_RANK:-${RANK:?started neither by Open MPI nor by launch-local.sh}} / per_host))
  exec ip netns exec "$PREFIX$host" unshare --uts sh -c \
    'hostname "$0" && exec "$@"' "host$host" "$@"
fi

# Removes everything this script makes, whatever state a run left it in: processes still
# inside a host's namespace (a rank that outlived a cut link keeps the namespace, and with it
# the veth pair, alive after `ip netns del`), the namespaces, the veth ends in this namespace,
# and the bridge. Safe to run twice.
teardown() {
  local ns link
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$PREFIX([0-9]+|probe)$" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
    grep -E "^cbv[0-9]+$" || true); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

# What is left of an earlier run: namespaces, veth ends and the bridge, one per line.
leftovers() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$PREFIX([0-9]+|probe)$" || true
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
    grep -E "^(cbv[0-9]+|$BRIDGE)$" || true
}

hosts=2 per_host=2 rate="" burst=256k tcp_cc=cubic keep=0 launcher=mpirun
declare -A host_rate host_egress_rate
collbench=$(cd "$(dirname "$0")/.." && pwd)/build/collbench
mpirun_args=()
while [ $# -gt 0 ]; do
  case $1 in
    -H) hosts=$2; shift 2 ;;
    -r) per_host=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --burst) burst=$2; shift 2 ;;
    --tcp-cc) tcp_cc=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --launcher) launcher=$2; shift 2 ;;
    --host-rate | --host-egress-rate)
      [[ $2 =~ ^([0-9]+)=([0-9]+(\.[0-9]+)?[a-z]*)$ ]] || die "$1: '$2' is not HOST=RATE (e.g. 1=100mbit)"
      if [ "$1" = --host-rate ]; then host_rate[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}; else
        host_egress_rate[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}; fi
      shift 2
      ;;
    --down)
      teardown
      left=$(leftovers)
      [ -z "$left" ] || die "could not remove: $(echo "$left" | tr '\n' ' ')"
      exit 0
      ;;
    --collbench) collbench=$2; shift 2 ;;
    --mpirun-arg) mpirun_args+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) die "unknown argument '$1' (see the usage at the top of $0)" ;;
  esac
done
[[ $hosts =~ ^[0-9]+$ ]] && [ "$hosts" -ge 1 ] && [ "$hosts" -le 200 ] ||
  die "-H: '$hosts' is not a host count from 1 to 200"
[[ $per_host =~ ^[0-9]+$ ]] && [ "$per_host" -ge 1 ] || die "-r: '$per_host' is not a rank count >= 1"
for h in "${!host_rate[@]}" "${!host_egress_rate[@]}"; do
  [ "$h" -lt "$hosts" ] || die "--host-rate/--host-egress-rate: host $h is not one of 0 to $((hosts - 1))"
done
[[ $burst =~ ^([0-9]+)([km]?)$ ]] || die "--burst: '$burst' is not a byte count (e.g. 32768, 32k, 1m)"
case ${BASH_REMATCH[2]} in
  k) burst_bytes=$((BASH_REMATCH[1] * 1024)) ;;
  m) burst_bytes=$((BASH_REMATCH[1] * 1024 * 1024)) ;;
  *) burst_bytes=${BASH_REMATCH[1]} ;;
esac
[ "$burst_bytes" -ge 2048 ] || die "--burst: $burst_bytes bytes is less than one packet (at least 2048)"
available_cc=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null || true)
[[ " $available_cc " == *" $tcp_cc "* ]] ||
  die "--tcp-cc: '$tcp_cc' is not one of this kernel's congestion controls ($available_cc; modprobe tcp_$tcp_cc may add it)"
[ "$launcher" = mpirun ] || [ "$launcher" = env ] || die "--launcher: '$launcher' is not mpirun or env"
[ -x "$collbench" ] || die "no collbench binary at $collbench (build it, or give --collbench)"
[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"

# One host: a namespace, a veth pair into the bridge, an address, and the rate limit.
add_host() {
  local h=$1 ns=$PREFIX$1
  ip netns add "$ns"
  ip link add "cbv$h" type veth peer name cb0 netns "$ns"
  ip link set "cbv$h" master "$BRIDGE" up
  ip -n "$ns" addr add "$SUBNET.$((h + 1))/24" dev cb0
  ip -n "$ns" link set cb0 up
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control="$tcp_cc"
  # Out of the host (cb0) and into it (the bridge side of the pair).
  local into=${host_rate[$h]:-$rate}
  local out=${host_egress_rate[$h]:-$into}
  [ -z "$out" ] || ip netns exec "$ns" tc qdisc add dev cb0 root tbf rate "$out" burst "${burst_bytes}b" latency 100ms
  [ -z "$into" ] || tc qdisc add dev "cbv$h" root tbf rate "$into" burst "${burst_bytes}b" latency 100ms
}

setup() {
  teardown
  ip link add "$BRIDGE" type bridge 2>/dev/null || skip "cannot create a bridge here"
  ip addr add "$SUBNET.254/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local h
  for ((h = 0; h < hosts; h++)); do
    add_host "$h" 2>/tmp/netns-hosts.err || {
      teardown
      skip "cannot create namespace $PREFIX$h: $(tr '\n' ' ' </tmp/netns-hosts.err)"
    }
  done
}

ip netns add "${PREFIX}probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "${PREFIX}probe"
# Torn down on every way out unless --keep: a normal exit, a failed run, and Ctrl-C or kill
# (a signal ends the script through `exit`, which runs the EXIT trap).
[ "$keep" -eq 1 ] || trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
setup
echo "netns-hosts: $hosts hosts x $per_host ranks, TCP $tcp_cc, link ${rate:-unlimited}$(for h in "${!host_rate[@]}"; do
  echo -n ", host $h ${host_rate[$h]}"; done)$(for h in "${!host_egress_rate[@]}"; do
  echo -n ", host $h out ${host_egress_rate[$h]}"; done)" >&2
export GLOO_SOCKET_IFNAME=cb0 FI_TCP_IFACE=${FI_TCP_IFACE:-cb0}
# What the links are, for the result file: a model fit must know which calls rode the bucket.
if [ -n "$rate${host_rate[*]-}${host_egress_rate[*]-}" ]; then
  export COLLBENCH_LINK_EMULATION="tbf rate=${rate:-unlimited} burst=$burst_bytes cc=$tcp_cc"
fi
if [ "$launcher" = env ]; then
  # Rank 0 listens in host 0's namespace; the others reach it across the bridge.
  "$(dirname "$0")/launch-local.sh" -n $((hosts * per_host)) --per-host "$per_host" \
    --addr "$SUBNET.1" -- "$0" --as-rank "$per_host" -- "$collbench" --tcp-addr cb0 "$@"
  exit
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export PMIX_MCA_ptl_tcp_remote_connections=1 PMIX_MCA_ptl_tcp_if_include=$BRIDGE
mpirun -np $((hosts * per_host)) --oversubscribe --mca btl self,tcp --mca btl_tcp_if_include cb0 \
  --mca pml ob1 --mca mtl ^psm,psm2,ofi \
  "${mpirun_args[@]}" "$0" --as-rank "$per_host" -- "$collbench" --tcp-addr cb0 "$@"
