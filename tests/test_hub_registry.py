"""The registry against SQLite and a real PostgreSQL: schema, publish, lookup, lifecycle, records."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from _artifacts import tamper
from plugsmith.errors import BadInput, ManifestError, NotFound, TamperedArtifact, VersionConflict
from plugsmith.hub import Hub, checksum, pack
from plugsmith.hub import _hub as hub_module
from plugsmith.hub._db import current_revision, head_revision, include_name
from plugsmith.hub._models import Base
from plugsmith.spec import GateReport, Status, TestCase, Tier
from test_hub_helpers import make_plugin

pytest_plugins = ["_postgres", "test_hub_helpers"]


def test_migrations_build_exactly_the_models(hub: Hub) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def hub_tables_only(name: str | None, type_: str, parents: dict[str, str | None]) -> bool:
        if type_ == "table":  # later migrations (e.g. the server's 0002) add tables the hub does not model
            return name in Base.metadata.tables
        return include_name(name, type_, parents)

    with hub.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        ctx = MigrationContext.configure(conn, opts={"include_name": hub_tables_only})
        diff = compare_metadata(ctx, Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"plugins", "releases", "events", "synthesis_records", "benchmark_cases"} <= tables


def test_reopening_is_idempotent(hub: Hub, db_url: str, tmp_path: Path) -> None:
    release = hub.publish(make_plugin(tmp_path / "src"), status=Status.approved,
                          tier=Tier.tier1)
    with Hub.open(db_url) as again:
        assert again.get(release.ref) == release


def test_sqlite_runs_in_wal_mode(plugsmith_home: Path) -> None:
    with Hub.open() as opened, opened.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    assert (plugsmith_home / "hub.db").exists()


def test_publish_get_and_versions(hub: Hub, tmp_path: Path) -> None:
    report = GateReport(plugin_id="x", verdict="approved", tier=Tier.tier1)
    r1 = hub.publish(make_plugin(tmp_path), status=Status.approved, tier=Tier.tier1, gate_report=report,
                     evaluation={"score": 0.8})
    r2 = hub.publish(make_plugin(tmp_path, version="1.1.0"), status=Status.approved, tier=Tier.tier1)
    assert r1.ref == "cost_estimation@1.0.0" and r1.plugin_id == r2.plugin_id
    assert r1.gate_report is not None and r1.gate_report["verdict"] == "approved"
    assert r1.evaluation == {"score": 0.8}
    assert r1.manifest.inputs["plan_json"]["$id"] == "plugsmith:plan"
    assert hub.get("cost_estimation") == r2
    assert hub.get(r1.plugin_id) == r2
    assert hub.get("cost_estimation@1.0") == r1  # PEP 440: 1.0 == 1.0.0
    assert hub.get(f"{r1.plugin_id}@1.0.0") == r1
    assert [r.version for r in hub.versions("cost_estimation")] == ["1.1.0", "1.0.0"]
    assert [r.version for r in hub.versions(r1.plugin_id)] == ["1.1.0", "1.0.0"]
    assert hub.read_artifact(r1.checksum) == pack(make_plugin(tmp_path / "again"))


def test_same_bytes_are_idempotent_other_bytes_conflict(hub: Hub, tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    first = hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
    assert hub.publish(plugin, status=Status.approved, tier=Tier.tier2) == first
    (plugin / "README.md").write_text("different bytes\n")
    with pytest.raises(VersionConflict, match="immutable") as info:
        hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
    assert "1.1.0" in (info.value.hint or "")
    assert len(hub.versions("cost_estimation")) == 1
    assert hub.get(first.ref).checksum == first.checksum


def test_bad_inputs_are_one_line_errors(hub: Hub, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not a valid PEP 440"):
        hub.get("cost_estimation@banana")
    with pytest.raises(NotFound, match="no such plugin"):
        hub.get("nothing_here")
    with pytest.raises(NotFound):
        hub.versions("nothing_here")
    plugin = make_plugin(tmp_path)
    (plugin / "plugin.py").unlink()
    with pytest.raises(ManifestError, match="plugin.py is missing"):
        hub.publish(plugin, status=Status.approved, tier=None)
    with pytest.raises(BadInput, match="cannot be stored"):
        hub.publish(make_plugin(tmp_path / "b"), status=Status.reused, tier=None)
    assert hub.search() == []


def test_crash_mid_publish_leaves_hub_unchanged(hub: Hub, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("power cut")

    monkeypatch.setattr(hub_module.Hub, "_release_values", staticmethod(boom))
    plugin = make_plugin(tmp_path)
    with pytest.raises(RuntimeError, match="power cut"):
        hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
    with hub.engine.connect() as conn:  # the plugin row inserted before the crash was rolled back
        assert conn.execute(text("SELECT count(*) FROM plugins")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM releases")).scalar() == 0
    monkeypatch.undo()
    release = hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
    assert hub.get(release.ref) == release


def test_publish_archive_stores_the_canonical_checksum(hub: Hub, tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=1) as tar:  # not our canonical form
        tar.add(plugin, arcname=".")
    release = hub.publish_archive(raw.getvalue(), status=Status.approved, tier=Tier.tier2)
    assert release.checksum == checksum(pack(plugin))


def test_next_version(hub: Hub, tmp_path: Path) -> None:
    assert hub.next_version("cost_estimation") == "1.0.0"
    hub.publish(make_plugin(tmp_path, version="1.2.0"), status=Status.approved, tier=None)
    hub.publish(make_plugin(tmp_path, version="1.10.0"), status=Status.approved, tier=None)
    assert hub.next_version("cost_estimation") == "1.11.0"
    hub.publish(make_plugin(tmp_path, "other_name", capability="cost_estimation", version="3.0.0"),
                status=Status.approved, tier=None)
    assert hub.next_version("cost_estimation") == "3.1.0"  # by capability
    assert hub.next_version("other_name") == "3.1.0"


def test_lookup_orders_by_tier_then_score_then_reuse(hub: Hub, tmp_path: Path) -> None:
    def pub(name: str, tier: Tier | None, score: float | None, status: Status = Status.approved) -> None:
        hub.publish(make_plugin(tmp_path, name, capability="cost_estimation"), status=status, tier=tier,
                    evaluation={"score": score} if score is not None else None)

    pub("c_tier2", Tier.tier2, 0.99)
    pub("c_tier1_low", Tier.tier1, 0.5)
    pub("c_tier1_high", Tier.tier1, 0.9)
    pub("c_tier1_low_reused", Tier.tier1, 0.5)
    pub("c_rejected", Tier.tier0, 1.0, Status.rejected)
    pub("c_untiered", None, 1.0)
    target = hub.get("c_tier1_low_reused")
    hub.record_event("use", capability="cost_estimation", plugin_id=target.plugin_id, version="1.0.0")
    names = [r.name for r in hub.lookup("cost_estimation")]
    assert names == ["c_tier1_high", "c_tier1_low_reused", "c_tier1_low", "c_tier2", "c_untiered"]
    every = hub.lookup("cost_estimation", statuses=(Status.approved, Status.rejected))
    assert every[0].name == "c_rejected"
    assert hub.lookup("no_such_capability") == []


def test_lifecycle_changes_what_resolves(hub: Hub, tmp_path: Path) -> None:
    hub.publish(make_plugin(tmp_path, version="1.0.0"), status=Status.approved, tier=Tier.tier1)
    hub.publish(make_plugin(tmp_path, version="2.0.0"), status=Status.approved, tier=Tier.tier1)
    yanked = hub.set_status("cost_estimation@2.0.0", Status.yanked, reason="wrong totals")
    assert yanked.status == Status.yanked and yanked.status_reason == "wrong totals"
    assert [r.version for r in hub.lookup("cost_estimation")] == ["1.0.0"]
    assert hub.get("cost_estimation").version == "1.0.0"  # newest loadable
    hub.set_status("cost_estimation@1.0.0", Status.quarantined)
    assert hub.lookup("cost_estimation") == []
    assert hub.get("cost_estimation").version == "2.0.0"  # nothing loadable: newest of any status
    events = hub.events(kind="status")
    assert [e["detail"]["to"] for e in events] == ["yanked", "quarantined"]
    assert events[0]["detail"]["reason"] == "wrong totals"
    with pytest.raises(BadInput):
        hub.set_status("cost_estimation@1.0.0", "nonsense")  # type: ignore[arg-type]


def test_telemetry_events(hub: Hub) -> None:
    hub.record_event("gap", capability="risk_matrix", plan_id="p1")
    hub.record_event("synthesis", capability="risk_matrix", outcome="approved", duration_ms=12.5,
                     detail={"strategy": "enumerate"})
    hub.record_event("failure", capability="cost_estimation", plugin_id="plug_x", outcome="error")
    risk = hub.events(capability="risk_matrix")
    assert [e["kind"] for e in risk] == ["gap", "synthesis"]
    assert risk[1]["detail"] == {"strategy": "enumerate"} and risk[1]["duration_ms"] == 12.5
    assert risk[0]["plan_id"] == "p1" and risk[0]["created_at"].endswith("+00:00")
    assert [e["plugin_id"] for e in hub.events(kind="failure")] == ["plug_x"]
    assert len(hub.events()) == 3


def test_synthesis_records_upsert_by_spec_hash(hub: Hub) -> None:
    assert hub.synthesis_record("sha256:abc") is None
    hub.save_synthesis_record("sha256:abc", "risk_matrix", {"attempts": 1})
    hub.save_synthesis_record("sha256:abc", "risk_matrix", {"attempts": 2, "last": "failed"})
    assert hub.synthesis_record("sha256:abc") == {"attempts": 2, "last": "failed"}
    with hub.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM synthesis_records")).scalar() == 1


def test_benchmark_cases(hub: Hub) -> None:
    one = TestCase(name="g1", input={"plan_json": {"tasks": []}}, expected={"cost_breakdown": {}})
    two = TestCase(name="g2", input={"plan_json": {"tasks": [{"id": "a"}]}},
                   expected={"cost_breakdown": {"x": 1}})
    hub.add_benchmark_case("cost_estimation", one)
    hub.add_benchmark_case("cost_estimation", two, kind="holdout")
    changed = one.model_copy(update={"expected": {"cost_breakdown": {"y": 2}}})
    hub.add_benchmark_case("cost_estimation", changed)
    cases = hub.benchmark_cases("cost_estimation")
    assert [c.name for c in cases] == ["g1", "g2"]
    assert cases[0].expected == {"cost_breakdown": {"y": 2}}
    assert hub.benchmark_cases("other") == []


def test_checkout_and_tamper_detection_through_the_hub(hub: Hub, tmp_path: Path) -> None:
    release = hub.publish(make_plugin(tmp_path), status=Status.approved, tier=Tier.tier1)
    out = hub.checkout(release)
    assert (out / "plugin.json").exists()
    assert all(entry["ok"] for entry in hub.verify_artifacts())
    tamper(hub.store, release.checksum, lambda _old: b"tampered")
    report = hub.verify_artifacts()
    assert report[0]["refs"] == [release.ref] and not report[0]["ok"]
    with pytest.raises(TamperedArtifact):
        hub.read_artifact(release.checksum)


def test_unreachable_postgres_is_a_config_error() -> None:
    from plugsmith.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot open the hub database") as info:
        Hub.open("postgresql://user:secret@127.0.0.1:1/nothing")
    assert "secret" not in info.value.one_line()


def test_database_from_a_newer_plugsmith_is_refused(plugsmith_home: Path) -> None:
    from plugsmith.errors import ConfigError

    url = f"sqlite:///{plugsmith_home / 'hub.db'}"
    Hub.open(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(ConfigError, match="cannot be migrated"):
        Hub.open(url)
