"""The collectives' facts, read from collectives/api/collectives.json: the one home that
collbench compiles in and the report, its importers and the result validator read."""
import functools
import json
import os

_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "collectives",
                     "api", "collectives.json")

# The three forms collectives.json uses, evaluated as collective.cc evaluates them.
_FACTORS = {"2(n-1)/n": lambda n: 2 * (n - 1) / n, "(n-1)/n": lambda n: (n - 1) / n,
            "1": lambda n: 1.0}


@functools.lru_cache(maxsize=None)
def _document():
    with open(_JSON, encoding="utf-8") as f:
        return json.load(f)


def table():
    return {c["name"]: c for c in _document()["collectives"]}


def dtype_size(dtype):
    """Bytes of one element of a data type by collbench's name (float32, ...); None if unknown."""
    return _document()["dtypes"].get(dtype)


def canonical(name):
    """A collective's name from ours, an alias, nccl-tests' binary, OSU's or nccom-test's
    name (case-insensitive); None when it is none of them."""
    key = (name or "").strip().lower()
    for c in table().values():
        names = [c["name"], *c["aliases"], c["nccl_tests"], c["nccl_tests_title"].lower(),
                 c["osu"], c["osu"].replace("osu_", ""), c["nccom"]]
        if key in [n.lower() for n in names if n]:
            return c["name"]
    return None


def bus_factor(collective, ranks):
    """nccl-tests' busbw factor of a collective at `ranks` ranks; None when either is unknown."""
    c = table().get(canonical(collective))
    if c is None or not ranks:
        return None
    return _FACTORS[c["bus_factor"]](ranks)


def layout(collective):
    return table()[canonical(collective)]["layout"]


def cost_form(collective):
    """The alpha-beta form of the collective's bandwidth-optimal algorithm (results/model.h)."""
    return table()[canonical(collective)]["cost_form"]
