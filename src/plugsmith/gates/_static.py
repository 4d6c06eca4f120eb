"""The gates that read the plugin without running it: manifest, security, lint, size."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from plugsmith.errors import BadInput, ManifestError, NotFound
from plugsmith.gates._ast_policy import check_source, has_entry_point
from plugsmith.gates._registry import GateContext, gate, result
from plugsmith.gates._tools import MAX_SOURCE_BYTES, collect, oversized, plugin_entries, python_files
from plugsmith.spec import (
    CASES_FILE,
    CODE_FILE,
    MANIFEST_FILE,
    README_FILE,
    GateResult,
    GateStatus,
    TestCase,
    load_manifest,
    parse_document,
)

MAX_FILES = 20
MAX_BYTES = MAX_SOURCE_BYTES
MAX_LINES = 2_000
_CASES = TypeAdapter(list[TestCase])


def _read_cases(path: Path) -> list[TestCase]:
    """The plugin's own cases, read as strictly as its manifest (no duplicate keys, bounded depth)."""
    try:
        data = parse_document(path.read_bytes(), subject=CASES_FILE, what="cases")
    except BadInput as exc:
        raise ValueError(exc.message) from None
    return _CASES.validate_python(data)


@gate("manifest", 10)
def manifest_gate(ctx: GateContext) -> GateResult:
    """plugin.json valid (ports are valid JSON Schema), plugin.py present, cases file valid, spec matches."""
    unsafe = _unsafe_entries(ctx.plugin_dir)
    if unsafe:  # checked before any file is read: a link could point anywhere on this machine
        ctx.blocked = "the plugin directory is unsafe"
        return result("manifest", GateStatus.failed, unsafe[0], unsafe)
    try:
        ctx.manifest = load_manifest(ctx.plugin_dir)
    except (ManifestError, NotFound) as exc:
        ctx.blocked = "the manifest is invalid"
        return result("manifest", GateStatus.failed, exc.one_line())
    problems: list[str] = []
    warnings: list[str] = []
    if not (ctx.plugin_dir / CODE_FILE).is_file():
        problems.append(f"{CODE_FILE} is missing")
    if not (ctx.plugin_dir / README_FILE).is_file():
        warnings.append(f"{README_FILE} is missing")
    cases_path = ctx.plugin_dir / CASES_FILE
    if cases_path.is_file():
        try:
            ctx.cases = _read_cases(cases_path)
        except (ValueError, ValidationError) as exc:
            problems.append(f"{CASES_FILE} is not a list of {{name, input, expected}}: "
                            f"{str(exc).splitlines()[0]}")
    if ctx.spec is not None:
        problems += _spec_mismatches(ctx)
        known = {c.name for c in ctx.cases}
        ctx.cases += [c for c in ctx.spec.cases if c.name not in known]
    if ctx.manifest.permissions:
        warnings.append(f"asks for permissions: {', '.join(p.value for p in ctx.manifest.permissions)}")
    if problems:
        ctx.blocked = "the manifest gate failed"
        return result("manifest", GateStatus.failed, "; ".join(problems), problems + warnings)
    evidence: list[Any] = [{"id": ctx.manifest.id, "capability": ctx.manifest.capability,
                            "inputs": sorted(ctx.manifest.inputs), "outputs": sorted(ctx.manifest.outputs),
                            "cases": len(ctx.cases)}, *warnings]
    status = GateStatus.warned if warnings else GateStatus.passed
    message = "; ".join(warnings) or "manifest, port schemas and cases valid"
    return result("manifest", status, message, evidence)


def _unsafe_entries(plugin_dir: Path) -> list[str]:
    """Links, special files, or more bytes than the size limit allows (so nothing huge is read)."""
    problems, total = [], 0
    entries, stopped = plugin_entries(plugin_dir)
    if stopped:
        problems.append(f"the plugin directory holds {stopped}")
    for path in entries:
        if path.is_symlink():
            problems.append(f"{path.relative_to(plugin_dir)} is a symbolic link")
        elif path.is_file():
            total += path.stat().st_size
        elif not path.is_dir():
            problems.append(f"{path.relative_to(plugin_dir)} is not a regular file")
    if total > MAX_BYTES:
        problems.append(f"the plugin holds {total} bytes, over the {MAX_BYTES} byte limit")
    return problems


