"""Two ``plugsmith serve`` processes on one real PostgreSQL: one hub, nothing on either one's disk.

Each replica has its own ``PLUGSMITH_HOME`` (so nothing it needs can come from the other's disk) and
the same key secret. Through them: publish on one, download, verify and run on the other; revoke a
token on one and see it refused on the other; concurrent publishes of the same and of different
plugins through both, with nothing lost or duplicated; a tampered artifact row refused mid-stream with
nothing left on the client, and reported by ``hub verify``; a replica started with another secret
refuses to start, in one line.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from plugsmith.errors import WorkFailed
from plugsmith.hub import DatabaseStore, Hub, pack
from plugsmith.hub._remote import RemoteHub
from plugsmith.server import ServerStore
from test_server_helpers import GOOD_CODE, gates_available, make_plugin

pytest_plugins = ["_postgres"]
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not gates_available(), reason="publishing runs the real gates")]
SECRET = "the replicas' shared key secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, home: Path, secret_file: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``plugsmith serve`` (not waiting for it)."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGSMITH_")}
    env["PLUGSMITH_HOME"] = str(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "plugsmith", "--db", url, "serve", "--port", str(port),
         "--key-secret-file", str(secret_file)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, f"http://127.0.0.1:{port}"


def wait_up(proc: subprocess.Popen[bytes], base: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        try:
            return dict(httpx.get(f"{base}/api/v1/health", timeout=1).json())
        except httpx.HTTPError:
            if proc.poll() is not None:
                why = proc.stderr.read().decode() if proc.stderr else ""
                raise AssertionError(f"replica died: {why}") from None
            assert time.monotonic() < deadline, "replica did not start"
            time.sleep(0.1)


@dataclass
class Replicas:
    url: str
    a: str
    b: str
    tokens: dict[str, tuple[str, str]]  # who -> (token id, secret)
    root: Path

    def remote(self, base: str, who: str = "publisher") -> RemoteHub:
        return RemoteHub(base, token=self.tokens[who][1])

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who][1]}"}

    def publish(self, base: str, plugin: Path, who: str = "publisher") -> httpx.Response:
        return httpx.post(f"{base}/api/v1/publish", content=pack(plugin), timeout=120,
                          headers={**self.auth(who), "Content-Type": "application/gzip"})


@pytest.fixture(scope="module")
def replicas(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    root = tmp_path_factory.mktemp("replicas")
    url = postgres_server.create_database("replicas")
    secret_file = root / "key-secret"
    secret_file.write_text(SECRET + "\n")
    procs = [serve(url, root / name, secret_file) for name in ("home-a", "home-b")]
    try:
        for proc, base in procs:
            wait_up(proc, base)
        with Hub.open(url) as hub:  # what `plugsmith token create` does on the hub host
            store = ServerStore(engine=hub.engine)
            tokens = {}
            for who, role in (("publisher", "publisher"), ("other", "publisher"), ("admin", "admin"),
                              ("reviewer", "reviewer"), ("reviewer2", "reviewer")):
                info, token = store.create_token(role, who)
                tokens[who] = (info.id, token)
        yield Replicas(url, procs[0][1], procs[1][1], tokens, root)
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            proc.wait(timeout=15)


@pytest.fixture
def client_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A client machine: its own home, pinning keys on first contact."""
    home = tmp_path / "client"
    monkeypatch.setenv("PLUGSMITH_HOME", str(home))
    return home


def test_both_replicas_sign_with_the_one_key_of_the_hub(replicas: Replicas) -> None:
    keys = [httpx.get(f"{base}/api/v1/key").json() for base in (replicas.a, replicas.b)]
    assert keys[0] == keys[1] and keys[0]["key_id"]
    for home in ("home-a", "home-b"):  # the key is in the database, not on either machine's disk
        assert not list((replicas.root / home).rglob("*.pem"))
        assert not list((replicas.root / home).rglob("*.tar.gz"))


