"""``plugsmith hub …`` through the real entry point (exit codes, one-line errors, --json)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from _artifacts import tamper
from plugsmith.cli import hub as hub_cli
from plugsmith.cli import main
from plugsmith.hub import Hub
from plugsmith.spec import GateReport, GateResult, GateStatus, Status, Tier
from test_hub_helpers import make_plugin

pytest_plugins = ["_postgres", "test_hub_helpers"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def _fake_gates(monkeypatch: pytest.MonkeyPatch, verdict: str, tier: Tier | None = Tier.tier1) -> list[Path]:
    """Stand in for plugsmith.gates (another package) with a fixed verdict; records what it validated."""
    seen: list[Path] = []

    def validate(plugin_dir: Path, **_: Any) -> GateReport:
        seen.append(plugin_dir)
        status = GateStatus.passed if verdict == "approved" else GateStatus.failed
        return GateReport(plugin_id="x", verdict=verdict, tier=tier if verdict == "approved" else None,  # type: ignore[arg-type]
                          gates=[GateResult(name="security", status=status, message="uses os.system")])

    real = hub_cli._optional_module
    fake = types.SimpleNamespace(validate=validate)
    monkeypatch.setattr(hub_cli, "_optional_module",
                        lambda name: fake if name == "plugsmith.gates" else real(name))
    return seen


def test_publish_runs_the_gates_and_uses_their_tier(capsys: pytest.CaptureFixture[str], db_url: str,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_gates(monkeypatch, "approved", Tier.tier1)
    plugin = make_plugin(tmp_path)
    code, out, _ = run(capsys, "--db", db_url, "hub", "publish", str(plugin), "--json")
    assert code == 0 and seen == [plugin]
    data = json.loads(out)
    assert (data["ref"], data["status"], data["tier"]) == ("cost_estimation@1.0.0", "approved", "Tier 1")
    code, out, _ = run(capsys, "--db", db_url, "hub", "publish", str(plugin))
    assert code == 0 and "already published" in out and len(seen) == 1  # no second gate run


def test_rejected_plugin_is_not_published(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_gates(monkeypatch, "rejected")
    code, _, err = run(capsys, "--db", db_url, "hub", "publish", str(make_plugin(tmp_path)))
    assert code == 1
    assert err.startswith("error: ") and "rejected by the gates" in err and "security: uses os.system" in err
    with Hub.open(db_url) as hub:
        assert hub.search() == []


def test_version_conflict_and_bad_manifest_exit_2(capsys: pytest.CaptureFixture[str], db_url: str,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_gates(monkeypatch, "approved")
    plugin = make_plugin(tmp_path)
    assert run(capsys, "--db", db_url, "hub", "publish", str(plugin))[0] == 0
    (plugin / "plugin.py").write_text("def run(inputs):\n    return {'cost_breakdown': {'a': 1}}\n")
    code, _, err = run(capsys, "--db", db_url, "hub", "publish", str(plugin))
    assert code == 2 and "immutable" in err and err.count("\n") <= 2  # error line + hint line
    bad = make_plugin(tmp_path / "bad", "bad_one")
    (bad / "plugin.json").write_text('{"name": "bad_one", "capability": "bad_one", "version": "one"}')
    code, _, err = run(capsys, "--db", db_url, "hub", "publish", str(bad))
    assert code == 2 and "plugin.json" in err
    code, _, err = run(capsys, "--db", db_url, "hub", "publish", str(tmp_path / "missing"))
    assert code == 2 and "not a plugin directory" in err
    with Hub.open(db_url) as hub:
        assert [r.ref for r in hub.search()] == ["cost_estimation@1.0.0"]


def test_read_commands_and_lifecycle(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    with Hub.open(db_url) as hub:
        for version in ("1.0.0", "1.1.0"):
            hub.publish(make_plugin(tmp_path, version=version), status=Status.approved, tier=Tier.tier1)
    code, out, _ = run(capsys, "--db", db_url, "hub", "search", "cost", "--json")
    assert code == 0
    results = json.loads(out)
    assert [r["ref"] for r in results] == ["cost_estimation@1.1.0"]  # one row per plugin: its newest
    assert 0 < results[0]["ranking_score"] <= 1 and results[0]["safety_tier"] == "Tier 1"
    code, out, _ = run(capsys, "--db", db_url, "hub", "show", "cost_estimation", "--json")
    assert json.loads(out)["version"] == "1.1.0"
    code, out, _ = run(capsys, "--db", db_url, "hub", "show", "cost_estimation@1.0.0")
    assert code == 0 and "cost_estimation@1.0.0" in out and "Tier 1" in out
    code, out, _ = run(capsys, "--db", db_url, "hub", "versions", "cost_estimation", "--json")
    assert [r["version"] for r in json.loads(out)] == ["1.1.0", "1.0.0"]
    for command, status in (("deprecate", "deprecated"), ("quarantine", "quarantined"), ("yank", "yanked")):
        code, out, _ = run(capsys, "--db", db_url, "hub", command, "cost_estimation@1.1.0",
                           "--reason", "test", "--json")
        assert code == 0 and json.loads(out)["status"] == status
    code, out, _ = run(capsys, "--db", db_url, "hub", "show", "cost_estimation", "--json")
    assert json.loads(out)["version"] == "1.0.0"  # 1.1.0 is yanked now
    code, _, err = run(capsys, "--db", db_url, "hub", "show", "nope@1.0")
    assert code == 2 and "no such plugin" in err
    code, _, err = run(capsys, "--db", db_url, "hub", "search", "--tier", "7")
    assert code == 2 and "unknown tier" in err


def test_verify_reports_corrupt_artifacts(capsys: pytest.CaptureFixture[str], db_url: str,
                                          tmp_path: Path) -> None:
    with Hub.open(db_url) as hub:
        release = hub.publish(make_plugin(tmp_path), status=Status.approved, tier=Tier.tier1)
        code, out, _ = run(capsys, "--db", db_url, "hub", "verify")
        assert code == 0 and "1 artifact(s) checked, 0 corrupt" in out
        tamper(hub.store, release.checksum, lambda old: old + b"x")
    code, out, err = run(capsys, "--db", db_url, "hub", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["corrupt"][0]["refs"] == [release.ref]
    assert "1 corrupt artifact(s), 0 signature problem(s) in 1 checked" in err


def test_init_installs_builtins_when_available(capsys: pytest.CaptureFixture[str], db_url: str,
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = make_plugin(tmp_path, "core_thing", origin="builtin")

    def install_builtins(hub: Hub) -> list[Any]:
        return [hub.publish(plugin, status=Status.approved, tier=Tier.tier0)]

    fake = types.SimpleNamespace(install_builtins=install_builtins)
    monkeypatch.setattr(hub_cli, "_optional_module", lambda name: fake)
    code, out, _ = run(capsys, "--db", db_url, "hub", "init", "--json")
    assert code == 0 and json.loads(out)["builtins"] == ["core_thing@1.0.0"]
    monkeypatch.setattr(hub_cli, "_optional_module", lambda name: None)
    code, out, err = run(capsys, "--db", db_url, "hub", "init")
    assert code == 0 and "hub ready" in out and "not available" in err


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PLUGSMITH_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "plugsmith", *args], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://u@h/db", "unsupported database URL"),
        ("postgresql://user:hunter2@127.0.0.1:1/db", "cannot open the hub database"),
        ("sqlite:////no/such/dir/hub.db", "cannot open the hub database"),
    ],
)
def test_bad_database_urls_are_one_line_exit_2(plugsmith_home: Path, url: str, needle: str) -> None:
    result = _cli("--db", url, "hub", "search", "x", home=plugsmith_home)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and needle in first
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


def _story_release(hub: Hub, tmp_path: Path) -> Any:
    """A release whose manifest tells a synthesis story, with the hub's own record of that synthesis."""
    plugin = make_plugin(tmp_path, body="# the second line\n")
    manifest = json.loads((plugin / "plugin.json").read_text())
    manifest["origin"] = "synthesized"
    manifest["provenance"] = {
        "spec_hash": "sha256:" + "ab" * 32, "strategy": "enumerate", "program_size": 4,
        "dsl_program": "cost_breakdown = group(plan_json.tasks, ...)", "candidates_tried": 2,
        "time_taken_s": 0.5, "guide_cases": 3, "holdout_cases": 1}
    (plugin / "plugin.json").write_text(json.dumps(manifest))
    report = GateReport(plugin_id="x", verdict="approved", tier=Tier.tier1, gates=[
        GateResult(name="security", status=GateStatus.passed, message="nothing found"),
        GateResult(name="benchmark", status=GateStatus.skipped, message="no cases for it")])
    release = hub.publish(plugin, status=Status.approved, tier=Tier.tier1, gate_report=report)
    hub.save_synthesis_record("sha256:" + "ab" * 32, "cost_estimation",
                              {"outcome": {"checksum": release.checksum}})
    return release


