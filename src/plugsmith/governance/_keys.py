"""One signing identity per hub: the key pair in the hub database, the private key sealed by a secret.

Several server replicas (on several machines) must sign with the same key, so the key cannot live in
one machine's ``$PLUGSMITH_HOME/keys``. It lives in the hub's ``hub_keys`` table (migration 0007), its
private half sealed with the *key secret* the operator gives every replica — ``PLUGSMITH_KEY_SECRET``,
or a file named by ``PLUGSMITH_KEY_SECRET_FILE`` / ``plugsmith serve --key-secret-file`` — and never
stored: scrypt turns the secret into an AES-256-GCM key, and the key id is the sealed data's associated
data, so a sealed key moved to another row does not open. A replica whose secret does not open the
hub's key refuses to start (``ConfigError``, one line). The first replica creates the key (or adopts
the hub key this machine already signed the hub with), inside one transaction: two replicas starting
together end up with the same key.

Rotation (``plugsmith key rotate``) makes a new active key and retires the old one, which stays in the
table with its public half: old signatures keep verifying against it. Each new key row carries two
*endorsements* of the rotation — the old key's signature and the new key's signature over
``(old id, new id)`` — so a client that trusts any one key of the chain can follow it to every other
(``chain_key``) without trusting the database. ``rekey`` re-seals every key under a new secret.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from plugsmith.errors import ConfigError
from plugsmith.governance._signing import HubKey, _load_public, key_id_of

SECRET_ENV = "PLUGSMITH_KEY_SECRET"
SECRET_FILE_ENV = "PLUGSMITH_KEY_SECRET_FILE"
MIN_SECRET_CHARS = 16
_SCRYPT = (2**15, 8, 1)
_ROTATION = b"plugsmith-key-rotation-v1\n"

metadata = sa.MetaData()
hub_keys = sa.Table(
    "hub_keys",
    metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("public_pem", sa.Text, nullable=False),
    sa.Column("sealed_private", sa.Text, nullable=False),
    sa.Column("active", sa.Integer, nullable=True, unique=True),  # 1 for the one active key, else NULL
    sa.Column("previous_key_id", sa.String(32), nullable=True),
    sa.Column("endorsed_by_previous", sa.String(200), nullable=True),
    sa.Column("endorsed_by_new", sa.String(200), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
)


# ------------------------------------------------------------------ the secret
def key_secret(path: Path | None = None) -> bytes | None:
    """The operator's key secret: ``path`` (``--key-secret-file``), else the file named by
    ``PLUGSMITH_KEY_SECRET_FILE``, else ``PLUGSMITH_KEY_SECRET``; None when none is given.

    A file's trailing newline is not part of the secret. Too short, empty or unreadable: ConfigError.
    """
    named = path or (Path(os.environ[SECRET_FILE_ENV]) if os.environ.get(SECRET_FILE_ENV) else None)
    if named is not None:
        where = str(named)
        try:
            raw = named.read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise ConfigError(f"cannot read the key secret file: {exc.strerror or exc}", subject=where,
                              hint=f"point --key-secret-file or {SECRET_FILE_ENV} at a readable file",
                              ) from None
    elif os.environ.get(SECRET_ENV):
        where, raw = SECRET_ENV, os.environ[SECRET_ENV].encode("utf-8")
    else:
        return None
    if len(raw) < MIN_SECRET_CHARS:
        raise ConfigError(f"the key secret is too short ({len(raw)} bytes; at least {MIN_SECRET_CHARS})",
                          subject=where, hint="use a long random string, e.g. `openssl rand -base64 32`")
    return raw


# ------------------------------------------------------------------ sealing
def _derive(secret: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(secret)


def seal(private: Ed25519PrivateKey, secret: bytes, key_id: str) -> str:
    """``scrypt$n$r$p$salt$nonce$ciphertext`` (base64 parts): the raw private key under the secret."""
    n, r, p = _SCRYPT
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    sealed = AESGCM(_derive(secret, salt, n, r, p)).encrypt(nonce, raw, key_id.encode("ascii"))
    parts = [base64.b64encode(x).decode("ascii") for x in (salt, nonce, sealed)]
    return "$".join(["scrypt", str(n), str(r), str(p), *parts])


def unseal(sealed: str, secret: bytes, key_id: str) -> Ed25519PrivateKey | None:
    """The private key, or None when ``secret`` does not open it (or it was moved to another id)."""
    try:
        kind, n, r, p, salt, nonce, data = sealed.split("$")
        if kind != "scrypt":
            return None
        key = _derive(secret, base64.b64decode(salt), int(n), int(r), int(p))
        raw = AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(data), key_id.encode("ascii"))
    except (ValueError, binascii.Error, InvalidTag):
        return None
    return Ed25519PrivateKey.from_private_bytes(raw)


# ------------------------------------------------------------------ rotation endorsements
def rotation_payload(previous_id: str, new_id: str) -> bytes:
    return _ROTATION + previous_id.encode("ascii") + b"\n" + new_id.encode("ascii")


def _endorse(key: Ed25519PrivateKey, previous_id: str, new_id: str) -> str:
    return base64.b64encode(key.sign(rotation_payload(previous_id, new_id))).decode("ascii")


def _endorsed(pem: str, signature: str | None, previous_id: str, new_id: str) -> bool:
    if not signature:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
        _load_public(pem).verify(raw, rotation_payload(previous_id, new_id))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


@dataclass(frozen=True)
class KeyRecord:
    """A hub key as every replica and client may see it (never the private half)."""

    key_id: str
    public_pem: str
    active: bool
    previous_key_id: str | None
    endorsed_by_previous: str | None
    endorsed_by_new: str | None
    created_at: datetime
    retired_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "public_key": self.public_pem, "active": self.active,
                "previous_key_id": self.previous_key_id, "endorsed_by_previous": self.endorsed_by_previous,
                "endorsed_by_new": self.endorsed_by_new, "created_at": self.created_at.isoformat(),
                "retired_at": self.retired_at.isoformat() if self.retired_at else None,
                "algorithm": "ed25519"}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyRecord:
        retired = data.get("retired_at")
        return cls(str(data["key_id"]), str(data["public_key"]), bool(data.get("active")),
                   data.get("previous_key_id"), data.get("endorsed_by_previous"), data.get("endorsed_by_new"),
                   datetime.fromisoformat(data["created_at"]),
                   datetime.fromisoformat(retired) if retired else None)


def chain_key(anchor_pem: str, records: list[KeyRecord], key_id: str) -> str | None:
    """The public key ``key_id`` when a chain of rotations links it to the trusted ``anchor_pem``.

    A link between two consecutive keys counts only when both endorse it (the old key's signature
    vouches for the new one; the new key's for its predecessor), so records from an untrusted source
    (the database, the network) cannot smuggle in a key. None when ``key_id`` is not reachable.
    """
    by_id = {r.key_id: r for r in records if key_id_of(r.public_pem) == r.key_id}
    anchor = key_id_of(anchor_pem)
    links: dict[str, set[str]] = {}
    for rec in by_id.values():
        prev = by_id.get(rec.previous_key_id or "")
        if prev is None:
            continue
        if (_endorsed(prev.public_pem, rec.endorsed_by_previous, prev.key_id, rec.key_id)
                and _endorsed(rec.public_pem, rec.endorsed_by_new, prev.key_id, rec.key_id)):
            links.setdefault(prev.key_id, set()).add(rec.key_id)
            links.setdefault(rec.key_id, set()).add(prev.key_id)
    seen, todo = {anchor}, [anchor]
    while todo:
        for nxt in links.get(todo.pop(), set()) - seen:
            seen.add(nxt)
            todo.append(nxt)
    if key_id == anchor:
        return anchor_pem
    return by_id[key_id].public_pem if key_id in seen and key_id in by_id else None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _record(row: Any) -> KeyRecord:
    return KeyRecord(row.key_id, row.public_pem, row.active == 1, row.previous_key_id,
                     row.endorsed_by_previous, row.endorsed_by_new, _aware(row.created_at) or _now(),
                     _aware(row.retired_at))


def _public_pem(private: Ed25519PrivateKey) -> str:
    return (private.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii"))


class KeyRing:
    """The hub's keys in its database. ``active(secret)`` is what a replica signs with."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _write(self) -> Any:
        return self.engine.execution_options(plugsmith_write=True).begin()

    def records(self) -> list[KeyRecord]:
        """Every key, oldest first (the active one last)."""
        with self.engine.connect() as conn:
            rows = conn.execute(hub_keys.select().order_by(hub_keys.c.created_at, hub_keys.c.key_id)).all()
        return [_record(row) for row in rows]

    def active_record(self) -> KeyRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(hub_keys.select().where(hub_keys.c.active == 1)).first()
        return _record(row) if row else None

    def _open(self, rec: KeyRecord, sealed: str, secret: bytes, where: str) -> HubKey:
        private = unseal(sealed, secret, rec.key_id)
        if private is None or key_id_of(_public_pem(private)) != rec.key_id:
            raise ConfigError(
                f"the key secret does not open this hub's signing key {rec.key_id} (made "
                f"{rec.created_at:%Y-%m-%d}); every replica of a hub needs the same secret",
                subject=where, hint=f"start it with the {SECRET_ENV} (or {SECRET_FILE_ENV}) the hub's other "
                "replicas use; see docs/server.md, 'Several replicas'")
        return HubKey(private=private, path=None)

    def active(self, secret: bytes, *, adopt: HubKey | None = None, where: str = SECRET_ENV) -> HubKey:
        """The active key, opened with ``secret``; created on first use (``adopt`` an existing key
        instead of generating one). ConfigError when ``secret`` does not open it."""
        for _attempt in range(3):
            with self.engine.connect() as conn:
                row = conn.execute(hub_keys.select().where(hub_keys.c.active == 1)).first()
            if row is not None:
                return self._open(_record(row), row.sealed_private, secret, where)
            private = adopt.private if adopt is not None else Ed25519PrivateKey.generate()
            pem = _public_pem(private)
            key_id = key_id_of(pem)
            try:
                with self._write() as conn:
                    conn.execute(hub_keys.insert().values(
                        key_id=key_id, public_pem=pem, sealed_private=seal(private, secret, key_id), active=1,
                        previous_key_id=None, endorsed_by_previous=None, endorsed_by_new=None,
                        created_at=_now(), retired_at=None))
            except IntegrityError:
                continue  # another replica created it first: read theirs
            return HubKey(private=private, path=None)
        raise ConfigError("the hub's signing key could not be created or read", subject="hub_keys",
                          hint="check the database, then start the replica again")

    def rotate(self, secret: bytes, *, where: str = SECRET_ENV) -> tuple[KeyRecord, KeyRecord]:
        """Retire the active key and make a new one, endorsed both ways; (old, new)."""
        with self._write() as conn:
            row = conn.execute(hub_keys.select().where(hub_keys.c.active == 1).with_for_update()).first()
            if row is None:
                raise ConfigError("this hub has no signing key in its database yet",
                                  subject="plugsmith key rotate",
                                  hint="start `plugsmith serve` with a key secret once; it creates the key")
            old = self._open(_record(row), row.sealed_private, secret, where)
            new = Ed25519PrivateKey.generate()
            pem = _public_pem(new)
            new_id, now = key_id_of(pem), _now()
            conn.execute(hub_keys.update().where(hub_keys.c.key_id == row.key_id)
                         .values(active=None, retired_at=now))
            conn.execute(hub_keys.insert().values(
                key_id=new_id, public_pem=pem, sealed_private=seal(new, secret, new_id), active=1,
                previous_key_id=row.key_id, endorsed_by_previous=_endorse(old.private, row.key_id, new_id),
                endorsed_by_new=_endorse(new, row.key_id, new_id), created_at=now, retired_at=None))
        records = {r.key_id: r for r in self.records()}
        return records[row.key_id], records[new_id]

    def rekey(self, secret: bytes, new_secret: bytes, *, where: str = SECRET_ENV) -> int:
        """Re-seal every key under ``new_secret`` (all or nothing); how many keys were re-sealed."""
        with self._write() as conn:
            rows = conn.execute(hub_keys.select().with_for_update()).all()
            for row in rows:
                key = self._open(_record(row), row.sealed_private, secret, where)
                conn.execute(hub_keys.update().where(hub_keys.c.key_id == row.key_id)
                             .values(sealed_private=seal(key.private, new_secret, row.key_id)))
        return len(rows)

    def public_pem(self, key_id: str) -> str | None:
        """The stored public key with this id — as the database says; use ``chain_key`` (or the key
        secret) to decide whether to trust it."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(hub_keys.c.public_pem).where(hub_keys.c.key_id == key_id)).scalar()


# ------------------------------------------------------------------ which key, for which hub
_OPENED: dict[tuple[str, str], HubKey] = {}  # (database, key id) -> the key this process opened
_OPENED_LOCK = threading.Lock()


def _engine(hub: Any) -> Engine | None:
    engine = getattr(hub, "engine", None)
    return engine if isinstance(engine, Engine) else None


def _ring_exists(engine: Engine) -> bool:
    try:
        return KeyRing(engine).active_record() is not None
    except sa.exc.SQLAlchemyError:
        return False  # a database from before migration 0007


def _adoptable(hub: Any, directory: Path | None) -> HubKey | None:
    """This machine's key file, when it is the key the hub has been signed with (or the hub is not
    signed yet); ConfigError when the hub is signed by a key this machine does not hold."""
    from plugsmith.governance._served import signing_key_id

    local = HubKey.existing(directory)
    signed_with = signing_key_id(hub)
    if signed_with is None or (local is not None and local.key_id == signed_with):
        return local
    raise ConfigError(
        f"this hub's releases are signed with key {signed_with}, which is not in this machine's key "
        "directory, and its database holds no key yet", subject="hub key",
        hint="start the first replica (with the key secret) on the machine that served the hub before: "
             "it moves that key into the database")


def signing_key(hub: Any = None, *, secret: bytes | None = None, directory: Path | None = None,
                require_database: bool = False) -> HubKey:
    """The key this process signs ``hub``'s releases (and attestations) with.

    With a key secret (``secret``, else ``key_secret()``) and a hub on a database: the hub's key in
    its database, created on first use (adopting this machine's key file when the hub is signed with
    it). Otherwise this home's key file (``HubKey.load_or_create``) — unless ``require_database``
    (``plugsmith serve`` on PostgreSQL), which is then a ConfigError: replicas must share one key.
    """
    engine = _engine(hub)
    secret = secret if secret is not None else key_secret()
    if engine is not None and secret is not None:
        adopt = None if _ring_exists(engine) else _adoptable(hub, directory)
        key = KeyRing(engine).active(secret, adopt=adopt)
        with _OPENED_LOCK:
            _OPENED[(str(engine.url), key.key_id)] = key
        return key
    if require_database and engine is not None and engine.dialect.name == "postgresql":
        raise ConfigError(
            "a hub on PostgreSQL keeps its signing key in its database, sealed with a key secret, so that "
            "every replica signs as one hub; none was given", subject="plugsmith serve",
            hint=f"set {SECRET_ENV} (16+ characters) or {SECRET_FILE_ENV}, or pass --key-secret-file PATH, "
                 "the same on every replica")
    return HubKey.load_or_create(directory)


def hub_trusted_key(hub: Any, key_id: str, anchors: list[str]) -> str | None:
    """The public key ``key_id`` of ``hub``'s key ring when this process can trust it: the key it
    opened with the secret (which proves it is the hub's), or one linked by rotations to such a key
    or to one of the ``anchors`` (trusted public keys from files)."""
    engine = _engine(hub)
    if engine is None:
        return None
    with _OPENED_LOCK:
        opened = [k.public_pem() for (url, _), k in _OPENED.items() if url == str(engine.url)]
    if not opened and key_secret() is not None and _ring_exists(engine):
        try:
            opened = [signing_key(hub).public_pem()]
        except ConfigError:
            opened = []
    try:
        records = KeyRing(engine).records()
    except sa.exc.SQLAlchemyError:
        return None
    for anchor in [*opened, *anchors]:
        found = chain_key(anchor, records, key_id)
        if found is not None:
            return found
    return None


__all__ = ["MIN_SECRET_CHARS", "SECRET_ENV", "SECRET_FILE_ENV", "KeyRecord", "KeyRing", "chain_key",
           "hub_keys", "hub_trusted_key", "key_secret", "rotation_payload", "seal", "signing_key", "unseal"]
