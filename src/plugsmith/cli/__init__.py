"""The ``plugsmith`` command line: a thin Typer layer over the library.

Every command module imports only ``typer`` and the standard library at import time, so that
``plugsmith --help`` starts fast; the library is imported inside each command.
"""

from plugsmith.cli._main import app, main

__all__ = ["app", "main"]
