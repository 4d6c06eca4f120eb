"""Fixtures and builders shared by the hub tests (no tests here).

``db_url`` is parametrized over SQLite and a real PostgreSQL (``tests/_postgres.py``), so every test
that asks for ``hub`` or ``db_url`` runs against both backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugsmith.hub import Hub

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, plugsmith_home: Path) -> str:
    """A database URL for a fresh hub: SQLite in PLUGSMITH_HOME, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{plugsmith_home / 'hub.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def hub(db_url: str) -> Iterator[Hub]:
    opened = Hub.open(db_url)
    yield opened
    opened.close()


def make_plugin(root: Path, name: str = "cost_estimation", *, version: str = "1.0.0",
                capability: str | None = None, description: str = "Total cost per task kind.",
                inputs: Any = ("plan_json",), outputs: Any = ("cost_breakdown",),
                keywords: tuple[str, ...] = (), body: str = "", origin: str = "handwritten") -> Path:
    """Write a small valid plugin directory and return it."""
    plugin = root / f"{name}-{version}"
    (plugin / "tests").mkdir(parents=True, exist_ok=True)
    manifest = {
        "name": name, "capability": capability or name, "version": version, "origin": origin,
        "description": description, "keywords": list(keywords),
        "inputs": list(inputs) if isinstance(inputs, tuple) else inputs,
        "outputs": list(outputs) if isinstance(outputs, tuple) else outputs,
    }
    (plugin / "plugin.json").write_text(json.dumps(manifest, indent=2))
    out = next(iter(manifest["outputs"]))
    (plugin / "plugin.py").write_text(f"def run(inputs):\n    return {{{out!r}: {{}}}}\n{body}")
    (plugin / "tests" / "cases.json").write_text("[]")
    (plugin / "README.md").write_text(f"# {name}\n")
    return plugin
