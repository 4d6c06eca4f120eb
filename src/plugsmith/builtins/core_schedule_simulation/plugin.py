"""Monte Carlo simulation of the project duration: P50/P80/P95 and how often each phase is critical.

Each iteration draws every task's duration from a Beta-PERT distribution over ``days_min`` ..
``days_max`` with its mode at the realistic days (``duration_days``); a task without a range keeps its
realistic days. The project duration of the iteration is the longest dependency chain; the chain
itself is walked back from the task that finished last, and every phase holding one of its tasks (at
any level of the work breakdown) counts as critical in that iteration.

Deterministic: the random numbers come from a SplitMix64 generator written out in plugin.py and seeded from
``plan.meta.simulation.seed`` (default 20240521); ``plan.meta.simulation.iterations`` sets the number
of iterations (default 1000, at most 20000). Beta-PERT draws use a tabulated inverse CDF (513 points per
distinct shape, inverted at 1024 evenly spaced probabilities), exact to well under a hundredth of a day
for any range a plan holds.
"""

import bisect
import heapq
import math
from typing import Any

MASK = (1 << 64) - 1
DEFAULT_SEED = 20240521
DEFAULT_ITERATIONS = 1000
MAX_ITERATIONS = 20000
GRID = 512
STEPS = 1024
EPS = 1e-9


class SplitMix64:
    """A tiny, well-known 64-bit generator (Steele, Lea and Flood 2014): the same seed, the same numbers."""

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    def uniforms(self, n: int) -> list[float]:
        """The next ``n`` floats in [0, 1), each with 53 random bits."""
        state, out = self.state, []
        for _ in range(n):
            state = (state + 0x9E3779B97F4A7C15) & MASK
            z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            out.append(((z ^ (z >> 31)) >> 11) / 9007199254740992.0)
        self.state = state
        return out


def beta_table(alpha: float, beta: float) -> list[float]:
    """The CDF of Beta(alpha, beta) at GRID + 1 evenly spaced points of [0, 1] (trapezoid rule)."""
    xs = [i / GRID for i in range(GRID + 1)]
    pdf = [x ** (alpha - 1) * (1 - x) ** (beta - 1) for x in xs]
    cdf = [0.0]
    for i in range(1, GRID + 1):
        cdf.append(cdf[-1] + (pdf[i] + pdf[i - 1]) / 2)
    total = cdf[-1]
    return [c / total for c in cdf]


def inverse(cdf: list[float], u: float) -> float:
    """The x in [0, 1] with CDF(x) = u, by linear interpolation in the table."""
    i = bisect.bisect_right(cdf, u)
    if i > GRID:
        return 1.0
    lo, hi = cdf[i - 1], cdf[i]
    return (i - 1 + ((u - lo) / (hi - lo) if hi > lo else 0.0)) / GRID


def quantiles(alpha: float, beta: float) -> list[float]:
    """The Beta(alpha, beta) quantile at each of STEPS + 1 evenly spaced probabilities (one more at the
    end, so a draw can interpolate between neighbours without a bounds check)."""
    cdf = beta_table(alpha, beta)
    out = [inverse(cdf, j / STEPS) for j in range(STEPS + 1)]
    return out + [out[-1]]


def order(tasks: list[dict[str, Any]]) -> list[int]:
    """Task indices in topological order, ties in document order; ValueError on a cycle or unknown id."""
    index = {t["id"]: i for i, t in enumerate(tasks)}
    waiting = [0] * len(tasks)
    users: list[list[int]] = [[] for _ in tasks]
    for i, t in enumerate(tasks):
        for dep in set(t.get("depends_on") or []):
            if dep not in index:
                raise ValueError(f"task {t['id']!r} depends on unknown task {dep!r}")
            users[index[dep]].append(i)
            waiting[i] += 1
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    out: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        out.append(i)
        for user in users[i]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, user)
    if len(out) != len(tasks):
        raise ValueError("the task dependencies form a cycle")
    return out


def phase_chains(plan: dict[str, Any]) -> list[list[str]]:
    """Per task, its phase and every phase above it."""
    parent = {p["id"]: p.get("parent") for p in plan.get("phases") or []}
    chains = []
    for task in plan.get("tasks") or []:
        chain: list[str] = []
        phase = task.get("phase")
        while phase is not None and phase not in chain:
            chain.append(phase)
            phase = parent.get(phase)
        chains.append(chain)
    return chains