def _spec_mismatches(ctx: GateContext) -> list[str]:
    assert ctx.spec is not None and ctx.manifest is not None
    problems = []
    missing_out = sorted(set(ctx.spec.outputs) - set(ctx.manifest.outputs))
    if missing_out:
        problems.append(f"manifest lacks the spec's output port(s) {missing_out}")
    extra_in = sorted(set(ctx.manifest.inputs) - set(ctx.spec.inputs))
    if ctx.spec.inputs and extra_in:
        problems.append(f"manifest needs input port(s) the spec does not offer: {extra_in}")
    return problems


def _bandit(ctx: GateContext, paths: list[Path]) -> tuple[list[dict[str, Any]], str | None]:
    """bandit's findings as evidence dicts, or an error when bandit itself could not run."""
    out, error = collect("bandit", paths, ctx.extra.pop("bandit", None))
    try:
        data = json.loads(out or "{}") if error is None else {}
    except ValueError as exc:
        error = f"bandit output is not JSON: {exc}"
    if error:
        return [], f"bandit could not run: {error}"
    if data.get("errors"):
        return [], f"bandit reported errors: {data['errors'][0]}"
    return [{"tool": "bandit", "test_id": r["test_id"], "severity": r["issue_severity"],
             "confidence": r["issue_confidence"], "line": r["line_number"], "message": r["issue_text"]}
            for r in data.get("results", [])], None


@gate("security", 20)
def security_gate(ctx: GateContext) -> GateResult:
    """bandit plus our AST policy on every .py file; a policy finding or medium/high bandit issue fails."""
    granted = _granted(ctx)
    files = python_files(ctx.plugin_dir)
    too_big = oversized(files)
    if too_big:
        ctx.blocked = ctx.blocked or "the security gate could not check the code"
        return result("security", GateStatus.failed, too_big)
    findings: list[dict[str, Any]] = []
    for path in files:
        source = path.read_text(encoding="utf-8", errors="replace")
        ctx.sources[str(path.relative_to(ctx.plugin_dir))] = source
        findings += [f.as_evidence() | {"file": path.name} for f in check_source(source, granted=granted)]
    findings += _control_characters(ctx.plugin_dir)
    code = ctx.sources.get(CODE_FILE)
    if code is not None and not has_entry_point(code):
        findings.append({"tool": "policy", "rule": "entry", "line": 0,
                         "message": "plugin.py must define a top-level run(inputs)"})
    bandit, error = _bandit(ctx, files) if files else ([], None)
    if error and not findings:
        ctx.blocked = ctx.blocked or "the security gate could not run"
        return result("security", GateStatus.failed, error)
    if error:  # our policy's findings say more than bandit's failure on the same code
        findings.append({"tool": "bandit", "line": 0, "message": error})
    serious = [b for b in bandit if b["severity"] in {"MEDIUM", "HIGH"}]
    if findings or serious:
        ctx.blocked = ctx.blocked or "the security gate failed"
        first = (findings or serious)[0]
        return result("security", GateStatus.failed,
                      f"{len(findings) + len(serious)} finding(s), first: line {first['line']}: "
                      f"{first['message']}", findings + bandit)
    if bandit:
        return result("security", GateStatus.warned, f"{len(bandit)} low-severity bandit finding(s)", bandit)
    return result("security", GateStatus.passed, "bandit and the AST policy found nothing", [])


