"""Patterns in port schemas run in linear time: a plugin's schema is written by whoever wrote the plugin.

With Python's backtracking ``re``, ``"pattern": "^(a+)+$"`` and a 41-character output held ``validate``
(and a server's publish) for hours; the same pattern in ``patternProperties`` did it through
``additionalProperties`` too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plugsmith.errors import ManifestError, SpecError
from plugsmith.spec import load_manifest, parse_spec, port_validator
from test_sandbox_helpers import make_plugin, plugsmith

EVIL = "^(a+)+$"
SLOW_TEXT = "a" * 48 + "!"  # about 2**48 steps for a backtracking engine


def _spec(inputs: dict[str, object]) -> str:
    return json.dumps({"name": "pat", "description": "d", "inputs": inputs, "outputs": {"result": {}},
                       "constraints": ["deterministic"], "tests": []})


LINEAR = f"""
from plugsmith.spec import port_validator
EVIL, SLOW = {EVIL!r}, {SLOW_TEXT!r}
assert not port_validator({{"type": "string", "pattern": EVIL}}).is_valid(SLOW)
assert port_validator({{"type": "string", "pattern": EVIL}}).is_valid("aaaa")
keyed = port_validator({{"type": "object", "patternProperties": {{EVIL: {{"type": "integer"}}}},
                        "additionalProperties": False}})
assert not keyed.is_valid({{SLOW: 1}})  # not exempted by the pattern: an additional property
assert keyed.is_valid({{"aaa": 1}}) and not keyed.is_valid({{"aaa": "x"}})
assert not port_validator({{"type": "object", "propertyNames": {{"pattern": EVIL}}}}).is_valid({{SLOW: 1}})
print("done")
"""


def test_catastrophic_patterns_are_evaluated_in_linear_time() -> None:
    """In a child process: a backtracking engine would hold the GIL (and this test) for hours."""
    done = subprocess.run([sys.executable, "-c", LINEAR], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-2000:]


def test_messages_stay_as_jsonschema_words_them() -> None:
    import jsonschema

    error = jsonschema.exceptions.best_match(port_validator({"pattern": "^[a-z]+$"}).iter_errors("AB"))
    assert error is not None and error.message == "'AB' does not match '^[a-z]+$'"
    keyed = port_validator({"type": "object", "patternProperties": {"^x": {}}, "additionalProperties": False})
    error = jsonschema.exceptions.best_match(keyed.iter_errors({"y": 1}))
    assert error is not None and error.message == "'y' does not match any of the regexes: '^x'"


@pytest.mark.parametrize("schema", [{"type": "string", "pattern": "(?=a)b"},
                                    {"type": "string", "pattern": "(a)\\1"},
                                    {"type": "object", "patternProperties": {"(?<!x)y": {}}},
                                    {"type": "object", "patternProperties": {"^a": {}},
                                     "unevaluatedProperties": False}])
def test_patterns_no_linear_engine_can_run_are_refused_at_the_edge(schema: dict[str, object],
                                                                   tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(_spec({"xs": schema}))
    assert "\n" not in caught.value.message
    plugin = make_plugin(tmp_path / "p", "def run(inputs):\n    return {'result': 1}\n",
                         inputs={"xs": schema})
    with pytest.raises(ManifestError):
        load_manifest(plugin)


def test_validate_of_a_plugin_with_a_catastrophic_output_pattern_ends(tmp_path: Path) -> None:
    """Its own schema, its own output: the contract gate answers in seconds (it hung before)."""
    plugin = make_plugin(tmp_path / "redos", f"def run(inputs):\n    return {{'result': {SLOW_TEXT!r}}}\n",
                         outputs={"result": {"type": "string", "pattern": EVIL}},
                         cases=[{"name": "c", "input": {"xs": []}, "expected": {"result": SLOW_TEXT}}])
    done = plugsmith("validate", str(plugin), "--json", timeout=60)
    report = json.loads(done.stdout)
    contract = next(g for g in report["gates"] if g["name"] == "contract")
    assert report["verdict"] == "rejected" and contract["status"] == "fail", contract
    assert "does not match" in json.dumps(contract["evidence"])
