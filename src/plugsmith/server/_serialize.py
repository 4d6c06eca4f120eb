"""Releases as JSON, the one wire format the API, the pages and ``RemoteHub`` share.

``release_to_dict`` is the inverse of ``plugsmith.hub._remote.release_from_dict``; a test round-trips
them so the client and the server cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def release_to_dict(release: Any, signature: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything a client needs to rebuild a ``Release`` and verify its artifact."""
    data: dict[str, Any] = {
        "plugin_id": release.plugin_id,
        "name": release.name,
        "capability": release.capability,
        "version": release.version,
        "ref": f"{release.name}@{release.version}",
        "status": str(release.status),
        "tier": str(release.tier) if release.tier else None,
        "origin": str(release.origin),
        "checksum": release.checksum,
        "description": release.manifest.description,
        "status_reason": getattr(release, "status_reason", ""),
        "reuse_count": getattr(release, "reuse_count", 0),
        "manifest": release.manifest.model_dump(mode="json"),
        "gate_report": _jsonable(release.gate_report),
        "evaluation": _jsonable(release.evaluation),
        "created_at": iso(release.created_at),
    }
    data["signature"] = _signature(signature)
    return data


def _signature(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not row:
        return None
    return {
        "signature": row["signature"],
        "key_id": row["key_id"],
        "manifest_digest": row["manifest_digest"],
    }


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


def summary_of(release: Any) -> dict[str, Any]:
    """The short form shown in version lists."""
    return {
        "version": release.version,
        "status": str(release.status),
        "tier": str(release.tier) if release.tier else None,
        "checksum": release.checksum,
        "created_at": iso(release.created_at),
    }


def event_day(event: Mapping[str, Any]) -> str | None:
    """The UTC day (YYYY-MM-DD) an event happened, whatever the hub calls its timestamp field."""
    for key in ("at", "created_at", "timestamp", "ts", "time"):
        value = event.get(key)
        if isinstance(value, datetime):
            return iso(value)[:10]  # type: ignore[index]
        if isinstance(value, str) and len(value) >= 10:
            return value[:10]
        if isinstance(value, int | float) and value > 0:
            return datetime.fromtimestamp(value, UTC).date().isoformat()
    return None


__all__ = ["event_day", "iso", "release_to_dict", "summary_of"]
