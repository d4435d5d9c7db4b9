#!/usr/bin/python3
"""Validates a collbench result file against results/schema/result.schema.json, then checks
what a schema cannot: ordered statistics, the busbw formula, bytes = count * dtype size, and
(optionally) that the expected algorithms and rank count are present.

usage: validate_result.py SCHEMA RESULT [--algos ring,tree,mpi] [--ranks N] [--sizes K]
                          [--state complete|failed|running] [--csv FILE]
Exit 0 when valid; 1 with one line per problem otherwise."""
import argparse
import csv
import json
import sys

import os

import jsonschema

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts", "report"))
import collectives  # noqa: E402  (collectives/api/collectives.json)

def semantic_problems(doc, args):
    problems = []
    seen_algos = set()
    for i, m in enumerate(doc["measurements"]):
        where = f"measurements[{i}] ({m['algorithm']} {m['bytes']} B)"
        seen_algos.add(m["algorithm"])
        t = m["time_us"]
        order = [t["min"], t["p50"], t["p95"], t["p99"], t["max"]]
        if order != sorted(order) or not t["min"] <= t["mean"] <= t["max"]:
            problems.append(f"{where}: time statistics out of order: {t}")
        # count is the call's count (nccl-tests' column): per rank's part unless the layout is
        # "same", where it is the whole buffer.
        known = collectives.canonical(m["collective"]) is not None
        parts = 1 if not known or collectives.layout(m["collective"]) == "same" else m["ranks"]
        if m["bytes"] != m["count"] * collectives.dtype_size(m["dtype"]) * parts:
            problems.append(f"{where}: bytes != count * sizeof({m['dtype']}) * {parts}")
        n = m["ranks"]
        spread, h = m.get("host_ranks"), m["hosts"]
        # One host holds the largest count and the others at least the smallest, and the
        # other way round.
        if spread and not (spread["largest"] + spread["smallest"] * (h - 1) <= n
                           <= spread["smallest"] + spread["largest"] * (h - 1)):
            problems.append(f"{where}: host_ranks {spread} cannot spread {n} ranks over "
                            f"{m['hosts']} hosts")
        factor = collectives.bus_factor(m["collective"], n)
        if factor is None:
            problems.append(f"{where}: unknown collective {m['collective']!r}")
        elif abs(m["bus_factor"] - factor) > 1e-12:
            problems.append(f"{where}: bus_factor {m['bus_factor']} != {factor:g}, "
                            f"collectives.json's factor for {m['collective']} at {n} ranks")
        want = m["algbw_gbps"] * m["bus_factor"]
        if abs(m["busbw_gbps"] - want) > 1e-9 * max(1.0, want):
            problems.append(f"{where}: busbw {m['busbw_gbps']} != algbw * bus_factor = {want}")
        has_root = collectives.table().get(collectives.canonical(m["collective"]), {}).get("root")
        if has_root != (m["root"] is not None):
            problems.append(f"{where}: root {m['root']} for {m['collective']}")
        algbw = m["bytes"] / (t["mean"] * 1e3) if t["mean"] > 0 else 0
        if abs(m["algbw_gbps"] - algbw) > 1e-9 * max(1.0, algbw):
            problems.append(f"{where}: algbw {m['algbw_gbps']} != bytes / mean time {algbw}")
        link = doc["run"]["link_gbps"]
        util = m["link_utilization"]
        if (link is None) != (util is None) or (
                link and abs(util - m["busbw_gbps"] * 8 / link) > 1e-9 * max(1.0, util)):
            problems.append(f"{where}: link_utilization {util} != busbw * 8 / {link}")
        s = m["skew"]
        if s["slowest_mean_us"] < s["fastest_mean_us"] or \
                abs(s["spread_us"] - (s["slowest_mean_us"] - s["fastest_mean_us"])) > 1e-6 or \
                max(s["slowest_rank"], s["fastest_rank"]) >= n:
            problems.append(f"{where}: inconsistent skew {s}")
        last = s.get("last_arrival")
        if last and (last["rank"] >= n or last["iterations"] > m["iterations"]):
            problems.append(f"{where}: last arrival {last} outside {n} ranks, "
                            f"{m['iterations']} iterations")
        problems += choice_problems(m, where)
        if args.ranks and n != args.ranks:
            problems.append(f"{where}: ranks {n}, expected {args.ranks}")
        if m["wrong"] not in (0, None):
            problems.append(f"{where}: {m['wrong']} wrong elements")
        if args.checked and m["wrong"] is None:
            problems.append(f"{where}: elements not checked")
    if args.algos:
        missing = set(args.algos.split(",")) - seen_algos
        if missing:
            problems.append(f"no measurements for {sorted(missing)}")
    if args.state and doc["run"]["status"]["state"] != args.state:
        problems.append(f"run state {doc['run']['status']['state']!r}, expected {args.state!r}")
    launch = doc["run"].get("launch") or {}
    if args.launcher and launch.get("launcher") != args.launcher:
        problems.append(f"launcher {launch.get('launcher')!r}, expected {args.launcher!r}")
    if args.bootstrap and launch.get("bootstrap") != args.bootstrap:
        problems.append(f"bootstrap {launch.get('bootstrap')!r}, expected {args.bootstrap!r}")
    if args.slurm_job and launch.get("slurm_job_id") != args.slurm_job:
        problems.append(f"Slurm job {launch.get('slurm_job_id')!r}, expected {args.slurm_job!r}")
    if args.sizes and len({m["bytes"] for m in doc["measurements"]}) != args.sizes:
        problems.append(f"expected {args.sizes} distinct sizes")
    return problems + nic_problems(doc["run"])


