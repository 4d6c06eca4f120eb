"""``plugsmith serve`` (run the shared hub) and ``plugsmith token create|list|revoke`` (its API tokens)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from plugsmith.hub import Hub
    from plugsmith.server import ServerStore

token_app = typer.Typer(help="Manage the hub server's API tokens (stored hashed; shown once).",
                        no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8765,
    sign_existing: Annotated[bool, typer.Option(
        "--sign-existing", help="Sign every unsigned release (published on the hub host around the "
        "server; the first serve of a hub signs them by itself). Run `plugsmith hub verify` first.")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=32)] = 1,
    key_secret_file: Annotated[Path | None, typer.Option(
        "--key-secret-file", help="File holding the key secret that seals the hub's signing key in its "
        "database (default: $PLUGSMITH_KEY_SECRET_FILE or $PLUGSMITH_KEY_SECRET); the same on every "
        "replica, required on PostgreSQL.")] = None,
    rate: Annotated[list[str] | None, typer.Option(
        "--rate", help="A shared rate limit, KIND=COUNT/SECONDS (KIND: publish, write, auth-failure); "
        "repeatable.")] = None,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        "--forwarded-allow-ips", help="Addresses of load balancers whose X-Forwarded-For is trusted "
        "(comma-separated; default 127.0.0.1).")] = None,
) -> None:
    """Run the shared hub: JSON API under /api/v1, web pages at /, OpenAPI at /openapi.json.

    Several replicas on one PostgreSQL serve one hub behind any load balancer (docs/server.md)."""
    import os

    import uvicorn

    from plugsmith.cli._common import OPTIONS, err
    from plugsmith.governance._keys import SECRET_FILE_ENV, key_secret
    from plugsmith.server import ServerSettings, create_app
    from plugsmith.server._limits import RATES_ENV, parse_rate

    rates = dict(parse_rate(text) for text in rate or [])
    secret = key_secret(key_secret_file)
    if key_secret_file:  # the gate worker processes (and --workers) check attestations with it too
        os.environ[SECRET_FILE_ENV] = str(key_secret_file.resolve())
    settings = ServerSettings(db_url=OPTIONS.db, key_secret=secret, rates=rates or None)
    app = create_app(settings)
    if sign_existing:
        count = app.state.writes.sign_existing()
        err(f"signed {count} existing release(s)")
    err(f"plugsmith hub on http://{host}:{port}/ (key {app.state.writes.key.key_id})")
    proxies = {"forwarded_allow_ips": forwarded_allow_ips} if forwarded_allow_ips else {}
    if workers > 1:  # each worker builds its app from the environment (server/_factory.py)
        if OPTIONS.db:
            os.environ["PLUGSMITH_DB"] = OPTIONS.db
        if rate:
            os.environ[RATES_ENV] = ",".join(rate)
        uvicorn.run("plugsmith.server._factory:app", host=host, port=port, workers=workers,
                    log_level="warning", **proxies)  # type: ignore[arg-type]
    else:
        uvicorn.run(app, host=host, port=port, log_level="warning", **proxies)  # type: ignore[arg-type]


def _store() -> tuple[Hub, ServerStore]:
    """The token store in the hub database (migrated first, so the tables exist)."""
    from plugsmith.cli._common import OPTIONS
    from plugsmith.hub import Hub
    from plugsmith.server import ServerStore

    hub = Hub.open(OPTIONS.db)
    return hub, ServerStore(engine=hub.engine)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="publisher, reviewer or admin.")],
    name: Annotated[str, typer.Option(help="Who or what the token is for.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Create a token. The secret is printed once; only its hash is kept."""
    from plugsmith.cli._common import err, print_json

    hub, store = _store()
    try:
        info, secret = store.create_token(role, name)
    finally:
        hub.close()
    if as_json:
        print_json({**info.as_dict(), "token": secret})
        return
    print(secret)
    err(f"created {info.role} token {info.id}; store it now, it is not shown again")


@token_app.command("list")
def token_list(as_json: JsonOpt = False) -> None:
    """List tokens (ids, roles, names; never the secrets)."""
    from plugsmith.cli._common import print_json

    hub, store = _store()
    try:
        tokens = store.list_tokens()
    finally:
        hub.close()
    if as_json:
        print_json([t.as_dict() for t in tokens])
        return
    for t in tokens:
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        print(f"{t.id}  {t.role:<9}  {state:<18}  {t.name}")
    if not tokens:
        print("no tokens; create one with `plugsmith token create --role publisher`")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="The token id (tok_…).")]) -> None:
    """Revoke a token: requests carrying it are refused from now on."""
    from plugsmith.cli._common import err

    hub, store = _store()
    try:
        info = store.revoke_token(token_id)
    finally:
        hub.close()
    err(f"revoked {info.role} token {info.id}")


@token_app.command("transfer")
def token_transfer(
    name: Annotated[str, typer.Argument(help="The plugin name.")],
    to: Annotated[str, typer.Option("--to", help="The id of the token that is to own it (tok_…).")],
    as_json: JsonOpt = False,
) -> None:
    """Give a plugin name to another token: only its owner (or an admin) publishes new versions."""
    from plugsmith.cli._common import print_json
    from plugsmith.errors import BadInput, NotFound
    from plugsmith.spec import is_name, plugin_id_for

    if not is_name(name):
        raise BadInput(f"{name!r} is not a plugin name", subject="NAME", hint="lowercase letters, digits, _")
    hub, store = _store()
    try:
        try:
            hub.versions(name)
        except NotFound:
            if store.owner(name) is None:
                raise
        previous = store.set_owner(name, plugin_id_for(name), to, assigned_by=None)
    finally:
        hub.close()
    if as_json:
        print_json({"name": name, "owner": to, "previous": previous})
        return
    print(f"{name} now belongs to token {to}" + (f" (was {previous})" if previous else " (was unowned)"))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