def test_published_through_one_downloaded_verified_and_run_through_the_other(
        replicas: Replicas, client_home: Path, tmp_path: Path) -> None:
    with replicas.remote(replicas.a) as a:
        release = a.publish(make_plugin(tmp_path, "cost_across"))
    assert release.status.value == "approved"
    with replicas.remote(replicas.b) as b:
        fetched = b.get("cost_across")
        assert fetched.checksum == release.checksum
        checkout = b.checkout(fetched)  # checksum and the hub's signature verified on download
        assert "def run" in (checkout / "plugin.py").read_text()
    inputs = tmp_path / "inputs.json"
    plan = {"title": "p", "tasks": [{"id": "a", "name": "a", "cost": 4}]}
    inputs.write_text(json.dumps({"plan_json": plan}))
    ran = subprocess.run([sys.executable, "-m", "plugsmith", "--hub-url", replicas.b, "plugin", "run",
                          "cost_across", "--input", str(inputs)],
                         env={**os.environ, "PLUGSMITH_HOME": str(client_home / "runner")},
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"total": 4.0}


def test_a_token_revoked_through_one_replica_is_refused_by_the_other(replicas: Replicas) -> None:
    with Hub.open(replicas.url) as hub:
        info, token = ServerStore(engine=hub.engine).create_token("publisher", "leaked")
    events = {"events": [{"kind": "gap", "capability": "cost_leaked"}]}
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{replicas.b}/api/v1/events", json=events, headers=headers).status_code == 202
    revoked = httpx.post(f"{replicas.a}/api/v1/tokens/{info.id}/revoke", headers=replicas.auth("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = httpx.post(f"{replicas.b}/api/v1/events", json=events, headers=headers)
    assert refused.status_code == 401


def test_concurrent_publishes_through_both_lose_nothing_and_duplicate_nothing(
        replicas: Replicas, tmp_path: Path) -> None:
    same = make_plugin(tmp_path / "same", "cost_race")
    rival = make_plugin(tmp_path / "rival", "cost_clash", code=GOOD_CODE + "# another build\n")
    clash = make_plugin(tmp_path / "clash", "cost_clash")
    mine = make_plugin(tmp_path / "mine", "cost_owned")
    theirs = make_plugin(tmp_path / "theirs", "cost_owned", code=GOOD_CODE + "# theirs\n")
    different = [make_plugin(tmp_path / "many", f"cost_many_{n}") for n in range(4)]
    jobs = [(replicas.a, same, "publisher"), (replicas.b, same, "publisher"),
            (replicas.a, rival, "other"), (replicas.b, clash, "other"),
            (replicas.a, mine, "publisher"), (replicas.b, theirs, "other"),
            *[(replicas.a if n % 2 else replicas.b, plugin, "publisher")
              for n, plugin in enumerate(different)]]
    with ThreadPoolExecutor(len(jobs)) as pool:
        answers = list(pool.map(lambda job: replicas.publish(*job), jobs))
    codes = [r.status_code for r in answers]
    assert sorted(codes[:2]) == [200, 201], [r.text for r in answers[:2]]  # one created it, one found it
    assert answers[0].json()["checksum"] == answers[1].json()["checksum"]
    assert sorted(codes[2:4]) == [201, 409]  # same name@version, other bytes: immutable, one wins
    assert sorted(codes[4:6]) == [201, 403]  # a new name claimed by two tokens at once: one owns it
    assert codes[6:] == [201] * 4
    with Hub.open(replicas.url) as hub:
        names = [r.name for r in hub.search("cost_", limit=1000)]
        for name in ("cost_race", "cost_clash", "cost_owned", *[f"cost_many_{n}" for n in range(4)]):
            assert names.count(name) == 1, name
        checksums = {r.checksum for r in hub.search("cost_", limit=1000)}
        assert isinstance(hub.store, DatabaseStore)
        with hub.engine.connect() as conn:
            count = "SELECT checksum, count(*) FROM {} GROUP BY checksum"
            stored, signed = (conn.execute(sa.text(count.format(table))).all()
                              for table in ("artifacts", "server_signatures"))
        assert checksums <= {c for c, _ in stored} and all(n == 1 for _, n in stored)
        assert checksums <= {c for c, _ in signed} and all(n == 1 for _, n in signed)
        for digest in checksums:
            hub.read_artifact(digest)  # every archive intact


def test_a_review_is_decided_once_across_replicas(replicas: Replicas, tmp_path: Path) -> None:
    pending = replicas.publish(replicas.a, make_plugin(tmp_path, "cost_net", permissions=["network"]))
    assert pending.status_code == 201 and pending.json()["status"] == "pending_review"
    ref = pending.json()["ref"]
    decisions = [(replicas.a, "reviewer", "approve"), (replicas.b, "reviewer2", "reject")]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda d: httpx.post(f"{d[0]}/api/v1/reviews/{ref}", json={"decision": d[2]},
                                                     headers=replicas.auth(d[1]), timeout=60), decisions))
    assert sorted(r.status_code for r in answers) == [200, 409]
    won = next(r.json() for r in answers if r.status_code == 200)
    for base in (replicas.a, replicas.b):
        detail = httpx.get(f"{base}/api/v1/plugins/{ref}").json()
        assert detail["status"] == won["status"] and len(detail["reviews"]) == 1


