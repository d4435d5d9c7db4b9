"""collbench's exit statuses, read from harness/exit_status.h (their one home), so that the
report tool ends as collbench does: USAGE for a bad flag or file, RUNTIME for a failure."""
import os
import re

_HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harness",
                       "exit_status.h")


def _statuses():
    with open(_HEADER, encoding="utf-8") as f:
        found = dict(re.findall(r"constexpr int kExit(\w+) = (\d+);", f.read()))
    return {name: int(value) for name, value in found.items()}


_ALL = _statuses()
OK, RUNTIME, USAGE = _ALL["Ok"], _ALL["Runtime"], _ALL["Usage"]
