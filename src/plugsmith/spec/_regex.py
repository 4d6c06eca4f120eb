"""JSON Schema patterns matched in linear time: a port schema is the plugin author's input, not ours.

A port schema's ``pattern`` (and ``patternProperties``) is written by whoever wrote the plugin, and
plugsmith matches it in its own process: against a plugin's outputs in the contract gate (the
server's gate worker), against tool arguments in ``plugsmith mcp``, against inputs in ``plugin run``.
Python's ``re`` backtracks, so ``"^(a+)+$"`` against 34 ``a`` and a ``!`` runs for hours: one upload
stalled every later publish of a server replica. RE2 (``google-re2``) matches in time linear in the
text, so every pattern jsonschema matches goes through it instead (``install``, at import of
``plugsmith.spec``: jsonschema has no hook for its regex engine, so its two modules that call
``re.search`` get a namespace whose ``search`` is RE2's).

RE2 has no lookaround and no backreferences. A schema using them is refused where schemas enter the
hub (``pattern_problem``, called by the port checks of specs and manifests), and a stored one that
still has them never matches (fails closed: a ``pattern`` is then a validation error, a
``patternProperties`` key is additional).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is our error to report, not a line on stderr
_NOT_PATTERNS = frozenset({"const", "enum", "default", "examples"})  # data, not schema, below these


@functools.lru_cache(maxsize=2048)
def _compiled(pattern: str) -> Any:
    """The RE2 program for ``pattern``, or the reason RE2 refuses it (a str)."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return (reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)) or "invalid"


def search(pattern: str, text: str) -> Any:
    """``re.search`` in linear time; None (no match) for a pattern RE2 cannot run."""
    program = _compiled(pattern)
    return None if isinstance(program, str) else program.search(text)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be matched in linear time (lookaround, backreference …), or None."""
    program = _compiled(pattern)
    if not isinstance(program, str):
        return None
    shown = pattern if len(pattern) <= 60 else pattern[:60] + "…"
    return (f"pattern {shown!r} cannot be matched in linear time ({program}); lookaround and "
            "backreferences are not supported")


def _patterns(schema: Any) -> Iterator[str]:
    """Every regular expression a schema holds (``pattern`` values, ``patternProperties`` keys)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        if isinstance(node.get("patternProperties"), dict):
            yield from (k for k in node["patternProperties"] if isinstance(k, str))
        stack.extend(v for k, v in node.items() if k not in _NOT_PATTERNS)


def schema_pattern_problem(schema: Any) -> str | None:
    """The first pattern of ``schema`` RE2 cannot run, explained; None when all can."""
    return next((p for p in map(pattern_problem, _patterns(schema)) if p), None)


def install() -> None:
    """Make jsonschema match every ``pattern``/``patternProperties`` with RE2 (see module docstring)."""
    from jsonschema import _keywords, _utils

    for module in (_keywords, _utils):
        if not hasattr(module, "re"):  # pragma: no cover - a jsonschema that moved its regex calls
            raise RuntimeError(f"{module.__name__} no longer imports re; plugsmith cannot bound its "
                               "pattern matching (see plugsmith/spec/_regex.py)")
        module.re = SimpleNamespace(search=search)  # type: ignore[attr-defined]


__all__ = ["install", "pattern_problem", "schema_pattern_problem", "search"]
