"""The command line's error handling and start-up, tested as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _plugsmith(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "plugsmith", *args], capture_output=True, text=True,
                          timeout=120)


def test_help_lists_every_command_group() -> None:
    out = _plugsmith("--help")
    assert out.returncode == 0
    for command in ("run", "synth", "validate", "plugin", "hub", "plan", "serve", "schema", "doctor"):
        assert command in out.stdout


def test_unknown_command_is_a_usage_error_without_traceback() -> None:
    out = _plugsmith("frobnicate")
    assert out.returncode == 2
    assert "No such command" in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_argument_is_exit_2() -> None:
    out = _plugsmith("hub", "show")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


def test_plugsmith_error_is_one_line_with_hint() -> None:
    out = _plugsmith("schema", "nonsense")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert lines[0] == "error: schema: no schema named 'nonsense'"
    assert lines[1].startswith("hint: ")


def test_schema_prints_valid_json_schema() -> None:
    import json

    import jsonschema

    out = _plugsmith("schema", "plan")
    assert out.returncode == 0
    schema = json.loads(out.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "tasks" in schema["properties"]


def test_validate_table_shows_brackets_from_messages_verbatim(tmp_path: Path) -> None:
    plugin = tmp_path / "bad"
    plugin.mkdir()
    (plugin / "plugin.json").write_text('{"name": "Bad"}')
    out = subprocess.run([sys.executable, "-m", "plugsmith", "validate", str(plugin)], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "COLUMNS": "250"})
    assert out.returncode == 1
    assert "[a-z][a-z0-9_]" in out.stdout  # rich markup must not swallow the pattern
