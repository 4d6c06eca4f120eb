"""Fixtures for the pipeline tests (no tests here).

Installing the built-ins runs them through every gate (several seconds), so it happens once per test
session in a template home; each test copies that template into its own ``PLUGSMITH_HOME``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="session")
def builtin_home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PLUGSMITH_HOME whose hub holds the six built-ins (origin builtin, Tier 0)."""
    from plugsmith.builtins import install_builtins
    from plugsmith.hub import Hub

    template = tmp_path_factory.mktemp("builtin-home")
    saved = os.environ.get("PLUGSMITH_HOME")
    os.environ["PLUGSMITH_HOME"] = str(template)
    try:
        hub = Hub.open()
        try:
            install_builtins(hub)
        finally:
            hub.close()
    finally:
        if saved is None:
            os.environ.pop("PLUGSMITH_HOME", None)
        else:
            os.environ["PLUGSMITH_HOME"] = saved
    shutil.rmtree(template / "checkouts", ignore_errors=True)
    return template


@pytest.fixture
def seeded_home(builtin_home_template: Path, plugsmith_home: Path) -> Iterator[Path]:
    """This test's own PLUGSMITH_HOME, starting with the built-ins already published."""
    shutil.copytree(builtin_home_template, plugsmith_home, dirs_exist_ok=True)
    yield plugsmith_home
