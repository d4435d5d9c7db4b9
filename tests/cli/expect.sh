#!/usr/bin/env bash
# usage: expect.sh STATUS REGEX -- COMMAND...
# Runs COMMAND and passes when it exits with STATUS and its output (stdout and stderr) matches
# the extended regular expression REGEX (lines joined by spaces, so REGEX may span lines).
# Prints the output either way.
set -u
want_status=$1
pattern=$2
shift 3
output=$("$@" 2>&1)
status=$?
printf '%s\n' "$output"
if [ "$status" -ne "$want_status" ]; then
  echo "expect.sh: exit status $status, expected $want_status" >&2
  exit 1
fi
if ! printf '%s\n' "$output" | tr '\n' ' ' | grep -Eq -- "$pattern"; then
  echo "expect.sh: output does not match: $pattern" >&2
  exit 1
fi
echo "expect.sh: ok (status $status, output matches)"
