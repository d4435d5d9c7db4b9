#!/usr/bin/env python3
"""Checks that every project include follows DESIGN.md's dependency direction.

Each folder may include only the folders listed for it below (and itself). Run from anywhere:
    scripts/check_layering.py [REPO_ROOT]
Prints each offending include as file:line and exits 1 if there is any."""
import pathlib
import re
import sys

# folder (or file stem) -> project folders it may include
ALLOWED = {
    "transports/api": [],
    "transports/loopback": ["transports/api"],
    "transports/tcp": ["transports/api"],
    "transports/libfabric": ["transports/api"],
    "transports/nccl": ["transports/api"],
    "transports/staging": ["transports/api"],
    "transports/registry": ["transports/api", "transports/tcp", "transports/libfabric",
                            "transports/loopback", "transports/nccl"],
    "collectives/api": ["transports/api"],
    "collectives/patterns": [],
    "collectives/reduce": ["collectives/api"],
    "collectives/common": ["collectives/api", "collectives/patterns", "collectives/reduce",
                           "transports/api"],
    **{f"collectives/{folder}": ["collectives/api", "collectives/common", "collectives/patterns",
                                 "collectives/reduce", "transports/api"]
       for folder in ("allreduce", "allgather", "reducescatter", "rooted", "alltoall")},
    "collectives/p2p": ["collectives/api", "collectives/reduce", "transports/api"],
    "collectives/native": ["collectives/api", "collectives/reduce", "transports/api"],
    "collectives/select": ["collectives/api", "collectives/reduce", "transports/api"],
    "collectives/registry": ["collectives/api", "collectives/allreduce", "collectives/allgather",
                             "collectives/reducescatter", "collectives/rooted",
                             "collectives/alltoall", "collectives/native", "collectives/p2p",
                             "collectives/select", "transports/api"],
    "results": [],
    "harness": None,  # sees everything
}
PROJECT_ROOTS = ("transports/", "collectives/", "results/", "harness/")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def owner(rel):
    """The ALLOWED key that governs a file, most specific first."""
    parts = rel.split("/")
    stem = "/".join(parts[:-1] + [parts[-1].split(".")[0]])
    for key in sorted(ALLOWED, key=len, reverse=True):
        if stem == key or rel.startswith(key + "/"):
            return key
    return None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    bad = 0
    checked = 0
    for path in sorted(root.glob("**/*")):
        rel = path.relative_to(root).as_posix()
        if path.suffix not in (".h", ".cc", ".cu") or not rel.startswith(PROJECT_ROOTS):
            continue
        key = owner(rel)
        if key is None or ALLOWED[key] is None:
            continue
        checked += 1
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m or not m.group(1).startswith(PROJECT_ROOTS):
                continue
            target = owner(m.group(1))
            if target == key or target in ALLOWED[key]:
                continue
            print(f"{rel}:{lineno}: {key} may not include {m.group(1)} (allowed: "
                  f"{', '.join(ALLOWED[key]) or 'nothing else'})")
            bad += 1
    print(f"check_layering: {checked} files checked, {bad} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
