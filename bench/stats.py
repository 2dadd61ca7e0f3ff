"""Summaries of repeated samples: median with min–max and n (hyperfine-style: every figure
carries its spread and its count; the raw samples are kept beside it in results.json)."""

import statistics


def summarize(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def summarize_samples(samples: list[dict], metrics: list[str]) -> dict:
    return {m: summarize([s.get(m) for s in samples]) for m in metrics}
