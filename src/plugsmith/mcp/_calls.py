"""One tool call, end to end: check the arguments, ask the gatekeeper, run in the sandbox, account for it.

In order: the arguments' size (``MAX_ARGUMENT_BYTES``) and their schema (a bad argument is named by
its JSON pointer), then the release as the hub has it *now* (a quarantined or yanked release is refused
even if a client still lists the tool) through the gatekeeper (status, tier, review, permissions,
artifact checksum, signature; the decision is audit-logged), then the plugin in the sandbox under its
tier's limits — on the warm worker when there is one — then its output against the output ports.
Every call ends in the audit log (``mcp_call``) and, once the plugin ran, in the hub's telemetry
(``use`` or ``failure``, with the duration). Failures are one line, never a traceback.
"""

from __future__ import annotations

import os
import time
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from plugsmith.errors import NotFound, PlugsmithError
from plugsmith.governance import append_audit
from plugsmith.mcp._schema import MAX_ARGUMENT_BYTES, problem, size_problem
from plugsmith.spec import Status, Tier

if TYPE_CHECKING:
    from plugsmith.governance import Gatekeeper
    from plugsmith.hub import Hub, Release
    from plugsmith.mcp._catalog import Offer
    from plugsmith.sandbox import Limits, Sandbox, SandboxOutcome
    from plugsmith.sandbox._warm import WarmPool


_NOW = sa.text("SELECT status, tier, status_reason FROM releases WHERE name = :name AND version = :version")


@dataclass(frozen=True)
class CallResult:
    """What a call produced: the output ports, or a one-line error. ``stale``: the offer is outdated."""

    ok: bool
    output: dict[str, Any] | None
    error: str | None
    duration_ms: float
    stale: bool = False


def one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


def failure_reason(outcome: SandboxOutcome, limits: Limits) -> str:
    """Why a sandboxed run failed, in one line that names the limit when one was hit."""
    if outcome.completed:
        failed = next((r for r in outcome.runs if not r.ok), None)
        return one_line(failed.error or "failed" if failed else "no result")
    detail = {"timeout": f"timed out (cpu {limits.cpu_s:g} s / wall {limits.wall_s:g} s)",
              "memory": f"memory limit ({limits.memory_mb} MB) exceeded",
              "output_too_large": f"output too large (over {limits.output_bytes:,} bytes)",
              "protocol": "the plugin broke the sandbox protocol (forged or garbled result channel)"}
    return one_line(detail.get(outcome.reason or "") or f"the plugin {outcome.explain()}")


def _snapshot(root: Path) -> tuple[Any, ...]:
    """Identity and change stamps of every entry under ``root`` (empty when it is gone)."""
    out = []
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in [".", *sorted(files)]:
            try:
                st = os.lstat(os.path.join(base, name))
            except OSError:
                return ()
            out.append((base, name, st.st_ino, st.st_size, st.st_mode, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out)


class Caller:
    """Runs tool calls for one server: one hub, one gatekeeper, one sandbox (and its warm pool)."""

    def __init__(self, hub: Hub, keeper: Gatekeeper, sandbox: Sandbox, pool: WarmPool | None = None,
                 max_argument_bytes: int = MAX_ARGUMENT_BYTES) -> None:
        self.hub, self.keeper, self.sandbox, self.pool = hub, keeper, sandbox, pool
        self.max_argument_bytes = max_argument_bytes
        self._checkouts: dict[str, tuple[Path, tuple[Any, ...]]] = {}

    def _current(self, release: Release) -> Release:
        """The release with the status and tier the hub holds now (one light query; a release's other
        fields, its manifest and checksum above all, never change)."""
        engine = getattr(self.hub, "engine", None)
        if engine is None:  # a remote hub
            return self.hub.get(release.ref)
        with engine.connect() as conn:
            row = conn.execute(_NOW, {"name": release.name, "version": release.version}).first()
        if row is None:
            raise NotFound("the release is no longer in the hub", subject=release.ref)
        return replace(release, status=Status(row.status), tier=Tier(row.tier) if row.tier else None,
                       status_reason=row.status_reason or "")

    def _checkout(self, release: Release) -> Path:
        """The release's verified checkout. Re-verifying means re-packing the directory; that is done
        whenever any file's inode, size, mtime or ctime differs from what was seen after the last
        verification (ctime cannot be set back without root), so an edited checkout is never used."""
        known = self._checkouts.get(release.checksum)
        if known is not None and _snapshot(known[0]) == known[1]:
            return known[0]
        path = self.hub.checkout(release)
        self._checkouts[release.checksum] = (path, _snapshot(path))
        return path

    def call(self, offer: Offer, arguments: dict[str, Any] | None) -> CallResult:
        """Run one call; never raises for anything the client or the plugin did."""
        start = time.perf_counter()
        arguments = {} if arguments is None else arguments
        refused = size_problem(arguments, self.max_argument_bytes) or problem(offer.input_check, arguments,
                                                                              "argument")
        if refused:
            return self._end(offer.release, start, error=f"bad input: {refused}", ran=False)
        try:
            release = self._current(offer.release)
            decision = self.keeper.check(release)
            if not decision.allowed:
                return self._end(release, start, error=f"not allowed to run: {decision.reason}", ran=False,
                                 stale=True)
            if release.checksum != offer.release.checksum:
                return self._end(release, start, error="the release changed in the hub; list the tools again",
                                 ran=False, stale=True)
            plugin_dir = self._checkout(release)
            limits = self.keeper.limits(release)
            outcome = self._run(plugin_dir, arguments, limits, release.checksum)
        except PlugsmithError as exc:
            return self._end(offer.release, start, error=one_line(exc.one_line()), ran=False)
        if not outcome.completed or not outcome.runs or not outcome.runs[0].ok:
            return self._end(release, start, error=failure_reason(outcome, limits), ran=True)
        output = outcome.runs[0].output
        broken = problem(offer.output_check, output, "output")
        if broken:
            return self._end(release, start, error=f"the plugin's output breaks its schema: {broken}",
                             ran=True)
        return self._end(release, start, output=output, ran=True)

    def _run(self, plugin_dir: Any, arguments: dict[str, Any], limits: Limits, key: str) -> SandboxOutcome:
        if self.pool is not None:
            return self.pool.run(plugin_dir, arguments, limits, key)
        return self.sandbox.run(plugin_dir, [arguments], limits)

    def _end(self, release: Release, start: float, *, output: dict[str, Any] | None = None,
             error: str | None = None, ran: bool, stale: bool = False) -> CallResult:
        """Audit the call, record telemetry when the plugin ran, and build the result."""
        ms = round((time.perf_counter() - start) * 1000, 2)
        ok = error is None
        append_audit({"action": "mcp_call", "tool": release.name, "ref": release.ref,
                      "plugin_id": release.plugin_id, "checksum": release.checksum, "ok": ok,
                      "reason": error, "duration_ms": ms})
        if ran:
            with suppress(PlugsmithError):  # a read-only hub: the call still answers; the audit has it
                self.hub.record_event("use" if ok else "failure", capability=release.capability,
                                      plugin_id=release.plugin_id, version=release.version,
                                      outcome="ok" if ok else "failed", duration_ms=ms,
                                      detail={"via": "mcp", "reason": error} if error else {"via": "mcp"})
        return CallResult(ok, output, error, ms, stale)


__all__ = ["CallResult", "Caller", "failure_reason", "one_line"]
