"""``plugsmith validate``, ``doctor`` and ``review``: the gates and governance on the command line.

Only typer and the standard library at import time; the library is imported inside the commands.
"""

from __future__ import annotations

import os
import shutil
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


def doctor(as_json: JsonOpt = False) -> None:
    """Say which sandbox backend is in use and why, and whether the gate tools work."""
    from plugsmith import config
    from plugsmith.cli._common import print_json
    from plugsmith.governance import Policy
    from plugsmith.sandbox import detect

    backend, why = detect()
    policy = Policy.load()
    checks: dict[str, Any] = {
        "sandbox": backend, "sandbox_reason": why, "weaker": backend != "bwrap",
        "bwrap": shutil.which("bwrap"), "python": sys.executable, "python_root": sys.base_prefix,
        "bandit": _tool_version("bandit"), "ruff": _tool_version("ruff"),
        "home": str(config.home()), "policy": policy.source,
        "allowed_tiers": sorted(t.value for t in policy.allowed_tiers),
    }
    ok = bool(checks["bandit"] and checks["ruff"])
    if as_json:
        print_json(checks | {"ok": ok})
    else:
        for key, value in checks.items():
            typer.echo(f"{key:15} {value}")
        if backend != "bwrap":
            typer.echo("note: the rlimit fallback is weaker than bubblewrap (no private file-system, PID "
                       "or network namespace); install bubblewrap for full isolation")
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
