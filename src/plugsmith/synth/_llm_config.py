"""Where the ``llm`` strategy finds its endpoints: PlanExe's ``llm_config.json`` and plain settings.

A PlanExe user's configuration works unchanged. ``llm_config.json`` maps an id to
``{"class", "arguments", "priority"}``; each class becomes an OpenAI-compatible endpoint (base URL,
model, key). ``${VAR}`` is replaced from the environment, else from a ``.env`` file beside the config.
``auto`` (the default selection) means the entries that have a ``priority``, lowest first, and the caller
falls back to the next on failure — PlanExe's rule; a file without any priority offers every entry in
file order. Plain settings (``PLUGSMITH_LLM_BASE_URL``, ``PLUGSMITH_LLM_MODEL``, ``PLUGSMITH_LLM_API_KEY``)
come first. No configuration at all gives an empty list, which turns the strategy off.

Keys never reach logs, provenance, reports or reprs: ``LLMEndpoint`` hides its key from ``repr``/``str``,
``redacted()`` gives a loggable dict and ``redact(text, endpoints)`` scrubs keys out of any text::

    >>> ep = LLMEndpoint(id="x", kind="OpenAI", base_url="https://api.openai.com/v1", model="m",
    ...                  api_key="sk-secret", priority=1, extra={})
    >>> "sk-secret" in repr(ep), ep.redacted()["api_key"]
    (False, '***')
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from plugsmith.errors import ConfigError

log = logging.getLogger(__name__)

CONFIG_NAME = "llm_config.json"
MASK = "***"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET = re.compile(r"key|token|secret|password|authorization", re.IGNORECASE)


@dataclass(frozen=True, slots=True, repr=False)
class LLMEndpoint:
    """One OpenAI-compatible chat-completions endpoint. ``api_key`` has no default on purpose."""

    id: str
    kind: str
    base_url: str
    model: str
    api_key: str | None
    priority: int | None
    extra: Mapping[str, Any] = field(hash=False)

    def redacted(self) -> dict[str, Any]:
        """Everything about the endpoint that may be logged or recorded; the key is masked."""
        return {"id": self.id, "kind": self.kind, "base_url": self.base_url, "model": self.model,
                "api_key": MASK if self.api_key else None, "priority": self.priority,
                "extra": _mask_secrets(dict(self.extra))}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.redacted().items())
        return f"LLMEndpoint({fields})"

    def __str__(self) -> str:
        return f"{self.id} ({self.kind}: {self.model} at {self.base_url})"


def _mask_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: MASK if _SECRET.search(str(k)) and v else _mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_secrets(v) for v in value]
    return value


def _secrets(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in ([v] if _SECRET.search(str(k)) and isinstance(v, str)
                                                     else _secrets(v))]
    if isinstance(value, list):
        return [s for v in value for s in _secrets(v)]
    return []


class _Keyed(Protocol):
    @property
    def api_key(self) -> str | None: ...
    @property
    def extra(self) -> Mapping[str, Any]: ...


def redact(text: str, endpoints: Sequence[_Keyed]) -> str:
    """``text`` with every endpoint's key (and secret-looking extra values) replaced by ``***``."""
    secrets = {s for ep in endpoints for s in [ep.api_key or "", *_secrets(dict(ep.extra))] if len(s) >= 4}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


# PlanExe class -> (default base URL or None when required, suffix added to a given base URL, key env var)
_CLASSES: dict[str, tuple[str | None, str, str | None]] = {
    "OpenAILike": (None, "", None),
    "OpenAI": ("https://api.openai.com/v1", "", "OPENAI_API_KEY"),
    "Ollama": ("http://localhost:11434/v1", "/v1", None),
    "LMStudio": ("http://localhost:1234/v1", "", None),
    "OpenRouter": ("https://openrouter.ai/api/v1", "", "OPENROUTER_API_KEY"),
    "Groq": ("https://api.groq.com/openai/v1", "", "GROQ_API_KEY"),
    "TogetherLLM": ("https://api.together.xyz/v1", "", "TOGETHER_API_KEY"),
    "MistralAI": ("https://api.mistral.ai/v1", "", "MISTRAL_API_KEY"),
}
_TAKEN = {"model", "model_name", "api_base", "base_url", "api_key"}


def load_llm_config(path: Path | None = None, *, env: Mapping[str, str] | None = None,
                    select: str | None = None) -> list[LLMEndpoint]:
    """The endpoints to try, in order; empty when nothing is configured.

    ``select`` is ``"auto"`` (default, or ``PLUGSMITH_LLM``) or one entry id, which is then the only one
    used from the file (as when a PlanExe user picks one model).
    """
    env = os.environ if env is None else env
    out = [ep] if (ep := endpoint_from_env(env)) is not None else []
    file = config_path(path, env)
    if file is None:
        return out
    entries = _read(file)
    variables = _variables(file, env)
    built = (_entry(eid, raw, variables, env, file) for eid, raw in entries.items())
    endpoints = [e for e in built if e is not None]
    choice = select or env.get("PLUGSMITH_LLM") or "auto"
    if choice != "auto":
        if choice not in entries:
            raise ConfigError(f"no entry {choice!r} (known: {', '.join(entries) or 'none'})",
                              subject=str(file), hint="set PLUGSMITH_LLM to an entry id or to 'auto'")
        return out + [e for e in endpoints if e.id == choice]
    ranked = [e for e in endpoints if e.priority is not None]
    if not any(isinstance(r, dict) and r.get("priority") is not None for r in entries.values()):
        ranked = endpoints  # a file without priorities: every entry, in file order
    return out + sorted(ranked, key=lambda e: e.priority if e.priority is not None else 0)


