"""The plugin manifest (``plugin.json``) and the vocabulary around it."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from plugsmith.spec._capability import NAME_PATTERN, Constraint, normalise_ports
from plugsmith.spec._ports import JsonSchema

MANIFEST_FILE = "plugin.json"
CODE_FILE = "plugin.py"
CASES_FILE = "tests/cases.json"
README_FILE = "README.md"


class Origin(StrEnum):
    builtin = "builtin"
    handwritten = "handwritten"
    synthesized = "synthesized"
    adapted = "adapted"


class Status(StrEnum):
    """Status of a stored release. ``reused`` only ever appears in a synthesis outcome."""

    approved = "approved"
    rejected = "rejected"
    pending_review = "pending_review"
    deprecated = "deprecated"
    yanked = "yanked"
    quarantined = "quarantined"
    reused = "reused"


class Tier(StrEnum):
    """Trust tiers (see docs/trust-tiers.md). Lower is more trusted."""

    tier0 = "Tier 0"
    tier1 = "Tier 1"
    tier2 = "Tier 2"

    @property
    def rank(self) -> int:
        return int(self.value[-1])


class Permission(StrEnum):
    """Permissions a plugin may ask for; the governance policy decides which may be granted."""

    fs_read = "fs_read"
    fs_write = "fs_write"
    network = "network"
    external_api = "external_api"
    sensitive_data = "sensitive_data"


def plugin_id_for(name: str) -> str:
    """The stable plugin id of a plugin name: the same on every hub and across versions."""
    return "plug_" + hashlib.sha256(name.encode()).hexdigest()[:10]


class PluginManifest(BaseModel):
    """``plugin.json``: who the plugin is, what it computes, and how it was made."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    id: str = ""
    name: str = Field(pattern=NAME_PATTERN)
    capability: str = Field(pattern=NAME_PATTERN)
    version: str = "1.0.0"
    description: str = ""
    inputs: dict[str, JsonSchema] = Field(default_factory=dict)
    outputs: dict[str, JsonSchema] = Field(default_factory=dict)
    constraints: list[Constraint] = Field(default_factory=list)
    entry_point: str = "plugin:run"
    origin: Origin
    provenance: dict[str, Any] = Field(default_factory=dict)
    permissions: list[Permission] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @field_validator("inputs", "outputs", mode="before")
    @classmethod
    def _ports(cls, value: Any, info: ValidationInfo) -> dict[str, JsonSchema]:
        return normalise_ports(value, str(info.field_name), owner="plugin")

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        shown = value if len(value) <= 40 else value[:40] + "…"
        try:
            normal = str(Version(value)) if len(value) <= 64 else ""
        except (InvalidVersion, ValueError):  # ValueError: a release number too long for an int
            normal = ""
        if not normal or len(normal) > 64:
            raise ValueError(f"version {shown!r} is not a valid PEP 440 version of at most 64 characters "
                             "(e.g. 1.0.0)")
        return normal

    @field_validator("entry_point")
    @classmethod
    def _entry(cls, value: str) -> str:
        if value != "plugin:run":
            raise ValueError("entry_point must be 'plugin:run' (plugin.py defines run(inputs))")
        return value

    @model_validator(mode="after")
    def _id(self) -> PluginManifest:
        expected = plugin_id_for(self.name)
        if self.id and self.id != expected:
            raise ValueError(f"id {self.id!r} does not belong to name {self.name!r} (expected {expected})")
        if not self.id:
            object.__setattr__(self, "id", expected)
        return self


__all__ = [
    "CASES_FILE",
    "CODE_FILE",
    "MANIFEST_FILE",
    "README_FILE",
    "Origin",
    "Permission",
    "PluginManifest",
    "Status",
    "Tier",
    "plugin_id_for",
]
