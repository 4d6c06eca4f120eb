"""``plugsmith token …`` and ``plugsmith serve`` through the real entry point."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from plugsmith.cli import main
from plugsmith.hub._remote import RemoteHub
from test_server_helpers import GOOD_CODE, gates_available, make_plugin


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_token_create_list_revoke(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["token", "create", "--role", "reviewer", "--name", "bob", "--json"], capsys)
    assert code == 0
    created = json.loads(out)
    assert created["role"] == "reviewer" and created["token"].startswith("psk_")
    code, out, _ = run(["token", "list", "--json"], capsys)
    listed = json.loads(out)
    assert [t["id"] for t in listed] == [created["id"]] and "token" not in listed[0]
    assert created["token"] not in out
    code, _, err = run(["token", "revoke", created["id"]], capsys)
    assert code == 0 and "revoked" in err
    code, _, err = run(["token", "revoke", created["id"]], capsys)
    assert code == 2 and "already revoked" in err
    code, _, err = run(["token", "revoke", "tok_nope"], capsys)
    assert code == 2 and "no token" in err
    code, _, err = run(["token", "create", "--role", "god"], capsys)
    assert code == 2 and "unknown role" in err


@pytest.mark.slow
def test_serve_runs_the_hub(
    plugsmith_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, secret, _ = run(["token", "create", "--role", "publisher"], capsys)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plugsmith", "serve", "--port", str(port)],
        env={**os.environ, "PLUGSMITH_HOME": str(plugsmith_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"{base}/api/v1/health", timeout=1).json()
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert health["ok"] is True
        events = {"events": [{"kind": "gap", "capability": "cost_total"}]}
        ok = httpx.post(
            f"{base}/api/v1/events", json=events, headers={"Authorization": f"Bearer {secret.strip()}"}
        )
        assert ok.status_code == 202
        assert httpx.get(f"{base}/api/v1/metrics").json()["overall"]["counts"] == {"gap": 1}
        if gates_available():  # publish over real HTTP: gates in the server's worker process, then verify
            remote = RemoteHub(base, token=secret.strip())
            release = remote.publish(make_plugin(tmp_path))
            assert release.status.value == "approved" and release.tier is not None
            checkout = remote.checkout(remote.get(release.ref))
            assert (checkout / "plugin.py").read_text() == GOOD_CODE
            remote.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
