"""Choosing a backend at run time: bubblewrap where a trivial run actually works, else the fallback.

The probe runs once per process and its answer is cached. ``PLUGSMITH_SANDBOX=bwrap|rlimit`` forces a
backend (forcing ``bwrap`` where it does not work is an error, never a silent downgrade).
"""

from __future__ import annotations

import os
from functools import cache

from plugsmith.errors import ConfigError, SandboxError
from plugsmith.sandbox._bwrap import BwrapSandbox, probe
from plugsmith.sandbox._model import Sandbox
from plugsmith.sandbox._rlimit import RlimitSandbox

BACKENDS = ("bwrap", "rlimit")


@cache
def _probe() -> tuple[bool, str]:
    return probe()


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
                                   hint="install bubblewrap or use the rlimit backend")
        return BwrapSandbox()
    if name == "rlimit":
        return RlimitSandbox()
    raise ConfigError(f"unknown sandbox backend {name!r}", subject="sandbox",
                      hint=f"use one of: {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "detect", "get_sandbox"]
