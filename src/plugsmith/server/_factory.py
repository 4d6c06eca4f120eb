"""An importable ``app`` for multi-worker uvicorn (``uvicorn plugsmith.server._factory:app``).

Each worker process builds its own app from the environment (``PLUGSMITH_DB``, ``PLUGSMITH_HOME``);
they share the database and the signing key on disk.
"""

from __future__ import annotations

from plugsmith.server._app import create_app

app = create_app()

__all__ = ["app"]
