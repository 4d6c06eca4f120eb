"""The root Typer app, and the one place where plugsmith errors become exit codes."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from plugsmith.cli._common import OPTIONS

app = typer.Typer(
    name="plugsmith",
    help="A plan pipeline that detects missing capabilities, synthesizes plugins, validates them in a "
    "sandbox and publishes them to a hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        from plugsmith import __version__

        sys.stdout.write(f"plugsmith {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    db: Annotated[str | None, typer.Option("--db", help="Hub database URL (default: SQLite in "
                                            "$PLUGSMITH_HOME; env PLUGSMITH_DB).")] = None,
    hub_url: Annotated[str | None, typer.Option("--hub-url", help="A shared hub server "
                                                 "(env PLUGSMITH_HUB_URL).")] = None,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="Print the plugsmith version and exit.")] = False,
) -> None:
    OPTIONS.db = db
    OPTIONS.hub_url = hub_url


def _register() -> None:
    """Attach every command module. Each module adds its commands to ``app`` or a sub-app."""
    from plugsmith.cli import _commands

    _commands.register(app)


_register()


def _is_usage_error(exc: BaseException) -> bool:
    """Whether ``exc`` is click's ``ClickException`` (Typer may vendor click under another module name)."""
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__) and hasattr(exc, "show")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning ``PlugsmithError`` into one line and an exit code."""
    from plugsmith.errors import PlugsmithError

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or "--help" in args:  # help (or a usage error) is coming: format it cheaply
        from plugsmith.cli._fasthelp import import_rich_utils

        import_rich_utils()
    try:
        rc = app(args=argv, standalone_mode=False)
    except PlugsmithError as exc:
        sys.stderr.write(f"error: {exc.one_line()}\n")
        if exc.hint:
            sys.stderr.write(f"hint: {exc.hint}\n")
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("aborted\n")
        sys.exit(130)
    except Exception as exc:  # usage errors arrive here with standalone_mode=False
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(int(getattr(exc, "exit_code", 2)))
        raise
    # with standalone_mode=False, click returns the code of a ``typer.Exit`` instead of raising it
    sys.exit(rc if isinstance(rc, int) else 0)
