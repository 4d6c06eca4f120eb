"""A served hub's signatures in its database: is this hub signed, and sign a release into it.

``plugsmith serve`` records an ed25519 signature for every release it publishes (the server's
``server_signatures`` table), and signs every release already there the first time it serves a hub. From
then on the hub is *signed*: every release must carry a valid signature, and one without is refused at
load and reported by ``plugsmith hub verify``. A release published on the hub host by another route
(``plugsmith synth``, ``hub publish``, installing built-ins) is signed by ``sign_if_served`` when this
machine holds the key the hub signs with; otherwise it stays unsigned until an admin signs it
(``plugsmith serve --sign-existing``).

Plain SQL over the hub's engine: governance reads and writes the server's table without importing the
server. A ``RemoteHub`` has no engine; it verifies signatures itself on every download.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from plugsmith.governance._signing import HubKey, manifest_digest

UNSIGNED_HINT = ("if the release is genuine, sign it on the hub host with `plugsmith serve --sign-existing` "
                 "(`plugsmith hub verify` lists every unsigned release first); otherwise yank it")


def _engine(hub: Any) -> Any:
    return getattr(hub, "engine", None)


def recorded_signature(hub: Any, checksum: str) -> dict[str, Any] | None:
    """The signature a served hub recorded for ``checksum``, or None (never served, or not signed)."""
    engine = _engine(hub)
    if engine is None:
        return None
    query = sa.text("SELECT manifest_digest, signature, key_id FROM server_signatures WHERE checksum = :c")
    try:
        with engine.connect() as conn:
            row = conn.execute(query, {"c": checksum}).mappings().first()
    except sa.exc.SQLAlchemyError:
        return None  # a hub database from before the server tables existed
    return dict(row) if row else None


def signing_key_id(hub: Any) -> str | None:
    """The id of the key a served hub signs with (its newest signature's), or None when the hub was
    never served — an unsigned hub, whose releases rely on their checksums alone."""
    engine = _engine(hub)
    if engine is None:
        return None
    query = sa.text("SELECT key_id FROM server_signatures ORDER BY created_at DESC LIMIT 1")
    try:
        with engine.connect() as conn:
            found = conn.execute(query).scalar()
    except sa.exc.SQLAlchemyError:
        return None
    return str(found) if found is not None else None


def save_signature(hub: Any, release: Any, key: HubKey, published_by: str | None = None) -> None:
    """Sign ``release`` with ``key`` into the hub's signature table (a no-op when already signed)."""
    digest = manifest_digest(release.manifest)
    row = {"checksum": release.checksum, "plugin_id": release.plugin_id, "version": release.version,
           "manifest_digest": digest, "signature": key.sign_digest(release.checksum, digest),
           "key_id": key.key_id, "published_by": published_by, "downloads": 0,
           "created_at": datetime.now(UTC)}
    insert = sa.text(f"INSERT INTO server_signatures ({', '.join(row)}) VALUES "
                     f"({', '.join(':' + column for column in row)}) ON CONFLICT (checksum) DO NOTHING")
    with _engine(hub).execution_options(plugsmith_write=True).begin() as conn:
        conn.execute(insert, row)  # the first signature of a checksum stays (replicas may race here)


def sign_if_served(hub: Any, release: Any) -> bool:
    """Sign a release just published on the hub host, when the hub is a signed one and this machine
    holds the key it signs with. True when the release is signed afterwards."""
    key_id = signing_key_id(hub)
    if key_id is None:
        return False
    if recorded_signature(hub, release.checksum) is not None:
        return True
    key = _key_for(hub, key_id)
    if key is None:
        return False
    save_signature(hub, release, key)
    return True


def _key_for(hub: Any, key_id: str) -> HubKey | None:
    """The private key with this id when this machine holds it: the hub's key in its database (given
    the key secret), else this home's key file."""
    from plugsmith.errors import ConfigError
    from plugsmith.governance._keys import KeyRing, key_secret

    secret = key_secret()
    if secret is not None and isinstance(_engine(hub), sa.Engine):
        record = KeyRing(_engine(hub)).active_record() if _has_ring(hub) else None
        if record is not None and record.key_id == key_id:
            try:
                return KeyRing(_engine(hub)).active(secret)
            except ConfigError:
                return None
    key = HubKey.existing()
    return key if key is not None and key.key_id == key_id else None


def _has_ring(hub: Any) -> bool:
    try:
        with _engine(hub).connect() as conn:
            conn.execute(sa.text("SELECT 1 FROM hub_keys LIMIT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


__all__ = ["UNSIGNED_HINT", "recorded_signature", "save_signature", "sign_if_served", "signing_key_id"]
