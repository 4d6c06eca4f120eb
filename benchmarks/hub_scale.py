"""How does the hub scale? Fill it with synthetic releases, then time lookups, near matches and publish.

Targets (2-core reference machine, 100,000 releases): exact lookup p50 < 1 ms, near match p50 < 30 ms,
publishing a small plugin < 50 ms. ``PLUGSMITH_BENCH_SMOKE=1`` shrinks the hub to 5,000 releases so CI's
smoke run stays short. ``--db URL`` (or ``PLUGSMITH_BENCH_DB``) benchmarks another database, e.g. an
empty PostgreSQL; the default is a fresh SQLite hub in a temporary directory.

The synthetic data: 20,000 plugins with 5 versions each (at full size), names and descriptions drawn
from a 3,000-word vocabulary in which a few planning words ("plan", "task", "cost" …) are very common,
so full-text retrieval has to rank large posting lists, as it would on a real hub.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

COMMON = ["plan", "task", "cost", "risk", "schedule", "resource", "budget", "total", "per", "estimate"]
VERSIONS = 5


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ren", "tor", "vash", "pel", "qui", "dro", "sen", "ul", "bar", "fen",
                 "gri", "sto", "nab", "wex", "zu", "hol", "cam"]  # 20**2 + 20**3 words possible
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))))
    return sorted(words)


def pick(rng: random.Random, vocab: list[str]) -> str:
    return rng.choice(COMMON) if rng.random() < 0.25 else rng.choice(vocab)


def synthetic_rows(n: int, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Plugin and release rows for ``n`` releases (n // VERSIONS plugins)."""
    from plugsmith.hub._release import canonical_version, search_text
    from plugsmith.spec import Origin, PluginManifest, plugin_id_for

    vocab = vocabulary(rng)
    now = datetime.now(UTC)
    plugins, releases = [], []
    for p in range(max(1, n // VERSIONS)):
        name = f"{pick(rng, vocab)}_{rng.choice(vocab)}_{p}"
        out = f"{rng.choice(vocab)}_{pick(rng, vocab)}"
        description = " ".join(pick(rng, vocab) for _ in range(10))
        pid = plugin_id_for(name)
        plugins.append({"id": pid, "name": name, "capability": name, "created_at": now})
        for v in range(VERSIONS):
            manifest = PluginManifest.model_construct(
                schema_version=1, id=pid, name=name, capability=name, version=f"1.{v}.0",
                description=description, inputs={"tasks": {"type": "array"}},
                outputs={out: {"type": "object"}}, constraints=[], entry_point="plugin:run",
                origin=Origin.synthesized, provenance={"strategy": "enumerate"}, permissions=[],
                keywords=[])
            releases.append({
                "plugin_id": pid, "name": name, "capability": name, "version": f"1.{v}.0",
                "version_key": canonical_version(f"1.{v}.0"),
                "status": "approved" if v != 2 else "deprecated", "status_reason": "",
                "tier": "Tier 1", "tier_rank": 1, "origin": "synthesized",
                "checksum": "sha256:" + f"{rng.getrandbits(256):064x}",
                "manifest": json.loads(json.dumps(manifest.model_dump(mode="json"))),
                "provenance": {"strategy": "enumerate"}, "gate_report": None,
                "evaluation": {"score": round(rng.random(), 3)}, "eval_score": rng.random(),
                "reuse_count": rng.randint(0, 50), "description": description, "keywords": "",
                "search_text": search_text(manifest), "created_at": now, "updated_at": now,
            })
    return plugins, releases[:n]


def fill(hub: Any, n: int, rng: random.Random) -> float:
    from plugsmith.hub._models import PLUGINS, RELEASES

    plugins, releases = synthetic_rows(n, rng)
    start = time.perf_counter()
    with hub._write() as conn:
        conn.execute(PLUGINS.insert(), plugins)
        for i in range(0, len(releases), 5000):
            conn.execute(RELEASES.insert(), releases[i:i + 5000])
    if hub.engine.dialect.name == "postgresql":
        with hub._write() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - start


def timed(fn: Any, args: list[Any]) -> list[float]:
    out = []
    for a in args:
        start = time.perf_counter()
        fn(a)
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def make_plugin(root: Path, version: str) -> Path:
    plugin = root / f"bench-{version}"
    (plugin / "tests").mkdir(parents=True)
    (plugin / "plugin.json").write_text(json.dumps({
        "name": "bench_publish", "capability": "bench_publish", "version": version, "origin": "handwritten",
        "inputs": {"tasks": {"type": "array"}}, "outputs": {"total": {"type": "number"}}}))
    (plugin / "plugin.py").write_text("def run(inputs):\n    return {'total': len(inputs['tasks'])}\n")
    (plugin / "tests" / "cases.json").write_text("[]")
    (plugin / "README.md").write_text("# bench\n")
    return plugin


def report(label: str, values: list[float], target: float) -> bool:
    p50, p95 = statistics.median(values), pct(values, 95)
    ok = p50 < target
    print(f"{label:<22} p50 {p50:8.3f} ms   p95 {p95:8.3f} ms   (target p50 < {target:g} ms) "
          f"{'OK' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("PLUGSMITH_BENCH_DB"))
    parser.add_argument("-n", type=int, default=5_000 if os.environ.get("PLUGSMITH_BENCH_SMOKE") else 100_000)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="plugsmith-bench-")
    os.environ["PLUGSMITH_HOME"] = home
    from plugsmith.hub import Hub
    from plugsmith.spec import Status, Tier, parse_spec

    rng = random.Random(42)
    hub = Hub.open(args.db or f"sqlite:///{home}/hub.db")
    print(f"hub_scale: {args.n:,} releases on {hub.engine.dialect.name}")
    print(f"bulk insert            {fill(hub, args.n, rng):.1f} s")
    from sqlalchemy import select

    from plugsmith.hub._models import RELEASES

    with hub.engine.connect() as conn:
        caps = [r[0] for r in conn.execute(select(RELEASES.c.capability).distinct())]
        texts = [r[0] for r in conn.execute(select(RELEASES.c.description).limit(2000))]
    probes = rng.sample(caps, min(1000, len(caps)))
    hub.lookup(probes[0])  # warm up
    lookup = timed(hub.lookup, probes)
    assert all(hub.lookup(c) for c in probes[:20]), "lookup found nothing for an existing capability"
    specs = []
    for i in range(200):
        words = rng.choice(texts).split()
        specs.append(parse_spec({"name": f"{words[0]}_{words[1]}_need_{i}",
                                 "description": " ".join(words[2:7]), "inputs": {"tasks": {"type": "array"}},
                                 "outputs": [f"{words[3]}_{words[4]}"]}))
    hub.near_matches(specs[0])
    near = timed(hub.near_matches, specs)
    with tempfile.TemporaryDirectory() as tmp:
        plugins = [make_plugin(Path(tmp), f"1.{i}.0") for i in range(21)]
        hub.publish(plugins[0], status=Status.approved, tier=Tier.tier1)  # warm up
        publish = timed(lambda p: hub.publish(p, status=Status.approved, tier=Tier.tier1), plugins[1:])
    results = [report("exact lookup", lookup, 1.0), report("near match (top 5)", near, 30.0),
               report("publish small plugin", publish, 50.0)]
    hub.close()
    print("all targets met" if all(results) else "some targets missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
