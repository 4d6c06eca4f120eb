"""The plugsmith error tree. This module imports nothing from plugsmith.

Every error says what went wrong, on what (``subject``) and what to do next (``hint``). The CLI catches
``PlugsmithError`` in one place, prints one line (plus the hint) and exits with ``exit_code``::

    PlugsmithError
    ├── BadInput (exit 2): the user's input is wrong; nothing was done
    │   ├── SpecError          capability spec malformed
    │   ├── ManifestError      plugin.json malformed
    │   ├── PlanError          plan document malformed (bad field, cycle, dangling dependency)
    │   ├── ArchiveError       plugin archive unsafe or malformed
    │   ├── ConfigError        bad setting, database URL, policy file, llm_config.json
    │   ├── NotFound           no such plugin / release / file
    │   ├── VersionConflict    a published version is immutable
    │   └── StateConflict      someone changed it first (e.g. another reviewer decided it)
    └── WorkFailed (exit 1): the input was fine but the work did not succeed
        ├── SynthesisFailed    no candidate passed the gates
        ├── GateFailed         a plugin was rejected by the gates
        ├── SandboxError       the sandbox could not run, or the plugin failed inside it
        ├── TamperedArtifact   checksum or signature mismatch
        ├── PolicyDenied       governance refused to load a plugin
        └── CapabilityFailure  a capability could not be computed at run time
"""

from __future__ import annotations


class PlugsmithError(Exception):
    """Root of every error plugsmith raises on purpose."""

    exit_code: int = 1
    slug: str = "error"

    def __init__(self, message: str, *, hint: str | None = None, subject: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.subject = subject

    def one_line(self) -> str:
        """The message as the CLI prints it: ``subject: message``."""
        return f"{self.subject}: {self.message}" if self.subject else self.message


class BadInput(PlugsmithError):
    exit_code = 2
    slug = "bad-input"


class SpecError(BadInput):
    slug = "bad-spec"


class ManifestError(BadInput):
    slug = "bad-manifest"


class PlanError(BadInput):
    slug = "bad-plan"


class ArchiveError(BadInput):
    slug = "bad-archive"


class ConfigError(BadInput):
    slug = "bad-config"


class NotFound(BadInput):
    slug = "not-found"


class VersionConflict(BadInput):
    slug = "version-conflict"


class StateConflict(BadInput):
    slug = "conflict"


class WorkFailed(PlugsmithError):
    exit_code = 1
    slug = "failed"


class SynthesisFailed(WorkFailed):
    slug = "synthesis-failed"


class GateFailed(WorkFailed):
    slug = "gate-failed"


class SandboxError(WorkFailed):
    slug = "sandbox"


class TamperedArtifact(WorkFailed):
    slug = "tampered"


class PolicyDenied(WorkFailed):
    slug = "policy-denied"


class CapabilityFailure(WorkFailed):
    slug = "capability-failure"


__all__ = [
    "ArchiveError",
    "BadInput",
    "CapabilityFailure",
    "ConfigError",
    "GateFailed",
    "ManifestError",
    "NotFound",
    "PlanError",
    "PlugsmithError",
    "PolicyDenied",
    "SandboxError",
    "SpecError",
    "StateConflict",
    "SynthesisFailed",
    "TamperedArtifact",
    "VersionConflict",
    "WorkFailed",
]
