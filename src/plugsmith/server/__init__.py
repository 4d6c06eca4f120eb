"""The hub's HTTP side: a FastAPI JSON API under ``/api/v1``, server-rendered pages, signing, ranking.

``create_app`` builds the ASGI app (``plugsmith serve`` runs it under uvicorn); ``verify_hub`` checks
every artifact of a hub against its checksum and signature. See docs/server.md.
"""

from plugsmith.server._app import create_app
from plugsmith.server._service import ServerSettings
from plugsmith.server._store import Role, ServerStore, TokenInfo
from plugsmith.server._verify import Problem, verify_hub

__all__ = ["Problem", "Role", "ServerSettings", "ServerStore", "TokenInfo", "create_app", "verify_hub"]
