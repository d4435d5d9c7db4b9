#!/usr/bin/env bash
# usage: check_junit.sh COLLBENCH FIXTURES
# `collbench check --junit` writes well-formed JUnit XML with one testcase per verdict and a
# failure element for each failed one.
set -euo pipefail
collbench=$1 fixtures=$2
xml=$(mktemp --suffix=.xml)
trap 'rm -f "$xml"' EXIT
status=0
"$collbench" check --spec "$fixtures/spec_fail.yaml" --junit "$xml" \
  "$fixtures/result_tcp_2ranks.json" >/dev/null || status=$?
[ "$status" -eq 4 ] || { echo "check_junit.sh: exit $status, expected 4" >&2; exit 1; }
/usr/bin/python3 - "$xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("tests") == "10" and root.get("failures") == "2", root.attrib
cases = root.findall("./testsuite/testcase")
assert len(cases) == 10, len(cases)
failed = [c.get("classname") for c in cases if c.find("failure") is not None]
assert failed == ["ring-large-link", "sixteen-ranks"], failed
msg = cases[8].find("failure").get("message")
assert msg.startswith("min_link_utilization >= 0.5, got 0.09382"), msg
print("check_junit.sh: ok")
PY