def test_a_tampered_row_is_cut_off_mid_download_and_reported(replicas: Replicas, client_home: Path,
                                                             tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path, "cost_cut", readme="# cut\n\n" + os.urandom(20_000).hex())
    data = pack(plugin)
    with Hub.open(replicas.url) as hub:  # stored in small chunks first: publishing keeps the stored copy
        digest = DatabaseStore(hub.engine, chunk_bytes=4096).write(data)
    assert replicas.publish(replicas.a, plugin).status_code == 201
    with Hub.open(replicas.url) as hub, hub.engine.begin() as conn:
        last = conn.execute(sa.text("SELECT max(seq) FROM artifact_chunks WHERE checksum = :c"),
                            {"c": digest})
        conn.execute(sa.text("UPDATE artifact_chunks SET data = :d WHERE checksum = :c AND seq = :s"),
                     {"d": b"tampered", "c": digest, "s": last.scalar_one()})
    with httpx.stream("GET", f"{replicas.b}/api/v1/artifacts/{digest}") as response:
        assert response.status_code == 200 and int(response.headers["content-length"]) == len(data)
        received = bytearray()
        with pytest.raises(httpx.HTTPError):
            for chunk in response.iter_bytes():
                received += chunk
    assert 0 < len(received) < len(data)  # the stream began, and was cut off before the end
    with replicas.remote(replicas.b) as b, pytest.raises(WorkFailed) as info:
        b.checkout(b.get("cost_cut"))
    assert "interrupted" in info.value.message and "nothing was kept" in info.value.message
    cache = client_home / "remote-cache"
    assert not cache.exists() or not [p for p in cache.iterdir()]  # nothing half-written on the client
    verify = subprocess.run([sys.executable, "-m", "plugsmith", "--db", replicas.url, "hub", "verify",
                             "--json"],
                            env={**os.environ, "PLUGSMITH_HOME": str(tmp_path / "verifier"),
                                 "PLUGSMITH_KEY_SECRET": SECRET},
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 1
    report = json.loads(verify.stdout)
    assert [c["refs"] for c in report["corrupt"]] == [["cost_cut@1.0.0"]]
    assert report["signature_problems"] == []  # the key secret lets it check the database key's signatures


def test_a_replica_with_another_key_secret_refuses_to_start(replicas: Replicas, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong-secret"
    wrong.write_text("not the secret this hub was made with\n")
    proc, _ = serve(replicas.url, tmp_path / "home-c", wrong)
    _, err = proc.communicate(timeout=60)
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2
    assert "does not open this hub's signing key" in lines[0] and "Traceback" not in err.decode()
    assert len([line for line in lines if not line.startswith("hint:")]) == 1
