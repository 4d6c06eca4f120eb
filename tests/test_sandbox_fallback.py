"""The rlimit fallback's measured protections and its minimum: below it, only the built-ins run unless
policy.toml says ``allow_weak_fallback = true``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from plugsmith.errors import ConfigError, SandboxError
from plugsmith.governance import Policy
from plugsmith.sandbox import Limits, RlimitSandbox
from plugsmith.sandbox import _protections as protections
from plugsmith.sandbox._protections import MINIMUM, FallbackPlan, Protections, fallback_plan, measure
from plugsmith.sandbox._rlimit import run_fallback
from test_sandbox_helpers import MEAN, make_plugin

BUILTIN = Path(__file__).parents[1] / "src" / "plugsmith" / "builtins" / "core_cost_rollup"


def test_the_fallback_here_meets_the_minimum() -> None:
    plan = fallback_plan()
    summary = plan.protections.summary()
    assert plan.missing == (), (plan.missing, plan.notes, plan.protections.error)
    assert summary["seccomp"] and summary["io_uring_denied"] and summary["sockets_denied"]
    assert summary["no_new_privs"] and summary["capabilities"] == "none" and summary["uid"] != 0
    assert summary["landlock_fs"] and summary["host_files_hidden"]
    assert plan.drop == (os.geteuid() == 0) and summary["uid_dropped"] == plan.drop


def test_the_probe_sees_a_root_child_that_kept_its_privileges() -> None:
    """Without the uid drop a root caller's child is root with capabilities: the probe must say so."""
    found = measure(lambda d, i, lim: run_fallback(d, i, lim, drop=False), landlock=True, dropped=False)
    if os.geteuid() == 0:
        assert {"unprivileged uid", "no capabilities"} <= set(found.missing), found.measured
    else:
        assert found.missing == (), found.measured


@pytest.fixture
def below_minimum(monkeypatch: pytest.MonkeyPatch) -> FallbackPlan:
    """The real plan, with the Landlock fence reported missing (as on a kernel without Landlock)."""
    real = fallback_plan()
    weak = FallbackPlan(real.drop, Protections(real.protections.measured, ("landlock file-system fence",)))
    monkeypatch.setattr(protections, "fallback_plan", lambda: weak)
    return weak


def test_below_the_minimum_other_code_is_refused(below_minimum: FallbackPlan, tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "p", MEAN)
    with pytest.raises(SandboxError) as caught:
        RlimitSandbox().run(plugin, [{"xs": [1, 2]}], Limits())
    assert "lacks landlock file-system fence" in caught.value.one_line()
    assert "allow_weak_fallback" in (caught.value.hint or "")


def test_below_the_minimum_the_policy_may_allow_it(below_minimum: FallbackPlan, tmp_path: Path,
                                                   plugsmith_home: Path) -> None:
    (plugsmith_home / "policy.toml").write_text("allow_weak_fallback = true\n")
    outcome = RlimitSandbox().run(make_plugin(tmp_path / "p", MEAN), [{"xs": [1, 2]}], Limits())
    assert outcome.completed and outcome.runs[0].output == {"result": 1.5}
    with pytest.raises(SandboxError):
        RlimitSandbox(allow_below_minimum=False).run(make_plugin(tmp_path / "q", MEAN), [{"xs": [1]}])


def test_below_the_minimum_built_ins_still_run(below_minimum: FallbackPlan) -> None:
    case = json.loads((BUILTIN / "tests" / "cases.json").read_text())[0]
    outcome = RlimitSandbox().run(BUILTIN, [case["input"]], Limits())
    assert outcome.completed and outcome.runs[0].output == case["expected"], outcome.explain()


def test_a_built_in_with_changed_code_is_not_a_built_in(below_minimum: FallbackPlan, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "fake"
    shutil.copytree(BUILTIN, copy)
    with (copy / "plugin.py").open("a") as handle:
        handle.write("\n# changed\n")
    with pytest.raises(SandboxError):
        RlimitSandbox().run(copy, [{}], Limits())


def test_policy_key_is_validated() -> None:
    assert Policy.from_dict({"allow_weak_fallback": True}).allow_weak_fallback is True
    assert Policy.from_dict({}).allow_weak_fallback is False
    with pytest.raises(ConfigError):
        Policy.from_dict({"allow_weak_fallback": "yes"})


def test_minimum_is_written_down() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "sandbox.md").read_text()
    for item in MINIMUM:
        assert item in doc, item
