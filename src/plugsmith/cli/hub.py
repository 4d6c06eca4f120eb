"""``plugsmith hub …``: create, fill, search and curate the plugin hub.

Only typer and the standard library are imported here; the hub, gates and rich are imported inside
the commands so that ``plugsmith --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from plugsmith.cli.hub_cases import cases_app

if TYPE_CHECKING:
    from plugsmith.hub import Hub, Release
    from plugsmith.spec import Status, Tier

hub_app = typer.Typer(help="The plugin hub: publish, search, show and curate plugin releases.",
                      no_args_is_help=True)
hub_app.add_typer(cases_app, name="cases")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RefArg = Annotated[str, typer.Argument(help="A plugin id, a name, or name@version.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept with the release and in telemetry).")]


def _tier(value: str | None) -> Tier | None:
    from plugsmith.errors import BadInput
    from plugsmith.spec import Tier

    if value is None:
        return None
    digit = value.strip().lower().replace("tier", "").strip()
    for tier in Tier:
        if str(tier.rank) == digit:
            return tier
    raise BadInput(f"unknown tier {value!r}", subject="--tier", hint="use 0, 1 or 2 (or 'Tier 1')")


def _status(value: str | None) -> Status | None:
    from plugsmith.errors import BadInput
    from plugsmith.spec import Status

    if value is None:
        return None
    try:
        return Status(value)
    except ValueError:
        raise BadInput(f"unknown status {value!r}", subject="--status",
                       hint=f"one of: {', '.join(s.value for s in Status)}") from None


def _table(releases: list[Release], title: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title))
    for column in ("ref", "capability", "status", "tier", "origin", "checksum"):
        table.add_column(column)
    for r in releases:
        table.add_row(r.ref, r.capability, r.status.value, r.tier.value if r.tier else "-", r.origin.value,
                      r.checksum[:19] + "…")
    Console().print(table)


def _optional_module(name: str) -> Any:
    """Import another package's module if it exists yet (``None`` when it does not)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


@hub_app.command("init")
def init(as_json: JsonOpt = False) -> None:
    """Create (or migrate) the hub database and install the built-in plugins."""
    from plugsmith.cli._common import err, open_hub, print_json
    from plugsmith.hub._db import safe_url

    hub = open_hub()
    builtins = _optional_module("plugsmith.builtins")
    installed: list[str] = []
    note = ""
    if builtins is None:
        note = "built-in plugins are not available in this build"
    else:
        try:
            installed = [r.ref for r in builtins.install_builtins(hub)]
        except ImportError as exc:  # the gates (or the sandbox) are not part of this build yet
            if not (exc.name or "").startswith("plugsmith"):
                raise
            note = f"built-in plugins not installed ({exc.name} is not complete yet)"
    url = safe_url(str(hub.engine.url))
    hub.close()
    if as_json:
        print_json({"database": url, "builtins": installed, "note": note})
        return
    print(f"hub ready: {url}")
    print(f"built-ins installed: {', '.join(installed) if installed else 'none'}")
    if note:
        err(f"note: {note}")


def _gate_verdict(hub: Hub, plugin_dir: Path) -> tuple[Status, Tier | None, Any]:
    """Run the gates if they exist: (status, tier, report). A rejection is GateFailed (exit 1)."""
    from plugsmith.cli._common import err
    from plugsmith.errors import GateFailed
    from plugsmith.spec import Status

    gates = _optional_module("plugsmith.gates")
    if gates is None or not hasattr(gates, "validate"):
        err("note: the gates are not available; publishing as pending_review, untiered")
        return Status.pending_review, None, None
    report = gates.validate(plugin_dir, hub=hub)
    if report.verdict != "approved":
        failed = [f"{g.name}: {g.message}" for g in report.gates if g.status == "fail"]
        raise GateFailed(f"rejected by the gates, not published ({'; '.join(failed) or 'no reason given'})",
                         subject=str(plugin_dir), hint=f"run `plugsmith validate {plugin_dir}` for details")
    return Status.approved, report.tier, report


