"""The trust-tier policy of docs/trust-tiers.md, as code. Deterministic: same gate results, same tier.

Trust is earned, not declared: the origin that counts is the *attested* one — what this hub itself
did, from its own signed records (see ``plugsmith.governance._attest``) — never the ``origin`` field of
an uploaded ``plugin.json``, which is only a claim.

1. Any gate failed                                          -> rejected, no tier.
2. Attested ``builtin`` (the bytes of a shipped built-in)   -> Tier 0.
3. Every gate clean (no warnings), attested synthesized,
   adapted or reviewed, and no permissions asked for        -> Tier 1.
4. Otherwise (warnings, permissions, or nothing attested:
   a hand-written or uploaded plugin, whatever it claims)   -> Tier 2: restricted limits, policy decides.
"""

from __future__ import annotations

from plugsmith.spec import GateResult, GateStatus, Origin, PluginManifest, Tier

VETTED_ORIGINS = frozenset({Origin.synthesized.value, Origin.adapted.value, "reviewed"})
CLAIMS = frozenset({Origin.builtin.value, Origin.synthesized.value, Origin.adapted.value})


def assign_tier(gates: list[GateResult], manifest: PluginManifest | None,
                attested: Origin | str | None = None) -> tuple[Tier | None, str]:
    """(tier or None when rejected, the rule that decided, in words).

    ``attested`` is the origin this hub vouches for (``builtin``, ``synthesized``, ``adapted`` or
    ``reviewed``), from its own signed records; None when it vouches for nothing.
    """
    failed = [g.name for g in gates if g.status == GateStatus.failed]
    if failed or manifest is None:
        return None, f"rejected: gate(s) failed: {', '.join(failed) or 'manifest'}"
    origin = str(attested.value if isinstance(attested, Origin) else attested) if attested else None
    if origin == Origin.builtin.value:
        return Tier.tier0, "Tier 0: a built-in shipped with plugsmith (same bytes) and no gate failed"
    warned = [g.name for g in gates if g.status == GateStatus.warned]
    if warned:
        return Tier.tier2, f"Tier 2: passed with warnings from {', '.join(warned)}"
    if manifest.permissions:
        return Tier.tier2, "Tier 2: asks for permissions"
    if origin in VETTED_ORIGINS:
        return Tier.tier1, f"Tier 1: every gate clean, {origin} (attested by this hub)"
    claimed = manifest.origin.value
    if claimed in CLAIMS:
        return Tier.tier2, (f"Tier 2: plugin.json claims origin {claimed!r}, but this hub has no record of "
                            "making these bytes; a claim raises no tier")
    return Tier.tier2, f"Tier 2: origin {claimed!r} is an unvetted source"


__all__ = ["CLAIMS", "VETTED_ORIGINS", "assign_tier"]
