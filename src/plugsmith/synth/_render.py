"""Writing a candidate out as a plugin directory: plugin.json, plugin.py, tests/cases.json, README.md.

The directory is exactly what the gates check and what the hub packs, so everything a reader needs to
trust the plugin is in it: the manifest's provenance says how it was made, the README says what it does
with examples, and tests/cases.json carries the spec's cases plus the generated edge cases (names
starting with ``generated_``) with what the accepted code returned on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugsmith.atomic import write_text as write_atomic
from plugsmith.spec import (
    CASES_FILE,
    CODE_FILE,
    MANIFEST_FILE,
    README_FILE,
    CapabilitySpec,
    Origin,
    PluginManifest,
    TestCase,
)


@dataclass(frozen=True)
class PluginDraft:
    """What goes into a plugin directory, before it is written."""

    spec: CapabilitySpec
    name: str
    version: str
    source: str
    origin: Origin
    provenance: dict[str, Any]
    cases: list[TestCase]
    edge_notes: dict[str, str] = field(default_factory=dict)   # generated case name -> what it tests
    how_made: tuple[str, ...] = ()


def manifest_for(draft: PluginDraft) -> PluginManifest:
    """The manifest: the spec's ports and constraints, this draft's name/version/origin/provenance."""
    spec = draft.spec
    return PluginManifest(
        name=draft.name,
        capability=spec.name,
        version=draft.version,
        description=spec.description or f"Computes {spec.name}.",
        inputs=spec.inputs,
        outputs=spec.outputs,
        constraints=spec.constraints,
        origin=draft.origin,
        provenance=draft.provenance,
        keywords=spec.keywords,
    )


def _schema_line(schema: dict[str, Any]) -> str:
    if schema.get("$id") == "plugsmith:plan":
        return "a plan document (`plugsmith schema plan`)"
    text = json.dumps(schema, sort_keys=True)
    return f"`{text}`" if len(text) <= 160 else f"`{text[:157]}...`"


def _example(case: TestCase) -> list[str]:
    shown = json.dumps({"input": case.input, "expected": case.expected}, sort_keys=True)
    if len(shown) > 600:
        shown = shown[:597] + "..."
    return [f"- `{case.name}`: `{shown}`"]


def readme_for(draft: PluginDraft, manifest: PluginManifest) -> str:
    """README.md: what it does, ports, constraints, examples, and how it was made."""
    spec = draft.spec
    prov = draft.provenance
    lines = [f"# {manifest.name} {manifest.version}", "", manifest.description, "",
             f"Capability `{spec.name}`; origin `{draft.origin.value}`; plugin id `{manifest.id}`.", "",
             "## Ports", ""]
    lines += [f"- input `{n}`: {_schema_line(s)}" for n, s in spec.inputs.items()]
    lines += [f"- output `{n}`: {_schema_line(s)}" for n, s in spec.outputs.items()]
    lines += ["", "## Constraints", ""]
    lines += [f"- {c.value}" for c in spec.constraints] or ["- none declared"]
    lines += ["", "## Examples", ""]
    given = [c for c in draft.cases if c.name not in draft.edge_notes]
    for case in given[:3]:
        lines += _example(case)
    if draft.edge_notes:
        lines += ["", "Generated edge cases (recorded from this code, not specified by the spec):", ""]
        lines += [f"- `{name}`: {what}" for name, what in draft.edge_notes.items()]
    lines += ["", "## How it was made", "",
              f"- strategy: `{prov.get('strategy', '?')}`",
              f"- spec hash: `{prov.get('spec_hash', '?')}`",
              f"- candidates tried: {prov.get('candidates_tried', '?')}",
              f"- plugsmith version: {prov.get('plugsmith_version', '?')}"]
    lines += [f"- {note}" for note in draft.how_made]
    return "\n".join(lines).rstrip() + "\n"


def render_plugin(draft: PluginDraft, dest: Path) -> Path:
    """Write the plugin directory at ``dest`` (created if needed; files replaced atomically)."""
    manifest = manifest_for(draft)
    dest.mkdir(parents=True, exist_ok=True)
    write_atomic(dest / CODE_FILE, draft.source if draft.source.endswith("\n") else draft.source + "\n")
    cases = [c.model_dump(mode="json") for c in draft.cases]
    write_atomic(dest / CASES_FILE, json.dumps(cases, indent=2, sort_keys=True) + "\n")
    write_atomic(dest / README_FILE, readme_for(draft, manifest))
    body = manifest.model_dump(mode="json")
    write_atomic(dest / MANIFEST_FILE, json.dumps(body, indent=2, sort_keys=True) + "\n")
    return dest


__all__ = ["PluginDraft", "manifest_for", "readme_for", "render_plugin", "write_atomic"]
