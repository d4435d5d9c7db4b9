"""Measurements read by the importers, written out as one collbench result file, so that
`collbench check --baseline` (and anything else that reads result files) takes the results of
nccl-tests, OSU and nccom-test: `collbench-report --to-collbench OUT.json FILE...`.

Only what the source says is carried: a time that is an average over iterations (nccl-tests,
OSU, nccom-test) becomes every statistic of `time_us`, with one sample, and the run's notes say
so; the skew is unknown. A measurement whose rank count, element count, type or op the source
does not give (or gives in words the schema does not know) cannot be written, and the error
names the field and the file."""
import datetime
import json
import os

try:
    from . import collectives
    from .importers import FormatError
except ImportError:  # run as a plain module from scripts/report
    import collectives
    from importers import FormatError

_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "results",
                       "schema", "result.schema.json")


def _schema():
    with open(_SCHEMA, encoding="utf-8") as f:
        return json.load(f)


def _allowed(schema, field):
    return set(schema["$defs"]["measurement"]["properties"][field]["enum"])


def _check(m, source, dtypes, ops):
    what = f"{source}: {m.collective} {m.bytes} B"
    if not m.ranks:
        raise FormatError(f"{what}: the rank count is unknown (OSU and nccom-test do not print it: "
                          "give --osu-ranks or --nccom-ranks)")
    if m.count is None:
        raise FormatError(f"{what}: the element count is unknown ({m.tool} does not print it)")
    if m.dtype not in dtypes:
        raise FormatError(f"{what}: type {m.dtype!r} is none of collbench's "
                          f"({', '.join(sorted(dtypes))})")
    if m.op not in ops:
        raise FormatError(f"{what}: op {m.op!r} is none of collbench's ({', '.join(sorted(ops))})")


def _measurement(m):
    """algbw and busbw follow from the time by the schema's formulas (the sources print them
    rounded); every statistic of the time is the source's average."""
    factor = collectives.bus_factor(m.collective, m.ranks)
    t = m.time_us
    algbw = m.bytes / (t * 1e3) if t > 0 else 0.0
    return {
        "collective": m.collective, "algorithm": m.algorithm, "transport": m.transport,
        "ranks": m.ranks, "hosts": m.hosts or 1, "bytes": m.bytes, "count": m.count,
        "dtype": m.dtype, "op": m.op, "root": m.root, "in_place": m.in_place,
        "iterations": m.extra.get("iterations") or 1, "warmup_iterations": 0,
        "time_us": {"min": t, "mean": t, "p50": t, "p95": t, "p99": t, "max": t, "samples": 1},
        "algbw_gbps": algbw, "busbw_gbps": algbw * factor, "bus_factor": factor,
        "wrong": m.wrong, "link_utilization": None,
        "skew": {"slowest_rank": 0, "slowest_mean_us": t, "fastest_rank": 0,
                 "fastest_mean_us": t, "spread_us": 0.0, "last_arrival": None},
        "inter_host_bytes": None, "choice": None,
        # The vendor's algorithm is unknown: its collective's form, as for collbench's baselines.
        "cost_form": collectives.cost_form(m.collective),
    }


def _run(records, sources, command_line):
    tools = sorted({m.tool for m in records})
    transports = sorted({m.transport for m in records})
    notes = [f"converted by collbench-report from {', '.join(sources)} ({', '.join(tools)}): "
             "times are the source's averages over its iterations (every statistic of time_us "
             "is that average, from one sample), algbw and busbw follow from them; the skew "
             "between ranks is unknown"]
    return {
        "command_line": command_line, "version": "0.0.0", "git_revision": "converted",
        "start_time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "label": records[0].label, "transport": ",".join(transports), "transport_provider": "",
        "link_gbps": None, "link_source": "", "memory_registration": {"bytes": 0, "time_us": 0},
        "ranks": max(m.ranks for m in records),
        "hosts": [{"name": "unknown", "ranks": max(m.ranks for m in records), "cpu_model": "",
                   "cpus": 0, "nics": [], "gpus": []}],
        "libraries": {"mpi": "unknown: converted from another tool's results"},
        "environment": {}, "options": {}, "notes": notes,
        "status": {"state": "complete", "failed_rank": None, "failed_host": "", "operation": "",
                   "message": ""},
    }


def to_collbench(records, sources, command_line):
    """The result document holding `records` (importers.Measurement, from `sources`)."""
    if not records:
        raise FormatError(f"{', '.join(sources)}: no measurement to convert")
    schema = _schema()
    dtypes, ops = _allowed(schema, "dtype"), _allowed(schema, "op")
    for m in records:
        _check(m, m.label, dtypes, ops)
    return {"schema_version": schema["properties"]["schema_version"]["const"],
            "run": _run(records, sources, command_line),
            "measurements": [_measurement(m) for m in records]}
