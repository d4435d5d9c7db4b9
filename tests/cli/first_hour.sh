#!/usr/bin/env bash
# usage: first_hour.sh ROOT BUILD_DIR
# Runs every `sh` block of docs/FIRST-HOUR.md, in order, as a new user would from the checkout:
# in a scratch folder holding links to the checkout's scripts/ and docs/ and to the build, so
# that the files the page writes (smoke.json, report/) land there. Fails on the first command
# that fails, naming it; exits 77 (skipped) when one exits 77 (no root for netns-hosts.sh).
set -uo pipefail
root=$1 build=$2
page=$root/docs/FIRST-HOUR.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$root/scripts" "$root/docs" "$work/"
ln -s "$build" "$work/build"
# Each block, one file per block, in order.
awk -v dir="$work" '/^```sh$/ {n++; inside=1; next} /^```/ {inside=0; next}
  inside {print > (dir "/block" n ".sh")}' "$page"
blocks=$(ls "$work"/block*.sh 2>/dev/null | wc -l)
[ "$blocks" -ge 5 ] || { echo "first_hour.sh: found $blocks sh blocks in $page" >&2; exit 1; }
cd "$work"
for ((i = 1; i <= blocks; i++)); do
  echo "first_hour.sh: block $i: $(head -c 200 "block$i.sh")"
  COLLBENCH_BUILD_DIR=$build bash -e "block$i.sh"
  status=$?
  [ "$status" -eq 77 ] && { echo "first_hour.sh: skipped at block $i" >&2; exit 77; }
  [ "$status" -eq 0 ] || { echo "first_hour.sh: block $i failed (exit $status)" >&2; exit 1; }
done
for f in smoke.json two-nodes.json report/report.html report/summary.md; do
  [ -s "$f" ] || { echo "first_hour.sh: the page promised $f" >&2; exit 1; }
done
echo "first_hour.sh: every command of docs/FIRST-HOUR.md ran ($blocks blocks)"