def test_show_tells_provenance_gates_and_where_the_code_is(capsys: pytest.CaptureFixture[str], db_url: str,
                                                           tmp_path: Path) -> None:
    with Hub.open(db_url) as hub:
        release = _story_release(hub, tmp_path)
    code, out, _ = run(capsys, "--db", db_url, "hub", "show", "cost_estimation")
    assert code == 0
    provenance = out.split("\nprovenance\n", 1)[1].split("\n\n", 1)[0]
    assert "1. spec: Written for the capability spec sha256:abababab" in provenance
    assert "names this very artifact" in provenance  # the hub's own record confirms it
    assert "2. strategy: Made by the 'enumerate' strategy in 0.50 s after 2 candidate(s)" in provenance
    assert "cost_breakdown = group(plan_json.tasks, ...)" in provenance
    assert "plugin.py has 3 line(s)" in provenance
    assert "6. signature: Unsigned" in provenance
    assert re.search(r"\n  security\s+pass\s+nothing found\n  benchmark\s+skip\s+no cases for it", out)
    assert f"plugsmith hub show {release.ref} --source" in out
    checkout = next(line.split()[0] for line in out.splitlines() if line.endswith("read-only checkout)"))
    assert Path(checkout).read_text().startswith("def run(inputs):")


def _piped(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PLUGSMITH_HOME": str(home)}
    cmd = [sys.executable, "-m", "plugsmith", *args]
    return subprocess.run(cmd, capture_output=True, env=env, timeout=60)


def test_show_source_prints_the_exact_file_when_piped(db_url: str, plugsmith_home: Path,
                                                      tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    (plugin / "plugin.py").write_bytes(b"# caf\xe9\ndef run(inputs):\n    return {'cost_breakdown': {}}\n")
    with Hub.open(db_url) as hub:
        hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
    result = _piped(plugsmith_home, "--db", db_url, "hub", "show", "cost_estimation", "--source")
    assert result.returncode == 0 and result.stdout == (plugin / "plugin.py").read_bytes()
    assert b"not UTF-8 text: byte 0xe9 at offset 5" in result.stderr
    readme = _piped(plugsmith_home, "--db", db_url, "hub", "show", "cost_estimation", "--file", "README.md")
    assert readme.stdout == b"# cost_estimation\n"
    outside = "../../hub.db"  # exists, on SQLite: the hub database beside the checkouts
    escape = _piped(plugsmith_home, "--db", db_url, "hub", "show", "cost_estimation", "--file", outside)
    assert escape.returncode == 2 and b"has no file '../../hub.db'" in escape.stderr and escape.stdout == b""


def test_show_source_is_highlighted_on_a_terminal(plugsmith_home: Path, tmp_path: Path) -> None:
    import pty

    with Hub.open(f"sqlite:///{plugsmith_home / 'hub.db'}") as hub:
        hub.publish(make_plugin(tmp_path), status=Status.approved, tier=Tier.tier1)
    master, slave = pty.openpty()
    env = {**os.environ, "PLUGSMITH_HOME": str(plugsmith_home), "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "plugsmith", "hub", "show", "cost_estimation", "--source"],
                            stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=60) == 0
    os.close(master)
    text = b"".join(chunks).decode()
    assert "\x1b[" in text  # coloured
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert re.search(r"1 def run\(inputs\):", plain)  # numbered


def test_diff_versions_itself_and_unrelated(capsys: pytest.CaptureFixture[str], db_url: str,
                                            tmp_path: Path) -> None:
    approved = {"status": Status.approved, "tier": Tier.tier1}
    with Hub.open(db_url) as hub:
        hub.publish(make_plugin(tmp_path), **approved)
        hub.publish(make_plugin(tmp_path, version="1.1.0", body="# new line\n"), **approved)
        hub.publish(make_plugin(tmp_path, "other_thing", outputs=("x",)), **approved)
    old, new = "cost_estimation@1.0.0", "cost_estimation@1.1.0"
    code, out, _ = run(capsys, "--db", db_url, "hub", "diff", old, new)
    assert code == 0 and out.startswith("2 file(s) differ, +2 −1 lines\n")
    assert "--- cost_estimation@1.0.0/plugin.py\n+++ cost_estimation@1.1.0/plugin.py\n" in out
    assert "\n+# new line\n" in out and "\x1b[" not in out  # plain when not a terminal
    code, out, _ = run(capsys, "--db", db_url, "hub", "diff", old, old)
    assert code == 0 and out == ("cost_estimation@1.0.0 and cost_estimation@1.0.0 have identical contents "
                                 "(same checksum)\n")
    code, out, _ = run(capsys, "--db", db_url, "hub", "diff", old, "other_thing", "--json")
    data = json.loads(out)
    assert code == 0 and data["related"] is False and "are different plugins" in data["summary"]
    assert {f["path"] for f in data["files"]} == {"README.md", "plugin.json", "plugin.py"}
    code, _, err = run(capsys, "--db", db_url, "hub", "diff", "cost_estimation", "nope@1.0")
    assert code == 2 and "no such plugin" in err


def test_show_source_and_diff_over_a_remote_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import plugsmith.cli._common as common
    import test_server_helpers as srv_helpers
    from plugsmith.hub._remote import RemoteHub

    server = srv_helpers.build_server(tmp_path / "srv")
    try:
        first = srv_helpers.seed_release(server, srv_helpers.make_plugin(tmp_path))
        code = "def run(inputs):\n    return {'total': 0.0}\n"
        srv_helpers.seed_release(server, srv_helpers.make_plugin(tmp_path, version="1.1.0", code=code))
        monkeypatch.setattr(common, "open_hub", lambda: RemoteHub(
            "http://hub.test", transport=srv_helpers.SyncASGITransport(server.app)))
        rc, out, err = run(capsys, "--hub-url", "http://hub.test", "hub", "show", first.ref)
        assert rc == 0, err
        assert "6. signature: Signed with the hub's ed25519 key" in out  # the server's record, over HTTP
        assert "http://hub.test/plugins/cost_total@1.0.0   (the web page)" in out
        rc, out, _ = run(capsys, "hub", "show", "cost_total@1.1.0", "--source")
        assert rc == 0 and out == code
        rc, out, _ = run(capsys, "hub", "diff", first.ref, "cost_total@1.1.0")
        assert rc == 0 and "+    return {'total': 0.0}" in out
    finally:
        server.client.close()
        server.hub.close()
