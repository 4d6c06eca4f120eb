"""An importable ``app`` for multi-worker uvicorn (``uvicorn plugsmith.server._factory:app``).

Each worker process builds its own app from the environment (``PLUGSMITH_DB``, ``PLUGSMITH_HOME``, the
key secret's ``PLUGSMITH_KEY_SECRET(_FILE)``, ``PLUGSMITH_RATES``); they share the database and the
signing key (in the database, or on disk for a hub without a key secret).
"""

from __future__ import annotations

from plugsmith.server._app import create_app
from plugsmith.server._limits import rates_from_env
from plugsmith.server._service import ServerSettings

app = create_app(ServerSettings(rates=rates_from_env()))

__all__ = ["app"]
