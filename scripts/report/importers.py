"""Readers for the result formats the report puts side by side. Each returns a list of
Measurement records; `load` recognises a file's format by its content, not its name."""
import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from typing import List, Optional

try:
    from . import collectives
except ImportError:  # run as a plain module from scripts/report
    import collectives


class FormatError(Exception):
    """A file that is none of the known formats, or a malformed one; says which and where."""


@dataclass
class Measurement:
    label: str
    tool: str  # collbench, nccl-tests, osu
    collective: str
    algorithm: str
    transport: str
    ranks: Optional[int]
    bytes: int
    dtype: str
    op: str
    in_place: bool
    time_us: float  # mean over iterations
    p50_us: Optional[float] = None
    p99_us: Optional[float] = None
    algbw_gbps: Optional[float] = None
    busbw_gbps: Optional[float] = None
    link_utilization: Optional[float] = None
    wrong: Optional[int] = None
    extra: dict = field(default_factory=dict)
    hosts: Optional[int] = None
    count: Optional[int] = None  # elements, as the source prints them
    root: Optional[int] = None
    # Ranks on the fullest and the emptiest host (collbench result files from the field on).
    host_ranks: Optional[tuple] = None


def collective_name(name, path):
    """Our name for a collective named in a file (ours, an alias, nccl-tests', OSU's)."""
    found = collectives.canonical(name)
    if found is None:
        raise FormatError(f"{path}: unknown collective {name!r}; known: "
                          + ", ".join(collectives.table()))
    return found


# nccl-tests' type names (and MPI's) in collbench's words, so that series compare like with like.
TYPE_NAMES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "float": "float32", "double": "float64", "half": "float16", "int": "int32",
              "MPI_FLOAT": "float32", "MPI_DOUBLE": "float64", "MPI_INT": "int32",
              "MPI_CHAR": "int8"}


def dtype_name(name):
    return TYPE_NAMES.get(name, name)


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


# --- collbench JSON (-J) --------------------------------------------------------------------

def parse_collbench_json(text, path):
    try:
        doc = json.loads(text)
        run = doc["run"]
        label = run.get("label") or _stem(path)
        out = []
        for m in doc["measurements"]:
            out.append(Measurement(
                label=label, tool="collbench",
                collective=collective_name(m["collective"], path),
                algorithm=m["algorithm"], transport=m["transport"], ranks=int(m["ranks"]),
                bytes=int(m["bytes"]), dtype=m["dtype"], op=m["op"], in_place=bool(m["in_place"]),
                time_us=float(m["time_us"]["mean"]), p50_us=float(m["time_us"]["p50"]),
                p99_us=float(m["time_us"]["p99"]), algbw_gbps=float(m["algbw_gbps"]),
                busbw_gbps=float(m["busbw_gbps"]), link_utilization=m.get("link_utilization"),
                wrong=m["wrong"], hosts=int(m.get("hosts", 1)), count=int(m["count"]),
                root=m.get("root"),
                host_ranks=(m["host_ranks"]["largest"], m["host_ranks"]["smallest"])
                if m.get("host_ranks") else None))
        return out
    except (KeyError, TypeError, ValueError) as e:
        raise FormatError(f"{path}: collbench result file: missing or bad field {e}") from None


# --- collbench CSV (--csv) ------------------------------------------------------------------

def _opt_float(text):
    return float(text) if text not in ("", None) else None


def parse_collbench_csv(text, path):
    out = []
    for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            out.append(Measurement(
                label=row["label"] or _stem(path), tool="collbench",
                collective=collective_name(row["collective"], path), algorithm=row["algorithm"],
                transport=row["transport"], ranks=int(row["ranks"]), bytes=int(row["bytes"]),
                dtype=row["dtype"], op=row["op"], in_place=row["in_place"] == "1",
                time_us=float(row["time_mean_us"]), p50_us=float(row["time_p50_us"]),
                p99_us=float(row["time_p99_us"]), algbw_gbps=float(row["algbw_gbps"]),
                busbw_gbps=float(row["busbw_gbps"]),
                link_utilization=_opt_float(row["link_utilization"]),
                wrong=int(row["wrong"]) if row["wrong"] else None, count=int(row["count"]),
                root=int(row["root"]) if row.get("root") else None,
                hosts=int(row["hosts"]) if row.get("hosts") else None))
        except (KeyError, TypeError, ValueError) as e:
            raise FormatError(f"{path}:{i}: collbench CSV: bad or missing column {e}") from None
    return out


# --- nccl-tests JSON (-J, format version 2) -------------------------------------------------

def _nccl_collective(program, path):
    """The collective of an nccl-tests binary (all_gather_perf, alltoall_perf_mpi, ...)."""
    name = re.sub(r"_perf(_mpi)?$", "", os.path.basename(program or ""))
    # nccl-tests before 2.13 did not print '# Collective test starting: NAME_perf'; those logs
    # are taken as all_reduce_perf's, the binary nearly every published log comes from.
    return collective_name(name or "all_reduce", path)


