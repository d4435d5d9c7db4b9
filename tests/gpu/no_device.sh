#!/usr/bin/env bash
# usage: no_device.sh EXPECT MPIRUN... -- COLLBENCH
# Without a CUDA device, --memory cuda must stop before any traffic, naming the rank and host
# and CUDA's reason, with exit status 2. Exits 77 (skipped) where a device is present.
set -euo pipefail
expect=$1
shift
if nvidia-smi -L >/dev/null 2>&1; then
  echo "SKIPPED: this host has a CUDA device"
  exit 77
fi
exec "$expect" 2 "--memory cuda: rank [01] \\([^)]+\\) sees no CUDA device \\(.+\\)" -- "$@" \
  --memory cuda --algo ring
