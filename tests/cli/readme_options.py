#!/usr/bin/env python3
"""usage: readme_options.py COLLBENCH README

The README's option table against `collbench --help`: the same flags, and where the README's
default is one word, the same default; and its "Exit status" table against the statuses of
harness/exit_status.h. Prints every difference; exits 1 when there is one."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts", "report"))
import exit_status  # noqa: E402  (reads harness/exit_status.h)

FLAG = re.compile(r"--?[A-Za-z][\w-]*")


def help_flags(collbench):
    """{flag: default or None} from --help, each name of an option (-b and --minbytes)."""
    text = subprocess.run([collbench, "--help"], capture_output=True, text=True, check=True).stdout
    flags = {}
    for line in text.splitlines():
        m = re.match(r"\s+(-[^\s]+)(?:\s+[A-Z]+(?:=(\S+))?)?", line)
        if not m:
            continue
        for name in m.group(1).split(","):
            flags[name] = m.group(2)
    flags.pop("-h", None), flags.pop("--help", None)
    return flags


def readme_flags(path):
    """{flag: default cell} from the rows of the table under '## Options'."""
    flags, inside = {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            inside = line.strip() == "## Options"
            continue
        if not inside or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name in FLAG.findall(cells[0]):
            flags[name] = cells[-1].strip("`")
    return flags


def table_statuses(path):
    """{status} from the rows of the table under '## Exit status'."""
    statuses, inside = set(), False
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            inside = line.strip() == "## Exit status"
            continue
        m = re.match(r"\|\s*(\d+)\s*\|", line)
        if inside and m:
            statuses.add(int(m.group(1)))
    return statuses


def exit_status_problems(readme):
    header = os.path.join(os.path.dirname(os.path.abspath(readme)), "harness", "exit_status.h")
    coded, documented = exit_status.statuses(header), table_statuses(readme)
    problems = [f"exit status {v} ({n}): in harness/exit_status.h, not in README's table"
                for n, v in coded.items() if v not in documented]
    problems += [f"exit status {v}: in README's table, not in harness/exit_status.h"
                 for v in sorted(documented - set(coded.values()))]
    if not coded:
        problems.append(f"{header}: no kExit constants found")
    return problems


def main():
    collbench, readme = sys.argv[1], sys.argv[2]
    helped, documented = help_flags(collbench), readme_flags(readme)
    problems = [f"{f}: in --help, not in README's option table" for f in helped if f not in documented]
    problems += [f"{f}: in README's option table, not in --help" for f in documented if f not in helped]
    for flag, default in helped.items():
        readme_default = documented.get(flag, "")
        if default and readme_default and " " not in readme_default and readme_default != default:
            problems.append(f"{flag}: default {default} in --help, {readme_default} in README")
    problems += exit_status_problems(readme)
    for p in problems:
        print(p)
    print(f"readme_options: {len(helped)} flags compared, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
