"""``plugsmith plugin new|run``: start a hand-written plugin; try any plugin in the sandbox.

``plugin run NAME`` runs a hub release (through governance); a directory is given as a path and runs only
after the gates' static checks. Every run is audit-logged.

Only typer and the standard library at import time; the library is imported inside the commands.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from plugsmith.atomic import write_text as _write_atomic

if TYPE_CHECKING:
    from plugsmith.sandbox import Limits, Sandbox

plugin_app = typer.Typer(help="Write and try plugins.", no_args_is_help=True)

_CODE = '''"""{name}: describe what this plugin computes and why.

``run`` gets one dict (port name -> value) and returns one dict (port name -> value). It runs in the
sandbox with the standard library only (json, math, statistics, datetime, re, collections, ...).
"""


def run(inputs: dict) -> dict:
    """Compute the output ports from the input ports."""
{body}    return {outputs}
'''

_README = """# {name}

Capability `{name}`: inputs {inputs}; outputs {outputs}.

Edit `plugin.py`, add cases to `tests/cases.json`, then:

    plugsmith validate {dir}
    plugsmith plugin run {dir} --input inputs.json
"""


def _sample(schema: dict[str, Any]) -> Any:
    """A small value valid for a port schema (used for the example case)."""
    if schema.get("$id") == "plugsmith:plan":
        return {"title": "Example plan", "tasks": []}
    kind = schema.get("type")
    return {"object": {}, "array": [], "string": "", "number": 0, "integer": 0, "boolean": False,
            "null": None}.get(kind if isinstance(kind, str) else "")


def _output_value(port: str, schema: dict[str, Any], first: bool) -> tuple[str, Any]:
    """(python expression, its value) the scaffold returns for one output port."""
    if first and not schema.get("type"):
        return "{\"received\": received}", None
    value = _sample(schema)
    return repr(value), value


def scaffold(name: str, directory: Path, inputs: list[str], outputs: list[str], force: bool) -> None:
    """Write a plugin directory that passes ``plugsmith validate`` as it stands."""
    from plugsmith.errors import BadInput
    from plugsmith.spec import PluginManifest, TestCase

    if directory.exists() and any(directory.iterdir()) and not force:
        raise BadInput("directory is not empty", subject=str(directory), hint="use --force to overwrite")
    manifest = PluginManifest.model_validate({
        "name": name, "capability": name, "description": f"{name} (hand-written; describe it here)",
        "inputs": inputs, "outputs": outputs, "constraints": ["deterministic"], "origin": "handwritten"})
    exprs, expected = [], {}
    for i, (port, schema) in enumerate(manifest.outputs.items()):
        expr, value = _output_value(port, schema, i == 0)
        exprs.append(f"{port!r}: {expr}".replace("'", '"'))
        expected[port] = {"received": sorted(manifest.inputs)} if value is None and i == 0 else value
    case = TestCase(name="example", input={p: _sample(s) for p, s in manifest.inputs.items()},
                    expected=expected)
    data = {"name": name, "capability": name, "version": "0.1.0", "description": manifest.description,
            "inputs": inputs, "outputs": outputs, "constraints": ["deterministic"], "origin": "handwritten",
            "provenance": {"author": "plugsmith plugin new"}, "permissions": []}
    _write_atomic(directory / "plugin.json", json.dumps(data, indent=2) + "\n")
    body = "    received = sorted(inputs)\n" if any("received" in e for e in exprs) else ""
    _write_atomic(directory / "plugin.py", _CODE.format(name=name, body=body,
                                                        outputs="{" + ", ".join(exprs) + "}"))
    _write_atomic(directory / "tests" / "cases.json", json.dumps([case.model_dump()], indent=2) + "\n")
    shown = str(directory) if is_path(str(directory)) else f"./{directory}"  # a bare name is a hub ref
    _write_atomic(directory / "README.md", _README.format(name=name, inputs=inputs, outputs=outputs,
                                                          dir=shown))


@plugin_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="Plugin (and capability) name, e.g. cost_estimation.")],
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the plugin.")],
    inputs: Annotated[list[str] | None, typer.Option("--input", help="Input port (repeatable); "
                                                      "default plan_json.")] = None,
    outputs: Annotated[list[str] | None, typer.Option("--output", help="Output port (repeatable); "
                                                       "default result.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite a non-empty directory.")] = False,
) -> None:
    """Write a working plugin scaffold (manifest, run(), one passing case, README)."""
    import re

    from plugsmith.errors import BadInput
    from plugsmith.spec import NAME_PATTERN

    for what, value in [("NAME", name), *[("--input", p) for p in inputs or []],
                        *[("--output", p) for p in outputs or []]]:
        if not re.match(NAME_PATTERN, value):
            raise BadInput(f"{value!r} is not a valid name (lowercase letters, digits, _)", subject=what)
    scaffold(name, directory, inputs or ["plan_json"], outputs or ["result"], force)
    typer.echo(f"wrote {directory}/ (plugin.json, plugin.py, tests/cases.json, README.md); "
               f"try: plugsmith validate {directory}")


def _read_inputs(path: Path) -> dict[str, Any]:
    from plugsmith.errors import BadInput, NotFound
    from plugsmith.spec import parse_document

    if not path.is_file():
        raise NotFound("input file not found", subject=str(path), hint="give a JSON file of port -> value")
    data = parse_document(path.read_bytes(), subject=str(path), what="input")
    if not isinstance(data, dict):
        raise BadInput("inputs must be a JSON object of port name -> value", subject=str(path))
    return data


def is_path(ref: str) -> bool:
    """Whether ``plugin run`` takes ``ref`` as a directory: ``./dir``, ``../dir``, ``/dir``, ``~/dir``
    or anything with a path separator. Every other ref names a hub release."""
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    return ref in (".", "..") or ref.startswith("~") or any(sep in ref for sep in separators)


@dataclass
class _Target:
    """What ``plugin run`` runs: the directory, its limits, how to name it, and where it came from."""

    plugin_dir: Path
    limits: Limits
    label: str
    source: str  # "directory" or "hub"
    checksum: str | None = None


def _resolve_directory(ref: str, box: Sandbox, unchecked: bool) -> _Target:
    """A directory nobody gated: the static gates first (refused when one fails), then default limits.
    ``unchecked`` skips the static gates (for testing the sandbox itself); it says so, loudly."""
    from plugsmith.errors import GateFailed, NotFound
    from plugsmith.gates import STATIC_GATES, static_checks
    from plugsmith.governance import Policy
    from plugsmith.hub import checksum, pack

    path = Path(ref).expanduser()
    if not path.is_dir():
        raise NotFound("no plugin directory here", subject=ref,
                       hint="check the path; a name without a path separator is looked up in the hub")
    target = _Target(path, Policy.load().limits_for(None), ref, "directory", checksum(pack(path)))
    if unchecked:
        sys.stderr.write(f"warning: --unchecked: {ref} runs without the gates' static checks, contained "
                         "only by the sandbox\n")
        target.source = "directory, unchecked"
        return target
    sys.stderr.write(f"note: {ref} is a directory, not a hub release: running the gates' static checks "
                     f"({', '.join(STATIC_GATES)}) before running it\n")
    failed = [g for g in static_checks(path, sandbox=box) if g.status.value == "fail"]
    if failed:
        raise GateFailed(f"not run: the {', '.join(g.name for g in failed)} gate(s) refused it: "
                         f"{failed[0].message}"[:400], subject=ref, hint=f"see `plugsmith validate {ref}`")
    return target


def _resolve_release(ref: str) -> _Target:
    """A hub reference goes through governance: status, tier, policy, review, checksum, signature."""
    from plugsmith.cli._common import open_hub
    from plugsmith.errors import NotFound
    from plugsmith.governance import Gatekeeper

    hub = open_hub()
    try:
        release = hub.get(ref)
    except NotFound as exc:
        if Path(ref).is_dir():
            exc.hint = f"a directory named {ref!r} is here: to run it, give it as a path (./{ref})"
        raise
    keeper = Gatekeeper(hub)
    plugin_dir = keeper.load(release, pinned="@" in ref)
    return _Target(plugin_dir, keeper.limits(release), release.ref, "hub", release.checksum)


def _pointer(port: str, path: Any) -> str:
    parts = [port, *(str(p) for p in path)]
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def check_inputs(inputs: dict[str, Any], plugin_dir: Path, label: str) -> None:
    """BadInput (exit 2) naming the JSON pointer of the first input that breaks the plugin's ports:
    every declared input port present, no other keys, each value valid against its port schema."""
    import jsonschema

    from plugsmith.errors import BadInput
    from plugsmith.spec import load_manifest, port_validator

    ports = load_manifest(plugin_dir).inputs
    hint = f"{label} takes: {', '.join(ports) or 'no inputs'} (see its plugin.json)"
    unknown = sorted(set(inputs) - set(ports))
    if unknown:
        raise BadInput(f"{_pointer(unknown[0], [])}: not an input port", subject="--input", hint=hint)
    for port, schema in ports.items():
        if port not in inputs:
            raise BadInput(f"{_pointer(port, [])}: input port missing", subject="--input", hint=hint)
        error = jsonschema.exceptions.best_match(port_validator(schema).iter_errors(inputs[port]))
        if error is not None:
            raise BadInput(f"{_pointer(port, error.absolute_path)}: {error.message[:200]}", subject="--input",
                           hint=hint)


def _audit_run(ref: str, target: _Target | None, outcome: str, reason: str) -> None:
    """One audit line per ``plugin run``, whatever became of it."""
    from plugsmith.governance._audit import append

    append({"action": "run", "ref": target.label if target else ref, "allowed": target is not None,
            "source": target.source if target else ("directory" if is_path(ref) else "hub"),
            "checksum": target.checksum if target else None, "outcome": outcome, "reason": reason[:300]})


@plugin_app.command("run")
def run(
    ref: Annotated[str, typer.Argument(help="A hub reference (id, name or name@version), or a directory "
                                            "given as a path (./dir, /dir).")],
    input_file: Annotated[Path, typer.Option("--input", help="JSON object of inputs (port -> value).")],
    backend: Annotated[str | None, typer.Option("--backend", help="bwrap or rlimit (default: the best "
                                                 "that works here).")] = None,
    unchecked: Annotated[bool, typer.Option("--unchecked", help="Run a directory without the static "
                                            "checks, contained only by the sandbox (to test the sandbox "
                                            "itself; audit-logged).")] = False,
) -> None:
    """Run a plugin in the sandbox and print exactly the dict run() returned, as JSON.

    A name is a hub reference: governance decides whether it may load. A directory must be given as a
    path; it runs only after the gates' static checks pass. Every run leaves an audit line.
    """
    from plugsmith.errors import PlugsmithError
    from plugsmith.sandbox import get_sandbox

    inputs = _read_inputs(input_file)
    target: _Target | None = None
    try:
        box: Sandbox = get_sandbox(backend)
        if unchecked and not is_path(ref):
            from plugsmith.errors import BadInput

            raise BadInput("--unchecked applies to a directory only; a hub release always goes through "
                           "governance", subject=ref, hint="give the directory as a path (./dir)")
        target = _resolve_directory(ref, box, unchecked) if is_path(ref) else _resolve_release(ref)
        check_inputs(inputs, target.plugin_dir, target.label)
        output = _run_in(box, target, inputs, backend)
    except PlugsmithError as exc:
        _audit_run(ref, target, "refused" if target is None else exc.slug, exc.one_line())
        raise
    _audit_run(ref, target, "ok", "ran to completion")
    sys.stdout.write(json.dumps(output) + "\n")


def _run_in(box: Sandbox, target: _Target, inputs: dict[str, Any], backend: str | None) -> Any:
    """The plugin's output, or SandboxError saying why there is none."""
    from plugsmith.errors import SandboxError

    if box.weaker:
        from plugsmith.sandbox import detect

        why = "--backend rlimit" if backend else detect()[1]
        sys.stderr.write(f"warning: using the weaker rlimit sandbox ({why}); see `plugsmith doctor`\n")
    outcome = box.run(target.plugin_dir, [inputs], target.limits)
    first = outcome.runs[0] if outcome.runs else None
    if outcome.completed and first is not None and first.ok:
        return first.output
    failed_case = first is not None and first.error and outcome.completed
    raise SandboxError(str(first.error) if failed_case and first else _reason(outcome, target.limits),
                       subject=target.label)


def _reason(outcome: Any, limits: Limits) -> str:
    detail = {"timeout": f"timeout (cpu {limits.cpu_s:g} s / wall {limits.wall_s:g} s)",
              "memory": f"memory limit ({limits.memory_mb} MB) exceeded",
              "output_too_large": f"output_too_large (over {limits.output_bytes} bytes)"}
    text = detail.get(outcome.reason or "") or outcome.explain()
    return " ".join(str(text).split())[:300]


def register(app: typer.Typer) -> None:
    app.add_typer(plugin_app, name="plugin")
