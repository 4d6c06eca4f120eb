"""Property-based API testing: schemathesis generates requests from /openapi.json; none may cause a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from test_server_helpers import Server, build_server, make_plugin


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for every operation (the gates run only for the two seed releases)."""
    root = tmp_path_factory.mktemp("schemathesis")
    home = root / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLUGSMITH_HOME", str(home))
        srv = build_server(root, db_url=f"sqlite:///{home / 'hub.db'}", key_dir=home / "keys")
        assert srv.publish(make_plugin(root)).status_code == 201
        srv.publish(make_plugin(root, "payroll_total"))  # one pending release for the review endpoints
        yield srv
        srv.client.close()
        srv.hub.close()


@pytest.fixture
def api_schema(hub_server: Server) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", hub_server.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, hub_server: Server) -> None:
    case.call_and_validate(headers=hub_server.auth("admin"), checks=[not_a_server_error])