def endpoint_from_env(env: Mapping[str, str]) -> LLMEndpoint | None:
    """The plain settings ``PLUGSMITH_LLM_BASE_URL``/``_MODEL``/``_API_KEY``, if given."""
    base, model = env.get("PLUGSMITH_LLM_BASE_URL", "").strip(), env.get("PLUGSMITH_LLM_MODEL", "").strip()
    if not base and not model:
        return None
    if not base or not model:
        missing = "PLUGSMITH_LLM_MODEL" if base else "PLUGSMITH_LLM_BASE_URL"
        raise ConfigError(f"{missing} is not set", subject="environment",
                          hint="set both PLUGSMITH_LLM_BASE_URL and PLUGSMITH_LLM_MODEL, or neither")
    return LLMEndpoint(id="env", kind="env", base_url=base.rstrip("/"), model=model,
                       api_key=env.get("PLUGSMITH_LLM_API_KEY") or None, priority=0, extra={})


def config_path(path: Path | None, env: Mapping[str, str]) -> Path | None:
    """Explicit path, else ``PLUGSMITH_LLM_CONFIG``, else PlanExe's ``$PLANEXE_CONFIG_PATH/llm_config.json``
    (an absolute directory, as PlanExe requires), else ``./llm_config.json``, else the home's one."""
    named = path or (Path(env["PLUGSMITH_LLM_CONFIG"]) if env.get("PLUGSMITH_LLM_CONFIG") else None)
    if named is not None:
        if not Path(named).is_file():
            raise ConfigError("LLM config file not found", subject=str(named),
                              hint="check the path (or unset PLUGSMITH_LLM_CONFIG)")
        return Path(named)
    raw_home = env.get("PLUGSMITH_HOME")
    home = Path(raw_home).expanduser() if raw_home else Path.home() / ".plugsmith"
    planexe = Path(env.get("PLANEXE_CONFIG_PATH") or "")
    candidates = ([planexe / CONFIG_NAME] if planexe.is_absolute() else []) + [Path.cwd() / CONFIG_NAME,
                                                                              home / CONFIG_NAME]
    return next((p for p in candidates if p.is_file()), None)


def _read(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}".splitlines()[0], subject=str(file)) from None
    if not isinstance(data, dict):
        raise ConfigError("an llm_config.json must be a JSON object of id -> entry", subject=str(file))
    return data


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (``export`` prefix, quotes and ``#`` comments allowed), as python-dotenv reads."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in {"'", '"'} and value.endswith(value[0]) and len(value) >= 2:
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def _variables(file: Path, env: Mapping[str, str]) -> Callable[[str], str | None]:
    dotenv = read_dotenv(file.parent / ".env")
    return lambda name: env.get(name) if env.get(name) is not None else dotenv.get(name)


class _Unset(Exception):
    pass


def _substitute(value: Any, lookup: Callable[[str], str | None]) -> Any:
    if isinstance(value, str):
        def one(m: re.Match[str]) -> str:
            found = lookup(m.group(1))
            if found is None:
                raise _Unset(m.group(1))
            return found
        return _VAR.sub(one, value)
    if isinstance(value, dict):
        return {k: _substitute(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, lookup) for v in value]
    return value


def _entry(eid: str, raw: Any, lookup: Callable[[str], str | None], env: Mapping[str, str],
           file: Path) -> LLMEndpoint | None:
    where = f"{file}: entry {eid!r}"
    if not isinstance(raw, dict):
        raise ConfigError("must be an object with 'class' and 'arguments'", subject=where)
    kind, args, priority = raw.get("class"), raw.get("arguments", {}), raw.get("priority")
    if kind not in _CLASSES:
        raise ConfigError(f"class {kind!r} is not supported", subject=where,
                          hint=f"use one of: {', '.join(_CLASSES)}")
    if not isinstance(args, dict):
        raise ConfigError("'arguments' must be an object", subject=where)
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
        raise ConfigError(f"'priority' must be a whole number, not {priority!r}", subject=where)
    try:
        args = _substitute(args, lookup)
    except _Unset as unset:
        log.warning("LLM entry %r skipped: ${%s} is not set (environment or .env)", eid, unset.args[0])
        return None
    model = args.get("model") or args.get("model_name")
    if not isinstance(model, str) or not model:
        raise ConfigError("no 'model' (or 'model_name') in 'arguments'", subject=where)
    default, suffix, key_var = _CLASSES[kind]
    given = args.get("api_base") or args.get("base_url")
    if not given and default is None:
        raise ConfigError(f"class {kind} needs 'api_base' in 'arguments'", subject=where)
    base = str(given).rstrip("/") if given else str(default)
    if given and suffix and not base.endswith(suffix):
        base += suffix
    key = args.get("api_key") or (env.get(key_var) if key_var else None) or None
    extra = {k: v for k, v in args.items() if k not in _TAKEN}
    return LLMEndpoint(id=eid, kind=str(kind), base_url=base, model=model, api_key=key,
                       priority=priority, extra=extra)


__all__ = ["CONFIG_NAME", "LLMEndpoint", "config_path", "endpoint_from_env", "load_llm_config",
           "read_dotenv", "redact"]