def _nccl_side(m, entry, side):
    r = entry.get(side)
    if not r:
        return None
    wrong = r.get("nwrong")
    return Measurement(**{**m, "in_place": side == "in_place",
                          "time_us": float(r.get("time", r.get("cpu_time"))),
                          "algbw_gbps": float(r["alg_bw"]), "busbw_gbps": float(r["bus_bw"]),
                          "wrong": None if wrong is None else int(wrong)})


def parse_nccl_json(text, path):
    try:
        doc = json.loads(text)
        ranks = len(doc.get("config", {}).get("devices", [])) or None
        collective = _nccl_collective((doc.get("args") or [""])[0], path)
        out = []
        for entry in doc["results"]:
            root = int(str(entry.get("root", -1)).strip())
            base = dict(label=_stem(path), tool="nccl-tests", collective=collective,
                        algorithm="nccl", transport="nccl", ranks=ranks,
                        bytes=int(entry["size"]), dtype=dtype_name(entry["type"]),
                        op=entry["redop"], count=int(entry["count"]),
                        root=None if root < 0 else root,
                        extra={"iterations": entry.get("actual_iterations")},
                        in_place=False, time_us=0.0)
            for side in ("out_of_place", "in_place"):
                m = _nccl_side(base, entry, side)
                if m:
                    out.append(m)
        return out
    except (KeyError, TypeError, ValueError) as e:
        raise FormatError(f"{path}: nccl-tests JSON: missing or bad field {e}") from None


# --- nccl-tests console output --------------------------------------------------------------

_NCCL_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\w+)\s+(\w+)\s+(.*)$")


def _nccl_numbers(rest):
    """The columns after redop: [root] time algbw busbw #wrong (out-of-place), then in-place."""
    tokens = rest.split()
    if len(tokens) in (9, 11):  # with a root column (nccl-tests >= 2.10), with timestamps
        tokens = tokens[1:]
    if len(tokens) < 8:
        return None
    return tokens[0:4], tokens[4:8]


def _wrong(token):
    return None if token == "N/A" else int(float(token))


def parse_nccl_text(text, path):
    ranks = len(re.findall(r"^#\s+Rank\s+\d+\s", text, flags=re.M)) or None
    program = re.search(r"^# Collective test starting: (\S+)", text, flags=re.M)
    collective = _nccl_collective(program.group(1) if program else "", path)
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#") or not line.strip():
            continue
        row = _NCCL_ROW.match(line)
        sides = _nccl_numbers(row.group(5)) if row else None
        if not sides:
            continue
        try:
            for in_place, (t, algbw, busbw, wrong) in zip((False, True), sides):
                out.append(Measurement(
                    label=_stem(path), tool="nccl-tests", collective=collective,
                    algorithm="nccl", transport="nccl", ranks=ranks, bytes=int(row.group(1)),
                    dtype=dtype_name(row.group(3)), op=row.group(4), in_place=in_place,
                    time_us=float(t), count=int(row.group(2)),
                    algbw_gbps=float(algbw), busbw_gbps=float(busbw), wrong=_wrong(wrong)))
        except ValueError:
            raise FormatError(f"{path}:{lineno}: nccl-tests output: unreadable row: {line.strip()}")
    if not out:
        raise FormatError(f"{path}: nccl-tests output without result rows")
    return out


# --- OSU micro-benchmarks: osu_allreduce, osu_allgather, osu_alltoall, osu_bcast, ... ------

def _osu_bytes(size, collective, ranks):
    """nccl-tests' size for an OSU size: OSU's allgather and alltoall print what one rank sends
    to one peer, nccl-tests the whole gathered (all_gather) or send (alltoall) buffer."""
    if collectives.layout(collective) in ("gather", "exchange"):
        return size * ranks if ranks else None
    return size


def _osu_count(nbytes, dtype):
    """OSU prints bytes, not elements; the elements are those bytes in its datatype (None when
    the type is unknown or the bytes are not whole elements)."""
    size = collectives.dtype_size(dtype)
    return nbytes // size if size and nbytes % size == 0 else None


def parse_osu(text, path, ranks=None):
    header = re.search(r"^# OSU MPI(?:-\w+)? (\w+) Latency Test", text, flags=re.M)
    collective = collective_name(header.group(1) if header else "allreduce", path)
    datatype = re.search(r"^# Datatype: (\w+)", text, flags=re.M)
    dtype = dtype_name(datatype.group(1)) if datatype else "float32"  # OSU's default
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#") or not line.strip():
            continue
        tokens = line.split()
        try:
            size, avg = int(tokens[0]), float(tokens[1])
        except (IndexError, ValueError):
            raise FormatError(f"{path}:{lineno}: OSU output: expected 'size latency', got "
                              f"{line.strip()!r}") from None
        nbytes = _osu_bytes(size, collective, ranks)
        if nbytes is None:
            raise FormatError(f"{path}: OSU {collective} prints the size per peer; give its rank "
                              "count (--osu-ranks) to compare it with nccl-tests' sizes")
        algbw = nbytes / (avg * 1e3) if avg > 0 else 0.0
        factor = collectives.bus_factor(collective, ranks)
        out.append(Measurement(
            label=_stem(path), tool="osu", collective=collective, algorithm="mpi",
            transport="mpi", ranks=ranks, bytes=nbytes, count=_osu_count(nbytes, dtype),
            dtype=dtype, op="sum",
            in_place=False, time_us=avg, algbw_gbps=algbw,
            busbw_gbps=algbw * factor if factor is not None else None))
    if not out:
        raise FormatError(f"{path}: OSU output without result rows")
    return out