# terminal controls (C0 but tab, newline, carriage return and form feed; DEL; C1) and bidirectional
# controls. In a plugin's files they reached whoever looked: `hub show --source` and `hub show` printed
# them raw (set the title, erase lines), and bidi overrides make code read differently than it runs
# ("Trojan Source") — to the reviewer deciding whether to approve it
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _control_characters(plugin_dir: Path) -> list[dict[str, Any]]:
    """A finding for the first control character in each of the plugin's files."""
    found = []
    for path in plugin_entries(plugin_dir)[0]:
        if not path.is_file() or path.is_symlink() or "__pycache__" in path.parts:
            continue
        text = path.read_bytes()[:MAX_BYTES].decode("utf-8", errors="replace")
        if path == plugin_dir / MANIFEST_FILE:  # JSON spells a control character as \\u001b
            text = _json_strings(text)
        match = _CONTROL.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            found.append({"tool": "policy", "rule": "control", "line": line, "file": path.name,
                          "message": f"{path.relative_to(plugin_dir)} holds the control character "
                                     f"U+{ord(match.group()):04X} (escape sequences and bidirectional "
                                     "overrides make text show other than it is)"})
    return found


def _json_strings(text: str) -> str:
    """Every string (keys too) in a JSON document, one per line; the text itself if it is not JSON."""
    try:
        todo: list[Any] = [json.loads(text)]
    except (ValueError, RecursionError):
        return text
    found: list[str] = []
    while todo:
        value = todo.pop()
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            found += [str(k) for k in value]
            todo += list(value.values())
        elif isinstance(value, list):
            todo += value
    return "\n".join(found)


def _granted(ctx: GateContext) -> frozenset[str]:
    """Permissions the manifest asks for AND the governance policy may grant."""
    if ctx.manifest is None or not ctx.manifest.permissions:
        return frozenset()
    from plugsmith.governance import Policy

    grantable = Policy.load().grantable
    return frozenset(p.value for p in ctx.manifest.permissions if p in grantable)


@gate("lint", 30)
def lint_gate(ctx: GateContext) -> GateResult:
    """ruff: errors (F, E9) fail, any other finding is a warning that lowers the tier."""
    files = python_files(ctx.plugin_dir)
    if not files:
        return result("lint", GateStatus.failed, "no Python files")
    too_big = oversized(files)
    if too_big:
        return result("lint", GateStatus.failed, too_big)
    out, error = collect("ruff", files, ctx.extra.pop("ruff", None))
    try:
        issues = json.loads(out or "[]") if error is None else []
    except ValueError as exc:
        error = f"output is not JSON: {exc}"
    if error:
        return result("lint", GateStatus.failed, f"ruff could not run: {error}")
    evidence = [{"tool": "ruff", "code": i.get("code"), "line": (i.get("location") or {}).get("row"),
                 "message": i.get("message"), "file": Path(i.get("filename", "")).name} for i in issues]
    errors = [e for e in evidence if str(e["code"] or "E999").startswith(("F", "E9")) or e["code"] is None]
    if errors:
        return result("lint", GateStatus.failed, f"{len(errors)} error(s), first: line {errors[0]['line']}: "
                      f"{errors[0]['code']} {errors[0]['message']}", evidence)
    if evidence:
        return result("lint", GateStatus.warned, f"{len(evidence)} style warning(s)", evidence)
    return result("lint", GateStatus.passed, "ruff clean", [])


@gate("size", 70)
def size_gate(ctx: GateContext) -> GateResult:
    """File count, bytes and lines within limits; only regular files (no links)."""
    entries = [p for p in plugin_entries(ctx.plugin_dir)[0] if "__pycache__" not in p.parts]
    links = [p.name for p in entries if p.is_symlink()]
    files = [p for p in entries if p.is_file() and not p.is_symlink()]
    total = sum(p.stat().st_size for p in files)
    lines = sum(p.read_bytes().count(b"\n") for p in files if p.suffix == ".py")
    evidence = [{"files": len(files), "bytes": total, "python_lines": lines,
                 "limits": {"files": MAX_FILES, "bytes": MAX_BYTES, "python_lines": MAX_LINES}}]
    over = [what for what, value, cap in (("files", len(files), MAX_FILES), ("bytes", total, MAX_BYTES),
                                          ("lines", lines, MAX_LINES)) if value > cap]
    if links:
        over.append(f"symbolic links {links}")
    if over:
        return result("size", GateStatus.failed, f"over the limit: {', '.join(over)}", evidence)
    return result("size", GateStatus.passed, f"{len(files)} files, {total} bytes, {lines} lines", evidence)


__all__ = ["lint_gate", "manifest_gate", "security_gate", "size_gate"]
