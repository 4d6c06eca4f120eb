"""How hard the ``llm`` strategy asks: reply length, temperature, prompt size, rounds and time.

Each setting comes from the endpoint's ``llm_config.json`` arguments first (PlanExe's names:
``max_tokens``, ``temperature``, ``timeout``/``request_timeout``, ``context_window``), then from the
environment, then from the default here. Settings that belong to the whole strategy (rounds, budget)
come from the environment only::

    PLUGSMITH_LLM_MAX_TOKENS=1024      longest reply asked for; always sent as max_tokens
    PLUGSMITH_LLM_TEMPERATURE=0        the first round's temperature (a round that changed nothing raises it)
    PLUGSMITH_LLM_PROMPT_TOKENS=3000   every prompt is kept under this estimate (chars / 2.5)
    PLUGSMITH_LLM_TIMEOUT=             longest wait for one reply, in seconds (default: the budget left)
    PLUGSMITH_LLM_STREAM=1             ask for a stream, so that a request given up stops the server too
    PLUGSMITH_LLM_REPAIR_ROUNDS=3      repair rounds after the first
    PLUGSMITH_LLM_BUDGET=600           seconds the strategy may use, its own, apart from --budget

A bad value is a ``ConfigError`` naming the setting, never a silent default.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from plugsmith.errors import ConfigError

DEFAULT_MAX_TOKENS = 1024
DEFAULT_TEMPERATURE = 0.0
DEFAULT_PROMPT_TOKENS = 3000
DEFAULT_REPAIR_ROUNDS = 3
DEFAULT_BUDGET_S = 600.0
CONTEXT_MARGIN = 64          # tokens kept free besides the reply: chat-template overhead


class _Entry(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def extra(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RoundSettings:
    """What one endpoint is asked with."""

    max_tokens: int
    temperature: float
    prompt_tokens: int            # the estimate every prompt stays under
    timeout_s: float | None       # longest wait for one reply; None: whatever the budget leaves
    stream: bool = True           # ask for server-sent events (a closed connection then stops the server)


def _number(raw: Any, name: str, *, whole: bool, low: float, high: float) -> float:
    """``raw`` as a number within [low, high]; anything else is a ConfigError naming the setting."""
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if math.isnan(value) or not low <= value <= high or (whole and not value.is_integer()):
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"must be {kind} from {low:g} to {high:g}, not {raw!r}", subject=name,
                          hint="fix the value, or remove it to use the default")
    return value


def _pick(extra: Mapping[str, Any], keys: tuple[str, ...], env: Mapping[str, str], var: str,
          where: str) -> tuple[Any, str] | None:
    """The first of the entry's ``keys`` that is set, else the environment variable, with its name."""
    for key in keys:
        if extra.get(key) is not None:
            return extra[key], f"{where}: argument {key!r}"
    raw = env.get(var, "").strip()
    return (raw, var) if raw else None


def round_settings(endpoint: _Entry, env: Mapping[str, str] | None = None) -> RoundSettings:
    """The settings for asking ``endpoint``: its arguments, else the environment, else the defaults."""
    env = os.environ if env is None else env
    extra, where = endpoint.extra or {}, f"LLM endpoint {endpoint.id!r}"
    found = _pick(extra, ("max_tokens",), env, "PLUGSMITH_LLM_MAX_TOKENS", where)
    max_tokens = int(_number(*found, whole=True, low=16, high=1_000_000)) if found else DEFAULT_MAX_TOKENS
    found = _pick(extra, ("temperature",), env, "PLUGSMITH_LLM_TEMPERATURE", where)
    temperature = _number(*found, whole=False, low=0, high=2) if found else DEFAULT_TEMPERATURE
    found = _pick(extra, (), env, "PLUGSMITH_LLM_PROMPT_TOKENS", where)
    prompt = int(_number(*found, whole=True, low=100, high=10_000_000)) if found else DEFAULT_PROMPT_TOKENS
    if extra.get("context_window") is not None:
        window = _number(extra["context_window"], f"{where}: argument 'context_window'", whole=True,
                         low=256, high=100_000_000)
        prompt = min(prompt, max(100, int(window) - max_tokens - CONTEXT_MARGIN))
    found = _pick(extra, ("timeout", "request_timeout"), env, "PLUGSMITH_LLM_TIMEOUT", where)
    timeout = _number(*found, whole=False, low=1, high=86_400) if found else None
    found = _pick(extra, ("stream",), env, "PLUGSMITH_LLM_STREAM", where)
    return RoundSettings(max_tokens=max_tokens, temperature=temperature, prompt_tokens=prompt,
                         timeout_s=timeout, stream=_flag(*found) if found else True)


def _flag(raw: Any, name: str) -> bool:
    """A yes/no setting: a JSON boolean, or 1/0, true/false, yes/no, on/off."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"must be 1 or 0 (true/false), not {raw!r}", subject=name,
                      hint="fix the value, or remove it to use the default")


def repair_rounds(env: Mapping[str, str] | None = None) -> int:
    """Repair rounds after the first try: ``PLUGSMITH_LLM_REPAIR_ROUNDS``, else 3."""
    raw = (os.environ if env is None else env).get("PLUGSMITH_LLM_REPAIR_ROUNDS", "").strip()
    if not raw:
        return DEFAULT_REPAIR_ROUNDS
    return int(_number(raw, "PLUGSMITH_LLM_REPAIR_ROUNDS", whole=True, low=0, high=100))


def budget_s(env: Mapping[str, str] | None = None) -> float:
    """Seconds the strategy may use from when it starts: ``PLUGSMITH_LLM_BUDGET``, else 600 (10 min).

    A model on a CPU writes some 10-50 tokens a second, so one round of a 1,024-token reply takes a
    minute or more; the offline search's 30 s would allow less than one.
    """
    raw = (os.environ if env is None else env).get("PLUGSMITH_LLM_BUDGET", "").strip()
    if not raw:
        return DEFAULT_BUDGET_S
    return _number(raw, "PLUGSMITH_LLM_BUDGET", whole=False, low=1, high=7 * 86_400)


__all__ = ["DEFAULT_BUDGET_S", "DEFAULT_MAX_TOKENS", "DEFAULT_PROMPT_TOKENS", "DEFAULT_REPAIR_ROUNDS",
           "DEFAULT_TEMPERATURE", "RoundSettings", "budget_s", "repair_rounds", "round_settings"]
