"""The server's own tables: API tokens (hashed), release signatures (+ download counts), review decisions,
and who owns which plugin name.

They live in the hub's database (created by the Alembic revision ``server_0001``, chained after the hub's
own) but are reached through a separate SQLAlchemy engine, so the server depends only on the hub's
public interface. Tokens are 256-bit random strings; only their sha256 is stored, which is enough for
secrets that cannot be brute-forced (a slow hash buys nothing there and costs every request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from plugsmith import config
from plugsmith.errors import BadInput, NotFound

metadata = sa.MetaData()

tokens = sa.Table(
    "server_tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

signatures = sa.Table(
    "server_signatures",
    metadata,
    sa.Column("checksum", sa.String(80), primary_key=True),
    sa.Column("plugin_id", sa.String(40), nullable=False, index=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("manifest_digest", sa.String(80), nullable=False),
    sa.Column("signature", sa.String(200), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("published_by", sa.String(32), nullable=True),
    sa.Column("downloads", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

reviews = sa.Table(
    "server_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("plugin_id", sa.String(40), nullable=False, index=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("decision", sa.String(20), nullable=False),
    sa.Column("reviewer", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


owners = sa.Table(
    "server_owners",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("plugin_id", sa.String(40), nullable=False, unique=True),
    sa.Column("owner", sa.String(32), nullable=False, index=True),
    sa.Column("assigned_by", sa.String(32), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


class Role(StrEnum):
    """What a token may do. Each role includes the ones before it."""

    publisher = "publisher"  # publish, deprecate its own plugins, send telemetry
    reviewer = "reviewer"  # + approve/reject pending releases (never its own sensitive ones)
    admin = "admin"  # + yank or deprecate anything

    @property
    def level(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never the secret itself."""

    id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": str(self.role),
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class ServerStore:
    """Tokens, signatures and reviews in the hub's database."""

    def __init__(self, url: str | None = None, *, engine: Engine | None = None) -> None:
        self.engine = engine or sa.create_engine(config.db_url(url), pool_pre_ping=True)

    def close(self) -> None:
        self.engine.dispose()

    def _write(self) -> Any:
        """A write transaction; ``plugsmith_write`` makes the hub's SQLite engine ``BEGIN IMMEDIATE``."""
        return self.engine.execution_options(plugsmith_write=True).begin()

    # tokens ---------------------------------------------------------------------------------------
    def create_token(self, role: str, name: str = "") -> tuple[TokenInfo, str]:
        """A new token; the secret is returned once and never stored."""
        try:
            parsed = Role(role)
        except ValueError:
            raise BadInput(
                f"unknown role {role!r}", hint="use publisher, reviewer or admin", subject="--role"
            ) from None
        secret = "psk_" + secrets.token_urlsafe(32)
        info = TokenInfo("tok_" + secrets.token_hex(6), name, parsed, _now(), None)
        with self._write() as conn:
            conn.execute(
                tokens.insert().values(
                    id=info.id,
                    name=name,
                    role=str(parsed),
                    token_hash=hash_token(secret),
                    created_at=info.created_at,
                    revoked_at=None,
                )
            )
        return info, secret

    def list_tokens(self) -> list[TokenInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(tokens.select().order_by(tokens.c.created_at)).mappings().all()
        return [self._token(row) for row in rows]

    def revoke_token(self, token_id: str) -> TokenInfo:
        with self._write() as conn:
            done = conn.execute(
                tokens.update()
                .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            ).rowcount
            row = conn.execute(tokens.select().where(tokens.c.id == token_id)).mappings().first()
        if row is None:
            raise NotFound(f"no token {token_id!r}", hint="see `plugsmith token list`", subject="token")
        if not done:
            raise BadInput(f"token {token_id} was already revoked", subject="token")
        return self._token(row)

    def authenticate(self, secret: str) -> TokenInfo | None:
        """The live token with this secret, or None (unknown or revoked)."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(tokens.select().where(tokens.c.token_hash == hash_token(secret)))
                .mappings()
                .first()
            )
        if row is None or row["revoked_at"] is not None:
            return None
        return self._token(row)

    @staticmethod
    def _token(row: Any) -> TokenInfo:
        return TokenInfo(
            row["id"],
            row["name"],
            Role(row["role"]),
            _aware(row["created_at"]) or _now(),
            _aware(row["revoked_at"]),
        )

    # signatures -----------------------------------------------------------------------------------
    def save_signature(
        self,
        *,
        checksum: str,
        plugin_id: str,
        version: str,
        manifest_digest: str,
        signature: str,
        key_id: str,
        published_by: str | None,
    ) -> None:
        """Record a release's signature; re-publishing the same bytes keeps the first record (also when
        replicas sign the same release at once: ``ON CONFLICT DO NOTHING``)."""
        with self._write() as conn:
            insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(signatures)
            conn.execute(
                insert.values(
                    checksum=checksum,
                    plugin_id=plugin_id,
                    version=version,
                    manifest_digest=manifest_digest,
                    signature=signature,
                    key_id=key_id,
                    published_by=published_by,
                    downloads=0,
                    created_at=_now(),
                ).on_conflict_do_nothing(index_elements=["checksum"])
            )

    def signature(self, checksum: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(signatures.select().where(signatures.c.checksum == checksum))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def any_signature(self) -> bool:
        """Whether this hub was ever served (signed): it then holds at least one signature."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(signatures.c.checksum).limit(1)).first() is not None

    def all_signatures(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(signatures.select()).mappings().all()
        return {row["checksum"]: dict(row) for row in rows}

    def is_released(self, checksum: str) -> bool:
        """Whether any hub release points at this artifact (the hub's ``releases`` table, read-only)."""
        query = sa.text("SELECT 1 FROM releases WHERE checksum = :c LIMIT 1")
        with self.engine.connect() as conn:
            return conn.execute(query, {"c": checksum}).first() is not None

    def count_download(self, checksum: str, count: int = 1) -> None:
        self.count_downloads({checksum: count})

    def count_downloads(self, counts: dict[str, int]) -> None:
        """Add download counts for several artifacts in one transaction."""
        if not counts:
            return
        with self._write() as conn:
            for checksum, count in sorted(counts.items()):
                conn.execute(
                    signatures.update()
                    .where(signatures.c.checksum == checksum)
                    .values(downloads=signatures.c.downloads + count)
                )

    def downloads_by_plugin(self) -> dict[str, int]:
        query = sa.select(signatures.c.plugin_id, sa.func.sum(signatures.c.downloads)).group_by(
            signatures.c.plugin_id
        )
        with self.engine.connect() as conn:
            return {pid: int(total or 0) for pid, total in conn.execute(query)}

    # name ownership -------------------------------------------------------------------------------
    def owner(self, name: str) -> str | None:
        """The token id that owns plugin ``name``, or None (never published through the server)."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(owners.c.owner).where(owners.c.name == name)).scalar()
        return str(found) if found is not None else None

    def owner_of_plugin(self, plugin_id: str) -> str | None:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(owners.c.owner).where(owners.c.plugin_id == plugin_id)).scalar()
        return str(found) if found is not None else None

    def claim(self, name: str, plugin_id: str, token_id: str) -> str:
        """Make ``token_id`` the owner of an unowned name; returns whoever owns it afterwards (another
        token when a concurrent claim won)."""
        now = _now()
        try:
            with self._write() as conn:
                if conn.execute(sa.select(owners.c.owner).where(owners.c.name == name)).first() is None:
                    conn.execute(owners.insert().values(name=name, plugin_id=plugin_id, owner=token_id,
                                                        assigned_by=None, created_at=now, updated_at=now))
        except sa.exc.IntegrityError:  # a concurrent claim inserted first (PostgreSQL)
            pass
        return self.owner(name) or token_id

    def release_claim(self, name: str, token_id: str) -> None:
        """Drop a claim that published nothing (a rejected first upload must not squat the name)."""
        gone = sa.text("SELECT 1 FROM releases WHERE name = :n LIMIT 1")
        with self._write() as conn:
            if conn.execute(gone, {"n": name}).first() is None:
                conn.execute(owners.delete().where(owners.c.name == name, owners.c.owner == token_id))

    def set_owner(self, name: str, plugin_id: str, token_id: str, assigned_by: str | None) -> str | None:
        """Give ``name`` to a live token; returns the previous owner. NotFound for an unknown or revoked
        token."""
        with self.engine.connect() as conn:
            row = conn.execute(tokens.select().where(tokens.c.id == token_id)).mappings().first()
        if row is None or row["revoked_at"] is not None:
            raise NotFound(f"no live token {token_id!r}", subject="owner",
                           hint="see `plugsmith token list` on the hub host")
        now = _now()
        with self._write() as conn:
            previous = conn.execute(sa.select(owners.c.owner).where(owners.c.name == name)).scalar()
            if previous is None:
                conn.execute(owners.insert().values(name=name, plugin_id=plugin_id, owner=token_id,
                                                    assigned_by=assigned_by, created_at=now, updated_at=now))
            else:
                conn.execute(owners.update().where(owners.c.name == name)
                             .values(owner=token_id, assigned_by=assigned_by, updated_at=now))
        return str(previous) if previous is not None else None

    # reviews --------------------------------------------------------------------------------------
    def record_review(
        self, *, plugin_id: str, version: str, decision: str, reviewer: str, reason: str
    ) -> None:
        with self._write() as conn:
            conn.execute(
                reviews.insert().values(
                    plugin_id=plugin_id,
                    version=version,
                    decision=decision,
                    reviewer=reviewer,
                    reason=reason,
                    created_at=_now(),
                )
            )

    def reviews_of(self, plugin_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    reviews.select().where(reviews.c.plugin_id == plugin_id).order_by(reviews.c.id)
                )
                .mappings()
                .all()
            )
        return [
            {**dict(row), "created_at": (_aware(row["created_at"]) or _now()).isoformat()} for row in rows
        ]


__all__ = ["Role", "ServerStore", "TokenInfo", "hash_token", "metadata", "owners", "reviews", "signatures",
           "tokens"]
