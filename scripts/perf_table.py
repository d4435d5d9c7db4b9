#!/usr/bin/env python3
"""Turns the result files of scripts/bench-local.sh into docs/PERFORMANCE.md: medians over
repeats of each (launch, algorithm, transport, ranks, size), tables of bus bandwidth and time
with ratios ours / peer (the median of each repeat's ratio: a repeat's two numbers share one
launch, or launches one after the other), pingpong per transport, the micro-benchmarks, and
the issue's targets checked against the numbers.

    perf_table.py DIR [-o FILE] [--baseline DIR]

--baseline DIR adds a before/after table of ring and tree over TCP from an earlier run of the
script (for example with COLLBENCH_BIN pointing at an older build)."""
import argparse
import glob
import json
import os
import platform
import statistics
import sys
from collections import defaultdict

SIZES = [8, 256, 4096, 65536, 262144, 1 << 20, 4 << 20, 16 << 20, 32 << 20, 64 << 20]
SMALL = [8, 64, 512, 4096]
TARGET_SIZES = [4 << 20, 8 << 20, 16 << 20, 32 << 20, 64 << 20]


def size_text(n):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} B"


def repeat_of(path):
    """The repeat a result file belongs to: bench-local.sh names each NAME_R.json (R from 1)."""
    tail = os.path.splitext(os.path.basename(path))[0].rsplit("_", 1)[-1]
    return tail if tail.isdigit() else "1"


def load(directory):
    """(label, algorithm, transport, ranks, bytes) -> {repeat: value} of busbw, mean time and
    p50 time; run info."""
    busbw, time, p50 = defaultdict(dict), defaultdict(dict), defaultdict(dict)
    runs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        if os.path.basename(path).startswith("micro_"):
            continue
        with open(path) as f:
            doc = json.load(f)
        run = doc["run"]
        if run["status"]["state"] != "complete":
            sys.exit(f"perf_table: {path}: run did not complete ({run['status']['message']})")
        runs.append(run)
        repeat = repeat_of(path)
        for m in doc["measurements"]:
            if m["wrong"]:
                sys.exit(f"perf_table: {path}: {m['algorithm']} {m['bytes']} B has wrong results")
            transport = None if run["label"].startswith("pingpong") else m["transport"]
            key = (run["label"], m["algorithm"], transport, m["ranks"], m["bytes"])
            busbw[key][repeat] = m["busbw_gbps"]
            time[key][repeat] = m["time_us"]["mean"]
            p50[key][repeat] = m["time_us"]["p50"]
    if not runs:
        sys.exit(f"perf_table: no result files in {directory}")
    return busbw, time, p50, runs


def median_value(by_repeat):
    return statistics.median(by_repeat.values()) if by_repeat else None


def paired_ratio(a, b):
    """The median over the repeats that measured both of a's value / b's ({repeat: value} each):
    a repeat's two numbers come from one launch or from launches one after the other, so each
    ratio sees one stretch of the host's noise."""
    rs = [a[r] / b[r] for r in a if r in b and b[r]]
    return statistics.median(rs) if rs else None


class Data:
    """Lookups over a bench-local.sh directory: medians over the repeats, and ratios paired by
    repeat."""

    def __init__(self, directory):
        self.busbw, self.time, self.time_p50, self.runs = load(directory)
        self.repeats = max(len([r for r in self.runs if r["label"] == "pingpong-tcp"]), 1)

    def ranks(self):
        return sorted({k[3] for k in self.busbw if not k[0].startswith(("pingpong", "link-"))})

    def bw(self, label, algo, transport, np, size):
        return median_value(self.busbw.get((label, algo, transport, np, size)))

    def us(self, label, algo, transport, np, size):
        return median_value(self.time.get((label, algo, transport, np, size)))

    def p50(self, label, algo, transport, np, size):
        return median_value(self.time_p50.get((label, algo, transport, np, size)))

    def count(self, a, np, size):
        """How many repeats measured a (label, algorithm, transport) at this size."""
        return len(self.busbw.get((*a, np, size), {}))

    def bw_ratio(self, a, b, np, size):
        """a's busbw / b's, a and b (label, algorithm, transport): the median of each repeat's."""
        return paired_ratio(self.busbw.get((*a, np, size), {}), self.busbw.get((*b, np, size), {}))

    def p50_ratio(self, a, b, np, size):
        return paired_ratio(self.time_p50.get((*a, np, size), {}),
                            self.time_p50.get((*b, np, size), {}))


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


