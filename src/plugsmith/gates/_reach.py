"""Where an attribute chain on an imported module leads, resolved on the host at gate time.

Allowed modules import other modules, and those are reachable as attributes: ``enum.bltns`` is
``builtins``, ``typing.types`` is ``types`` (code objects), ``dataclasses.inspect`` is ``inspect``. A
name list cannot keep up with that, so the policy resolves ``module.a.b`` against the real standard
library (the same interpreter the sandbox runs) and refuses any step that lands on a module outside the
allow-list. Resolution only follows modules; it never calls anything.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Iterable
from functools import cache


def allowed_module(name: str, allowed: Iterable[str]) -> bool:
    """A module is allowed when its top-level package is, and no part of its name is private."""
    parts = name.split(".")
    return parts[0] in set(allowed) and not any(p.startswith("_") for p in parts)


@cache
def _load(name: str) -> types.ModuleType | None:
    try:
        return importlib.import_module(name)
    except Exception:  # a module that does not import here cannot be reached there either
        return None


def reached_module(module: str, attrs: Iterable[str], allowed: frozenset[str]) -> str | None:
    """The first module outside ``allowed`` that ``module.attr1.attr2…`` reaches, or None."""
    obj: object = _load(module)
    for attr in attrs:
        if not isinstance(obj, types.ModuleType):
            return None  # classes and functions are not followed
        try:
            obj = getattr(obj, attr)
        except Exception:
            return None
        if isinstance(obj, types.ModuleType) and not allowed_module(obj.__name__, allowed):
            return obj.__name__
    return None


def module_of(module: str, name: str) -> types.ModuleType | None:
    """``from module import name``: the module object bound, if ``name`` is a module."""
    obj = getattr(_load(module), name, None)
    return obj if isinstance(obj, types.ModuleType) else None


__all__ = ["allowed_module", "module_of", "reached_module"]
