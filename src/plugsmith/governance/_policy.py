"""The runtime loading policy, from ``$PLUGSMITH_HOME/policy.toml`` (defaults when the file is absent).

Example (every key optional)::

    allowed_tiers = ["Tier 0", "Tier 1", "Tier 2"]   # Tier 2 may be dropped to refuse unverified code
    sensitive_capabilities = ["payroll"]             # need `plugsmith review approve REF` before loading
    grantable = ["fs_read"]                          # permissions a plugin may be granted
    allow_weak_fallback = false                      # true: run non-built-in code on an rlimit fallback
                                                     # below the minimum of docs/sandbox.md (at your risk)

    [limits."Tier 2"]                                # sandbox limits per tier ("default" for the rest)
    cpu_s = 2
    wall_s = 5

    [mcp]                                            # `plugsmith mcp` (see docs/mcp.md)
    allow_synthesis = false                          # may MCP clients synthesize with request_capability
    tiers = ["Tier 0", "Tier 1"]                     # tiers served as MCP tools (within allowed_tiers)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from plugsmith import config
from plugsmith.config import POLICY_FILE
from plugsmith.errors import ConfigError
from plugsmith.sandbox import Limits
from plugsmith.spec import Permission, Tier

TIER2_LIMITS = Limits(cpu_s=2.0, wall_s=5.0, memory_mb=256, nproc=8, fsize_mb=1, output_bytes=1_000_000,
                      stdout_bytes=16_000)
_LIMIT_KEYS = {f.name: f.type for f in fields(Limits)}
_KEYS = {"allowed_tiers", "sensitive_capabilities", "grantable", "limits", "allow_weak_fallback", "mcp"}
_MCP_KEYS = {"allow_synthesis", "tiers"}


def _default_limits() -> dict[str, Limits]:
    return {"default": Limits(), Tier.tier2.value: TIER2_LIMITS}


@dataclass
class Policy:
    """Which tiers may load, which capabilities need review, which permissions may be granted, limits."""

    allowed_tiers: set[Tier] = field(default_factory=lambda: {Tier.tier0, Tier.tier1, Tier.tier2})
    sensitive_capabilities: set[str] = field(default_factory=set)
    grantable: set[Permission] = field(default_factory=set)
    limits: dict[str, Limits] = field(default_factory=_default_limits)
    allow_weak_fallback: bool = False
    source: str = "defaults"
    mcp_synthesis: bool = False   # safe default: MCP clients only get what the hub already has
    mcp_tiers: set[Tier] = field(default_factory=lambda: {Tier.tier0, Tier.tier1})

    @classmethod
    def load(cls, path: Path | None = None) -> Policy:
        """The policy at ``path`` (default ``$PLUGSMITH_HOME/policy.toml``); a bad file is a ConfigError."""
        path = path or config.home() / POLICY_FILE
        if not path.is_file():
            return cls()
        return cls.from_dict(config.policy_table(path), source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "policy") -> Policy:
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise ConfigError(f"unknown key(s) {unknown}", subject=source, hint=f"known: {sorted(_KEYS)}")
        policy = cls(source=source)
        try:
            if "allowed_tiers" in data:
                policy.allowed_tiers = {Tier(t) for t in _strings(data["allowed_tiers"], "allowed_tiers")}
            if "sensitive_capabilities" in data:
                policy.sensitive_capabilities = set(_strings(data["sensitive_capabilities"],
                                                             "sensitive_capabilities"))
            if "grantable" in data:
                policy.grantable = {Permission(p) for p in _strings(data["grantable"], "grantable")}
        except ValueError as exc:
            raise ConfigError(str(exc), subject=source,
                              hint="tiers: 'Tier 0'/'Tier 1'/'Tier 2'; permissions: "
                                   + ", ".join(p.value for p in Permission)) from None
        weak = data.get("allow_weak_fallback", False)
        if not isinstance(weak, bool):
            raise ConfigError("allow_weak_fallback must be true or false", subject=source)
        policy.allow_weak_fallback = weak
        policy.limits.update(_limits(data.get("limits", {}), source, policy.limits))
        _mcp(policy, data.get("mcp", {}), source)
        return policy

    def limits_for(self, tier: Tier | None) -> Limits:
        """The sandbox limits for a tier (``default`` when the tier has none of its own)."""
        key = tier.value if tier is not None else "default"
        return self.limits.get(key, self.limits["default"])


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key} must be a list of strings")
    return value


def _mcp(policy: Policy, raw: Any, source: str) -> None:
    """``[mcp]``: whether MCP clients may trigger synthesis, and which tiers are served as tools."""
    if not isinstance(raw, dict) or set(raw) - _MCP_KEYS:
        raise ConfigError(f"[mcp] may only set {sorted(_MCP_KEYS)}", subject=source)
    if "allow_synthesis" in raw:
        if not isinstance(raw["allow_synthesis"], bool):
            raise ConfigError("[mcp] allow_synthesis must be true or false", subject=source)
        policy.mcp_synthesis = raw["allow_synthesis"]
    if "tiers" in raw:
        try:
            policy.mcp_tiers = {Tier(t) for t in _strings(raw["tiers"], "[mcp] tiers")}
        except ValueError as exc:
            raise ConfigError(str(exc), subject=source, hint="tiers: 'Tier 0', 'Tier 1', 'Tier 2'") from None


def _limits(raw: Any, source: str, current: dict[str, Limits]) -> dict[str, Limits]:
    if not isinstance(raw, dict):
        raise ConfigError("[limits] must be a table of tables", subject=source)
    out: dict[str, Limits] = {}
    for name, table in raw.items():
        if name != "default" and name not in {t.value for t in Tier}:
            raise ConfigError(f"[limits.{name!r}] is not a tier", subject=source,
                              hint="use 'default', 'Tier 0', 'Tier 1' or 'Tier 2'")
        if not isinstance(table, dict) or set(table) - set(_LIMIT_KEYS):
            raise ConfigError(f"[limits.{name!r}] may only set {sorted(_LIMIT_KEYS)}", subject=source)
        bad = [k for k, v in table.items() if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0]
        if bad:
            raise ConfigError(f"[limits.{name!r}] {bad[0]} must be a positive number", subject=source)
        base = current.get(name, current["default"])
        cast: dict[str, Any] = {k: (int(v) if _LIMIT_KEYS[k] in ("int", int) else float(v))
                                for k, v in table.items()}
        out[name] = replace(base, **cast)
    return out


__all__ = ["POLICY_FILE", "TIER2_LIMITS", "Policy"]