def settings(plan: dict[str, Any]) -> tuple[int, int]:
    """(seed, iterations) from ``plan.meta.simulation``, within bounds."""
    meta = (plan.get("meta") or {}).get("simulation") or {}
    seed = meta.get("seed", DEFAULT_SEED)
    iterations = meta.get("iterations", DEFAULT_ITERATIONS)
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else DEFAULT_SEED
    ok = isinstance(iterations, int) and not isinstance(iterations, bool) and iterations > 0
    return seed, min(iterations, MAX_ITERATIONS) if ok else DEFAULT_ITERATIONS


def samplers(tasks: list[dict[str, Any]]) -> list[tuple[float, float, list[float] | None]]:
    """Per task (low, span, quantile table or None for a fixed duration); tables shared by equal shapes."""
    tables: dict[tuple[float, float], list[float]] = {}
    out: list[tuple[float, float, list[float] | None]] = []
    for t in tasks:
        real = float(t.get("duration_days") or 0)
        low = min(float(t["days_min"]), real) if t.get("days_min") is not None else real
        high = max(float(t["days_max"]), real) if t.get("days_max") is not None else real
        if high - low < EPS:
            out.append((real, 0.0, None))
            continue
        width = high - low
        shape = (round(1 + 4 * (real - low) / width, 4), round(1 + 4 * (high - real) / width, 4))
        if shape not in tables:
            tables[shape] = quantiles(shape[0], shape[1])
        out.append((low, high - low, tables[shape]))
    return out


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank)."""
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"simulation": {...}}``: percentiles of the project duration and phase criticality."""
    plan = inputs["plan_json"]
    tasks = plan.get("tasks") or []
    seed, iterations = settings(plan)
    topo = order(tasks)
    index = {t["id"]: i for i, t in enumerate(tasks)}
    preds = [sorted(index[d] for d in set(t.get("depends_on") or [])) for t in tasks]
    draw = samplers(tasks)
    chains = phase_chains(plan)
    rng = SplitMix64(seed)
    totals: list[float] = []
    task_hits = [0] * len(tasks)
    phase_hits: dict[str, int] = {}
    drawn = sum(1 for _, _, table in draw if table is not None)
    for _ in range(iterations):
        finish = [0.0] * len(tasks)
        via = [-1] * len(tasks)
        us = iter(rng.uniforms(drawn))
        for i in topo:
            low, span, table = draw[i]
            days = low
            if table is not None:
                f = next(us) * STEPS
                k = int(f)
                days += span * (table[k] + (table[k + 1] - table[k]) * (f - k))
            start, came = 0.0, -1
            for p in preds[i]:
                if finish[p] > start + EPS:
                    start, came = finish[p], p
            finish[i], via[i] = start + days, came
        if not tasks:
            totals.append(0.0)
            continue
        last = 0
        for i in range(1, len(tasks)):
            if finish[i] > finish[last]:
                last = i
        totals.append(finish[last])
        seen: set[str] = set()
        while last >= 0:
            task_hits[last] += 1
            seen.update(chains[last])
            last = via[last]
        for phase in seen:
            phase_hits[phase] = phase_hits.get(phase, 0) + 1
    return {"simulation": summary(plan, tasks, totals, task_hits, phase_hits, seed, iterations)}


def summary(plan: dict[str, Any], tasks: list[dict[str, Any]], totals: list[float], task_hits: list[int],
            phase_hits: dict[str, int], seed: int, iterations: int) -> dict[str, Any]:
    """Percentiles, a 20-bin histogram and criticality shares, rounded for reading."""
    ordered = sorted(totals)
    low, high = ordered[0], ordered[-1]
    width = (high - low) / 20 if high > low else 1.0
    counts = [0] * 20
    for value in totals:
        counts[min(19, int((value - low) / width))] += 1
    phases = [p["id"] for p in plan.get("phases") or []]
    ranged = sum(1 for t in tasks if t.get("days_min") is not None or t.get("days_max") is not None)
    return {
        "iterations": iterations, "seed": seed, "tasks_with_range": ranged,
        "percentiles": {"p50": _r(percentile(ordered, 0.5)), "p80": _r(percentile(ordered, 0.8)),
                        "p95": _r(percentile(ordered, 0.95))},
        "mean": _r(sum(totals) / len(totals)), "min": _r(low), "max": _r(high),
        "histogram": {"start": _r(low), "width": _r(width), "counts": counts},
        "phase_criticality": {p: round(phase_hits.get(p, 0) / iterations, 4) for p in phases},
        "task_criticality": {tasks[i]["id"]: round(n / iterations, 4) for i, n in enumerate(task_hits) if n},
    }


def _r(x: float) -> float:
    return round(x, 2)
