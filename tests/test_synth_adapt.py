"""The ``adapt`` strategy against a real hub and the real sandbox (no gates involved here)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_synth_helpers import days_spec_data, publish_hours_plugin

from plugsmith.hub import Hub
from plugsmith.sandbox import Sandbox, get_sandbox
from plugsmith.spec import CapabilitySpec, Origin, parse_spec
from plugsmith.synth import AdaptStrategy, PluginDraft, SynthContext, render_plugin


@pytest.fixture
def hub() -> Iterator[Hub]:
    opened = Hub.open()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = get_sandbox()
    yield box
    box.close()


def _ctx(spec: CapabilitySpec, hub: Hub, sandbox: Sandbox, release: object) -> SynthContext:
    return SynthContext(spec=spec, hub=hub, sandbox=sandbox, guide_cases=spec.cases, holdout_count=0,
                        not_adequate=[release])  # type: ignore[list-item]


def test_adapter_unwraps_nesting_and_converts_hours_to_days(hub: Hub, sandbox: Sandbox,
                                                             tmp_path: Path) -> None:
    release = publish_hours_plugin(hub, tmp_path)
    spec = parse_spec(days_spec_data(cases=3))
    candidates = list(AdaptStrategy().candidates(_ctx(spec, hub, sandbox, release)))
    assert len(candidates) == 1
    cand = candidates[0]
    assert cand.origin == Origin.adapted and cand.record["adapted_from"] == "effort_hours@1.0.0"
    summary = " | ".join(cand.record["gap_summary"])
    assert "unwrap key 'tasks'" in summary and "x 1/8" in summary
    # the original's code is embedded (renamed), not imported from another file
    assert "_original_run" in cand.source and "# sum the hours booked on every task" in cand.source
    assert "import effort_hours" not in cand.source and "def run(inputs: dict) -> dict:" in cand.source
    # and the adapter really computes days from nested input, in the sandbox, on a case it never saw
    draft = PluginDraft(spec=spec, name="effort_days", version="1.0.0", source=cand.source,
                        origin=cand.origin, provenance={}, cases=spec.cases)
    plugin = render_plugin(draft, tmp_path / "adapter")
    unseen = {"work": {"tasks": [{"hours": 12}, {"hours": 20}]}}
    outcome = sandbox.run(plugin, [unseen])
    assert outcome.completed, outcome.explain()
    assert outcome.runs[0].output == {"total_days": 4.0}
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,I,B",
                           "--line-length", "120", str(plugin / "plugin.py")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_adapter_is_not_offered_when_no_mapping_reproduces_the_cases(hub: Hub, sandbox: Sandbox,
                                                                     tmp_path: Path) -> None:
    release = publish_hours_plugin(hub, tmp_path)
    data = days_spec_data(cases=3)
    data["tests"][1]["expected"] = {"total_days": 5}      # 24 hours are not 5 days in any unit we know
    spec = parse_spec(data)
    assert list(AdaptStrategy().candidates(_ctx(spec, hub, sandbox, release))) == []


def test_adapt_is_unavailable_without_near_matches(hub: Hub, sandbox: Sandbox) -> None:
    spec = parse_spec(days_spec_data())
    ctx = SynthContext(spec=spec, hub=hub, sandbox=sandbox, guide_cases=spec.cases, holdout_count=0)
    assert AdaptStrategy().unavailable(ctx) == "no near-match plugin to adapt"


def test_adapter_renames_ports_on_both_sides(hub: Hub, sandbox: Sandbox, tmp_path: Path) -> None:
    release = publish_hours_plugin(hub, tmp_path)
    spec = parse_spec({"name": "job_hours", "inputs": {"jobs": {"type": "array"}},
                       "outputs": {"hours": {"type": "number"}},
                       "tests": [{"name": "a", "input": {"jobs": [{"hours": 3}, {"hours": 4}]},
                                  "expected": {"hours": 7}},
                                 {"name": "b", "input": {"jobs": []}, "expected": {"hours": 0}}]})
    [cand] = AdaptStrategy().candidates(_ctx(spec, hub, sandbox, release))
    assert cand.record["gap_summary"] == [
        "input 'jobs' -> original input 'tasks': renamed",
        "original output 'total_hours' -> output 'hours': renamed",
    ]
    assert "'tasks': inputs['jobs']," in cand.source and "'hours': result['total_hours']," in cand.source


def test_llm_prompt_carries_the_nearest_plugins_code(hub: Hub, sandbox: Sandbox, tmp_path: Path) -> None:
    from tests.llm_server import LLMServer, Reply, fenced

    from plugsmith.synth import LLMStrategy
    from plugsmith.synth._llm_config import LLMEndpoint

    release = publish_hours_plugin(hub, tmp_path)
    spec = parse_spec(days_spec_data())
    with LLMServer([Reply(fenced("def run(inputs):\n    return {}\n"))]) as server:
        endpoint = LLMEndpoint(id="t", kind="OpenAILike", base_url=server.base_url, model="m", api_key=None,
                               priority=1, extra={})
        next(LLMStrategy([endpoint]).candidates(_ctx(spec, hub, sandbox, release)))
    prompt = server.requests[0].body["messages"][-1]["content"]
    assert "effort_hours@1.0.0" in prompt and "# sum the hours booked on every task" in prompt
    assert "Authorization" not in server.requests[0].headers     # no key configured, none sent
