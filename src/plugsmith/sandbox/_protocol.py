"""Both ends of the runner protocol, host side: build the payload, interpret what came back.

The payload is one header line and the JSON list of inputs. The answer is newline-delimited JSON on the
result channel; every message must carry this run's nonce. A message without it, a line that is not
JSON, or a batch that ends in an impossible state is a ``protocol`` failure: somebody other than the
runner wrote to the channel. An output nested deeper than ``MAX_DEPTH`` (which would exhaust the
recursion of the host's JSON parser, schema checks and reports) is that case's error, never a crash of
the host.
"""

from __future__ import annotations

import json
import re
import secrets
import signal
from typing import Any

from plugsmith.errors import BadInput
from plugsmith.sandbox._model import CaseRun, Limits, SandboxOutcome
from plugsmith.sandbox._process import RawRun
from plugsmith.spec import MAX_DEPTH, nesting_depth

TOO_DEEP = f"output is nested more than {MAX_DEPTH} levels deep"
# control characters (C0 but newline and tab, DEL, C1) and bidirectional overrides: in a plugin's error
# message or prints they reached the user's terminal as escape sequences (erase the line above and print
# "all gates passed", set the window title, write the clipboard) through `plugin run` and `validate`
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), never sent to a terminal."""
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)


def _shown(data: bytes) -> str:
    """Captured prints, decoded and made printable, no longer than they were captured (escapes are
    longer than the characters they stand for: the capture's cap still holds)."""
    text = data.decode("utf-8", "replace")
    shown = printable(text)
    return shown if len(shown) <= len(text) else shown[:len(text)] + "\n[... truncated: control characters]"


def make_payload(inputs: list[dict[str, Any]], *, fd: int, plugin: str, limits: Limits,
                 lockdown: bytes | None, landlock: dict[str, list[str]] | None = None) -> tuple[bytes, str]:
    """The bytes for the runner's stdin, and the nonce expected back."""
    nonce = secrets.token_hex(16)
    header = {"nonce": nonce, "fd": fd, "plugin": plugin, "budget": limits.output_bytes,
              "lockdown": lockdown.hex() if lockdown else None, "landlock": landlock}
    try:
        body = json.dumps(inputs, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"inputs are not JSON: {exc}", subject="sandbox") from None
    return (json.dumps(header) + "\n" + body).encode(), nonce


def _messages(raw: RawRun, nonce: str) -> tuple[list[dict[str, Any]], bool]:
    """The runner's messages in order, and whether anything forged or garbled was seen."""
    found: list[dict[str, Any]] = []
    lines = raw.channel.split(b"\n")
    tail = lines.pop()  # after the last newline: empty unless a write was cut short
    cut_short = raw.channel_overflow or raw.timed_out or raw.returncode != 0
    forged = bool(tail) and not cut_short  # a clean exit never leaves half a message
    for line in lines:
        try:
            msg = json.loads(line)
        except ValueError:
            forged = True
            continue
        except RecursionError:  # a case whose output nests past the parser's recursion limit
            msg = _too_deep(line, nonce)
        if not isinstance(msg, dict) or msg.get("n") != nonce:
            forged = True
            continue
        if msg.get("t") == "case" and msg.get("ok") and nesting_depth(msg.get("output")) > MAX_DEPTH:
            msg = {**msg, "ok": False, "output": None, "error": TOO_DEEP}
        found.append(msg)
    return found, forged


def _too_deep(line: bytes, nonce: str) -> dict[str, Any] | None:
    """The case message a too-deep line stands for, if it starts like the runner's own case message."""
    marker = f'"n":"{nonce}","t":"case","output":'.encode()  # the runner's framing, before the output
    if line.startswith(b'{"ok":true,') and marker in line[:200]:
        return {"n": nonce, "t": "case", "ok": False, "error": TOO_DEEP}
    return None


def _signal_reason(code: int) -> str | None:
    """Map an exit status (``-N`` from a direct child, ``128+N`` relayed by bwrap) to a reason."""
    sig = -code if code < 0 else code - 128 if code > 128 else 0
    if sig == signal.SIGXCPU:
        return "timeout"
    if sig == signal.SIGKILL:
        return "timeout"  # the hard CPU limit; a wall timeout is flagged separately
    return "crashed" if sig else None


def interpret(raw: RawRun, nonce: str, expected: int, backend: str) -> SandboxOutcome:
    """Turn a finished process into a ``SandboxOutcome`` with one reason, most specific first."""
    messages, forged = _messages(raw, nonce)
    runs = [CaseRun(bool(m.get("ok")), m.get("output") if m.get("ok") else None,
                    None if m.get("ok") else printable(str(m.get("error", "failed"))),
                    float(m.get("ms", 0.0)))
            for m in messages if m.get("t") == "case"]
    kinds = [m.get("t") for m in messages]
    limit = next((m.get("reason") for m in messages if m.get("t") == "limit"), None)
    load_error = next((m.get("error") for m in messages if m.get("t") == "load_error"), None)
    stderr = _shown(raw.stderr)
    if load_error:
        stderr = (stderr.rstrip() + "\n" + printable(str(load_error))).lstrip()
    reason: str | None
    if raw.timed_out:
        reason = "timeout"
    elif raw.channel_overflow or limit == "output_too_large":
        reason = "output_too_large"
    elif limit == "memory":
        reason = "memory"
    elif load_error is not None:
        reason = "load_error"
    elif forged:
        reason = "protocol"
    elif "done" in kinds:
        reason = None if (len(runs) == expected and raw.returncode == 0) else "protocol"
    else:
        reason = _signal_reason(raw.returncode) or "crashed"
    if reason is None and any(r.error and r.error.startswith("MemoryError") for r in runs):
        reason = "memory"
    return SandboxOutcome(completed=reason is None, reason=reason, runs=runs,
                          stdout=_shown(raw.stdout), stderr=stderr,
                          backend=backend, duration_ms=raw.duration_ms)


__all__ = ["interpret", "make_payload", "printable"]
