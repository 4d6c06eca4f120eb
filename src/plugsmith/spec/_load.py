"""Reading specs and manifests from disk, with errors that say what to fix.

Kept apart from the models so the models stay free of I/O.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from plugsmith.errors import BadInput, ManifestError, NotFound, PlanError, SpecError
from plugsmith.spec._capability import CapabilitySpec, TestCase
from plugsmith.spec._manifest import MANIFEST_FILE, PluginManifest


def format_validation_error(exc: ValidationError) -> str:
    """The first pydantic error as ``/json/pointer: message`` (one line)."""
    err = exc.errors()[0]
    pointer = "/" + "/".join(str(p) for p in err["loc"]) if err["loc"] else "/"
    msg = err["msg"].removeprefix("Value error, ")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{pointer}: {msg}{more}"


MAX_DEPTH = 100  # JSON nesting: deep enough for any plan or spec, shallow enough for every recursive step
_ERRORS: dict[str, type[BadInput]] = {"spec": SpecError, "manifest": ManifestError, "plan": PlanError}


def nesting_depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply lists and objects nest in ``value`` (0 for a scalar), counting no further than
    ``limit + 1``. Iterative, so it is safe on the very documents it guards against."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


# documents whose every key must be unambiguous: a reviewer reading the raw file (or another JSON
# reader, which may keep the first of two equal keys) must see what plugsmith acts on
STRICT_KEYS = frozenset({"spec", "manifest", "cases"})


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def parse_document(raw: bytes, *, subject: str, what: str = "input", yaml_text: bool = False) -> Any:
    """Parse UTF-8 JSON (or YAML) bytes; anything unreadable is a one-line ``BadInput`` of the kind
    ``what`` names (spec, manifest, plan; else plain BadInput): not UTF-8, not valid JSON/YAML, an
    integer beyond the range of a double, nested more than ``MAX_DEPTH`` levels (which would exhaust
    the recursion of later steps) or — in a spec, manifest or cases file — one key twice in an
    object (``{"name": "a", "name": "b"}`` reads as ``b`` here but as ``a`` to some other readers)."""
    err = _ERRORS.get(what, BadInput)
    kind = "YAML" if yaml_text else "JSON"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise err(f"not UTF-8 text (byte {exc.start} is {raw[exc.start:exc.start + 1]!r})", subject=subject,
                  hint=f"save the {what} file as UTF-8") from None
    hook = _unique_keys if what in STRICT_KEYS else None
    try:
        data = (yaml.safe_load(text) if yaml_text
                else json.loads(text, parse_int=_json_int, object_pairs_hook=hook))
    except _DuplicateKey as exc:
        raise err(f"key {str(exc)[:80]!r} appears twice in one object", subject=subject,
                  hint="keep one of them; plugsmith does not guess which one you meant") from None
    except _HugeInteger as exc:
        raise err(f"holds an integer of {exc.digits:,} digits, beyond the range of a JSON number (a double)",
                  subject=subject, hint=f"keep the {what}'s numbers within about 1.8e308") from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise err(f"not valid {kind}: {exc}".splitlines()[0], subject=subject) from None
    except ValueError:  # Python refuses integers of more than 4,300 digits (sys.int_info), in YAML too
        raise err("holds an integer with thousands of digits, beyond any JSON number a program can use",
                  subject=subject, hint=f"keep the {what}'s numbers within the range of a double "
                  f"(about 1.8e308)") from None
    except RecursionError:
        data = None
        depth = MAX_DEPTH + 1
    else:
        depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise err(f"{kind} nested more than {MAX_DEPTH} levels deep", subject=subject,
                  hint=f"flatten the {what}; no plugsmith document needs that depth")
    huge = oversized_number(data) if yaml_text else None  # JSON's integers were checked as parsed
    if huge is not None:
        raise err(f"holds an integer of {huge:,} digits, beyond the range of a JSON number (a double)",
                  subject=subject, hint=f"keep the {what}'s numbers within about 1.8e308")
    return data


class _HugeInteger(ValueError):
    def __init__(self, digits: int) -> None:
        super().__init__(f"{digits} digits")
        self.digits = digits


def _json_int(text: str) -> int:
    """``json.loads``'s integer parser, refusing integers a double cannot hold (more than 309 digits,
    or 309 past 2**1024) before Python converts them (which it refuses past 4,300 digits anyway)."""
    digits = len(text.lstrip("-"))
    if digits >= _DOUBLE_DIGITS:
        value = int(text) if digits == _DOUBLE_DIGITS else None
        if value is None or abs(value) >= _DOUBLE_LIMIT:
            raise _HugeInteger(digits)
        return value
    return int(text)


def oversized_number(value: Any) -> int | None:
    """The digit count of the first integer too large for a double (JSON's number), else None.

    Such a number parses in Python but breaks every float comparison later (``OverflowError``).
    Iterative: ``value`` is already known to nest at most ``MAX_DEPTH`` levels, but may be wide."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= _DOUBLE_LIMIT:
            return len(str(abs(item)))
    return None


_DOUBLE_LIMIT = 2 ** 1024  # the smallest integer a double cannot hold (rounded up to infinity)
_DOUBLE_DIGITS = len(str(_DOUBLE_LIMIT))  # 309


def read_document(path: Path, what: str) -> Any:
    """Parse a JSON or YAML file; a missing or unparsable file is a clear ``BadInput``."""
    if not path.is_file():
        raise NotFound(f"{what} file not found", subject=str(path), hint="check the path")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotFound(f"cannot read the {what} file: {exc.strerror}", subject=str(path)) from None
    yaml_text = path.suffix.lower() in {".yaml", ".yml"}
    return parse_document(raw, subject=str(path), what=what, yaml_text=yaml_text)


def _named_cases(path: Path) -> dict[str, TestCase]:
    """Cases kept beside a spec: ``<stem>.cases.json`` or ``cases/<name>.json``."""
    found: dict[str, TestCase] = {}
    sibling = path.with_name(path.stem + ".cases.json")
    if sibling.is_file():
        raw_cases = read_document(sibling, "spec")
        for raw in raw_cases if isinstance(raw_cases, list) else [raw_cases]:
            case = TestCase.model_validate(raw)
            found[case.name] = case
    for folder in (path.parent / "cases", path.parent / "tests"):
        if folder.is_dir():
            for file in sorted(folder.glob("*.json")):
                raw = read_document(file, "spec")
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


__all__ = ["MAX_DEPTH", "format_validation_error", "load_manifest", "load_spec", "nesting_depth",
           "parse_document", "parse_spec", "read_document"]
