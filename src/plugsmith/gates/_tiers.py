"""The trust-tier policy of docs/trust-tiers.md, as code. Deterministic: same gate results, same tier.

1. Any gate failed                                          -> rejected, no tier.
2. Origin ``builtin`` (and nothing failed)                  -> Tier 0.
3. Every gate clean (no warnings), origin synthesized or
   adapted (made by plugsmith from a spec, with provenance),
   and no permissions asked for                             -> Tier 1 (the hub checksums, later signs).
4. Otherwise (warnings, a hand-written / unvetted source,
   or permissions)                                          -> Tier 2: restricted limits, policy decides.
"""

from __future__ import annotations

from plugsmith.spec import GateResult, GateStatus, Origin, PluginManifest, Tier

VETTED_ORIGINS = frozenset({Origin.synthesized, Origin.adapted})


def assign_tier(gates: list[GateResult], manifest: PluginManifest | None) -> tuple[Tier | None, str]:
    """(tier or None when rejected, the rule that decided, in words)."""
    failed = [g.name for g in gates if g.status == GateStatus.failed]
    if failed or manifest is None:
        return None, f"rejected: gate(s) failed: {', '.join(failed) or 'manifest'}"
    if manifest.origin == Origin.builtin:
        return Tier.tier0, "Tier 0: built-in and no gate failed"
    warned = [g.name for g in gates if g.status == GateStatus.warned]
    if warned:
        return Tier.tier2, f"Tier 2: passed with warnings from {', '.join(warned)}"
    if manifest.origin not in VETTED_ORIGINS:
        return Tier.tier2, f"Tier 2: origin {manifest.origin.value!r} is an unvetted source"
    if manifest.permissions:
        return Tier.tier2, "Tier 2: asks for permissions"
    return Tier.tier1, f"Tier 1: every gate clean, origin {manifest.origin.value}"


__all__ = ["VETTED_ORIGINS", "assign_tier"]
