"""Rejecting candidates that fit the examples by memorising them.

A program that carries the example outputs as literals (a lookup table keyed on the example inputs)
passes its guide cases and tells us nothing. Held-back cases catch most of these; this check catches the
blatant ones before anything runs: when the expected output of two or more guide cases appears verbatim
as a literal in the code although it is nowhere in that case's input, the candidate is rejected.

Small integers, booleans, strings and empty values are ignored: category labels and unit factors are
legitimately written in code and legitimately appear in outputs.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from plugsmith.spec import TestCase

MIN_HITS = 2


def _canon(value: Any) -> str | None:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


def _telling(value: Any) -> bool:
    """Is this output specific enough that finding it in the code means something?"""
    if value is None or isinstance(value, bool | str):
        return False
    if isinstance(value, int | float):
        return not (float(value).is_integer() and abs(value) < 10)
    if isinstance(value, dict | list):
        return len(value) > 0
    return False


def _literals(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant | ast.Dict | ast.List | ast.Tuple | ast.Set):
            try:
                value = ast.literal_eval(node)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
            if isinstance(value, tuple | set | frozenset):
                value = list(value) if not isinstance(value, set | frozenset) else sorted(value, key=str)
            key = _canon(value)
            if key is not None:
                found.add(key)
    return found


def _scalars(value: Any, out: set[str]) -> set[str]:
    key = _canon(value)
    if key is not None:
        out.add(key)
    if isinstance(value, dict):
        for item in value.values():
            _scalars(item, out)
    elif isinstance(value, list):
        for item in value:
            _scalars(item, out)
    return out


def memorised_cases(source: str, cases: list[TestCase]) -> list[str]:
    """Names of the cases whose (telling) expected output is written into the code as a literal."""
    literals = _literals(source)
    hits: list[str] = []
    for case in cases:
        given = _scalars(case.input, set())
        for value in case.expected.values():
            key = _canon(value)
            if _telling(value) and key in literals and key not in given:
                hits.append(case.name)
                break
    return hits


def memorisation_problem(source: str, cases: list[TestCase]) -> str | None:
    """A one-line reason to reject, or None."""
    hits = memorised_cases(source, cases)
    if len(hits) < MIN_HITS:
        return None
    return (f"the expected outputs of {len(hits)} guide cases ({', '.join(hits[:4])}) are written into the "
            "code as literals: it memorises the examples instead of computing from the inputs")


__all__ = ["memorisation_problem", "memorised_cases"]
