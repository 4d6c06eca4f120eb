"""`plugsmith hub benchmark` and `plugsmith hub lifecycle` on a real SQLite hub and the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugsmith.cli import main
from plugsmith.hub import Hub
from plugsmith.spec import Status, TestCase, Tier
from test_hub_helpers import make_plugin


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    return int(info.value.code or 0), capsys.readouterr().out


def test_benchmark_grades_plugins_on_the_hubs_cases(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    with Hub.open() as hub:
        right = hub.publish(make_plugin(tmp_path, "total_right", capability="total", outputs=("total",),
                                        body="def run(inputs):\n    return {'total': sum(inputs['xs'])}\n",
                                        inputs={"xs": {"type": "array"}}),
                            status=Status.approved, tier=Tier.tier1)
        wrong = hub.publish(make_plugin(tmp_path, "total_wrong", capability="total", outputs=("total",),
                                        body="def run(inputs):\n    return {'total': len(inputs['xs'])}\n",
                                        inputs={"xs": {"type": "array"}}),
                            status=Status.approved, tier=Tier.tier1)
        for i, xs in enumerate(([5, 7], [1, 2, 3], [10])):
            case = TestCase(name=f"c{i}", input={"xs": xs}, expected={"total": sum(xs)})
            hub.add_benchmark_case("total", case)
    code, out = _cli(capsys, "hub", "benchmark", "total", "--json")
    assert code == 0
    grades = {r["plugin_id"]: r["accuracy"] for r in json.loads(out)}
    assert grades[right.plugin_id] == 1.0
    assert grades[wrong.plugin_id] < 0.5


def test_lifecycle_deprecates_a_superseded_plugin_only_when_asked(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    with Hub.open() as hub:
        hub.publish(make_plugin(tmp_path, "cost_core", capability="cost_estimation"),
                    status=Status.approved, tier=Tier.tier0)
        weak = hub.publish(make_plugin(tmp_path, "cost_other", capability="cost_estimation"),
                           status=Status.approved, tier=Tier.tier2)
    code, out = _cli(capsys, "hub", "lifecycle", "--dry-run", "--json")
    assert code == 0
    report = json.loads(out)
    assert [d["ref"] for d in report["deprecated"]] == [weak.ref]
    assert "superseded by cost_core@1.0.0" in report["deprecated"][0]["reason"]
    with Hub.open() as hub:
        assert hub.get(weak.ref).status is Status.approved  # a dry run changes nothing
    code, _ = _cli(capsys, "hub", "lifecycle")
    assert code == 0
    with Hub.open() as hub:
        assert hub.get(weak.ref).status is Status.deprecated
