"""Keeps the public surface honest: every package's ``__all__`` resolves, and every command is documented."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

PACKAGES = [
    "plugsmith.spec",
    "plugsmith.plan",
    "plugsmith.pipeline",
    "plugsmith.hub",
    "plugsmith.synth",
    "plugsmith.synth.enumerate",
    "plugsmith.sandbox",
    "plugsmith.gates",
    "plugsmith.governance",
    "plugsmith.planexe",
    "plugsmith.server",
    "plugsmith.mcp",
    "plugsmith.reading",
    "plugsmith.builtins",
]

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_resolve_and_are_unique(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported, f"{name} exports nothing"
    assert len(exported) == len(set(exported)), f"{name}.__all__ has duplicates"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names that do not exist: {missing}"


def test_public_names_do_not_leak_private_modules() -> None:
    for name in PACKAGES:
        module = importlib.import_module(name)
        assert not any(n.startswith("_") for n in module.__all__), name


def test_every_command_is_documented_in_the_readme() -> None:
    from typer.main import get_command

    from plugsmith.cli import app

    readme = (ROOT / "README.md").read_text()
    root = get_command(app)
    commands = getattr(root, "commands", {})
    undocumented = [c for c in commands if not re.search(rf"plugsmith {re.escape(c)}\b", readme)]
    assert not undocumented, f"commands missing from README.md: {undocumented}"
