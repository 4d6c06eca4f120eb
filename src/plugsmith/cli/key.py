"""``plugsmith key show|rotate|rekey``: the hub's signing keys in its database (docs/server.md,
"Several replicas"). Run on any machine with the hub's ``--db``/``PLUGSMITH_DB`` and its key secret."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

key_app = typer.Typer(help="The hub's signing keys, kept in its database and sealed by the key secret.",
                      no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
SecretOpt = Annotated[Path | None, typer.Option(
    "--key-secret-file", help="File holding the key secret (default: $PLUGSMITH_KEY_SECRET_FILE or "
    "$PLUGSMITH_KEY_SECRET).")]


def _ring() -> tuple[Any, Any]:
    from plugsmith.cli._common import OPTIONS
    from plugsmith.governance._keys import KeyRing
    from plugsmith.hub import Hub

    hub = Hub.open(OPTIONS.db)
    return hub, KeyRing(hub.engine)


def _secret(path: Path | None, what: str = "--key-secret-file") -> bytes:
    from plugsmith.errors import ConfigError
    from plugsmith.governance._keys import SECRET_ENV, SECRET_FILE_ENV, key_secret

    secret = key_secret(path)
    if secret is None:
        raise ConfigError("no key secret given", subject=what,
                          hint=f"set {SECRET_ENV} or {SECRET_FILE_ENV}, or pass --key-secret-file PATH")
    return secret


@key_app.command("show")
def show(as_json: JsonOpt = False) -> None:
    """List the hub's keys, oldest first: the active one signs, retired ones keep old signatures valid."""
    from plugsmith.cli._common import print_json

    hub, ring = _ring()
    try:
        records = ring.records()
    finally:
        hub.close()
    if as_json:
        print_json([r.as_dict() for r in records])
        return
    for r in records:
        state = "active" if r.active else f"retired {r.retired_at:%Y-%m-%d}" if r.retired_at else "retired"
        after = f"  after {r.previous_key_id}" if r.previous_key_id else ""
        print(f"{r.key_id}  {state:<18}  made {r.created_at:%Y-%m-%d}{after}")
    if not records:
        print("no key in the database yet: `plugsmith serve` with a key secret creates it")


@key_app.command("rotate")
def rotate(key_secret_file: SecretOpt = None, as_json: JsonOpt = False) -> None:
    """Make a new signing key and retire the active one (kept: old signatures stay verifiable);
    replicas sign with the new key from their next start."""
    from plugsmith.cli._common import err, print_json

    secret = _secret(key_secret_file)
    hub, ring = _ring()
    try:
        old, new = ring.rotate(secret)
    finally:
        hub.close()
    if as_json:
        print_json({"retired": old.as_dict(), "active": new.as_dict()})
        return
    print(new.key_id)
    err(f"retired {old.key_id}; {new.key_id} is active: restart each replica to sign with it")


@key_app.command("rekey")
def rekey(
    new_secret_file: Annotated[Path, typer.Option("--new-secret-file", help="File holding the new key "
                                                  "secret.")],
    key_secret_file: SecretOpt = None,
) -> None:
    """Re-seal every key under a new key secret (all or nothing); then restart every replica with it."""
    from plugsmith.cli._common import err

    secret, new = _secret(key_secret_file), _secret(new_secret_file, "--new-secret-file")
    hub, ring = _ring()
    try:
        count = ring.rekey(secret, new)
    finally:
        hub.close()
    err(f"re-sealed {count} key(s) under the new secret; restart every replica with it")


def register(app: typer.Typer) -> None:
    app.add_typer(key_app, name="key")
