"""``plugsmith hub migrate-artifacts``: a PostgreSQL hub's archives move from disk into its database,
every checksum verified; bad files are refused and left in place; the command is idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugsmith.cli import main
from plugsmith.hub import DatabaseStore, DirectoryStore, Hub
from plugsmith.spec import Status, Tier
from test_hub_helpers import make_plugin

pytest_plugins = ["_postgres"]
pytestmark = pytest.mark.postgres


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def old_style_hub(url: str, tmp_path: Path) -> tuple[list[str], DirectoryStore]:
    """A PostgreSQL hub as an earlier plugsmith left it: release rows in the database, archives on disk."""
    disk = DirectoryStore()
    with Hub.open(url) as opened:
        hub = Hub(opened.engine, store=disk)
        refs = [hub.publish(make_plugin(tmp_path, f"cost_{n}"), status=Status.approved, tier=Tier.tier1).ref
                for n in ("a", "b", "c", "d")]
    return refs, disk


def test_archives_move_into_the_database_verified(postgres_url: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    refs, disk = old_style_hub(postgres_url, tmp_path)
    with Hub.open(postgres_url) as hub:
        sums = {ref: hub.get(ref).checksum for ref in refs}
        assert isinstance(hub.store, DatabaseStore) and not hub.store.checksums()
        code, _, err = run(capsys, "--db", postgres_url, "hub", "verify")
        assert code == 1 and err.count("still on this machine's disk") == 4  # verify says where they are
    orphan = disk.write(b"not referenced by any release")
    bad = disk.path_for(sums["cost_c@1.0.0"])
    bad.write_bytes(bad.read_bytes() + b"x")
    disk.path_for(sums["cost_d@1.0.0"]).unlink()

    code, out, err = run(capsys, "--db", postgres_url, "hub", "migrate-artifacts", "--json")
    report = json.loads(out)
    assert code == 1 and "1 archive(s) refused, 2 release checksum(s) without an archive" in err
    assert sorted(report["moved"]) == sorted([sums["cost_a@1.0.0"], sums["cost_b@1.0.0"], orphan])
    assert report["unreferenced"] == [orphan]
    assert [r["checksum"] for r in report["refused"]] == [sums["cost_c@1.0.0"]]
    assert "do not match their checksum" in report["refused"][0]["problem"]
    assert sorted(m["refs"][0] for m in report["missing"]) == ["cost_c@1.0.0", "cost_d@1.0.0"]
    assert report["removed_files"] == 3 and bad.is_file()  # the refused file stays where it was
    assert not disk.exists(sums["cost_a@1.0.0"])

    with Hub.open(postgres_url) as hub:
        for ref in ("cost_a@1.0.0", "cost_b@1.0.0"):
            assert (hub.checkout(hub.get(ref)) / "plugin.py").is_file()
        verdicts = {tuple(e["refs"]): e["ok"] for e in hub.verify_artifacts()}
    assert verdicts == {("cost_a@1.0.0",): True, ("cost_b@1.0.0",): True, ("cost_c@1.0.0",): False,
                        ("cost_d@1.0.0",): False}

    code, out, _ = run(capsys, "--db", postgres_url, "hub", "migrate-artifacts")  # again: nothing to move
    assert code == 1 and "moved 0 archive(s)" in out and "1 refused" in out


def test_keep_leaves_the_files_and_a_second_run_finds_them_already_there(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refs, disk = old_style_hub(postgres_url, tmp_path)
    code, out, _ = run(capsys, "--db", postgres_url, "hub", "migrate-artifacts", "--keep")
    assert code == 0 and "moved 4 archive(s)" in out and "0 file(s) removed" in out
    assert len(disk.checksums()) == 4
    code, out, _ = run(capsys, "--db", postgres_url, "hub", "migrate-artifacts", "--json")
    report = json.loads(out)
    assert code == 0 and len(report["already"]) == 4 and report["moved"] == [] and report["ok"]
    assert disk.checksums() == []


def test_a_sqlite_hub_or_a_bad_directory_is_a_one_line_error(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "hub", "migrate-artifacts")
    assert code == 2 and "not in its database (a SQLite hub)" in err and "Traceback" not in err
    code, _, err = run(capsys, "hub", "migrate-artifacts", "--from", str(tmp_path / "nope"))
    assert code == 2 and "is not a directory" in err