# Columns of the bandwidth table: (header, label, algorithm, transport) or a ratio of two.
BW_COLUMNS = [
    ("ring tcp", "tcp", "ring", "tcp"),
    ("tree tcp", "tcp", "tree", "tcp"),
    ("rd tcp", "tcp", "recursive-doubling", "tcp"),
    ("best tcp", "tcp", "best", "tcp"),
    ("MPI tcp", "tcp", "mpi", "mpi"),
    ("gloo-ring", "tcp", "gloo-ring", "gloo"),
    ("gloo-bcube", "tcp", "gloo-bcube", "gloo"),
    ("ring / gloo-ring", ("tcp", "ring", "tcp"), ("tcp", "gloo-ring", "gloo")),
    ("ring / MPI tcp", ("tcp", "ring", "tcp"), ("tcp", "mpi", "mpi")),
    ("best / MPI tcp", ("tcp", "best", "tcp"), ("tcp", "mpi", "mpi")),
    ("ring fi-tcp", "fi-tcp", "ring", "libfabric"),
    ("ring fi-shm", "fi-shm", "ring", "libfabric"),
    ("MPI shm", "fi-tcp", "mpi", "mpi"),
]

# bench-local's ring-* launches: ring alone at 2 ranks, 4-64 MiB, over our TCP, over libfabric's
# tcp provider, and over our TCP in the provider's segment size, one after the other.
RING_TCP = ("ring-tcp", "ring", "tcp")
RING_FI_TCP = ("ring-fi-tcp", "ring", "libfabric")
RING_TCP_FI_SEGMENT = ("ring-tcp-fi-segment", "ring", "tcp")
# Its hosts-ring-* launches: the same rings between 2 emulated hosts over an unlimited link.
HOSTS_RING_TCP = ("hosts-ring-tcp", "ring", "tcp")
HOSTS_RING_FI_TCP = ("hosts-ring-fi-tcp", "ring", "libfabric")
TRANSPORT_COLUMNS = [
    ("ring tcp", *RING_TCP),
    ("ring fi-tcp", *RING_FI_TCP),
    ("ring tcp in fi-tcp's segment", *RING_TCP_FI_SEGMENT),
    ("fi-tcp / tcp", RING_FI_TCP, RING_TCP),
    ("fi-tcp / tcp in its segment", RING_FI_TCP, RING_TCP_FI_SEGMENT),
]
HOSTS_TRANSPORT_COLUMNS = [
    ("2 hosts: ring tcp", *HOSTS_RING_TCP),
    ("2 hosts: ring fi-tcp", *HOSTS_RING_FI_TCP),
    ("2 hosts: fi-tcp / tcp", HOSTS_RING_FI_TCP, HOSTS_RING_TCP),
]


def cell(data, col, np, size, value):
    if isinstance(col[1], tuple):
        r = data.bw_ratio(col[1], col[2], np, size)
        return fmt(r) + ("x" if r is not None else "")
    return fmt(value(*col[1:], np, size), 2 if value == data.bw else 1)


def table(data, np, sizes, value, columns):
    lines = ["| size | " + " | ".join(c[0] for c in columns) + " |",
             "|---:|" + "---:|" * len(columns)]
    for size in sizes:
        cells = [cell(data, c, np, size, value) for c in columns]
        if all(c in ("-", "-x") for c in cells):
            continue
        lines.append(f"| {size_text(size)} | " + " | ".join(cells) + " |")
    return lines


PINGPONG = [("pingpong-tcp", "tcp"), ("pingpong-fi-tcp", "libfabric tcp"),
            ("pingpong-fi-shm", "libfabric shm")]


