"""The sandbox's value objects and its one small interface.

``Limits`` says how much a run may use; ``SandboxOutcome`` says what happened. Backends (bubblewrap,
the rlimit fallback) implement ``Sandbox``: run one batch of inputs in one fresh process, return an
outcome, close. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

REASONS = ("timeout", "memory", "output_too_large", "crashed", "load_error", "protocol")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed process. Safe defaults; Tier 2 gets tighter ones from the policy."""

    cpu_s: float = 5.0
    wall_s: float = 10.0
    memory_mb: int = 512
    nproc: int = 32
    fsize_mb: int = 8
    output_bytes: int = 4_000_000
    stdout_bytes: int = 64_000


@dataclass
class CaseRun:
    """One input's result: ``output`` is exactly what ``run()`` returned (after a JSON round trip)."""

    ok: bool
    output: dict[str, Any] | None
    error: str | None
    duration_ms: float


@dataclass
class SandboxOutcome:
    """One sandboxed process running a batch of inputs.

    ``completed`` is True only when the process finished the whole batch within its limits; ``reason``
    then is None. Otherwise ``reason`` is one of ``REASONS`` and ``runs`` may be shorter than the batch.
    """

    completed: bool
    reason: str | None
    runs: list[CaseRun] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    backend: str = ""
    duration_ms: float = 0.0

    def explain(self) -> str:
        """A one-line reason for a failed run, for the CLI and gate evidence."""
        if self.completed:
            failed = next((r for r in self.runs if not r.ok), None)
            return failed.error or "failed" if failed else "ok"
        detail = self.stderr.strip().splitlines()[-1] if self.stderr.strip() else ""
        if self.reason == "load_error" and detail:
            return f"load_error: {detail}"
        return f"{self.reason}" + (f" ({detail[:200]})" if detail and self.reason == "crashed" else "")


@runtime_checkable
class Sandbox(Protocol):
    """Runs plugin code out of process. ``weaker`` is True for the fallback; callers announce it."""

    name: str
    weaker: bool

    def run(self, plugin_dir: Path, inputs: list[dict[str, Any]],
            limits: Limits | None = None) -> SandboxOutcome:
        """Run ``plugin.run`` on each input, in order, in one fresh sandboxed process."""
        ...

    def close(self) -> None:
        """Release whatever the backend holds (nothing, for the built-in backends)."""
        ...


__all__ = ["REASONS", "CaseRun", "Limits", "Sandbox", "SandboxOutcome"]
