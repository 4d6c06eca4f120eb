"""``validate``: every registered gate, in order, over one plugin directory, then the tier."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugsmith.errors import NotFound
from plugsmith.gates import _dynamic, _static  # noqa: F401 - importing registers the built-in gates
from plugsmith.gates._registry import GATES, GateContext, timed
from plugsmith.gates._tiers import assign_tier
from plugsmith.gates._tools import MAX_SOURCE_BYTES, oversized, python_files, start
from plugsmith.sandbox import Sandbox, get_sandbox
from plugsmith.spec import CapabilitySpec, GateReport, GateResult, GateStatus, PluginManifest, plugin_id_for

if TYPE_CHECKING:
    from plugsmith.hub import Hub


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def refuse_remote_refs(plugin_dir: Path) -> None:
    """ManifestError when a port schema in ``plugin.json`` refers outside itself.

    Checked before any gate runs: a schema that would make plugsmith open a URL or read a file is
    security-relevant input refused at the edge (exit 2 / HTTP 400), not a plugin the gates reject.
    Anything else wrong with the manifest is left to the manifest gate.
    """
    import json

    from plugsmith.errors import ManifestError
    from plugsmith.spec import MANIFEST_FILE, remote_ref

    path = plugin_dir / MANIFEST_FILE
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:  # the manifest gate reports the size
            return
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    for what in ("inputs", "outputs"):
        ports = data.get(what)
        for port, schema in (ports.items() if isinstance(ports, dict) else []):
            if not isinstance(schema, dict) or (set(schema) == {"$ref"}
                                                and str(schema["$ref"]).startswith("plugsmith:")):
                continue  # a whole-port catalog reference; the manifest gate checks the name
            try:
                problem = remote_ref(schema)
            except Exception:  # noqa: BLE001 - a malformed schema is the manifest gate's to report
                continue
            if problem:
                raise ManifestError(f"{what} port {port!r}: {problem}", subject=str(path),
                                    hint="copy the referenced schema into the port (under $defs)")


def _builtin_bytes(plugin_dir: Path, name: str, digest: str) -> bool:
    """Whether ``plugin_dir`` holds exactly the built-in plugin ``name`` shipped with this plugsmith."""
    from plugsmith.builtins._registry import NAMES, ROOT
    from plugsmith.hub import checksum, pack

    return name in NAMES and checksum(pack(ROOT / name)) == digest


def _hub_records(hub: Any, capability: str) -> list[Any]:
    """Attestations this hub keeps for a capability: synthesis records and reviewer promotions."""
    found: list[Any] = []
    records = getattr(hub, "synthesis_records_for", None)
    if callable(records):
        found += [r.get("attestation") for r in records(capability)]
    events = getattr(hub, "events", None)
    if callable(events) and not hasattr(hub, "ranked_search"):  # a RemoteHub's events are not its own
        found += [(e.get("detail") or {}).get("attestation") for e in events("review", capability)]
    return found


def attested_origin_of(plugin_dir: Path, manifest: PluginManifest, hub: Hub | None) -> tuple[str | None, str]:
    """(the origin this hub vouches for, and how it knows) for exactly the bytes in ``plugin_dir``.

    ``builtin`` when they are a built-in shipped in this plugsmith; else an attestation signed with a
    trusted hub key in the hub's synthesis records or reviewer promotions; else None — whatever
    ``plugin.json`` claims.
    """
    from plugsmith.errors import ArchiveError
    from plugsmith.governance._attest import attested_origin
    from plugsmith.hub import checksum, pack

    try:
        digest = checksum(pack(plugin_dir))
    except (ArchiveError, OSError):
        return None, "the directory cannot be packed"
    if manifest.origin.value == "builtin" and _builtin_bytes(plugin_dir, manifest.name, digest):
        return "builtin", "the bytes of a built-in shipped with this plugsmith"
    if hub is not None:
        for attestation in _hub_records(hub, manifest.capability):
            origin = attested_origin(attestation, digest, hub)
            if origin is not None:
                return origin, f"attested {origin} by hub key {attestation['key_id']} for {digest[:19]}…"
    return None, f"nothing attests {digest[:19]}…"


def tier_report(report: GateReport, manifest: PluginManifest, attested: str | None, how: str) -> GateReport:
    """``report`` with the tier (and its limits) decided again for an attested origin."""
    from plugsmith.governance import Policy

    tier, why = assign_tier(report.gates, manifest, attested)
    limits = Policy.load().limits_for(tier)
    return report.model_copy(update={
        "tier": tier, "verdict": "approved" if tier is not None else "rejected",
        "execution_limit_ms": int(limits.wall_s * 1000),
        "audit_log": [*report.audit_log, f"{_stamp()} origin: {how}", f"{_stamp()} {why}"]})


STATIC_GATES = ("manifest", "security", "lint", "size")  # the gates that never run the plugin's code


def _context(plugin_dir: Path, spec: CapabilitySpec | None, hub: Hub | None, box: Sandbox) -> GateContext:
    if not plugin_dir.is_dir():
        raise NotFound("plugin directory not found", subject=str(plugin_dir), hint="check the path")
    refuse_remote_refs(plugin_dir)
    return GateContext(plugin_dir=plugin_dir.resolve(), spec=spec, hub=hub, sandbox=box)


def _run_gates(ctx: GateContext, only: tuple[str, ...] | None, audit: list[str]) -> list[GateResult]:
    """Run the registered gates (or only those named), in order, appending one audit line each."""
    files = python_files(ctx.plugin_dir)
    if files and oversized(files) is None:  # start the slow tools now; the security and lint gates collect
        # them (never on files over the size limit: nothing parses those)
        ctx.extra.update({"bandit": start("bandit", files), "ruff": start("ruff", files)})
    results = []
    for g in GATES:
        if only is not None and g.name not in only:
            continue
        res = timed(g, ctx)
        results.append(res)
        audit.append(f"{_stamp()} gate {res.name}: {res.status.value} - {res.message}"[:400])
    for leftover in ("bandit", "ruff"):  # a gate registered in their place may not have collected them
        proc = ctx.extra.pop(leftover, None)
        if proc is not None:
            proc.kill()
            proc.communicate()
    return results


def static_checks(plugin_dir: Path, *, sandbox: Sandbox | None = None) -> list[GateResult]:
    """The gates that read a plugin without running it (manifest, security, lint, size): what
    ``plugsmith plugin run DIR`` checks before it runs a directory nobody has gated."""
    ctx = _context(Path(plugin_dir), None, None, sandbox or get_sandbox())
    return _run_gates(ctx, STATIC_GATES, [])


def validate(plugin_dir: Path, *, spec: CapabilitySpec | None = None, hub: Hub | None = None,
             sandbox: Sandbox | None = None) -> GateReport:
    """Run the gates (manifest, security, lint, contract, determinism, benchmark, size) and assign a tier.

    The tier follows the origin this hub can vouch for (``attested_origin_of``), never the one
    ``plugin.json`` claims: a bare directory that says ``synthesized`` is judged as hand-written.

    Never raises for a bad plugin: a bad plugin is a ``rejected`` report. A missing directory (the
    caller's mistake) raises ``NotFound``, and a port schema with a remote ``$ref`` raises
    ``ManifestError`` before anything runs (see ``refuse_remote_refs``).
    """
    plugin_dir = Path(plugin_dir)
    box = sandbox or get_sandbox()
    ctx = _context(plugin_dir, spec, hub, box)
    audit = [f"{_stamp()} validate {plugin_dir} with sandbox {box.name}"
             + (" (weaker rlimit fallback)" if box.weaker else "")]
    results = _run_gates(ctx, None, audit)
    attested, how = (attested_origin_of(ctx.plugin_dir, ctx.manifest, hub) if ctx.manifest is not None
                     and not any(r.status == GateStatus.failed for r in results) else (None, "not checked"))
    tier, why = assign_tier(results, ctx.manifest, attested)
    if ctx.manifest is not None and tier is not None:
        audit.append(f"{_stamp()} origin: {how}")
    audit.append(f"{_stamp()} {why}")
    from plugsmith.governance import Policy

    limits = Policy.load().limits_for(tier)
    manifest = ctx.manifest
    return GateReport(
        plugin_id=manifest.id if manifest else plugin_id_for(plugin_dir.name),
        name=manifest.name if manifest else plugin_dir.name,
        version=manifest.version if manifest else "",
        verdict="approved" if tier is not None else "rejected",
        tier=tier, gates=results,
        permissions=[p.value for p in manifest.permissions] if manifest else [],
        execution_limit_ms=int(limits.wall_s * 1000), audit_log=audit, sandbox_backend=box.name,
    )


__all__ = ["STATIC_GATES", "attested_origin_of", "refuse_remote_refs", "static_checks", "tier_report",
           "validate"]
