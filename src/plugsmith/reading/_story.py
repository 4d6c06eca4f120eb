"""Provenance as a short story: spec → strategy → program → gates → publish → signature.

Each step is one sentence built from what the hub holds: the manifest's ``provenance``, the hub's own
synthesis record for the spec hash (when there is one, the story says the manifest's account matches
it — or that there is no such record, so the account is only what the plugin says about itself), the
stored gate report, the release row and the signature. A step whose facts are missing says so instead
of guessing (``known`` is False).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the story: ``title`` (spec, strategy, …) and a sentence."""

    title: str
    text: str
    known: bool = True


def _short(digest: object, keep: int = 19) -> str:
    text = str(digest)
    return text if len(text) <= keep else text[:keep] + "…"


def confirmed(release: Any, record: Mapping[str, Any] | None) -> bool:
    """Whether the hub's own synthesis record names exactly this artifact."""
    outcome = (record or {}).get("outcome") or {}
    return bool(outcome) and outcome.get("checksum") == release.checksum


def _spec(prov: Mapping[str, Any], release: Any, record: Mapping[str, Any] | None) -> Step:
    spec_hash = prov.get("spec_hash")
    if not spec_hash:
        return Step(
            "spec",
            f"No capability spec is recorded: {release.origin} plugin, written for the "
            f"capability {release.capability!r}.",
            known=False,
        )
    check = (
        "the hub's synthesis record for it names this very artifact"
        if confirmed(release, record)
        else "the hub holds no synthesis record that names this artifact, so this is the plugin's own account"
    )
    return Step(
        "spec",
        f"Written for the capability spec {_short(spec_hash, 23)} "
        f"(capability {release.capability!r}); {check}.",
    )


def _strategy(prov: Mapping[str, Any], release: Any) -> Step:
    strategy = prov.get("strategy")
    if not strategy:
        return Step("strategy", f"No synthesis strategy is recorded (origin: {release.origin}).", known=False)
    parts = [f"Made by the {strategy!r} strategy"]
    if prov.get("time_taken_s") is not None:
        parts.append(f"in {float(prov['time_taken_s']):.2f} s")
    if prov.get("candidates_tried") is not None:
        parts.append(f"after {prov['candidates_tried']} candidate(s)")
    cases = ""
    if prov.get("guide_cases") is not None:
        cases = (
            f", guided by {prov['guide_cases']} case(s) and checked on {prov.get('holdout_cases', 0)} "
            "held back"
        )
    return Step("strategy", " ".join(parts) + cases + ".")


def _program(prov: Mapping[str, Any], code_lines: int | None) -> Step:
    lines = f"; plugin.py has {code_lines} line(s)" if code_lines is not None else ""
    if prov.get("dsl_program"):
        size = f" (size {prov['program_size']})" if prov.get("program_size") is not None else ""
        return Step("program", f"The program{size}: {prov['dsl_program']} — rendered as Python{lines}.")
    if prov.get("adapted_from"):
        mapping = "; ".join(str(m) for m in prov.get("port_map") or []) or "no port mapping recorded"
        return Step("program", f"An adapter around {prov['adapted_from']} ({mapping}){lines}.")
    if prov.get("model"):
        return Step(
            "program",
            f"Written by model {prov['model']!r} (endpoint {prov.get('endpoint', '?')}, "
            f"round {prov.get('round', '?')}){lines}.",
        )
    return Step(
        "program", f"No program description is recorded: the program is plugin.py itself{lines}.", known=False
    )


def _gates(given: Mapping[str, Any] | None) -> Step:
    report: Mapping[str, Any] = given or {}
    gates = report.get("gates") or []
    if not gates:
        return Step(
            "gates", "No gate report is stored: this release was published without the gates.", known=False
        )
    counts: dict[str, int] = {}
    for gate in gates:
        counts[str(gate.get("status"))] = counts.get(str(gate.get("status")), 0) + 1
    words = {"pass": "passed", "warn": "warned", "fail": "failed", "skip": "skipped"}
    tally = ", ".join(f"{n} {words.get(s, s)}" for s, n in counts.items())
    odd = [
        f"{g.get('name')}: {g.get('message') or g.get('status')}"
        for g in gates
        if g.get("status") in {"warn", "fail", "skip"}
    ]
    backend = f", sandbox {report['sandbox_backend']}" if report.get("sandbox_backend") else ""
    verdict = f"verdict {report.get('verdict', '?')}, {report.get('tier') or 'no tier'}"
    detail = f" ({'; '.join(odd)})" if odd else ""
    return Step("gates", f"{len(gates)} gates: {tally}{detail}; {verdict}{backend}.")


def _publish(release: Any) -> Step:
    when = release.created_at.strftime("%Y-%m-%d %H:%M UTC") if release.created_at else "at an unknown time"
    reason = f" ({release.status_reason})" if getattr(release, "status_reason", "") else ""
    return Step(
        "publish",
        f"Published as {release.ref} on {when}, checksum {_short(release.checksum)}, "
        f"now {release.status}{reason}.",
    )


def _signature(signature: Mapping[str, Any] | None) -> Step:
    if not signature:
        return Step(
            "signature",
            "Unsigned: no hub key has signed this release (a served hub signs what it "
            "publishes; `plugsmith serve --sign-existing` signs older releases).",
            known=False,
        )
    return Step(
        "signature",
        f"Signed with the hub's ed25519 key {signature.get('key_id')} over the "
        f"checksum and the manifest digest ({_short(signature.get('manifest_digest'))}).",
    )


def provenance_story(
    release: Any,
    *,
    signature: Mapping[str, Any] | None = None,
    record: Mapping[str, Any] | None = None,
    code_lines: int | None = None,
) -> list[Step]:
    """The six steps for ``release``; ``record`` is ``hub.synthesis_record(spec_hash)`` if any."""
    prov = release.manifest.provenance or {}
    return [
        _spec(prov, release, record),
        _strategy(prov, release),
        _program(prov, code_lines),
        _gates(release.gate_report),
        _publish(release),
        _signature(signature),
    ]


def synthesis_record_of(hub: Any, release: Any) -> dict[str, Any] | None:
    """The hub's own synthesis record for the release's spec hash (None if none, or unreadable)."""
    spec_hash = (release.manifest.provenance or {}).get("spec_hash")
    if not isinstance(spec_hash, str) or not spec_hash:
        return None
    try:
        record: dict[str, Any] | None = hub.synthesis_record(spec_hash)
    except Exception:  # noqa: BLE001 - a remote hub may not expose records; the story says "no record"
        return None
    return record


__all__ = ["Step", "confirmed", "provenance_story", "synthesis_record_of"]
