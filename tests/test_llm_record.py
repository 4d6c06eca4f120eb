"""The ``llm`` strategy inside the whole flow (real hub, sandbox, gates, HTTP server on loopback): every
failure reaches the outcome, the saved synthesis record and stderr; its budget is its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.llm_server import LLMServer, Reply, fenced
from tests.test_synth_helpers import write_spec

from plugsmith.hub import Hub
from plugsmith.sandbox import Sandbox, get_sandbox
from plugsmith.spec import CapabilitySpec, Status, SynthesisRequest, parse_spec
from plugsmith.synth import synthesize

COUNT_OK = ('"""Count the items."""\n\n\ndef run(inputs: dict) -> dict:\n'
            '    return {"n": len(inputs["items"])}\n')
COUNT_BROKEN = COUNT_OK.replace("def run(inputs: dict) -> dict:", "def run(inputs: dict) -> dict")
SPEC = {"name": "count_items", "description": "How many items there are.",
        "inputs": {"items": {"type": "array"}}, "outputs": {"n": {"type": "integer"}},
        "constraints": ["deterministic", "pure"],
        "tests": [{"name": f"c{k}", "input": {"items": list(range(k))}, "expected": {"n": k}}
                  for k in (0, 2, 3, 5)]}


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


@pytest.fixture(autouse=True)
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("PLUGSMITH_LLM")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PLUGSMITH_LLM_MODEL", "tiny-coder")
    monkeypatch.setenv("PLUGSMITH_LLM_API_KEY", "sk-record-secret-9")


def _spec() -> CapabilitySpec:
    return parse_spec(SPEC)


def test_endpoint_failures_and_codeless_replies_are_on_the_outcome_and_the_saved_record(
        hub: Hub, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    too_long = {"error": {"message": "Requested tokens (1342) exceed context window of 1024",
                          "type": "invalid_request_error", "code": "context_length_exceeded"}}
    script = [Reply("Sure! Counting is easy."), Reply(fenced(COUNT_BROKEN)),
              Reply(status=400, error=too_long)]
    lines: list[str] = []
    with LLMServer(script) as server:
        monkeypatch.setenv("PLUGSMITH_LLM_BASE_URL", server.base_url)
        spec = _spec()
        outcome = synthesize(spec, hub, request=SynthesisRequest(spec=spec, strategies=["llm"]),
                             sandbox=sandbox, progress=lines.append)
    assert outcome.status == "failed" and outcome.candidates_tried == 1
    skipped = outcome.record["skipped"]
    assert [s["kind"] for s in skipped] == ["no_code", "http"]
    assert "Counting is easy" in skipped[0]["reason"]
    assert ("context_length_exceeded: Requested tokens (1342) exceed context window of 1024"
            in skipped[1]["reason"])
    assert "no other endpoint configured" in skipped[1]["reason"]
    [candidate] = outcome.record["candidates"]
    assert candidate["round"] == 2 and candidate["stage"] == "guide"
    assert candidate["prompt_tokens_estimate"] > 0 and candidate["max_tokens"] == 1024
    assert "context_length_exceeded" in outcome.message
    assert "replied without a ```python block" in outcome.message
    saved = hub.synthesis_record(spec.spec_hash())
    assert saved is not None and saved["skipped"] == skipped
    assert any("context_length_exceeded" in line for line in lines)
    assert any(line.startswith("llm round 1/4: asking env (tiny-coder): prompt ~") for line in lines)
    # the repair round was told, plainly, that plugin.py did not import
    repair = server.requests[2].body["messages"][-1]["content"]
    assert "plugin.py could not be imported" in repair and "not run: load_error" not in repair
    assert "sk-record-secret-9" not in json.dumps(outcome.record) + outcome.message


def test_the_llm_budget_is_its_own_not_the_offline_searchs(hub: Hub, sandbox: Sandbox,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with LLMServer([Reply(fenced(COUNT_OK), stall_s=1.5)]) as server:
        monkeypatch.setenv("PLUGSMITH_LLM_BASE_URL", server.base_url)
        spec = _spec()
        request = SynthesisRequest(spec=spec, strategies=["llm"], time_budget_s=0.5)
        outcome = synthesize(spec, hub, request=request, sandbox=sandbox)
    assert outcome.status == Status.approved, outcome.message     # a 1.5 s reply on a 0.5 s search budget
    assert outcome.record["candidates"][0]["seconds"] >= 1.5


def test_the_cli_prints_each_failure_on_stderr_and_exits_1(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "count_items.json", SPEC)
    with LLMServer([Reply(raw=b"<html><title>Welcome to nginx!</title></html>", content_type="text/html")]
                   ) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGSMITH_LLM")}
        env.update(PLUGSMITH_LLM_BASE_URL=server.base_url, PLUGSMITH_LLM_MODEL="tiny-coder")
        done = subprocess.run([sys.executable, "-m", "plugsmith", "synth", str(spec), "--strategy", "llm",
                               "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "synth: llm: round 1/4: env: the reply is an HTML page (Welcome to nginx!)" in done.stderr
    outcome = json.loads(done.stdout)
    [entry] = outcome["record"]["skipped"]
    assert entry["kind"] == "bad_reply" and "HTML page" in outcome["message"]


def test_the_benchmark_runs_against_a_configured_server_and_skips_without_one() -> None:
    import re

    script = Path(__file__).parents[1] / "benchmarks" / "llm_server.py"
    code = ('"""Number of tasks in the plan."""\n\n\ndef run(inputs: dict) -> dict:\n'
            '    return {"count": len(inputs["plan_json"]["tasks"])}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGSMITH_LLM")}
    skipped = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                             timeout=60)
    assert skipped.returncode == 0 and "skipped: no LLM endpoint configured" in skipped.stdout
    with LLMServer([Reply("Let me think."), Reply(fenced(code))]) as server:
        env.update(PLUGSMITH_LLM_BASE_URL=server.base_url, PLUGSMITH_LLM_MODEL="scripted")
        done = subprocess.run([sys.executable, str(script), "task_count", "--rounds", "1"],
                              capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if "task_count" in line and "rounds" in line)
    pattern = r"approved rounds 2 +tokens \d+\+\d+ \(prompt est\. \d+\) .* hidden (\d+)/\1 +\[1 no_code\]"
    assert re.search(pattern, line), line
