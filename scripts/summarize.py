#!/usr/bin/env python3
"""Prints a Markdown table from collbench result files: p50 time and busbw per algorithm,
rank count and size, with the ratio of each algorithm's busbw to a reference algorithm's
measured in the same file.

usage: summarize.py RESULT.json... [--bytes 8,1M,64M] [--ref mpi] [--in-place no|yes]"""
import argparse
import json
import sys


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B")
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def human(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} B"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results", nargs="+")
    parser.add_argument("--bytes", default="")
    parser.add_argument("--ref", default="mpi")
    parser.add_argument("--in-place", default="no", choices=["no", "yes"])
    args = parser.parse_args()
    wanted = {parse_size(s) for s in args.bytes.split(",") if s}
    in_place = args.in_place == "yes"
    rows = []
    for path in args.results:
        with open(path) as f:
            doc = json.load(f)
        ms = [m for m in doc["measurements"] if m["in_place"] == in_place
              and (not wanted or m["bytes"] in wanted)]
        ref = {(m["ranks"], m["bytes"], m["dtype"], m["op"]): m for m in ms
               if m["algorithm"] == args.ref}
        for m in ms:
            r = ref.get((m["ranks"], m["bytes"], m["dtype"], m["op"]))
            ratio = (f"{m['busbw_gbps'] / r['busbw_gbps']:.2f}"
                     if r and r["busbw_gbps"] > 0 else "-")
            rows.append((m["ranks"], m["bytes"], m["algorithm"], m["transport"],
                         m["time_us"]["p50"], m["busbw_gbps"], ratio, m["wrong"]))
    print(f"| ranks | size | algorithm | transport | p50 (us) | busbw (GB/s) | busbw / {args.ref} | wrong |")
    print("|---:|---:|---|---|---:|---:|---:|---:|")
    for ranks, size, algo, transport, p50, busbw, ratio, wrong in sorted(rows, key=lambda r: (r[0], r[1])):
        print(f"| {ranks} | {human(size)} | {algo} | {transport} | {p50:.1f} | {busbw:.3f} | {ratio} | {wrong} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
