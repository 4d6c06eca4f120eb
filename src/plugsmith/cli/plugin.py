"""``plugsmith plugin new|run``: start a hand-written plugin; try any plugin in the sandbox.

Only typer and the standard library at import time; the library is imported inside the commands.
"""

from __future__ import annotations

import json
import sys
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
    _write_atomic(directory / "README.md", _README.format(name=name, inputs=inputs, outputs=outputs,
                                                          dir=directory))


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


def _resolve(ref: str) -> tuple[Path, Limits, str]:
    """A local directory runs as is (the author's way to try code); a hub ref goes through governance."""
    from plugsmith.governance import Gatekeeper, Policy

    local = Path(ref)
    if local.is_dir():
        return local, Policy.load().limits_for(None), str(local)
    from plugsmith.cli._common import open_hub

    hub = open_hub()
    release = hub.get(ref)
    keeper = Gatekeeper(hub)
    return keeper.load(release, pinned="@" in ref), keeper.limits(release), release.ref


@plugin_app.command("run")
def run(
    ref: Annotated[str, typer.Argument(help="A plugin directory, hub id, name or name@version.")],
    input_file: Annotated[Path, typer.Option("--input", help="JSON object of inputs (port -> value).")],
    backend: Annotated[str | None, typer.Option("--backend", help="bwrap or rlimit (default: the best "
                                                 "that works here).")] = None,
) -> None:
    """Run a plugin in the sandbox and print exactly the dict run() returned, as JSON."""
    from plugsmith.errors import SandboxError
    from plugsmith.sandbox import get_sandbox

    inputs = _read_inputs(input_file)
    plugin_dir, limits, label = _resolve(ref)
    box: Sandbox = get_sandbox(backend)
    if box.weaker:
        from plugsmith.sandbox import detect

        why = "--backend rlimit" if backend else detect()[1]
        sys.stderr.write(f"warning: using the weaker rlimit sandbox ({why}); see `plugsmith doctor`\n")
    outcome = box.run(plugin_dir, [inputs], limits)
    first = outcome.runs[0] if outcome.runs else None
    if outcome.completed and first is not None and first.ok:
        sys.stdout.write(json.dumps(first.output) + "\n")
        return
    failed_case = first is not None and first.error and outcome.completed
    raise SandboxError(str(first.error) if failed_case and first else _reason(outcome, limits), subject=label)


def _reason(outcome: Any, limits: Limits) -> str:
    detail = {"timeout": f"timeout (cpu {limits.cpu_s:g} s / wall {limits.wall_s:g} s)",
              "memory": f"memory limit ({limits.memory_mb} MB) exceeded",
              "output_too_large": f"output_too_large (over {limits.output_bytes} bytes)"}
    text = detail.get(outcome.reason or "") or outcome.explain()
    return " ".join(str(text).split())[:300]


def register(app: typer.Typer) -> None:
    app.add_typer(plugin_app, name="plugin")
