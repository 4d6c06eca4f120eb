"""``plugsmith hub publish|verify`` against odd hubs and concurrent users (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from plugsmith.hub import Hub
from plugsmith.spec import Status, Tier
from test_sandbox_helpers import MEAN, MEAN_CASES, make_plugin, plugsmith


def test_verify_reports_a_malformed_checksum_and_goes_on(tmp_path: Path) -> None:
    with Hub.open() as hub:
        good = hub.publish(make_plugin(tmp_path / "a", MEAN, name="mean_a"), status=Status.approved,
                           tier=Tier.tier2)
        bad = hub.publish(make_plugin(tmp_path / "b", MEAN, name="mean_b"), status=Status.approved,
                          tier=Tier.tier2)
        with hub.engine.begin() as conn:
            conn.execute(text("UPDATE releases SET checksum = 'sha256:not-hex' WHERE name = :n"),
                         {"n": bad.name})
    done = plugsmith("hub", "verify", "--json")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["checked"] == 2
    [corrupt] = report["corrupt"]
    assert corrupt["refs"] == [bad.ref] and "malformed checksum" in corrupt["problem"]
    assert good.checksum not in {c["checksum"] for c in report["corrupt"]}


def test_identical_concurrent_publishes_create_once(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "mean", MEAN, name="mean", cases=MEAN_CASES[:2])
    Hub.open().close()  # migrate first: the race under test is the publish, not the migration
    go = tmp_path / "go"
    script = ("import os, sys, time\n"
              "while not os.path.exists(sys.argv[1]):\n    time.sleep(0.005)\n"
              "from plugsmith.cli import main\nmain(sys.argv[2:])\n")
    argv = [sys.executable, "-c", script, str(go), "hub", "publish", str(plugin), "--json"]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ)) for _ in range(3)]
    time.sleep(1.0)
    go.touch()
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _out, err in outputs]
    flags = sorted(json.loads(out)["already_published"] for out, _err in outputs)
    assert flags == [False, True, True]
    with Hub.open() as hub:
        assert len(hub.versions("mean")) == 1
