"""Publishing the built-in plugins to a hub, through the same gates as any other plugin.

Idempotent: a built-in whose exact bytes are already published is returned as is without re-running the
gates, so ``plugsmith hub init`` and every first run of the pipeline stay cheap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith.builtins._registry import builtin_dirs, spec_for
from plugsmith.errors import GateFailed, NotFound
from plugsmith.spec import MANIFEST_FILE, Status, load_manifest

if TYPE_CHECKING:
    from plugsmith.hub import Hub, Release
    from plugsmith.sandbox import Sandbox


def _published(hub: Hub, plugin_dir: Path) -> Release | None:
    """The release holding exactly these bytes, if the hub has it already."""
    from plugsmith.hub import checksum, pack

    manifest = load_manifest(plugin_dir)
    try:
        release = hub.get(f"{manifest.name}@{manifest.version}")
    except NotFound:
        return None
    return release if release.checksum == checksum(pack(plugin_dir)) else None


def publish_golden_cases(hub: Hub, plugin_dir: Path) -> int:
    """Publish a built-in's golden cases as the hub's benchmark cases for its capability (idempotent:
    cases the hub holds under the same name are replaced); returns how many there are.

    They are what the benchmark gate measures any plugin for the capability against (the built-in
    itself too), and what a spec naming its cases (``"tests": ["three_kinds"]``) resolves to.
    """
    spec = spec_for(plugin_dir)
    for case in spec.cases:
        hub.add_benchmark_case(spec.name, case, kind="golden")
    return len(spec.cases)


def install_one(hub: Hub, plugin_dir: Path, sandbox: Sandbox | None = None) -> Release:
    """Validate one built-in through the gates and publish it approved (Tier 0 from the gates).

    Its golden cases become the hub's benchmark cases for the capability first, so the benchmark gate
    measures the built-in on them, and any later plugin that claims the capability too. A built-in
    already published gets its cases published if the hub lacks them (hubs made before this).
    """
    from plugsmith.gates import validate

    existing = _published(hub, plugin_dir)
    spec = spec_for(plugin_dir)
    if existing is not None:
        held = {case.name for case in hub.benchmark_cases(spec.name)}
        if any(case.name not in held for case in spec.cases):
            publish_golden_cases(hub, plugin_dir)
        return existing
    publish_golden_cases(hub, plugin_dir)
    report = validate(plugin_dir, spec=spec, hub=hub, sandbox=sandbox)
    if report.verdict != "approved":
        failed = [f"{g.name}: {g.message}" for g in report.gates if g.status == "fail"]
        raise GateFailed(f"built-in plugin rejected by the gates ({'; '.join(failed) or 'no reason'})",
                         subject=plugin_dir.name, hint="this is a plugsmith bug; please report it")
    release = hub.publish(plugin_dir, status=Status.approved, tier=report.tier, gate_report=report)
    from plugsmith.governance import sign_if_served

    sign_if_served(hub, release)  # a served hub signs every release
    return release


def install_builtins(hub: Hub, sandbox: Sandbox | None = None) -> list[Release]:
    """Publish every built-in plugin (origin builtin, Tier 0); releases in the built-ins' order."""
    return [install_one(hub, d, sandbox) for d in builtin_dirs()]


def missing_builtins(hub: Hub) -> list[Path]:
    """Built-in directories whose ``name@version`` the hub does not hold yet.

    A cheap check for every run (no packing): a release of the same ``name@version`` with other bytes
    cannot be installed anyway (versions are immutable), and ``install_one`` compares the bytes.
    """
    missing = []
    for directory in builtin_dirs():
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))  # name, version only
        try:
            hub.get(f"{manifest['name']}@{manifest['version']}")
        except NotFound:
            missing.append(directory)
    return missing


__all__ = ["install_builtins", "install_one", "missing_builtins", "publish_golden_cases"]
