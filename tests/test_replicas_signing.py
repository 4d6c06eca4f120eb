"""The hub's one signing identity in use: servers sign with the key in the database, a hub signed with a
machine's key file keeps its identity when it moves into the database, rotation keeps every signature
verifiable (for the hub's own checks and for clients that pinned an older key), and a bad setup is a
one-line error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from plugsmith.cli import main
from plugsmith.errors import ConfigError
from plugsmith.governance import Gatekeeper, Policy
from plugsmith.governance._keys import KeyRing
from plugsmith.governance._signing import HubKey
from plugsmith.hub import Hub
from plugsmith.hub._remote import RemoteHub
from plugsmith.server import ServerSettings, create_app, verify_hub
from plugsmith.spec import Status, Tier
from test_server_helpers import SyncASGITransport, double_validator, make_plugin

pytest_plugins = ["_postgres", "test_hub_helpers"]  # db_url: SQLite and a real PostgreSQL
SECRET = b"the hub's key secret, long enough"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    from plugsmith.governance import _keys

    monkeypatch.setattr(_keys, "_SCRYPT", (2**12, 8, 1))
    monkeypatch.setattr(_keys, "_OPENED", {})


class Served:
    """One server app (a replica) over its own Hub object."""

    def __init__(self, url: str, secret: bytes | None = SECRET) -> None:
        self.hub = Hub.open(url)
        self.app = create_app(ServerSettings(db_url=url, validator=double_validator, key_secret=secret,
                                             sensitive_capabilities=set()), hub=self.hub)
        self.transport = SyncASGITransport(self.app)

    def seed(self, plugin: Path) -> Any:
        release = self.hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
        self.app.state.writes._sign(release, None)
        return release

    def remote(self) -> RemoteHub:
        return RemoteHub("http://hub.test", transport=self.transport)

    def close(self) -> None:
        self.transport.close()
        self.hub.close()


@pytest.fixture
def served(db_url: str) -> Iterator[list[Served]]:
    opened: list[Served] = []
    yield opened
    for one in opened:
        one.close()


def test_every_replica_signs_with_the_key_in_the_database(db_url: str, served: list[Served],
                                                           plugsmith_home: Path) -> None:
    served += [Served(db_url), Served(db_url)]
    ids = {one.app.state.writes.key.key_id for one in served}
    assert len(ids) == 1 and ids == {KeyRing(served[0].hub.engine).records()[0].key_id}
    assert not (plugsmith_home / "keys" / "hub_ed25519.pem").exists()  # nothing on this machine's disk
    keys = httpx.Client(transport=served[1].transport, base_url="http://hub.test").get("/api/v1/keys").json()
    assert [k["key_id"] for k in keys] == list(ids) and keys[0]["active"]


def test_rotation_keeps_old_signatures_verifiable_for_the_hub_and_for_clients(
        db_url: str, served: list[Served], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    first = Served(db_url)
    served.append(first)
    old = first.seed(make_plugin(tmp_path, "cost_old"))
    client = first.remote()
    client.checkout(client.get("cost_old"))  # pins the first key on first contact
    monkeypatch.setenv("PLUGSMITH_KEY_SECRET", SECRET.decode())
    with pytest.raises(SystemExit) as done:
        main(["--db", db_url, "key", "rotate"])
    assert done.value.code in (0, None)
    new_id = capsys.readouterr().out.strip()
    second = Served(db_url)  # a replica (re)started after the rotation
    served.append(second)
    assert second.app.state.writes.key.key_id == new_id != first.app.state.writes.key.key_id
    new = second.seed(make_plugin(tmp_path, "cost_new"))
    assert verify_hub(second.hub) == []  # both signatures check: the retired key is still in the ring
    policy = Policy.load()
    for release in (old, new):
        assert Gatekeeper(second.hub, policy).check(release).allowed
    pinned = tmp_path / "first-key.pem"  # a client that trusts the first key only...
    pinned.write_text(client.public_key())
    monkeypatch.setenv("PLUGSMITH_HUB_KEY", str(pinned))
    fresh = RemoteHub("http://hub.test", transport=second.transport)
    checkout = fresh.checkout(fresh.get("cost_new"))  # ...follows the endorsed rotation to the new one
    assert (checkout / "plugin.py").is_file()


def signed_with_a_key_file(url: str, plugin: Path) -> Any:
    """A hub as an earlier plugsmith's server left it: signed with this machine's key file."""
    from plugsmith.governance._served import save_signature

    with Hub.open(url) as hub:
        release = hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
        save_signature(hub, release, HubKey.load_or_create())
    return release


def test_a_hub_signed_with_a_key_file_keeps_its_identity_in_the_database(db_url: str, served: list[Served],
                                                                          tmp_path: Path) -> None:
    release = signed_with_a_key_file(db_url, make_plugin(tmp_path))
    file_key = HubKey.existing()
    assert file_key is not None
    after = Served(db_url)  # the first replica with a key secret adopts it
    served.append(after)
    assert after.app.state.writes.key.key_id == file_key.key_id
    assert KeyRing(after.hub.engine).records()[0].key_id == file_key.key_id
    assert verify_hub(after.hub) == [] and Gatekeeper(after.hub).check(release).allowed


def test_a_hub_signed_elsewhere_is_not_given_a_new_identity(db_url: str, tmp_path: Path,
                                                             plugsmith_home: Path) -> None:
    signed_with_a_key_file(db_url, make_plugin(tmp_path))
    for name in ("hub_ed25519.pem", "hub_ed25519.pub"):  # this machine does not hold the hub's key
        (plugsmith_home / "keys" / name).rename(tmp_path / name)
    with pytest.raises(ConfigError, match="signed with key .* which is not in this machine's key directory"):
        Served(db_url)
    with Hub.open(db_url) as hub:
        assert KeyRing(hub.engine).records() == []


@pytest.mark.postgres
def test_a_postgresql_hub_is_not_served_without_a_key_secret(postgres_url: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match="keeps its signing key in its database"):
        Served(postgres_url, secret=None)
    for argv, expected in (
        (["serve", "--key-secret-file", str(tmp_path / "absent")], "cannot read the key secret file"),
        (["serve", "--rate", "publish=lots"], "not a rate"),
        (["serve"], "keeps its signing key in its database"),
    ):
        with pytest.raises(SystemExit) as done:
            main(["--db", postgres_url, *argv])
        err = capsys.readouterr().err
        assert done.value.code == 2 and expected in err and "Traceback" not in err


def test_a_release_published_on_a_replica_host_is_signed_with_the_hub_key(
        db_url: str, served: list[Served], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``plugsmith synth`` / ``hub publish`` against the hub's database sign with the key in it when the
    key secret is given, and leave the release unsigned (for ``hub verify`` to report) otherwise."""
    from plugsmith.governance import sign_if_served

    replica = Served(db_url)
    served.append(replica)
    replica.seed(make_plugin(tmp_path, "cost_seed"))  # the hub is a signed one now
    with Hub.open(db_url) as cli_hub:
        unsigned = cli_hub.publish(make_plugin(tmp_path, "cost_nokey"), status=Status.approved,
                                   tier=Tier.tier1)
        assert not sign_if_served(cli_hub, unsigned)  # this machine has no key file and no secret
        monkeypatch.setenv("PLUGSMITH_KEY_SECRET", SECRET.decode())
        signed = cli_hub.publish(make_plugin(tmp_path, "cost_key"), status=Status.approved, tier=Tier.tier1)
        assert sign_if_served(cli_hub, signed)
    kinds = {p.ref: p.kind for p in verify_hub(replica.hub)}
    assert kinds == {unsigned.ref: "unsigned"}


def test_a_refused_download_leaves_no_file(plugsmith_home: Path, tmp_path: Path) -> None:
    from plugsmith.errors import TamperedArtifact

    replica = Served(f"sqlite:///{plugsmith_home / 'hub.db'}")
    release = replica.seed(make_plugin(tmp_path))
    client = replica.remote()
    good = client.download(release.checksum, tmp_path / "out" / "good.tar.gz", manifest=release.manifest)
    assert good.read_bytes() == replica.hub.read_artifact(release.checksum)
    path = replica.hub.store.path_for(release.checksum)  # type: ignore[attr-defined]
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(TamperedArtifact):
        client.download(release.checksum, tmp_path / "out" / "bad.tar.gz", manifest=release.manifest)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.tar.gz"]  # no partial file
    replica.close()
