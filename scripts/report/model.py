"""Predictions of a collbench cost model (`collbench model fit -o MODEL.json`).

The forms are those of results/model.h and docs/MODELS.md; tests/report/test_report.py checks
that these numbers match `collbench model predict`.
"""
import json
import math

PARAMS = ("alpha_us", "beta_us_per_byte", "alpha_intra_us", "beta_intra_us_per_byte")


class ModelError(Exception):
    pass


def _flat(tree, n, size):
    if n <= 1:
        return 0.0, 0.0
    if tree:
        return 2.0 * math.ceil(math.log2(n)), 2.0 * size
    return 2.0 * (n - 1), 2.0 * (n - 1) / n * size


def cost_terms(form, ranks, hosts, size):
    """Coefficients of alpha, beta, alpha_intra, beta_intra in t(ranks, hosts, size)."""
    if form in ("ring", "tree"):
        return _flat(form == "tree", ranks, size) + (0.0, 0.0)
    h = max(1, hosts or 1)
    local = -(-ranks // h)
    return _flat(form == "hier-tree", h, size / local) + _flat(False, local, size)


def predict_us(model, ranks, hosts, size):
    terms = cost_terms(model["form"], ranks, hosts, size)
    return sum(t * (model["params"].get(p) or 0.0) for t, p in zip(terms, PARAMS))


def load_models(path):
    try:
        with open(path) as f:
            doc = json.load(f)
        if doc.get("model_version") != 1:
            raise ModelError(f"{path}: model_version: expected 1 (a file written by collbench "
                             "model fit)")
        return {m["algorithm"]: m for m in doc["models"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"{path}: not a collbench model file ({e})") from None
