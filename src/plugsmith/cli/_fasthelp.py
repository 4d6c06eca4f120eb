"""Typer's rich help without the Markdown parser: ``plugsmith --help`` in about half the CPU time.

``typer.rich_utils`` (imported to format every ``--help`` and usage error) imports ``rich.markdown`` —
which pulls in ``markdown-it-py`` — and ``rich.traceback`` — which pulls in Pygments — at module level,
though it needs ``Markdown`` only for ``rich_markup_mode="markdown"`` and ``Traceback`` only for
pretty exceptions; plugsmith uses neither. Together they are over half the start-up time of
``--help`` (benchmarks/cli_startup.py).

``import_rich_utils`` imports ``typer.rich_utils`` while ``rich.markdown`` and ``rich.traceback`` are
stood in for by placeholders whose classes import the real module the first time they are used, then
takes the placeholders out of ``sys.modules`` again: any later ``import rich.markdown`` anywhere gets
the real module. If anything about that fails (a different Typer), it falls back to the plain import.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_TARGET = "typer.rich_utils"


def _real(module: str, name: str) -> Any:
    """The real ``module.name``, imported now (the placeholder is out of ``sys.modules`` by then)."""
    placeholder = sys.modules.get(module)
    if placeholder is not None and getattr(placeholder, "__plugsmith_placeholder__", False):
        del sys.modules[module]
    return getattr(importlib.import_module(module), name)


class _LazyMarkdown:
    """Stands for ``rich.markdown.Markdown``: constructing one builds the real thing."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return _real("rich.markdown", "Markdown")(*args, **kwargs)


class _LazyTraceback:
    """Stands for ``rich.traceback.Traceback`` (Typer calls ``Traceback.from_exception``)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return _real("rich.traceback", "Traceback")(*args, **kwargs)

    @classmethod
    def from_exception(cls, *args: Any, **kwargs: Any) -> Any:
        return _real("rich.traceback", "Traceback").from_exception(*args, **kwargs)


_PLACEHOLDERS = {
    "rich.markdown": ("Markdown", _LazyMarkdown),
    "rich.traceback": ("Traceback", _LazyTraceback),
}


def import_rich_utils() -> None:
    """Import ``typer.rich_utils`` without its Markdown and traceback dependencies (idempotent)."""
    if _TARGET in sys.modules:
        return
    planted = []
    for module, (name, cls) in _PLACEHOLDERS.items():
        if module not in sys.modules:
            stub = types.ModuleType(module, "placeholder until first use (plugsmith.cli._fasthelp)")
            setattr(stub, name, cls)
            stub.__plugsmith_placeholder__ = True  # type: ignore[attr-defined]
            sys.modules[module] = stub
            planted.append(module)
    try:
        importlib.import_module(_TARGET)
    except Exception:  # a Typer that needs more from these modules: import it the ordinary way
        sys.modules.pop(_TARGET, None)
        for module in planted:
            sys.modules.pop(module, None)
        importlib.import_module(_TARGET)
        return
    for module in planted:
        if getattr(sys.modules.get(module), "__plugsmith_placeholder__", False):
            del sys.modules[module]


__all__ = ["import_rich_utils"]
