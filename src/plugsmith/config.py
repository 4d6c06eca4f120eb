"""Where plugsmith keeps its state, read from the environment.

``PLUGSMITH_HOME`` (default ``~/.plugsmith``) holds ``hub.db``, ``artifacts/``, ``policy.toml`` and the
audit log. ``PLUGSMITH_DB`` points the hub at another database (PostgreSQL) by URL;
``PLUGSMITH_HUB_URL`` points the CLI at a shared hub server instead of a local database.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from plugsmith.errors import ConfigError


def home() -> Path:
    """The plugsmith home directory, created on first use (ConfigError when it cannot be)."""
    raw = os.environ.get("PLUGSMITH_HOME")
    path = Path(raw).expanduser() if raw else Path.home() / ".plugsmith"
    return ensure_directory(path, "PLUGSMITH_HOME" if raw else "home directory")


def check_directory(path: Path, what: str) -> Path:
    """``path`` if it is a directory or could be made one (nothing is created): a ConfigError when it
    is a file or lies below one."""
    probe = Path(path).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ConfigError(f"{path} is a file, or lies below one; it must be a directory", subject=what,
                          hint=f"point {what} at a directory (it is created if missing)")
    return path


def ensure_directory(path: Path, what: str) -> Path:
    """``path`` as a directory, created if missing; a one-line ConfigError when it is a file, lies
    below one, or cannot be created (``what`` names the setting or option it came from)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(f"{path} is a file, or lies below one; it must be a directory", subject=what,
                          hint=f"point {what} at a directory (it is created if missing)") from None
    except OSError as exc:
        raise ConfigError(f"cannot create the directory {path}: {exc.strerror or exc}", subject=what,
                          hint=f"point {what} at a directory you can write") from None
    return path


def db_url(explicit: str | None = None) -> str:
    """The hub database URL: ``--db``, else ``PLUGSMITH_DB``, else SQLite in the home directory."""
    url = explicit or os.environ.get("PLUGSMITH_DB")
    if not url:
        return f"sqlite:///{home() / 'hub.db'}"
    if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ConfigError(
            f"unsupported database URL {url.split('://')[0]!r}",
            hint="use sqlite:///PATH or postgresql://user:pass@host/db",
            subject="--db",
        )
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def hub_url(explicit: str | None = None) -> str | None:
    """The URL of a shared hub server, if the user gave one (``--hub-url`` or ``PLUGSMITH_HUB_URL``)."""
    return explicit or os.environ.get("PLUGSMITH_HUB_URL") or None


POLICY_FILE = "policy.toml"


def policy_table(path: Path | None = None) -> dict[str, Any]:
    """The raw table of ``$PLUGSMITH_HOME/policy.toml`` ({} when absent); bad TOML is a ConfigError.

    ``governance.Policy`` validates it; the sandbox reads its one key (``allow_weak_fallback``) here.
    """
    path = path or home() / POLICY_FILE
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", subject=str(path)) from None


def artifacts_dir() -> Path:
    path = home() / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


__all__ = ["POLICY_FILE", "artifacts_dir", "check_directory", "db_url", "ensure_directory", "home",
           "hub_url", "policy_table"]