@hub_app.command("publish")
def publish(plugin_dir: Annotated[Path, typer.Argument(help="The plugin directory.")],
            as_json: JsonOpt = False) -> None:
    """Validate a plugin directory through the gates and publish it (versions are immutable)."""
    from plugsmith.cli._common import open_hub, print_json
    from plugsmith.errors import NotFound
    from plugsmith.hub import checksum, pack
    from plugsmith.spec import load_manifest

    if not plugin_dir.is_dir():
        raise NotFound("not a plugin directory", subject=str(plugin_dir),
                       hint="give the folder holding plugin.json")
    manifest = load_manifest(plugin_dir)
    with open_hub() as hub:
        try:  # cheap checks before the (slow) gates: identical bytes or an immutable version
            existing = hub.get(f"{manifest.name}@{manifest.version}")
        except NotFound:
            existing = None
        if existing is not None and existing.checksum == checksum(pack(plugin_dir)):
            release, fresh = existing, False
        else:  # the same bytes may still arrive from a concurrent publish while the gates run
            status, tier, report = _gate_verdict(hub, plugin_dir)
            release, fresh = hub.publish_new(plugin_dir, status=status, tier=tier, gate_report=report)
            if fresh:
                _sign_if_served(hub, release)
    if as_json:
        print_json({**release.to_dict(), "already_published": not fresh})
        return
    word = "published" if fresh else "already published (identical bytes)"
    tier_text = release.tier.value if release.tier else "untiered"
    print(f"{word}: {release.ref} [{release.status.value}, {tier_text}] {release.checksum}")


def _sign_if_served(hub: Any, release: Release) -> None:
    """On a signed (served) hub, sign what was just published here, or say why it stays unsigned."""
    from plugsmith.cli._common import err
    from plugsmith.governance import sign_if_served, signing_key_id

    if not sign_if_served(hub, release) and signing_key_id(hub) is not None:
        err(f"warning: {release.ref} is unsigned on a signed hub (this machine does not hold the hub key), "
            "so it will not load; sign it on the hub host with `plugsmith serve --sign-existing`")


@hub_app.command("search")
def search(text: Annotated[str, typer.Argument(help="Words to find (name, description, ports).")] = "",
           capability: Annotated[str | None, typer.Option(help="Only this capability.")] = None,
           tier: Annotated[str | None, typer.Option(help="Only this tier (0, 1, 2).")] = None,
           status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
           limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 20,
           as_json: JsonOpt = False) -> None:
    """Search plugins by text, ranked as the hub server ranks (docs/ranking.md), one row per plugin."""
    from plugsmith.cli._common import open_hub, print_json

    with open_hub() as hub:
        results = _ranked_search(hub, text, capability=capability, tier=_tier(tier), status=_status(status),
                                 limit=limit)
    if as_json:
        print_json(results)
    elif results:
        _ranked_table(results, f"{len(results)} plugin(s) matching {text!r}")
    else:
        print(f"no releases match {text!r}")


def _ranked_search(hub: Any, text: str, *, limit: int, **filters: Any) -> list[dict[str, Any]]:
    """Ranked, grouped results: the server's own ranking for a remote hub, the same function locally."""
    if hasattr(hub, "ranked_search"):  # a RemoteHub: let the server rank, as every client sees it
        results: list[dict[str, Any]] = hub.ranked_search(text, limit=limit, **filters)
    else:
        from plugsmith import ranking

        found = hub.search(text, limit=max(limit * 4, 50), **filters)
        results = ranking.ranked_results(found, ranking.usage_stats(hub.events()), limit=limit)
    for entry in results:
        entry.setdefault("ref", f"{entry['name']}@{entry['version']}")
    return results


