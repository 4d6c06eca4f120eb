"""A port schema's patterns are the plugin author's: matched in linear time, or refused at the door."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from plugsmith.errors import SpecError
from plugsmith.spec import parse_spec, port_validator

EVIL = "^(a+)+$"  # Python's backtracking re needs hours for 34 'a' and a '!'
TEXT = "a" * 34 + "!"


def finishes(work: Callable[[], Any], seconds: float = 30.0) -> Any:
    """``work()``'s result, or a test failure when it does not finish in ``seconds``. For work that
    releases the GIL while it waits (a request answered by another process); pure-Python matching is
    checked in a child process instead (``matches_in_a_child``)."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert out, f"no answer after {seconds} s"
    return out[0]


def matches_in_a_child(schema: dict[str, Any], value: Any, seconds: float = 30.0) -> bool:
    """Whether ``value`` is valid under ``schema``, judged in a child process that must finish in
    ``seconds``: a backtracking matcher (hours for EVIL on TEXT) holds the GIL, so only a process
    keeps the failing run finite."""
    code = ("import json, sys; from plugsmith.spec import port_validator; "
            "s, v = json.loads(sys.argv[1]), json.loads(sys.argv[2]); "
            "print(port_validator(s).is_valid(v))")
    try:
        done = subprocess.run([sys.executable, "-c", code, json.dumps(schema), json.dumps(value)],
                              capture_output=True, text=True, timeout=seconds, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still matching after {seconds} s: the pattern is matched by a backtracking engine")
    return done.stdout.split() == ["True"]


@pytest.mark.parametrize("schema, value", [
    ({"type": "string", "pattern": EVIL}, TEXT),
    ({"type": "object", "patternProperties": {EVIL: {"type": "number"}}, "additionalProperties": False},
     {TEXT: 1}),
    ({"type": "object", "propertyNames": {"pattern": EVIL}}, {TEXT: 1}),
])
def test_a_catastrophic_pattern_is_matched_in_linear_time(schema: dict[str, Any], value: Any) -> None:
    assert matches_in_a_child(schema, value) is False
    assert port_validator(schema).is_valid({"aaa": 1} if isinstance(value, dict) else "aaa")


@pytest.mark.parametrize("pattern", ["^(?=a)a$", "^(a)\\1$", "(?<=x)y"])
def test_patterns_that_need_backtracking_are_refused_where_schemas_enter(pattern: str) -> None:
    spec = {"name": "cap", "inputs": {"p": {"type": "string", "pattern": pattern}}, "outputs": ["y"]}
    with pytest.raises(SpecError, match="linear time"):
        parse_spec(spec, source="spec")
    nested = {"name": "cap", "inputs": {"p": {"type": "object", "patternProperties": {pattern: {}}}},
              "outputs": ["y"]}
    with pytest.raises(SpecError, match="no lookaround, no backreferences"):
        parse_spec(nested, source="spec")
    # a stored schema that still holds one fails closed: it never matches
    assert port_validator({"type": "string", "pattern": pattern}).is_valid("a") is False


def test_ordinary_patterns_still_work() -> None:
    spec = parse_spec({"name": "cap", "inputs": {"p": {"type": "string", "pattern": r"^[A-Z]{2}-\d{3}$"}},
                       "outputs": ["y"], "tests": []}, source="spec")
    check = port_validator(spec.inputs["p"])
    assert check.is_valid("AB-123") and not check.is_valid("ab-123") and not check.is_valid("AB-12")
    data_only = {"type": "object", "const": {"pattern": "(?=x)"}}  # data, not a pattern: accepted
    assert parse_spec({"name": "cap", "inputs": {"p": data_only}, "outputs": ["y"]}, source="spec")
