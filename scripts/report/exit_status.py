"""collbench's exit statuses, read from harness/exit_status.h (their one home), so that the
report tool ends as collbench does: USAGE for a bad flag or file, RUNTIME for a failure."""
import os
import re

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harness",
                      "exit_status.h")


def statuses(path=HEADER):
    """{constant: status} of the header at `path`: {"kExitOk": 0, "kExitRuntime": 1, ...}."""
    with open(path, encoding="utf-8") as f:
        return {n: int(v) for n, v in re.findall(r"constexpr int (kExit\w+) = (\d+);", f.read())}


_ALL = statuses()
OK, RUNTIME, USAGE = _ALL["kExitOk"], _ALL["kExitRuntime"], _ALL["kExitUsage"]