def _ranked_table(results: list[dict[str, Any]], title: str) -> None:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    downloads = any(r.get("downloads") for r in results)
    alternatives = any(r.get("alternatives") for r in results)
    table = Table(title=escape(title), box=box.SIMPLE_HEAD)
    for column in ("ref", "capability", "status", "tier", "score"):
        table.add_column(column, no_wrap=column != "ref", overflow="fold")
    if downloads:
        table.add_column("downloads", justify="right")
    if alternatives:
        table.add_column("alternatives", overflow="fold")
    for r in results:
        row = [escape(r["ref"]), r["capability"], r["status"], r.get("safety_tier") or "-",
               f"{r['ranking_score']:.3f}"]
        if downloads:
            row.append(str(r.get("downloads", 0)))
        if alternatives:
            row.append(escape(", ".join(f"{o['name']}@{o['version']}" for o in r.get("alternatives", []))))
        table.add_row(*row)
    Console().print(table)


@hub_app.command("show")
def show(ref: RefArg, as_json: JsonOpt = False,
         source: Annotated[bool, typer.Option("--source", help="Print plugin.py (highlighted on a terminal, "
                                              "its exact bytes when piped).")] = False,
         file: Annotated[str | None, typer.Option("--file", help="Print this file of the release instead "
                                                  "(e.g. README.md, tests/cases.json).")] = None) -> None:
    """Show one release: what it is, its provenance as a story, its gates and where to read its code."""
    from plugsmith import config
    from plugsmith.cli import _reading
    from plugsmith.cli._common import OPTIONS, open_hub, print_json

    with open_hub() as hub:
        release = hub.get(ref)
        if source or file:
            _reading.print_source(hub, release, file or "plugin.py")
            return
        if as_json:
            print_json({**release.to_dict(), "signature": _reading.signature_of(hub, release)})
            return
        lines = _reading.show_lines(hub, release, page_url=config.hub_url(OPTIONS.hub_url))
    print("\n".join(lines))


@hub_app.command("diff")
def diff(old: Annotated[str, typer.Argument(help="The release to compare from (name@version, name or id).")],
         new: Annotated[str, typer.Argument(help="The release to compare to.")],
         context: Annotated[int, typer.Option(min=0, max=1000, help="Lines of context around changes.")] = 3,
         as_json: JsonOpt = False) -> None:
    """Show what changed between two releases, file by file (any two: versions, or unrelated plugins)."""
    from plugsmith.cli import _reading
    from plugsmith.cli._common import open_hub, print_json
    from plugsmith.reading import diff_releases

    with open_hub() as hub:
        result = diff_releases(hub, hub.get(old), hub.get(new), context=context)
    if as_json:
        print_json(_reading.diff_json(result))
    else:
        _reading.print_diff(result)


@hub_app.command("versions")
def versions(name: Annotated[str, typer.Argument(help="A plugin name or id.")],
             as_json: JsonOpt = False) -> None:
    """List every release of a plugin, newest first."""
    from plugsmith.cli._common import open_hub, print_json

    with open_hub() as hub:
        found = hub.versions(name)
    if as_json:
        print_json([r.to_dict() for r in found])
    else:
        _table(found, f"versions of {name}")


def _set_status(ref: str, status: str, reason: str, as_json: bool) -> None:
    from plugsmith.cli._common import open_hub, print_json
    from plugsmith.spec import Status

    with open_hub() as hub:
        release = hub.set_status(ref, Status(status), reason=reason)
    if as_json:
        print_json(release.to_dict())
    else:
        print(f"{release.ref} is now {release.status.value}" + (f" ({reason})" if reason else ""))


