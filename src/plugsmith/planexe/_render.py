"""The Markdown twin of a capability task's JSON file, as PlanExe writes one beside each JSON."""

from __future__ import annotations

import json
from typing import Any

from plugsmith.spec import CapabilitySpec


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_port(name: str, value: Any) -> list[str]:
    """A mapping of scalars as a table, a list of scalars as bullets, anything else as JSON."""
    lines = [f"## {name}", ""]
    if isinstance(value, dict) and value and all(_scalar(v) for v in value.values()):
        lines += ["| key | value |", "| --- | --- |"]
        lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in value.items()]
    elif isinstance(value, list) and all(_scalar(v) for v in value):
        lines += [f"- {_cell(v)}" for v in value] or ["(empty)"]
    elif _scalar(value):
        lines.append(_cell(value))
    else:
        lines += ["```json", json.dumps(value, indent=2, ensure_ascii=False), "```"]
    return lines + [""]


def render_capability_markdown(doc: dict[str, Any], spec: CapabilitySpec) -> str:
    plugin = doc["plugin"]
    lines = [f"# {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    how = {"hub": "found in the hub", "reused": "reused", "synthesized": "synthesized"}[doc["resolved_by"]]
    strategy = f" by the {doc['strategy']} strategy" if doc.get("strategy") else ""
    lines += [f"Computed by `{plugin['name']}@{plugin['version']}` ({plugin['tier'] or 'no tier'}, "
              f"{plugin['origin']}; {how}{strategy}); ran in the {doc['sandbox']} sandbox in "
              f"{doc['duration_ms']} ms.", ""]
    for port, value in doc["outputs"].items():
        lines += render_port(port, value)
    return "\n".join(lines)


__all__ = ["render_capability_markdown", "render_port"]
