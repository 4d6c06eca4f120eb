"""One canonical version per release: PEP 440 equality on publish, on lookup and in the database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

import test_server_helpers as helpers
from plugsmith.errors import BadInput, VersionConflict
from plugsmith.hub import Hub
from plugsmith.hub._db import _alembic_config
from plugsmith.spec import Status, Tier
from test_hub_helpers import make_plugin

pytest_plugins = ["_postgres", "test_hub_helpers"]


def test_equal_versions_spelled_differently_are_one_release(hub: Hub, tmp_path: Path) -> None:
    first = hub.publish(make_plugin(tmp_path, version="0.1"), status=Status.approved, tier=Tier.tier2)
    for spelling in ("0.1.0", "0.1.0.0", "00.1"):  # the manifest itself normalises 00.1 to 0.1
        with pytest.raises(VersionConflict, match="same version as the published 0.1|already published"):
            hub.publish(make_plugin(tmp_path, version=spelling, body="# other code\n"),
                        status=Status.approved, tier=Tier.tier2)
    assert [r.version for r in hub.versions("cost_estimation")] == [first.version]


def test_lookup_finds_a_release_under_any_spelling(hub: Hub, tmp_path: Path) -> None:
    release = hub.publish(make_plugin(tmp_path, version="0.1.0"), status=Status.approved, tier=Tier.tier2)
    for ref in ("cost_estimation@0.1", "cost_estimation@0.1.0.0", "cost_estimation@v0.1.0",
                f"{release.plugin_id}@0.1"):
        assert hub.get(ref).checksum == release.checksum, ref


def test_the_database_enforces_it(hub: Hub, tmp_path: Path) -> None:
    release = hub.publish(make_plugin(tmp_path, version="2.0"), status=Status.approved, tier=Tier.tier2)
    with hub.engine.connect() as conn:
        indexes = {ix["name"]: ix for ix in inspect(conn).get_indexes("releases")}
        row = dict(conn.execute(text("SELECT * FROM releases WHERE id = (SELECT max(id) FROM releases)"))
                   .mappings().one())
    assert indexes["uq_releases_name_version_key"]["unique"]
    assert row["version_key"] == "2"
    row.pop("id")
    row.pop("search_vector", None)
    row["version"] = "2.0.0"
    columns = ", ".join(row)
    with pytest.raises(IntegrityError), hub.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO releases ({columns}) VALUES ({', '.join(':' + c for c in row)})"),
                     {k: (v if not isinstance(v, dict | list) else __import__("json").dumps(v))
                      for k, v in row.items()})
    assert hub.get("cost_estimation@2.0.0").checksum == release.checksum


def test_absurd_versions_are_one_line_errors(hub: Hub) -> None:
    for ref in ("cost_estimation@" + "9" * 5000, "cost_estimation@1.0" + ".0" * 3000, "x@not-a-version"):
        with pytest.raises(BadInput) as info:
            hub.get(ref)
        assert len(info.value.one_line()) < 300


def _release_row(name: str, version: str, checksum: str, now: datetime) -> dict[str, Any]:
    import json

    from plugsmith.spec import plugin_id_for

    manifest = {"name": name, "capability": name, "version": version, "origin": "handwritten",
                "outputs": {"result": {}}}
    return {"plugin_id": plugin_id_for(name), "name": name, "capability": name, "version": version,
            "status": "approved", "status_reason": "", "tier": "Tier 2", "tier_rank": 2,
            "origin": "handwritten", "checksum": checksum, "manifest": json.dumps(manifest),
            "provenance": "{}", "eval_score": 0.0, "reuse_count": 0, "description": "", "keywords": "",
            "search_text": name, "created_at": now, "updated_at": now}


def test_migration_0003_keeps_the_first_of_equal_versions_and_yanks_the_rest(db_url: str) -> None:
    from alembic import command

    from plugsmith.spec import plugin_id_for

    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0002")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO plugins (id, name, capability, created_at) "
                          "VALUES (:i, 'dup', 'dup', :t)"), {"i": plugin_id_for("dup"), "t": now})
        for version, digit in (("0.1", "a"), ("0.1.0", "b"), ("0.2", "c"), ("0.1.0.0", "d")):
            row = _release_row("dup", version, "sha256:" + digit * 64, now)
            conn.execute(text(f"INSERT INTO releases ({', '.join(row)}) VALUES "
                              f"({', '.join(':' + c for c in row)})"), row)
    engine.dispose()
    with Hub.open(db_url) as hub:
        by_version = {r.version: r for r in hub.versions("dup")}
        assert by_version["0.1"].status == Status.approved and by_version["0.2"].status == Status.approved
        for later in ("0.1.0", "0.1.0.0"):
            assert by_version[later].status == Status.yanked
            assert "same version as dup@0.1" in by_version[later].status_reason
        assert hub.get("dup@0.1.0").checksum == "sha256:" + "a" * 64
        assert [e["detail"]["to"] for e in hub.events("status")] == ["yanked", "yanked"]


def test_concurrent_server_uploads_of_equal_versions_give_one_201(tmp_path: Path,
                                                                   plugsmith_home: Path) -> None:
    from plugsmith.gates import validate

    barrier = threading.Barrier(2, timeout=60)

    def gates_together(plugin_dir: Path, **kwargs: Any) -> Any:
        barrier.wait()  # both uploads are past the "already published?" check before either publishes
        return validate(plugin_dir, **kwargs)

    srv = helpers.build_server(tmp_path, validator=gates_together)
    try:
        plugins = [helpers.make_plugin(tmp_path / v, version=v) for v in ("0.2", "0.2.0")]
        results: list[Any] = [None, None]

        def upload(i: int) -> None:
            results[i] = srv.publish(plugins[i])

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        codes = sorted(r.status_code for r in results)
        assert codes == [201, 409], [r.text for r in results]
        assert len(srv.hub.versions("cost_total")) == 1
    finally:
        srv.client.close()
        srv.hub.close()
