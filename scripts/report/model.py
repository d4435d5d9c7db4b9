"""Predictions of a collbench cost model (`collbench model fit -o MODEL.json`).

The forms are those of results/model.h and docs/MODELS.md; tests/report/test_report.py checks
that these numbers match `collbench model predict`.
"""
import json
import math

PARAMS = ("alpha_us", "beta_us_per_byte", "alpha_intra_us", "beta_intra_us_per_byte")


class ModelError(Exception):
    pass


def _ceil_log2(n):
    return float(math.ceil(math.log2(n)))


def _doubling_steps(n):
    """log2 p exchanges, p the largest power of two <= n, plus a fold and an unfold."""
    p = 1 << (n.bit_length() - 1)
    return float((p.bit_length() - 1) + (0 if p == n else 2))


# The coefficients of alpha and beta of each form without levels, at n >= 2 ranks and size bytes.
_FLAT = {
    "ring": lambda n, size: (2.0 * (n - 1), 2.0 * (n - 1) / n * size),
    "tree": lambda n, size: (2.0 * _ceil_log2(n), {2: 1.0, 3: 1.5}.get(n, 2.0) * size),
    "linear": lambda n, size: (n - 1.0, (n - 1.0) / n * size),
    "chain": lambda n, size: (n - 1.0, float(size)),
    "binary-tree": lambda n, size: (_ceil_log2(n), (2.0 if n >= 4 else 1.0) * size),
    "pair": lambda n, size: (1.0, float(size)),
    "recursive-doubling": lambda n, size: (_doubling_steps(n), _doubling_steps(n) * size),
}


def _flat(form, n, size):
    if n <= 1:
        return 0.0, 0.0
    return _FLAT[form](n, size)


def cost_terms(form, ranks, hosts, size, host_ranks=None):
    """Coefficients of alpha, beta, alpha_intra, beta_intra in t(ranks, hosts, size).
    host_ranks: (ranks on the fullest host, on the emptiest), or None for an even spread."""
    if form in _FLAT:
        return _flat(form, ranks, size) + (0.0, 0.0)
    if form not in ("hier", "hier-tree", "alltoall"):
        raise ModelError(f"unknown model form '{form}'")
    h = max(1, hosts or 1)
    largest, smallest = host_ranks or (-(-ranks // h),) * 2
    largest = min(ranks, largest)
    if form == "alltoall":
        n, l = float(ranks), float(largest)
        return (n - l, l * (n - l) / n * size, l - 1.0, (l - 1.0) / n * size)
    across = _flat("tree" if form == "hier-tree" else "ring", h, size / smallest)
    return across + _flat("ring", largest, size)


def predict_us(model, ranks, hosts, size, host_ranks=None):
    terms = cost_terms(model["form"], ranks, hosts, size, host_ranks)
    return sum(t * (model["params"].get(p) or 0.0) for t, p in zip(terms, PARAMS))


def spread_us(model, predicted):
    """The band of times the fit's residuals allow around a prediction (as collbench model
    predict gives it): predicted / (1 + the largest and the smallest relative error)."""
    fit = model.get("fit")
    if not fit or not fit.get("points"):
        return predicted, predicted
    high = fit.get("rel_error_high", fit["max_rel_error"])
    low = fit.get("rel_error_low", -fit["max_rel_error"])
    return predicted / max(1 + high, 1e-3), predicted / max(1 + low, 1e-3)


def load_models(path):
    """The models of a model file by (collective, algorithm); files written before the
    collective family hold all-reduce models without a collective."""
    try:
        with open(path) as f:
            doc = json.load(f)
        if doc.get("model_version") != 1:
            raise ModelError(f"{path}: model_version: expected 1 (a file written by collbench "
                             "model fit)")
        return {(m.get("collective", "all_reduce"), m["algorithm"]): m for m in doc["models"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"{path}: not a collbench model file ({e})") from None
