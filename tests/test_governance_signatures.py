"""The gatekeeper verifies a release's recorded ed25519 signature before it loads (real hub, real key)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from plugsmith.governance import Gatekeeper, HubKey, manifest_digest
from plugsmith.hub import Hub, Release
from plugsmith.spec import Status, Tier
from test_sandbox_helpers import MEAN, MEAN_CASES, make_plugin


@pytest.fixture
def hub() -> Hub:
    with Hub.open() as opened:
        yield opened  # type: ignore[misc]


def _publish(hub: Hub, tmp_path: Path) -> Release:
    plugin = make_plugin(tmp_path / "mean", name="mean", code=MEAN, cases=MEAN_CASES)
    return hub.publish(plugin, status=Status.approved, tier=Tier.tier1)


def _record(hub: Hub, release: Release, *, signature: str, key: HubKey, digest: str | None = None) -> None:
    row = {"checksum": release.checksum, "plugin_id": release.plugin_id, "version": release.version,
           "manifest_digest": digest or manifest_digest(release.manifest), "signature": signature,
           "key_id": key.key_id, "published_by": None, "downloads": 0, "created_at": datetime.now(UTC)}
    columns = ", ".join(row)
    with hub.engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO server_signatures ({columns}) VALUES "
                             f"({', '.join(':' + c for c in row)})"), row)


def test_unsigned_release_of_a_never_served_hub_loads(hub: Hub, tmp_path: Path) -> None:
    release = _publish(hub, tmp_path)
    assert Gatekeeper(hub).check(release).allowed


def test_valid_signature_by_this_hubs_key_loads(hub: Hub, tmp_path: Path) -> None:
    release = _publish(hub, tmp_path)
    key = HubKey.load_or_create()
    _record(hub, release, signature=key.sign(release.checksum, release.manifest), key=key)
    decision = Gatekeeper(hub).check(release)
    assert decision.allowed, decision.reason


def test_forged_signature_is_refused(hub: Hub, tmp_path: Path) -> None:
    release = _publish(hub, tmp_path)
    key = HubKey.load_or_create()
    other = key.sign("sha256:" + "0" * 64, release.manifest)  # a real signature, of other bytes
    _record(hub, release, signature=other, key=key)
    decision = Gatekeeper(hub).check(release)
    assert not decision.allowed
    assert "does not verify" in decision.reason


def test_changed_manifest_is_refused(hub: Hub, tmp_path: Path) -> None:
    release = _publish(hub, tmp_path)
    key = HubKey.load_or_create()
    _record(hub, release, signature=key.sign(release.checksum, release.manifest), key=key,
            digest="sha256:" + "1" * 64)
    decision = Gatekeeper(hub).check(release)
    assert not decision.allowed and "manifest differs" in decision.reason


def test_signature_by_an_unknown_key_needs_the_key_pinned(hub: Hub, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    release = _publish(hub, tmp_path)
    foreign = HubKey.load_or_create(tmp_path / "other-hub-keys")
    _record(hub, release, signature=foreign.sign(release.checksum, release.manifest), key=foreign)
    refused = Gatekeeper(hub).check(release)
    assert not refused.allowed and "PLUGSMITH_HUB_KEY" in refused.reason
    monkeypatch.setenv("PLUGSMITH_HUB_KEY", str(tmp_path / "other-hub-keys" / "hub_ed25519.pub"))
    allowed = Gatekeeper(hub).check(release)
    assert allowed.allowed, allowed.reason