def pingpong_lines(data):
    lines = ["| size | " + " | ".join(f"{name} GB/s" for _, name in PINGPONG) + " |",
             "|---:|" + "---:|" * len(PINGPONG)]
    for size in SIZES:
        cells = [fmt(data.bw(label, "pingpong", None, 2, size)) for label, _ in PINGPONG]
        lines.append(f"| {size_text(size)} | " + " | ".join(cells) + " |")
    return lines


def link_label(data):
    labels = sorted({k[0] for k in data.busbw if k[0].startswith("link-")})
    return labels[0] if labels else None


def link_gbps(label):
    """tc's rate ("1gbit", "500mbit") in GB/s (10^9 bytes/s)."""
    text = label[len("link-"):].lower()
    for unit, scale in (("gbit", 1e9), ("mbit", 1e6), ("kbit", 1e3)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * scale / 8 / 1e9
    return None


def tree_bound(rate, n):
    """The double binary tree's busbw bound on links of `rate`: busbw = algbw x 2(n-1)/n, and the
    busiest rank sends c S (results/model.h, form "tree": c = 1 at 2 ranks, 2 from 4 on), so
    the bound is the link at 2 ranks and (n-1)/n of it from 4 on (3 ranks are not measured)."""
    return rate if n == 2 else rate * (n - 1) / n if n >= 4 else None


def link_lines(data):
    label = link_label(data)
    if not label:
        return []
    rate = link_gbps(label)
    hosts = sorted({k[3] for k in data.busbw if k[0] == label and k[1] == "ring"})
    head = ["size", "pingpong GB/s"]
    for n in hosts:
        head += [f"ring {n} hosts", f"ring {n} / link", f"tree {n} hosts", f"tree {n} / bound"]
    lines = [f"One rank per emulated host (network namespaces, `scripts/netns-hosts.sh`), every link "
             f"limited by tc to {label[5:]} per direction ({fmt(rate, 3)} GB/s): here the link, not "
             "the CPU's copies, is the bottleneck, as on a real fabric. Pingpong is the same link's "
             "point-to-point bandwidth, measured in the same script. A double binary tree's busiest "
             "rank sends the buffer once at 2 hosts and twice from 4 on, so its bound is the link "
             "at 2 hosts and (n-1)/n of it from 4 on.", "",
             "| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for size in sorted({k[4] for k in data.busbw if k[0] == label}):
        cells = [size_text(size), fmt(data.bw(label, "pingpong", "tcp", 2, size), 3)]
        for n in hosts:
            ring, tree = data.bw(label, "ring", "tcp", n, size), data.bw(label, "tree", "tcp", n, size)
            cells += [fmt(ring, 3), fmt(ratio(ring, rate)), fmt(tree, 3),
                      fmt(ratio(tree, tree_bound(rate, n)))]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def range_lines(what, ratios, target, unit="", at_most=False):
    """One target line, "- WHAT = MIN to MAX (target >= TARGET): met", over the ratios that were
    measured (None: not); none measured, no line. `target` is written as the line shows it."""
    rs = [r for r in ratios if r is not None]
    if not rs:
        return []
    ok = max(rs) <= float(target) if at_most else min(rs) >= float(target)
    sign = "<=" if at_most else ">="
    return [f"- {what} = {min(rs):.2f}{unit} to {max(rs):.2f}{unit} (target {sign} {target}{unit}): "
            f"{'met' if ok else 'NOT met'}"]


def link_target_lines(data):
    label = link_label(data)
    if not label:
        return []
    rs = [data.bw_ratio((label, "ring", "tcp"), (label, "pingpong", "tcp"), 2, s)
          for s in TARGET_SIZES]
    lines = range_lines(f"2 emulated hosts over a {label[5:]} link, 4-64 MiB: ring busbw / "
                        "pingpong bandwidth", rs, "0.80")
    if not lines:
        return []
    rate = link_gbps(label)
    for n in (4, 8):
        ts = [ratio(data.bw(label, "tree", "tcp", n, s), tree_bound(rate, n))
              for s in (1 << 20, 4 << 20, 16 << 20)]
        lines += range_lines(f"{n} emulated hosts over a {label[5:]} link, 1-16 MiB: tree busbw / "
                             "its bound", ts, "0.85")
    return lines


def micro_lines(directory):
    path = os.path.join(directory, "micro_reduce.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        doc = json.load(f)
    rows = {b["run_name"]: b["bytes_per_second"] / 1e9
            for b in doc["benchmarks"] if b.get("aggregate_name") == "median"}
    active = doc.get("context", {}).get("reduce_kernels", "?")
    lines = [f"Kernel builds: `generic` (baseline x86-64, auto-vectorised) and `avx2` (AVX2 + F16C); "
             f"collbench runs `{active}` on this CPU.\n",
             "| kernel | 1 MiB (in LLC) GB/s | ratio to memcpy | 128 MiB (DRAM) GB/s | ratio to memcpy |",
             "|---|---:|---:|---:|---:|"]
    small, big = "/1048576", "/134217728"
    mc_s, mc_b = rows.get("memcpy" + small), rows.get("memcpy" + big)
    names = sorted({n.rsplit("/", 1)[0] for n in rows})
    for name in ["memcpy"] + [n for n in names if n != "memcpy"]:
        s, b = rows.get(name + small), rows.get(name + big)
        lines.append(f"| {name} | {fmt(s)} | {fmt(ratio(s, mc_s))} | {fmt(b)} | {fmt(ratio(b, mc_b))} |")
    return lines


def transport_micro_lines(directory):
    path = os.path.join(directory, "micro_transport.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        rows = [b for b in json.load(f)["benchmarks"] if b.get("aggregate_name") == "median"]
    lines = ["| benchmark | round trip (us) | GB/s (both directions) |", "|---|---:|---:|"]
    for b in rows:
        us = b["real_time"] / (1000.0 if b["time_unit"] == "ns" else 1.0)
        lines.append(f"| {b['run_name']} | {us:.1f} | {b['bytes_per_second'] / 1e9:.2f} |")
    return lines


def transport_lines(data):
    """The ring-* and hosts-ring-* launches' table: each transport's busbw and the ratios, paired
    by round."""
    rounds = data.count(RING_FI_TCP, 2, TARGET_SIZES[0])
    if not rounds:
        return []
    text = (f"Ring alone, 2 ranks, {rounds} rounds of launches one after the other (bench-local's "
            "`ring-*` launches: no other algorithm's traffic on the sockets)")
    columns = TRANSPORT_COLUMNS
    hosts = data.count(HOSTS_RING_FI_TCP, 2, TARGET_SIZES[0])
    if hosts:
        text += (f"; `2 hosts`: {hosts} rounds between 2 emulated hosts over an unlimited link "
                 f"(`hosts-ring-*`, TCP congestion control {hosts_congestion_control(data)})")
        columns = TRANSPORT_COLUMNS + HOSTS_TRANSPORT_COLUMNS
    return [text + ".", ""] + table(data, 2, TARGET_SIZES, data.bw, columns)


def hosts_congestion_control(data):
    """The congestion control the emulated hosts' result files recorded (their own stacks')."""
    found = {h.get("tcp_congestion_control", "?") for r in data.runs
             if r["label"] == HOSTS_RING_TCP[0] for h in r.get("hosts", [])}
    return ", ".join(sorted(found)) or "?"


def libfabric_target_lines(data):
    """libfabric's tcp provider against our TCP transport, ring alone at 2 ranks: the median of
    each round's ratio, each round launching both one after the other; then against our TCP in
    the provider's segment size, the same messages on the wire; then between 2 emulated hosts,
    each with its own TCP stack."""
    lines = []
    for where, (ours, peer), what in (
            ("2 ranks", (RING_FI_TCP, RING_TCP), "ring over TCP"),
            ("2 ranks", (RING_FI_TCP, RING_TCP_FI_SEGMENT),
             "ring over TCP in libfabric's segment size"),
            ("2 emulated hosts over an unlimited link", (HOSTS_RING_FI_TCP, HOSTS_RING_TCP),
             "ring over TCP")):
        rs = [data.bw_ratio(ours, peer, 2, s) for s in TARGET_SIZES]
        lines += range_lines(f"{where}, 4-64 MiB: ring over libfabric tcp / {what}", rs, "0.9",
                             "x")
    return lines


def small_target_lines(data):
    """best against MPI over TCP at 8 B-4 KiB, by p50 as issue 17 states it (one slow iteration
    of ten moves a mean by 10%)."""
    lines = []
    for np in data.ranks():
        rs = [data.p50_ratio(("tcp", "best", "tcp"), ("tcp", "mpi", "mpi"), np, s)
              for s in SMALL]
        lines += range_lines(f"{np} ranks, 8 B-4 KiB: best's p50 / MPI over TCP's", rs, "1.00",
                             at_most=True)
    return lines


def target_lines(data, directory):
    lines = []
    for np in data.ranks():
        for peer, name, want in (("gloo-ring", "Gloo ring", "1.3"), ("mpi", "MPI over TCP", "1.0")):
            transport = "mpi" if peer == "mpi" else "gloo"  # the transport baselines record
            rs = [data.bw_ratio(("tcp", "ring", "tcp"), ("tcp", peer, transport), np, s)
                  for s in TARGET_SIZES]
            lines += range_lines(f"{np} ranks, 4-64 MiB: ring TCP / {name}", rs, want, "x")
    rs = [data.bw_ratio(("tcp", "ring", "tcp"), ("pingpong-tcp", "pingpong", None), 2, s)
          for s in TARGET_SIZES]
    lines += range_lines("2 ranks, 4-64 MiB: ring busbw / TCP pingpong bandwidth", rs, "0.80")
    lines += libfabric_target_lines(data)
    lines += link_target_lines(data)
    lines += small_target_lines(data)
    if 8 in data.ranks():
        faster = [s for s in SMALL if (data.us("tcp", "tree", "tcp", 8, s) or 1e9) <
                  (data.us("tcp", "ring", "tcp", 8, s) or 0)]
        ok = "met" if len(faster) == len(SMALL) else "NOT met"
        lines.append(f"- 8 ranks, 8 B-4 KiB: tree faster than ring at {len(faster)} of {len(SMALL)} sizes: {ok}")
    micro = micro_lines(directory)
    active = micro[0].split("runs `")[1].split("`")[0] if micro else ""
    for line in micro:
        if line.startswith(f"| reduce/float32/sum/{active} "):
            parts = [p.strip() for p in line.strip("|").split("|")]
            lines.append(f"- float32 sum kernel ({active}) / memcpy: {parts[2]} in LLC, {parts[4]} "
                         "from DRAM (target >= 0.70)")
    return lines


def baseline_lines(data, base):
    lines = []
    for np in [n for n in data.ranks() if n in base.ranks()]:
        lines += [f"\n{np} ranks, busbw GB/s (median):\n",
                  "| size | ring before | ring after | after/before | tree before | tree after | after/before |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for size in sorted(set(SIZES) | set(SMALL)):
            cells = []
            for algo in ("ring", "tree"):
                b = base.bw("tcp", algo, "tcp", np, size)
                a = data.bw("tcp", algo, "tcp", np, size)
                cells += [fmt(b), fmt(a), fmt(ratio(a, b)) + "x"]
            lines.append(f"| {size_text(size)} | " + " | ".join(cells) + " |")
    return lines


def machine(data):
    run = data.runs[0]
    host = run["hosts"][0]
    mem = ""
    if os.path.exists("/proc/meminfo"):
        with open("/proc/meminfo") as f:
            mem = f.readline().split(":")[1].strip()
    libs = ", ".join(f"{k} {v}" for k, v in sorted(run["libraries"].items()))
    cc = host.get("tcp_congestion_control")
    cc = f", TCP congestion control {cc}" if cc else ""
    buffers = [f"{k} {'/'.join(str(v) for v in host[k])}" for k in ("tcp_wmem", "tcp_rmem")
               if host.get(k)]
    buffers = f" ({', '.join(buffers)} bytes: min/default/max)" if buffers else ""
    return [f"- Host: {host['cpu_model']}, {host['cpus']} CPUs, {mem} memory, "
            f"Linux {platform.release()}; one host, loopback networking{cc}{buffers}",
            f"- collbench {run['version']} (git {run['git_revision']}); {libs}",
            f"- Measured {run['start_time']}; {data.repeats} repeats, median of each repeat's mean "
            f"time per size; float32 sum, out-of-place, {iteration_text(run['options'])}"]


def iteration_text(options):
    """The iteration counts of a run, from its recorded options (a file from before
    --sweep-warmup has none of those calls)."""
    seconds = float(options.get("iter_time_s", "0"))
    timed = (f"timed iterations for {seconds:g} s per size (5 at least; each measurement records "
             "its count)" if seconds > 0 else f"{options['iters']} timed iterations")
    text = f"{timed} after {options['warmup_iters']} warm-up per size"
    sweep = int(options.get("sweep_warmup", "0"))
    if sweep:
        text += f", {sweep} untimed call{'s' if sweep > 1 else ''} at the largest size first"
    return text


def hand_measured_lines():
    """docs/PERFORMANCE-NOTES.md, the home of the measurements taken by hand, as the last section
    of PERFORMANCE.md (its own title gives way to a section heading); none when it is absent."""
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                         "PERFORMANCE-NOTES.md")
    if not os.path.exists(notes):
        return []
    with open(notes) as f:
        hand = f.read().split("\n", 1)[1]
    return ["", "## Measured by hand (docs/PERFORMANCE-NOTES.md)"] + hand.rstrip("\n").split("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--baseline")
    args = ap.parse_args()
    data = Data(args.dir)
    out = ["# Performance on one host", "",
           "Written by `scripts/bench-local.sh` (do not edit by hand; rerun it). Values are medians "
           "over the repeats; a ratio is the median of each repeat's ratio, whose two numbers come "
           "from one mpirun launch (ours against a vendor's, against each other) or, for two "
           "transports or a pingpong, from launches one after the other. The `tcp` launch runs "
           "with `--mca btl tcp,self`, so its MPI column is Open MPI over TCP; `MPI shm` comes "
           "from the libfabric-tcp launch, where Open MPI uses shared memory. GB/s = 10^9 "
           "bytes/s; busbw = algbw x 2(n-1)/n.", ""]
    out += machine(data)
    out += ["", "## Targets", ""] + target_lines(data, args.dir)
    for np in data.ranks():
        out += ["", f"## All-reduce bus bandwidth, {np} ranks (GB/s)", ""]
        out += table(data, np, SIZES, data.bw, BW_COLUMNS)
        out += ["", f"## All-reduce time, {np} ranks, small messages (us)", ""]
        small_cols = [c for c in BW_COLUMNS if not isinstance(c[1], tuple)]
        out += table(data, np, SMALL, data.us, small_cols)
    transports = transport_lines(data)
    if transports:
        out += ["", "## libfabric's tcp provider against our TCP (busbw GB/s)", ""] + transports
    out += ["", "## Point-to-point (pingpong, 2 ranks): bandwidth of one link", ""]
    out += pingpong_lines(data)
    link = link_lines(data)
    if link:
        out += ["", "## Link-bound: emulated hosts over a rate-limited link (busbw GB/s)", ""] + link
    micro = micro_lines(args.dir)
    if micro:
        out += ["", "## Reduction kernels against memcpy (tests/bench/bench_reduce)", "",
                "Bytes of output per second; a reduction reads two buffers, memcpy one.", ""] + micro
    tmicro = transport_micro_lines(args.dir)
    if tmicro:
        out += ["", "## Transports between two threads (tests/bench/bench_transport)", ""] + tmicro
    if args.baseline:
        out += ["", "## Before and after", "", f"Baseline: `{args.baseline}`."]
        out += baseline_lines(data, Data(args.baseline))
    out += hand_measured_lines()
    text = "\n".join(out) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
