"""Shared fixtures. Every test gets its own PLUGSMITH_HOME so no test touches the user's hub."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def plugsmith_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "plugsmith-home"
    home.mkdir()
    monkeypatch.setenv("PLUGSMITH_HOME", str(home))
    monkeypatch.delenv("PLUGSMITH_DB", raising=False)
    monkeypatch.delenv("PLUGSMITH_HUB_URL", raising=False)
    return home
