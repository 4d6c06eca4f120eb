"""Helpers every command uses: global options, opening the hub, printing JSON and errors."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plugsmith.hub import Hub


@dataclass
class GlobalOptions:
    """Options given before the command (``plugsmith --db URL hub search …``)."""

    db: str | None = None
    hub_url: str | None = None


OPTIONS = GlobalOptions()


def open_hub() -> Hub:
    """The hub the user pointed at: a shared server (``--hub-url``/``PLUGSMITH_HUB_URL``), else
    ``--db``/``PLUGSMITH_DB``, else SQLite in ``PLUGSMITH_HOME``.

    A ``RemoteHub`` speaks the same read and publish interface over HTTP and verifies every
    artifact's checksum and signature before handing it out.
    """
    from plugsmith import config
    from plugsmith.hub import Hub

    url = config.hub_url(OPTIONS.hub_url)
    if url and not OPTIONS.db:
        from plugsmith.hub._remote import RemoteHub

        return RemoteHub(url)  # type: ignore[return-value]
    return Hub.open(OPTIONS.db)


def print_json(data: Any) -> None:
    """Print data as indented JSON on stdout (pydantic models are dumped in JSON mode)."""
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def err(message: str) -> None:
    """One line on stderr."""
    sys.stderr.write(message.rstrip() + "\n")
