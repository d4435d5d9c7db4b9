#!/usr/bin/env bash
# A one-node Slurm cluster in a directory of its own: munged, slurmctld and slurmd from
# Debian's packages (slurmctld slurmd slurm-client munge), ports on loopback, nothing written
# under /etc. For trying the job files in scripts/slurm/ on one machine, and for the tests.
#   scripts/slurm/local-cluster.sh up DIR     start it, then: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm/local-cluster.sh down DIR   stop its daemons (DIR keeps the logs)
# `up` exits 77 with the reason when the cluster cannot run here (not root, a package or
# plugin missing, a daemon that does not start), so that tests can skip.
set -euo pipefail

usage() {
  echo "usage: $0 up|down DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2

cannot() {
  echo "local-cluster.sh: cannot start a Slurm cluster here: $*" >&2
  exit 77
}

# Two free TCP ports on loopback, for slurmctld and slurmd.
free_ports() {
  python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

plugin_dir() {
  local p
  for p in /usr/lib/x86_64-linux-gnu/slurm-wlm /usr/lib/aarch64-linux-gnu/slurm-wlm \
           /usr/lib64/slurm /usr/lib/slurm; do
    [ -e "$p/proctrack_linuxproc.so" ] && { echo "$p"; return; }
  done
  cannot "no Slurm plugin directory with proctrack_linuxproc.so"
}

write_config() {
  local node=$1 ctl_port=$2 d_port=$3
  cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm/local-cluster.sh: one node, daemons as root, no cgroups.
ClusterName=collbench-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
PluginDir=$(plugin_dir)
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
}

start_munge() {
  mkdir -p "$dir/munge"
  chmod 711 "$dir/munge"
  dd if=/dev/urandom of="$dir/munge/key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/key"
  munged --force --socket="$dir/munge/socket" --key-file="$dir/munge/key" \
    --log-file="$dir/log/munged.log" --pid-file="$dir/munge/pid" --seed-file="$dir/munge/seed" ||
    cannot "munged did not start (see $dir/log/munged.log)"
}

# Waits up to 30 s for the node to be idle.
wait_idle() {
  local state=""
  for _ in $(seq 60); do
    state=$(SLURM_CONF=$dir/slurm.conf sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = idle ] && return 0
    sleep 0.5
  done
  cannot "the node did not become idle (state '$state'); see $dir/log/slurmctld.log and slurmd.log"
}

up() {
  [ "$(id -u)" -eq 0 ] || cannot "slurmd must run as root (this is uid $(id -u))"
  local tool
  for tool in munged slurmctld slurmd sbatch sinfo; do
    command -v "$tool" >/dev/null ||
      cannot "$tool is missing (apt-get install slurmctld slurmd slurm-client munge)"
  done
  mkdir -p "$dir"/{state,spool,log}
  dir=$(cd "$dir" && pwd)
  local ports
  read -r -a ports <<<"$(free_ports)"
  write_config "$(hostname -s)" "${ports[0]}" "${ports[1]}"
  start_munge
  slurmctld -f "$dir/slurm.conf" || cannot "slurmctld did not start (see $dir/log/slurmctld.log)"
  slurmd -f "$dir/slurm.conf" || cannot "slurmd did not start (see $dir/log/slurmd.log)"
  wait_idle
  echo "local-cluster.sh: up; export SLURM_CONF=$dir/slurm.conf"
}

# Stops the daemon whose pid is in file $1, waiting up to 10 s.
stop_pid() {
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

down() {
  [ -d "$dir" ] || return 0
  # Jobs first, so that slurmd does not leave their steps behind.
  [ -f "$dir/slurm.conf" ] && SLURM_CONF=$dir/slurm.conf scancel --full --quiet -u root 2>/dev/null || true
  stop_pid "$dir/slurmd.pid"
  stop_pid "$dir/slurmctld.pid"
  stop_pid "$dir/munge/pid"
}

case $action in
  up) up ;;
  down) down ;;
  *) usage ;;
esac
