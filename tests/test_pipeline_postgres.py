"""The pipeline against a hub in a real PostgreSQL server (``--db URL``), stages in worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _postgres import postgres_server, postgres_url  # noqa: F401
from plugsmith.pipeline import run_plan_pipeline
from test_pipeline_helpers import EXAMPLES

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_synthesis_then_reuse_on_a_postgresql_hub(postgres_url: str, tmp_path: Path) -> None:  # noqa: F811
    first = run_plan_pipeline(EXAMPLES / "renovation.json", tmp_path / "one", db=postgres_url, workers=2)
    m = first.metrics
    assert (m["synthesized"], m["failed"], m["recovery_rate"]) == (2, 0, 1.0), first.failed
    second = run_plan_pipeline(EXAMPLES / "event.yaml", tmp_path / "two", db=postgres_url, workers=2)
    assert (second.metrics["synthesized"], second.metrics["resolved_from_hub"]) == (0, 11)  # 9 built-ins + 2

    from plugsmith.hub import Hub
    from plugsmith.pipeline import hub_metrics

    hub = Hub.open(postgres_url)
    try:
        assert hub_metrics(hub)["runs"] == 2
        assert {r.origin.value for r in hub.search(capability="cost_per_owner")} == {"synthesized"}
    finally:
        hub.close()
    # the database URL (it may hold a password) never reaches the run files
    password_free = postgres_url.split("@")[-1]
    for stage_file in (tmp_path / "one").glob("*.json"):
        assert postgres_url not in stage_file.read_text() or password_free == postgres_url
    assert json.loads((tmp_path / "one" / "003-resolution.json").read_text())["builtins_installed"]
