"""What ``plugsmith hub show`` and ``hub diff`` print: provenance, gates, where the code is, the code.

Kept out of ``cli/hub.py`` so that module stays a thin list of commands. Text goes to stdout; colour
only when stdout is a terminal (rich decides, and honours ``NO_COLOR``); piped, ``--source`` writes the
file's exact bytes and ``diff`` a plain unified diff that ``patch`` understands.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import quote


def signature_of(hub: Any, release: Any) -> dict[str, Any] | None:
    """The release's recorded hub signature, if the hub has one (None on a hub that was never served)."""
    if hasattr(hub, "ranked_search"):  # a RemoteHub: the server says
        try:
            response = hub.client.get(f"/api/v1/plugins/{quote(release.ref, safe='@')}")
            signature: dict[str, Any] | None = (
                response.json().get("signature") if response.is_success else None
            )
        except Exception:  # noqa: BLE001 - the story then says "unsigned", which is what we can vouch for
            return None
        return signature
    try:
        from plugsmith.server._app import _engine_of
        from plugsmith.server._store import ServerStore

        engine = _engine_of(hub)
        return ServerStore(engine=engine).signature(release.checksum) if engine is not None else None
    except Exception:  # noqa: BLE001 - no server extra or no server tables: nothing was signed here
        return None


def _wrap(text: str, indent: str) -> str:
    """Wrapped to the terminal; one line per item when piped (so ``grep`` finds a whole sentence)."""
    if not sys.stdout.isatty():
        return indent + text
    width = max(min(shutil.get_terminal_size((100, 24)).columns, 110), 50)
    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent + "   ")


def show_lines(hub: Any, release: Any, *, page_url: str | None) -> list[str]:
    """The readable ``hub show``: facts, provenance story, gates and where to read the code."""
    from plugsmith import reading

    m = release.manifest
    reason = f" ({release.status_reason})" if release.status_reason else ""
    lines = [f"{release.ref}  ({release.plugin_id})"]
    if m.description:
        lines.append(_wrap(m.description, "  "))
    lines += [
        f"  capability : {release.capability}",
        f"  status     : {release.status.value}{reason}",
        f"  tier       : {release.tier.value if release.tier else 'untiered'}",
        f"  origin     : {release.origin.value}",
        f"  checksum   : {release.checksum}",
        f"  inputs     : {', '.join(m.inputs) or '-'}",
        f"  outputs    : {', '.join(m.outputs)}",
        f"  permissions: {', '.join(str(p) for p in m.permissions) or 'none'}",
        f"  published  : {release.created_at.isoformat(timespec='seconds')}",
        f"  reuse count: {release.reuse_count}",
    ]
    checkout = Path(hub.checkout(release))
    code = reading.read_tree(checkout).get(reading.CODE)
    steps = reading.provenance_story(
        release,
        signature=signature_of(hub, release),
        record=reading.synthesis_record_of(hub, release),
        code_lines=len(code.lines) if code and code.text is not None else None,
    )
    lines += ["", "provenance"] + [_wrap(f"{i}. {s.title}: {s.text}", "  ") for i, s in enumerate(steps, 1)]
    lines += ["", *gate_lines(release.gate_report)]
    lines += ["", "code"]
    lines.append(f"  plugsmith hub show {release.ref} --source   (prints plugin.py)")
    lines.append(f"  {checkout / reading.CODE}   (the verified, read-only checkout)")
    if page_url:
        lines.append(f"  {page_url.rstrip('/')}/plugins/{quote(release.ref, safe='@')}   (the web page)")
    return lines


def gate_lines(report: dict[str, Any] | None) -> list[str]:
    if not report or not report.get("gates"):
        return ["gates: none recorded (published without the gates)"]
    lines = [f"gates (verdict {report.get('verdict', '?')}, {report.get('tier') or 'no tier'})"]
    width = max(len(str(g.get("name"))) for g in report["gates"])
    for gate in report["gates"]:
        message = gate.get("message") or ""
        lines.append(
            _wrap(
                f"{str(gate.get('name')).ljust(width)}  {str(gate.get('status')).ljust(4)}  {message}", "  "
            )
        )
    return lines


def print_source(hub: Any, release: Any, name: str) -> None:
    """A release file: highlighted with line numbers on a terminal, its exact bytes when piped."""
    from plugsmith import reading
    from plugsmith.errors import NotFound

    checkout = Path(hub.checkout(release)).resolve()
    path = (checkout / name).resolve()
    if not path.is_relative_to(checkout) or not path.is_file():
        files = ", ".join(reading.read_tree(checkout))
        raise NotFound(f"{release.ref} has no file {name!r}", subject="--file", hint=f"its files: {files}")
    data = path.read_bytes()
    source = reading.decode(name, data, limit=len(data) + 1)
    if source.problem:
        sys.stderr.write(f"note: {name}: {source.problem}\n")
    if not sys.stdout.isatty() or source.text is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from rich.console import Console
    from rich.syntax import Syntax

    Console().print(
        Syntax(
            source.text,
            Syntax.guess_lexer(name, source.text),
            line_numbers=True,
            word_wrap=False,
            theme="ansi_dark",
        )
    )


def print_diff(result: Any) -> None:
    """The summary line, then each file's unified diff (coloured on a terminal)."""
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    out = [result.summary]
    for file in result.changed:
        if file.note:
            out.append(f"{file.path}: {file.status} ({file.note})")
        out += [_paint(line) if color else line for line in file.lines]
    sys.stdout.write("\n".join(out) + "\n")


def _paint(line: str) -> str:
    codes = {"+++": "1", "---": "1", "@@": "36", "+": "32", "-": "31"}
    for prefix, code in codes.items():
        if line.startswith(prefix):
            return f"\x1b[{code}m{line}\x1b[0m"
    return line


def diff_json(result: Any) -> dict[str, Any]:
    return {
        "old": result.old,
        "new": result.new,
        "related": result.related,
        "identical": result.identical,
        "summary": result.summary,
        "files": [
            {
                "path": f.path,
                "status": f.status,
                "added": f.added,
                "removed": f.removed,
                "note": f.note,
                "diff": f.lines,
            }
            for f in result.files
            if f.status != "same"
        ],
    }


__all__ = ["diff_json", "gate_lines", "print_diff", "print_source", "show_lines", "signature_of"]
