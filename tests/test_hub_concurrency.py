"""Several processes publishing into one hub at the same moment lose nothing and corrupt nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from plugsmith.hub import Hub
from test_hub_helpers import make_plugin

pytest_plugins = ["_postgres", "test_hub_helpers"]

WORKERS = 4
PER_WORKER = 6

WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from plugsmith.hub import Hub
    from plugsmith.spec import Status, Tier

    url, root, worker, go = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    while not go.exists():
        time.sleep(0.005)
    hub = Hub.open(url)
    refs = [hub.publish(root / "shared", status=Status.approved, tier=Tier.tier1).ref]
    for plugin in sorted(root.glob(f"w{worker}_*")):
        refs.append(hub.publish(plugin, status=Status.approved, tier=Tier.tier2).ref)
    print("\\n".join(refs))
""")


@pytest.mark.slow
def test_concurrent_publishes_from_several_processes(db_url: str, tmp_path: Path) -> None:
    root = tmp_path / "plugins"
    make_plugin(root, "shared_plugin").rename(root / "shared")
    for w in range(WORKERS):
        for i in range(PER_WORKER):
            make_plugin(root, f"w{w}_plugin_{i}").rename(root / f"w{w}_{i}")
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, db_url, str(root), str(w), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for w in range(WORKERS)]
    time.sleep(0.5)  # let every process reach the starting line (a fresh hub: they also race to migrate)
    go.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    published = {line for out, _ in outputs for line in out.split()}
    expected = {"shared_plugin@1.0.0"} | {f"w{w}_plugin_{i}@1.0.0" for w in range(WORKERS)
                                          for i in range(PER_WORKER)}
    assert published == expected
    with Hub.open(db_url) as hub:
        assert {r.ref for r in hub.search(limit=1000)} == expected
        assert all(entry["ok"] for entry in hub.verify_artifacts())
        with hub.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM releases")).scalar() == len(expected)
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                fts = conn.exec_driver_sql(
                    "INSERT INTO releases_fts(releases_fts, rank) VALUES ('integrity-check', 1)")
                assert fts is not None  # raises if the full-text index disagrees with the table
