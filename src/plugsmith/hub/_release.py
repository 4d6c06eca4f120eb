"""Value objects the hub hands out (``Release``, ``NearMatch``) and how rows become them.

Releases are frozen and carry no database handle, so callers can keep, compare and serialise them
freely. ``to_dict`` is the one JSON shape used by the CLI and the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

from plugsmith.errors import BadInput
from plugsmith.spec import Constraint, Origin, Permission, PluginManifest, Status, Tier

LOADABLE = (Status.approved, Status.deprecated)
UNTIERED_RANK = 9
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Release:
    """One published, immutable ``name@version`` and what the hub knows about it."""

    plugin_id: str
    name: str
    capability: str
    version: str
    status: Status
    tier: Tier | None
    origin: Origin
    checksum: str
    manifest: PluginManifest
    gate_report: dict[str, Any] | None
    evaluation: dict[str, Any] | None
    created_at: datetime
    status_reason: str = ""
    reuse_count: int = 0

    @property
    def ref(self) -> str:
        """``name@version``: how people and scripts name a release."""
        return f"{self.name}@{self.version}"

    @property
    def provenance(self) -> dict[str, Any]:
        return self.manifest.provenance

    def to_dict(self) -> dict[str, Any]:
        """The release as plain JSON data (for ``--json`` and the HTTP API)."""
        return {
            "ref": self.ref, "plugin_id": self.plugin_id, "name": self.name, "capability": self.capability,
            "version": self.version, "status": self.status.value,
            "tier": self.tier.value if self.tier else None, "origin": self.origin.value,
            "checksum": self.checksum, "description": self.manifest.description,
            "status_reason": self.status_reason, "reuse_count": self.reuse_count,
            "created_at": self.created_at.isoformat(), "manifest": self.manifest.model_dump(mode="json"),
            "gate_report": self.gate_report, "evaluation": self.evaluation,
        }


@dataclass(frozen=True, slots=True)
class NearMatch:
    """A release that might serve a spec it was not written for, with a score in [0, 1] and why."""

    release: Release
    score: float
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.release.ref, "plugin_id": self.release.plugin_id,
                "capability": self.release.capability, "score": self.score, "reasons": list(self.reasons)}


MAX_VERSION_CHARS = 64


def parse_version(value: str) -> Version:
    """A PEP 440 version, or a one-line BadInput (also for absurdly long ones: a 5,000-digit release
    number is not a version, and Python refuses to turn it into an int)."""
    shown = value if len(value) <= 40 else value[:40] + "…"
    if len(value) > MAX_VERSION_CHARS:
        raise BadInput(f"version {shown!r} is longer than {MAX_VERSION_CHARS} characters",
                       subject="version", hint="use e.g. 1.0.0 or 2.1.0rc1")
    try:
        return Version(value)
    except (InvalidVersion, ValueError):
        raise BadInput(f"version {shown!r} is not a valid PEP 440 version", subject="version",
                       hint="use e.g. 1.0.0 or 2.1.0rc1") from None


def canonical_version(value: str | Version) -> str:
    """The one form of a version that every equal spelling shares (``0.1.0`` -> ``0.1``): what the
    database's unique index and ``name@version`` lookups use."""
    version = value if isinstance(value, Version) else parse_version(value)
    return canonicalize_version(version, strip_trailing_zero=True)


def words(*texts: str) -> list[str]:
    """Lower-case word tokens; ``cost_estimation`` gives ``cost``, ``estimation``."""
    out: list[str] = []
    for t in texts:
        out.extend(_WORD.findall(t.lower()))
    return out


def search_text(manifest: PluginManifest) -> str:
    """What full-text search indexes for a release: name, capability, description, keywords, ports."""
    parts = [manifest.name, manifest.capability, manifest.description, *manifest.keywords,
             *manifest.inputs, *manifest.outputs]
    return " ".join(dict.fromkeys(words(*parts)))


def tier_rank(tier: Tier | None) -> int:
    return tier.rank if tier else UNTIERED_RANK


def eval_score(evaluation: dict[str, Any] | None) -> float:
    """The evaluation's ``score`` (0..1) if it has a numeric one; else 0."""
    value = (evaluation or {}).get("score")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def manifest_from_json(data: dict[str, Any]) -> PluginManifest:
    """Rebuild a stored manifest without re-validating it: it was validated when it was published,
    and re-checking every port schema would dominate lookup time."""
    fields = dict(data)
    fields["origin"] = Origin(fields["origin"])
    fields["constraints"] = [Constraint(c) for c in fields.get("constraints", [])]
    fields["permissions"] = [Permission(p) for p in fields.get("permissions", [])]
    return PluginManifest.model_construct(**fields)


def aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; the hub stores UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def release_from_row(row: Any) -> Release:
    """A ``Release`` from a ``releases`` row (ORM object or Core row with the same attributes)."""
    return Release(
        plugin_id=row.plugin_id, name=row.name, capability=row.capability, version=row.version,
        status=Status(row.status), tier=Tier(row.tier) if row.tier else None, origin=Origin(row.origin),
        checksum=row.checksum, manifest=manifest_from_json(row.manifest), gate_report=row.gate_report,
        evaluation=row.evaluation, created_at=aware(row.created_at), status_reason=row.status_reason,
        reuse_count=row.reuse_count,
    )


def newest_first(releases: list[Release]) -> list[Release]:
    return sorted(releases, key=lambda r: Version(r.version), reverse=True)


__all__ = ["LOADABLE", "MAX_VERSION_CHARS", "NearMatch", "Release", "canonical_version", "eval_score",
           "manifest_from_json", "newest_first", "parse_version", "release_from_row", "search_text",
           "tier_rank", "words"]
