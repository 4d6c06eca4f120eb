"""The built-in strategies, registered through the same call as any third-party strategy."""

from __future__ import annotations

from collections.abc import Callable

from plugsmith.synth._strategy import Strategy


def register_builtins(register: Callable[[Strategy], Strategy]) -> None:
    """Register ``adapt`` (cost 10), ``enumerate`` (20) and ``llm`` (30)."""
    from plugsmith.synth._adapt import AdaptStrategy
    from plugsmith.synth._enumerate_strategy import EnumerateStrategy
    from plugsmith.synth._llm import LLMStrategy

    for strategy in (AdaptStrategy(), EnumerateStrategy(), LLMStrategy()):
        register(strategy)


__all__ = ["register_builtins"]
