"""``plugsmith plugin new|run``, ``validate``, ``doctor`` and ``review`` as real subprocesses (exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

from plugsmith.hub import Hub
from plugsmith.spec import Status, Tier
from test_sandbox_helpers import MEAN, MEAN_CASES, make_plugin, plugsmith


def test_scaffold_passes_validate_out_of_the_box(tmp_path: Path) -> None:
    target = tmp_path / "my_plugin"
    made = plugsmith("plugin", "new", "my_plugin", "--dir", str(target))
    assert made.returncode == 0, made.stderr
    assert {p.name for p in target.iterdir()} == {"plugin.json", "plugin.py", "tests", "README.md"}
    checked = plugsmith("validate", str(target), "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["verdict"] == "approved" and report["tier"] == "Tier 2"  # hand-written: unvetted source
    assert {g["name"]: g["status"] for g in report["gates"]}["contract"] == "pass"


def test_scaffold_with_catalog_ports_passes(tmp_path: Path) -> None:
    target = tmp_path / "cost"
    made = plugsmith("plugin", "new", "cost", "--dir", str(target), "--input", "tasks",
                     "--output", "cost_breakdown", "--output", "critical_path")
    assert made.returncode == 0, made.stderr
    checked = plugsmith("validate", str(target), "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["verdict"] == "approved", checked.stdout


def test_scaffold_refuses_bad_names_and_non_empty_dirs(tmp_path: Path) -> None:
    assert plugsmith("plugin", "new", "Bad-Name", "--dir", str(tmp_path / "x")).returncode == 2
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    refused = plugsmith("plugin", "new", "ok_name", "--dir", str(tmp_path / "full"))
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_run_local_dir_prints_exactly_the_returned_dict(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p", "def run(inputs):\n    print('noise')\n"
                                          "    return {'b': [1, 2.5, None], 'a': {'z': 'ü'}}\n")
    inputs = tmp_path / "in.json"
    inputs.write_text('{"xs": []}')
    done = plugsmith("plugin", "run", str(plugin), "--input", str(inputs))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"b": [1, 2.5, None], "a": {"z": "ü"}}
    assert "noise" not in done.stdout


def test_run_failure_is_one_line_exit_1(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p", MEAN)
    inputs = tmp_path / "in.json"
    inputs.write_text('{"xs": []}')  # valid for the port schema; the plugin itself fails on it
    done = plugsmith("plugin", "run", str(plugin), "--input", str(inputs))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: {plugin}: StatisticsError")


def test_run_bad_input_file_exit_2(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p", MEAN)
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "list.json").write_text("[1]")
    for name in ("missing.json", "bad.json", "list.json"):
        done = plugsmith("plugin", "run", str(plugin), "--input", str(tmp_path / name))
        assert done.returncode == 2, (name, done.stderr)
        assert len(done.stderr.strip().splitlines()) <= 2 and "Traceback" not in done.stderr


def test_run_warns_about_the_fallback(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p", MEAN)
    inputs = tmp_path / "in.json"
    inputs.write_text('{"xs": [1, 2]}')
    done = plugsmith("plugin", "run", str(plugin), "--input", str(inputs),
                     env={"PLUGSMITH_SANDBOX": "rlimit"})
    assert done.returncode == 0 and json.loads(done.stdout) == {"result": 1.5}
    assert "weaker" in done.stderr


def test_run_hub_ref_goes_through_the_gatekeeper(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p", MEAN, name="mean", cases=MEAN_CASES)
    with Hub.open() as hub:
        release = hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
    inputs = tmp_path / "in.json"
    inputs.write_text('{"xs": [2, 4]}')
    ok = plugsmith("plugin", "run", "mean@1.0.0", "--input", str(inputs))
    assert ok.returncode == 0 and json.loads(ok.stdout) == {"result": 3.0}, ok.stderr
    with Hub.open() as hub:
        hub.set_status(release.ref, Status.quarantined)
    refused = plugsmith("plugin", "run", "mean", "--input", str(inputs))
    assert refused.returncode == 1 and "quarantined" in refused.stderr and refused.stdout == ""
    assert plugsmith("plugin", "run", "nosuch", "--input", str(inputs)).returncode == 2


def test_validate_exit_codes(tmp_path: Path) -> None:
    bad = make_plugin(tmp_path / "bad", "import os\n\ndef run(inputs):\n    return {'result': os.getcwd()}\n",
                      cases=MEAN_CASES)
    rejected = plugsmith("validate", str(bad))
    assert rejected.returncode == 1 and "rejected" in rejected.stdout
    assert rejected.stderr.startswith(f"error: {bad}: rejected by the security gate")
    assert plugsmith("validate", str(tmp_path / "none")).returncode == 2


def test_doctor_reports_the_backend(monkeypatch) -> None:
    done = plugsmith("doctor", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["sandbox"] == "bwrap" and data["weaker"] is False and data["ruff"] and data["bandit"]
    forced = json.loads(plugsmith("doctor", "--json", env={"PLUGSMITH_SANDBOX": "rlimit"}).stdout)
    assert forced["sandbox"] == "rlimit" and forced["weaker"] is True


def test_review_commands(tmp_path: Path, plugsmith_home: Path) -> None:
    plugin = make_plugin(tmp_path / "p", MEAN, name="payroll", cases=MEAN_CASES)
    with Hub.open() as hub:
        hub.publish(plugin, status=Status.pending_review, tier=Tier.tier1)
    listed = plugsmith("review", "list", "--json")
    assert [r["ref"] for r in json.loads(listed.stdout)] == ["payroll@1.0.0"]
    approved = plugsmith("review", "approve", "payroll@1.0.0", "--note", "ok")
    assert approved.returncode == 0 and "approved" in approved.stdout
    assert json.loads(plugsmith("review", "list", "--json").stdout) == []
    audit = [json.loads(line) for line in (plugsmith_home / "audit.log").read_text().splitlines()]
    assert audit[-1]["action"] == "review" and audit[-1]["allowed"] is True
    assert plugsmith("review", "approve", "ghost@1.0.0").returncode == 2


def _audit_runs(home: Path) -> list[dict]:  # type: ignore[type-arg]
    lines = (home / "audit.log").read_text().splitlines() if (home / "audit.log").exists() else []
    return [r for r in map(json.loads, lines) if r["action"] == "run"]


def test_a_name_is_a_hub_reference_even_beside_a_directory(tmp_path: Path, plugsmith_home: Path) -> None:
    local = make_plugin(tmp_path / "mean", "def run(inputs):\n    return {'result': 'the local directory'}\n",
                        name="mean")
    inputs = tmp_path / "in.json"
    inputs.write_text('{"xs": [2, 4]}')
    missing = plugsmith("plugin", "run", "mean", "--input", str(inputs), cwd=tmp_path)
    assert missing.returncode == 2 and "./mean" in missing.stderr  # not in the hub: says how to run the dir
    with Hub.open() as hub:
        release = hub.publish(make_plugin(tmp_path / "hub", MEAN, name="mean", cases=MEAN_CASES),
                              status=Status.approved, tier=Tier.tier2)
    from_hub = plugsmith("plugin", "run", "mean", "--input", str(inputs), cwd=tmp_path)
    assert from_hub.returncode == 0 and json.loads(from_hub.stdout) == {"result": 3.0}, from_hub.stderr
    from_dir = plugsmith("plugin", "run", "./mean", "--input", str(inputs), cwd=tmp_path)
    assert json.loads(from_dir.stdout) == {"result": "the local directory"}, from_dir.stderr
    assert "static checks" in from_dir.stderr
    with Hub.open() as hub:
        hub.set_status(release.ref, Status.yanked)
    yanked = plugsmith("plugin", "run", "mean", "--input", str(inputs), cwd=tmp_path)
    assert yanked.returncode == 1 and "yanked" in yanked.stderr and yanked.stdout == ""  # no fallback
    assert local.is_dir()
    runs = _audit_runs(plugsmith_home)
    assert [(r["source"], r["outcome"]) for r in runs] == [
        ("hub", "refused"), ("hub", "ok"), ("directory", "ok"), ("hub", "refused")]
    assert runs[1]["checksum"] == release.checksum and runs[2]["checksum"].startswith("sha256:")


def test_a_directory_runs_only_after_the_static_checks(tmp_path: Path, plugsmith_home: Path) -> None:
    code = "import os\n\ndef run(inputs):\n    return {'result': os.getcwd()}\n"
    evil = make_plugin(tmp_path / "evil", code)
    inputs = tmp_path / "in.json"
    inputs.write_text('{"xs": []}')
    done = plugsmith("plugin", "run", str(evil), "--input", str(inputs))
    assert done.returncode == 1 and done.stdout == ""
    assert "static checks" in done.stderr and "not run: the security gate(s) refused it" in done.stderr
    forced = plugsmith("plugin", "run", str(evil), "--input", str(inputs), "--unchecked")
    assert forced.returncode == 0 and "without the gates' static checks" in forced.stderr, forced.stderr
    assert plugsmith("plugin", "run", "evil", "--input", str(inputs), "--unchecked").returncode == 2
    refused, unchecked, _hub = _audit_runs(plugsmith_home)
    assert refused["allowed"] is False and refused["source"] == "directory"
    assert unchecked["source"] == "directory, unchecked" and unchecked["outcome"] == "ok"


def test_inputs_are_checked_against_the_port_schema(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p", MEAN, inputs={"xs": {"type": "array", "items": {"type": "number"}}})
    cases = {'{"xs": "seven"}': "/xs: 'seven' is not of type 'array'",
             '{"xs": [1, "a"]}': "/xs/1: 'a' is not of type 'number'",
             "{}": "/xs: input port missing",
             '{"xs": [], "ys": 1}': "/ys: not an input port"}
    for text, expected in cases.items():
        (tmp_path / "in.json").write_text(text)
        done = plugsmith("plugin", "run", str(plugin), "--input", str(tmp_path / "in.json"))
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.splitlines()[-2] == f"error: --input: {expected}", done.stderr
        assert done.stderr.splitlines()[-1].startswith("hint: ")


ESCAPES = '''
import sys


def run(inputs):
    print("[2J[H\\x1b]0;TITLE\\x07 printed")
    sys.stderr.write("\\x1b]52;c;cHduZWQ=\\x07 stderr\\n")
    raise ValueError("\\x1b[1A\\x1b[2Kall gates passed \\u202e")
'''


def test_a_plugins_text_reaches_the_terminal_without_control_characters(tmp_path: Path) -> None:
    """Its error message (and its prints) went to the terminal raw: erase the line above and print
    something reassuring, set the title, write the clipboard (OSC 52)."""
    plugin = make_plugin(tmp_path / "esc", ESCAPES, cases=[{"name": "c", "input": {"xs": []},
                                                            "expected": {"result": 1}}])
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps({"xs": []}))
    done = plugsmith("plugin", "run", str(plugin), "--input", str(inputs), "--unchecked")
    assert done.returncode == 1 and "all gates passed" in done.stderr, done.stderr
    validated = plugsmith("validate", str(plugin), "--json")
    for text in (done.stdout, done.stderr, validated.stdout, validated.stderr):
        assert not [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
                    or c == "\u202e"], text
    assert "\\x1b[1A" in done.stderr  # shown, escaped
