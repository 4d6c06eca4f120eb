"""Bad input is one line (plus a hint) and exit 2, never a traceback — as real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugsmith.hub import Hub
from plugsmith.spec import Status, Tier
from test_sandbox_helpers import MEAN, MEAN_CASES, make_plugin, plugsmith

DEEP = "[" * 20_000 + "]" * 20_000
LATIN1 = '{"name": "caf\xe9", "outputs": ["r"]}'.encode("latin-1")
HUGE_REF = "mean@" + "9" * 5000


def _bad_input(done: object, needle: str = "") -> None:
    err = done.stderr  # type: ignore[attr-defined]
    assert done.returncode == 2, (done.returncode, err[-2000:])  # type: ignore[attr-defined]
    assert "Traceback" not in err, err[-2000:]
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and len(errors[0]) < 400, lines
    assert needle in errors[0], errors[0]


def test_documents_that_are_not_utf8(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_bytes(LATIN1)
    _bad_input(plugsmith("synth", str(spec)), "not UTF-8")
    plan = tmp_path / "plan.json"
    plan.write_bytes(b'{"title": "caf\xe9"}')
    _bad_input(plugsmith("plan", "validate", str(plan)), "not UTF-8")
    plugin = make_plugin(tmp_path / "p", MEAN, cases=MEAN_CASES)
    (plugin / "plugin.json").write_bytes(b'{"name": "caf\xe9"}')
    _bad_input(plugsmith("hub", "publish", str(plugin)), "not UTF-8")
    gated = plugsmith("validate", str(plugin))  # the gates reject it; they do not crash on it
    assert gated.returncode == 1 and "Traceback" not in gated.stderr and "not UTF-8" in gated.stdout


def test_absurdly_nested_json(tmp_path: Path) -> None:
    spec = tmp_path / "deep.json"
    spec.write_text(DEEP)
    _bad_input(plugsmith("synth", str(spec)), "nested more than")
    plan = tmp_path / "plan.json"
    plan.write_text('{"title": "p", "tasks": [], "attributes": ' + DEEP + "}")
    _bad_input(plugsmith("plan", "validate", str(plan)), "nested more than")
    named = tmp_path / "named.json"
    named.write_text(json.dumps({"name": "named", "outputs": ["r"], "tests": ["golden"]}))
    (tmp_path / "named.cases.json").write_text(DEEP)
    _bad_input(plugsmith("synth", str(named)), "nested more than")
    plugin = make_plugin(tmp_path / "p", MEAN, cases=MEAN_CASES)
    inputs = tmp_path / "in.json"
    inputs.write_text('{"xs": ' + DEEP + "}")
    _bad_input(plugsmith("plugin", "run", str(plugin), "--input", str(inputs)), "nested more than")
    (plugin / "tests" / "cases.json").write_text(DEEP)
    gated = plugsmith("validate", str(plugin))
    assert gated.returncode == 1 and "Traceback" not in gated.stderr, gated.stderr[-2000:]


def test_refs_with_absurd_versions(tmp_path: Path) -> None:
    with Hub.open() as hub:
        hub.publish(make_plugin(tmp_path / "mean", MEAN, name="mean", cases=MEAN_CASES),
                    status=Status.approved, tier=Tier.tier2)
    inputs = tmp_path / "in.json"
    inputs.write_text('{"xs": [1]}')
    for argv in (["hub", "show", HUGE_REF], ["hub", "yank", HUGE_REF], ["review", "approve", HUGE_REF],
                 ["plugin", "run", HUGE_REF, "--input", str(inputs)]):
        _bad_input(plugsmith(*argv), "version")


@pytest.mark.parametrize("below", [False, True], ids=["a-file", "below-a-file"])
def test_home_and_out_that_are_files(tmp_path: Path, below: bool) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("I am a file")
    target = blocker / "sub" if below else blocker
    _bad_input(plugsmith("hub", "search", "x", env={"PLUGSMITH_HOME": str(target)}), "PLUGSMITH_HOME")
    plan = tmp_path / "plan.json"
    plan.write_text('{"title": "p", "tasks": []}')
    _bad_input(plugsmith("run", str(plan), "--out", str(target)), "--out")
    assert blocker.read_text() == "I am a file"
