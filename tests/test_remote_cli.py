"""The `plugsmith hub …` commands work unchanged against a RemoteHub.

``cli/_common.open_hub`` does not return a RemoteHub yet (see docs/server.md); until it does, this test
puts one in its place, so it checks that RemoteHub satisfies what the commands call.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import test_server_helpers as helpers
from plugsmith.cli import main
from plugsmith.hub._remote import RemoteHub
from test_server_helpers import Server, SyncASGITransport, make_plugin, seed_release

server = helpers.server


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_hub_commands_over_http(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import plugsmith.cli._common as common

    release = seed_release(server, make_plugin(tmp_path))
    monkeypatch.setattr(
        common,
        "open_hub",
        lambda: RemoteHub(
            "http://hub.test", token=server.tokens["admin"], transport=SyncASGITransport(server.app)
        ),
    )
    code, out, err = run(["hub", "search", "cost", "--json"], capsys)
    assert code == 0, err
    assert [r["ref"] for r in json.loads(out)] == [release.ref]
    code, out, err = run(["hub", "show", "cost_total", "--json"], capsys)
    assert code == 0 and json.loads(out)["checksum"] == release.checksum
    code, _, err = run(["hub", "verify"], capsys)
    assert code == 0, err
    code, _, err = run(["hub", "deprecate", release.ref], capsys)
    assert code == 0, err
    assert server.hub.get(release.ref).status.value == "deprecated"
    code, _, err = run(["hub", "show", "nothing_here"], capsys)
    assert code == 2 and "nothing_here" in err
