"""Reading specs and manifests from disk, with errors that say what to fix.

Kept apart from the models so the models stay free of I/O.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from plugsmith.errors import ManifestError, NotFound, SpecError
from plugsmith.spec._capability import CapabilitySpec, TestCase
from plugsmith.spec._manifest import MANIFEST_FILE, PluginManifest


def format_validation_error(exc: ValidationError) -> str:
    """The first pydantic error as ``/json/pointer: message`` (one line)."""
    err = exc.errors()[0]
    pointer = "/" + "/".join(str(p) for p in err["loc"]) if err["loc"] else "/"
    msg = err["msg"].removeprefix("Value error, ")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{pointer}: {msg}{more}"


def read_document(path: Path, what: str) -> Any:
    """Parse a JSON or YAML file; a missing or unparsable file is a clear ``BadInput``."""
    if not path.is_file():
        raise NotFound(f"{what} file not found", subject=str(path), hint="check the path")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        err = SpecError if what == "spec" else ManifestError
        kind = "YAML" if path.suffix.lower() in {".yaml", ".yml"} else "JSON"
        raise err(f"not valid {kind}: {exc}".splitlines()[0], subject=str(path)) from None


def _named_cases(path: Path) -> dict[str, TestCase]:
    """Cases kept beside a spec: ``<stem>.cases.json`` or ``cases/<name>.json``."""
    found: dict[str, TestCase] = {}
    sibling = path.with_name(path.stem + ".cases.json")
    if sibling.is_file():
        for raw in json.loads(sibling.read_text(encoding="utf-8")):
            case = TestCase.model_validate(raw)
            found[case.name] = case
    for folder in (path.parent / "cases", path.parent / "tests"):
        if folder.is_dir():
            for file in sorted(folder.glob("*.json")):
                raw = json.loads(file.read_text(encoding="utf-8"))
                if isinstance(raw, dict) and "expected" in raw:
                    raw.setdefault("name", file.stem)
                    found.setdefault(raw["name"], TestCase.model_validate(raw))
    return found


def parse_spec(data: Any, *, source: str = "spec") -> CapabilitySpec:
    """Validate a spec from already-parsed data."""
    if not isinstance(data, dict):
        raise SpecError("a capability spec must be a JSON object", subject=source)
    try:
        return CapabilitySpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(exc), subject=source,
                        hint="see `plugsmith schema spec` for the expected shape") from None


def load_spec(path: Path) -> CapabilitySpec:
    """Load a spec file, resolving named test cases against cases kept beside it."""
    spec = parse_spec(read_document(path, "spec"), source=str(path))
    if spec.missing_cases:
        try:
            named = _named_cases(path)
        except (ValidationError, json.JSONDecodeError) as exc:
            raise SpecError(f"cases beside the spec are malformed: {exc}".splitlines()[0],
                            subject=str(path)) from None
        tests = [named.get(t, t) if isinstance(t, str) else t for t in spec.tests]
        spec = spec.model_copy(update={"tests": tests})
    return spec


def load_manifest(plugin_dir: Path) -> PluginManifest:
    """Load and validate ``plugin.json`` from a plugin directory."""
    path = plugin_dir / MANIFEST_FILE
    data = read_document(path, "manifest")
    if not isinstance(data, dict):
        raise ManifestError("plugin.json must be a JSON object", subject=str(path))
    try:
        return PluginManifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(format_validation_error(exc), subject=str(path),
                            hint="see `plugsmith schema manifest`") from None


__all__ = ["format_validation_error", "load_manifest", "load_spec", "parse_spec", "read_document"]
