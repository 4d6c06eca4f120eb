"""Reading PlanExe's JSON files with errors a person can act on: the file, the JSON pointer, one line.

A run directory is written by an LLM pipeline that can be interrupted, so a file may be cut short. The
decoder's "line 812 column 9" says where, not what: ``pointer_at`` walks the text up to the error and
names the value that was being read (``/task_dependency_details/3/depends_on_task_id_list/2``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugsmith.errors import PlanError

_CLOSE = {"{": "}", "[": "]"}


def pointer_at(text: str, offset: int) -> str:
    """The JSON pointer of the value being read at ``offset`` in a (possibly broken) JSON text.

    A small scanner: it tracks the open objects and arrays, the current key of each object and the
    index of each array, and skips strings (with their escapes). Good enough to say where a truncated
    or hand-broken file went wrong; never raises.
    """
    stack: list[list[Any]] = []  # [container char, current key or index, expecting key?]
    i, end = 0, min(offset, len(text))
    while i < end:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if stack and stack[-1][0] == "{" and stack[-1][2]:
                stack[-1][1] = _unescape(text[i + 1:j])
                stack[-1][2] = False
            i = j + 1
            continue
        if ch in _CLOSE:
            stack.append([ch, None if ch == "{" else 0, ch == "{"])
        elif ch in "}]" and stack:
            stack.pop()
        elif ch == "," and stack:
            top = stack[-1]
            if top[0] == "[":
                top[1] += 1
            else:
                top[1], top[2] = None, True
        i += 1
    parts = [str(key) for _, key, _ in stack if key is not None]
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts) if parts else "/"


def _unescape(raw: str) -> str:
    try:
        return str(json.loads(f'"{raw}"'))
    except json.JSONDecodeError:
        return raw


def read_json(path: Path) -> Any:
    """Parse a JSON file; a file that is not JSON is a ``PlanError`` naming it and the JSON pointer."""
    text = read_text(path)
    if not text.strip():
        raise PlanError("the file is empty (was the PlanExe run interrupted?)", subject=str(path),
                        hint="re-run the PlanExe step that writes it, or remove the file")
    try:
        return json.loads(text)
    except RecursionError:
        raise PlanError("nested too deeply to be a PlanExe file", subject=str(path),
                        hint="re-run the PlanExe step that writes it, or remove the file") from None
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "the file is cut short" if truncated else f"not valid JSON ({exc.msg})"
        raise PlanError(f"{pointer_at(text, exc.pos)}: {what} at line {exc.lineno} column {exc.colno}",
                        subject=str(path), hint="re-run the PlanExe step that writes it, or remove the file"
                        ) from None


def read_text(path: Path) -> str:
    """A file's text; unreadable or non-UTF-8 content is a one-line ``PlanError``."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(f"not UTF-8 text (byte {exc.start})", subject=str(path)) from None
    except OSError as exc:
        raise PlanError(f"cannot read the file: {exc.strerror or exc}", subject=str(path)) from None


__all__ = ["pointer_at", "read_json", "read_text"]