@hub_app.command("deprecate")
def deprecate(ref: RefArg, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Mark a release deprecated: still loadable, but no longer preferred."""
    _set_status(ref, "deprecated", reason, as_json)


@hub_app.command("yank")
def yank(ref: RefArg, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Yank a release: it is kept for the record but never resolved or loaded again."""
    _set_status(ref, "yanked", reason, as_json)


@hub_app.command("quarantine")
def quarantine(ref: RefArg, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Quarantine a release suspected of misbehaving: it never loads until reviewed."""
    _set_status(ref, "quarantined", reason, as_json)


@hub_app.command("verify")
def verify(
    require_signatures: Annotated[bool, typer.Option(
        "--require-signatures", help="Count unsigned releases as problems (a served hub signs all).",
    )] = False,
    as_json: JsonOpt = False,
) -> None:
    """Re-check every stored artifact's sha256 and, where signed, its signature; exit 1 on any problem."""
    from plugsmith.cli._common import err, open_hub, print_json

    with open_hub() as hub:
        report = hub.verify_artifacts()
        signature_problems = _signature_problems(hub, require_signatures)
    bad = [entry for entry in report if not entry["ok"]]
    corrupt = {entry["checksum"] for entry in bad}
    signature_problems = [p for p in signature_problems if p["checksum"] not in corrupt]
    if as_json:
        print_json({"checked": len(report), "corrupt": bad, "signature_problems": signature_problems})
    else:
        for entry in bad:
            err(f"CORRUPT {entry['checksum']} ({', '.join(entry['refs'])}): {entry['problem']}")
        for problem in signature_problems:
            err(f"SIGNATURE {problem['ref']}: {problem['kind']}: {problem['message']}")
        print(f"{len(report)} artifact(s) checked, {len(bad)} corrupt, "
              f"{len(signature_problems)} signature problem(s)")
    if bad or signature_problems:  # an error, not typer.Exit, so the exit status is 1 with a one-line reason
        from plugsmith.errors import TamperedArtifact

        raise TamperedArtifact(
            f"{len(bad)} corrupt artifact(s), {len(signature_problems)} signature problem(s) "
            f"in {len(report)} checked", subject="hub verify", hint="republish the affected releases")


def _signature_problems(hub: Any, require_signatures: bool) -> list[dict[str, str]]:
    """Signature findings from the server's ``verify_hub`` (skipped when the server extra is absent, and
    for a remote hub, whose ``verify_artifacts`` already checked every signature it downloaded)."""
    if getattr(hub, "engine", None) is None:
        return []
    try:
        from plugsmith.server import verify_hub
    except ImportError:
        return []
    # the artifacts were just re-hashed by hub.verify_artifacts(); only the signatures are left to check
    problems = verify_hub(hub, require_signatures=require_signatures, check_artifacts=False)
    return [{"ref": p.ref, "checksum": p.checksum, "kind": p.kind, "message": p.message} for p in problems]


@hub_app.command("benchmark")
def benchmark(capability: Annotated[str, typer.Argument(help="The capability whose plugins to benchmark.")],
              as_json: JsonOpt = False) -> None:
    """Run every loadable plugin of a capability over the hub's benchmark cases (in the sandbox) and
    record coverage, accuracy, failure rate and a per-plan-type breakdown; the ranking uses the result."""
    from dataclasses import asdict

    from plugsmith.cli._common import open_hub, print_json
    from plugsmith.governance import benchmark_capability

    with open_hub() as hub:
        results = benchmark_capability(hub, capability)
    if as_json:
        print_json([asdict(r) for r in results])
        return
    if not results:
        print(f"no benchmark cases or no loadable plugins for {capability!r}")
    for r in results:
        print(f"{r.plugin_id} {r.version}: accuracy {r.accuracy:.2f}, coverage {r.coverage_score:.2f}, "
              f"failure rate {r.failure_rate:.2f}")


@hub_app.command("lifecycle")
def lifecycle(dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would change.")] = False,
              unused_days: Annotated[int, typer.Option(help="Deprecate what no run used this long.")] = 90,
              as_json: JsonOpt = False) -> None:
    """Deprecate releases past their time: unused, superseded by a more trusted plugin of the same
    capability, failing too often, or graded below the minimum by the benchmark. Never yanks."""
    from plugsmith.cli._common import open_hub, print_json
    from plugsmith.governance import LifecyclePolicy, auto_deprecate

    with open_hub() as hub:
        decisions = auto_deprecate(hub, LifecyclePolicy(unused_days=unused_days), dry_run=dry_run)
    if as_json:
        print_json({"dry_run": dry_run, "deprecated": decisions})
        return
    verb = "would deprecate" if dry_run else "deprecated"
    for d in decisions:
        print(f"{verb} {d['ref']}: {d['reason']}")
    print(f"{len(decisions)} release(s) {verb}")


def register(app: typer.Typer) -> None:
    """Attach ``plugsmith hub …``."""
    app.add_typer(hub_app, name="hub")