# --- AWS Neuron nccom-test (Trainium) console output ------------------------------------------

_NCCOM_HEADER = re.compile(r"size\(B\)\s+count\(elems\)\s+type\s+time\(us\)\s+algbw\(GB/s\)"
                           r"\s+busbw\(GB/s\)")


def _nccom_fact(text, key):
    """A '# collective: allg' or '# ranks: 64' line the user added to the log."""
    m = re.search(rf"^#\s*{key}\s*[:=]\s*(\S+)", text, flags=re.M | re.I)
    return m.group(1) if m else None


def parse_nccom(text, path, collective=None, ranks=None):
    """nccom-test's table (size(B) count(elems) type time(us) algbw(GB/s) busbw(GB/s)). It names
    neither the collective nor the rank count: they come from the arguments (the report's
    --nccom-collective and --nccom-ranks) or from '# collective: NAME' and '# ranks: N' lines
    added to the log."""
    collective = collective or _nccom_fact(text, "collective")
    ranks = ranks or _nccom_fact(text, "ranks")
    if not collective:
        raise FormatError(f"{path}: nccom-test output does not name its collective; give "
                          "--nccom-collective (allr, allg, redsct, sendrecv, alltoall) or add a "
                          "'# collective: allg' line")
    collective = collective_name(collective, path)
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if line.lstrip().startswith("#") or len(tokens) < 6 or not tokens[0].isdigit():
            continue
        try:
            out.append(Measurement(
                label=_stem(path), tool="nccom-test", collective=collective, algorithm="neuron",
                transport="neuron", ranks=int(ranks) if ranks else None, bytes=int(tokens[0]),
                dtype=dtype_name(tokens[2]), op="sum", in_place=False, time_us=float(tokens[3]),
                algbw_gbps=float(tokens[4]), busbw_gbps=float(tokens[5]), count=int(tokens[1])))
        except ValueError:
            raise FormatError(f"{path}:{lineno}: nccom-test output: unreadable row: "
                              f"{line.strip()}") from None
    if not out:
        raise FormatError(f"{path}: nccom-test output without result rows")
    return out


# --- Recognising a file by its content ------------------------------------------------------

def detect(text):
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise FormatError(f"not valid JSON ({e})") from None
        if isinstance(doc, dict) and "schema_version" in doc and "measurements" in doc:
            return "collbench-json"
        if isinstance(doc, dict) and "results" in doc and ("nccl_version" in doc or "config" in doc):
            return "nccl-json"
        raise FormatError("JSON that is neither a collbench nor an nccl-tests result file")
    if stripped.startswith("label,collective,algorithm,"):
        return "collbench-csv"
    if re.search(r"^# OSU MPI", text, flags=re.M):
        return "osu"
    if re.search(r"^# nccl-tests version|^#\s+size\s+count\s+type\s+redop", text, flags=re.M):
        return "nccl-text"
    if _NCCOM_HEADER.search(text):
        return "nccom"
    raise FormatError("not a collbench, nccl-tests, OSU or nccom-test result (unrecognised "
                      "content)")


def file_notes(path):
    """What a reader of the report must know about a file beyond its measurements: a collbench
    run that failed or never finished (its measurements are those taken before). [] for other
    formats and for complete runs."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        if detect(text) != "collbench-json":
            return []
        doc = json.loads(text)
        status = doc["run"].get("status") or {}
        count = len(doc["measurements"])
    except (FormatError, KeyError, TypeError, ValueError):
        return []  # load() names what is wrong with the file
    state = status.get("state", "complete")
    if state == "failed":
        where = f" at rank {status['failed_rank']}" if status.get("failed_rank") is not None else ""
        op = f" during {status['operation']}" if status.get("operation") else ""
        why = status.get("verdict") or status.get("message", "")
        return [f"{path}: the run failed{where}{op}: {why}; its {count} "
                f"measurements are those taken before the failure"]
    if state == "running":
        return [f"{path}: the run did not finish (state 'running': killed, or still going); its "
                f"{count} measurements are those taken so far"]
    return []


def load(path, osu_ranks=None, nccom_collective=None, nccom_ranks=None):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        kind = detect(text)
    except FormatError as e:
        raise FormatError(f"{path}: {e}") from None
    if kind == "collbench-json":
        return parse_collbench_json(text, path)
    if kind == "collbench-csv":
        return parse_collbench_csv(text, path)
    if kind == "nccl-json":
        return parse_nccl_json(text, path)
    if kind == "nccl-text":
        return parse_nccl_text(text, path)
    if kind == "nccom":
        return parse_nccom(text, path, nccom_collective, nccom_ranks)
    return parse_osu(text, path, osu_ranks)
