"""Helpers for the synthesis tests: writing and publishing small hand-made plugins, writing specs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugsmith.spec import Constraint, Origin, PluginManifest, Status, Tier

HOURS_CODE = '''"""Total effort in hours over a list of tasks."""


def run(inputs: dict) -> dict:
    # sum the hours booked on every task
    return {"total_hours": sum(task["hours"] for task in inputs["tasks"])}
'''

HOURS_CASES = [
    {"name": "two", "input": {"tasks": [{"hours": 8}, {"hours": 16}]}, "expected": {"total_hours": 24}},
    {"name": "none", "input": {"tasks": []}, "expected": {"total_hours": 0}},
]


def write_plugin(dest: Path, *, name: str, capability: str, code: str, inputs: dict[str, Any],
                 outputs: dict[str, Any], cases: list[dict[str, Any]],
                 origin: Origin = Origin.handwritten, description: str = "") -> Path:
    """A complete plugin directory, the way a person would write one."""
    manifest = PluginManifest(name=name, capability=capability, inputs=inputs, outputs=outputs,
                              origin=origin, description=description or f"{capability} plugin",
                              constraints=[Constraint.deterministic])
    (dest / "tests").mkdir(parents=True, exist_ok=True)
    (dest / "plugin.json").write_text(json.dumps(manifest.model_dump(mode="json"), indent=2))
    (dest / "plugin.py").write_text(code)
    (dest / "tests" / "cases.json").write_text(json.dumps(cases, indent=2))
    (dest / "README.md").write_text(f"# {name}\n")
    return dest


def publish_hours_plugin(hub: Any, tmp: Path) -> Any:
    """Publish the hand-made ``effort_hours`` plugin (ports: tasks -> total_hours)."""
    plugin = write_plugin(
        tmp / "effort_hours", name="effort_hours", capability="effort_hours", code=HOURS_CODE,
        inputs={"tasks": {"type": "array", "items": {"type": "object"}}},
        outputs={"total_hours": {"type": "number"}}, cases=HOURS_CASES,
        description="Total effort in hours booked over tasks.")
    return hub.publish(plugin, status=Status.approved, tier=Tier.tier1)


def days_spec_data(cases: int = 3) -> dict[str, Any]:
    """A spec that ``effort_hours`` serves after an adapter: nested input, days instead of hours."""
    examples = [
        {"name": "one", "input": {"work": {"tasks": [{"hours": 8}]}}, "expected": {"total_days": 1}},
        {"name": "three", "input": {"work": {"tasks": [{"hours": 8}, {"hours": 16}]}},
         "expected": {"total_days": 3}},
        {"name": "half", "input": {"work": {"tasks": [{"hours": 4}]}}, "expected": {"total_days": 0.5}},
        {"name": "empty", "input": {"work": {"tasks": []}}, "expected": {"total_days": 0}},
    ][:cases]
    return {"name": "effort_days", "description": "Total effort in days booked over tasks.",
            "inputs": {"work": {"type": "object", "properties": {"tasks": {"type": "array"}}}},
            "outputs": {"total_days": {"type": "number"}}, "constraints": ["deterministic"],
            "tests": examples}


def write_spec(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=2))
    return path


def test_messages_are_cut_at_a_word_boundary_never_inside_a_word() -> None:
    from plugsmith.synth._text import ELLIPSIS, clip

    text = "passes every guide case but fails 2 of 3 held-back cases: it does not generalise"
    for limit in range(10, len(text)):
        cut = clip(text, limit)
        assert len(cut) <= limit and cut.endswith(ELLIPSIS)
        kept = cut[: -len(ELLIPSIS)]
        assert text.startswith(kept) and text[len(kept)] in " ,;:"
    assert clip(text, len(text)) == text