def nic_problems(run):
    """A libfabric run names the NICs of every rank of every host, one per rail."""
    if run.get("transport") != "libfabric":
        return []
    rails = int(run["options"].get("fi_rails", "1"))
    problems = []
    for h in run["hosts"]:
        nics = h.get("rank_nics", [])
        if len(nics) != len(h["rank_list"]):
            problems.append(f"host {h['name']}: {len(nics)} rank_nics for ranks {h['rank_list']}")
        for rank, names in zip(h["rank_list"], nics):
            if len([n for n in names.split(",") if n]) != rails:
                problems.append(f"host {h['name']} rank {rank}: NICs {names!r}, expected {rails}")
    return problems


def choice_problems(m, where):
    """best records what it chose, from the candidates it calibrated; nothing else does."""
    choice = m.get("choice")
    if (choice is not None) != (m["algorithm"] == "best"):
        return [f"{where}: choice {choice} with algorithm {m['algorithm']!r}"]
    if choice is None:
        return []
    times = {c["algorithm"]: c["time_us"] for c in choice["calibration"]}
    if len(times) != len(choice["calibration"]) or choice["algorithm"] not in times:
        return [f"{where}: chose {choice['algorithm']!r} from calibrated {list(times)}"]
    fastest = min(times, key=times.get)
    if times[choice["algorithm"]] > times[fastest]:
        return [f"{where}: chose {choice['algorithm']!r}, but {fastest!r} calibrated faster"]
    return []


def csv_problems(doc, path):
    """The CSV file must hold the JSON file's measurements, row for row."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    ms = doc["measurements"]
    if len(rows) != len(ms):
        return [f"{path}: {len(rows)} rows, but {len(ms)} measurements in the JSON file"]
    problems = []
    for i, (row, m) in enumerate(zip(rows, ms)):
        same = (row["label"] == doc["run"]["label"] and row["algorithm"] == m["algorithm"]
                and int(row["bytes"]) == m["bytes"] and int(row["ranks"]) == m["ranks"]
                and row["in_place"] == str(int(m["in_place"]))
                and abs(float(row["busbw_gbps"]) - m["busbw_gbps"]) <= 1e-6 * m["busbw_gbps"]
                and abs(float(row["time_p99_us"]) - m["time_us"]["p99"]) <= 1e-6 * m["time_us"]["p99"]
                and row["wrong"] == ("" if m["wrong"] is None else str(m["wrong"]))
                and int(row["slowest_rank"]) == m["skew"]["slowest_rank"]
                and row["chosen_algorithm"] == ((m.get("choice") or {}).get("algorithm") or ""))
        if not same:
            problems.append(f"{path}: row {i + 1} does not match measurements[{i}]: {row}")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("schema")
    parser.add_argument("result")
    parser.add_argument("--algos")
    parser.add_argument("--ranks", type=int)
    parser.add_argument("--sizes", type=int)
    parser.add_argument("--state", choices=["running", "complete", "failed"])
    parser.add_argument("--checked", action="store_true",
                        help="every measurement's elements were checked (wrong is 0, not null)")
    parser.add_argument("--launcher", help="run.launch.launcher must be this")
    parser.add_argument("--bootstrap", help="run.launch.bootstrap must be this (mpi, env)")
    parser.add_argument("--slurm-job", help="run.launch.slurm_job_id must be this")
    parser.add_argument("--csv", help="a CSV file that must hold the same measurements")
    args = parser.parse_args()
    with open(args.schema) as f:
        schema = json.load(f)
    try:
        with open(args.result) as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"{args.result}: not readable JSON: {e}")
        return 1
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        path = "/".join(str(p) for p in e.path) or "(root)"
        print(f"{args.result}: {path}: {e.message}")
    if errors:
        return 1
    problems = semantic_problems(doc, args)
    if args.csv:
        problems += csv_problems(doc, args.csv)
    for p in problems:
        print(f"{args.result}: {p}")
    if problems:
        return 1
    print(f"{args.result}: valid ({len(doc['measurements'])} measurements)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
