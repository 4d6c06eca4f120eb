"""Reading LLM endpoints: PlanExe's llm_config.json, ${VAR} substitution, plain settings, redaction."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from plugsmith.errors import ConfigError
from plugsmith.synth._llm_config import LLMEndpoint, load_llm_config, read_dotenv, redact

SECRET = "sk-or-v1-0123456789abcdef"

# The shape of PlanExe's own llm_config.json (its classes and argument names), with our own entries.
PLANEXE_STYLE: dict[str, Any] = {
    "openrouter-slow": {
        "comment": "second choice", "priority": 2, "class": "OpenRouter",
        "arguments": {"model": "openai/gpt-4o-mini", "api_key": "${OPENROUTER_API_KEY}", "temperature": 0.1,
                      "timeout": 60.0, "max_tokens": 8192, "max_retries": 5},
    },
    "openrouter-fast": {
        "priority": 1, "class": "OpenRouter",
        "arguments": {"model": "google/gemini-2.0-flash-001", "api_key": "${OPENROUTER_API_KEY}"},
    },
    "ollama-llama3.1": {"class": "Ollama",
                        "arguments": {"model": "llama3.1:latest", "request_timeout": 120.0}},
    "lmstudio-qwen": {"class": "LMStudio", "arguments": {"model_name": "qwen2.5-7b-instruct-1m"}},
    "vllm-local": {"priority": 3, "class": "OpenAILike",
                   "arguments": {"model": "qwen-coder", "api_base": "http://127.0.0.1:8000/v1/"}},
}


def write(tmp_path: Path, data: Any, name: str = "llm_config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_planexe_config_auto_is_entries_with_priority_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, PLANEXE_STYLE)
    eps = load_llm_config(path, env={"OPENROUTER_API_KEY": SECRET})
    assert [e.id for e in eps] == ["openrouter-fast", "openrouter-slow", "vllm-local"]
    fast, slow, vllm = eps
    assert (fast.base_url, fast.model, fast.api_key) == ("https://openrouter.ai/api/v1",
                                                         "google/gemini-2.0-flash-001", SECRET)
    assert slow.extra == {"temperature": 0.1, "timeout": 60.0, "max_tokens": 8192, "max_retries": 5}
    assert (vllm.kind, vllm.base_url, vllm.api_key) == ("OpenAILike", "http://127.0.0.1:8000/v1", None)


def test_selecting_one_entry_maps_each_class_to_its_openai_compatible_url(tmp_path: Path) -> None:
    path = write(tmp_path, PLANEXE_STYLE)
    ollama = load_llm_config(path, env={}, select="ollama-llama3.1")
    lmstudio = load_llm_config(path, env={"PLUGSMITH_LLM": "lmstudio-qwen"})
    assert [(e.base_url, e.model) for e in ollama] == [("http://localhost:11434/v1", "llama3.1:latest")]
    assert [(e.base_url, e.model) for e in lmstudio] == [("http://localhost:1234/v1",
                                                          "qwen2.5-7b-instruct-1m")]
    with pytest.raises(ConfigError, match="no entry 'nope'"):
        load_llm_config(path, env={}, select="nope")


def test_ollama_base_url_gets_the_v1_suffix_and_openai_key_from_env(tmp_path: Path) -> None:
    path = write(tmp_path, {"o": {"class": "Ollama", "arguments": {"model": "m", "base_url": "http://gpu:11434"}},
                            "oa": {"class": "OpenAI", "arguments": {"model": "gpt-4o-mini"}}})
    eps = load_llm_config(path, env={"OPENAI_API_KEY": "sk-from-env-123"})
    assert [(e.id, e.base_url) for e in eps] == [("o", "http://gpu:11434/v1"), ("oa", "https://api.openai.com/v1")]
    assert eps[1].api_key == "sk-from-env-123"  # no priorities anywhere: every entry, file order


def test_variables_come_from_environment_then_dotenv_beside_the_config(tmp_path: Path) -> None:
    path = write(tmp_path, PLANEXE_STYLE)
    (tmp_path / ".env").write_text(f'# keys\nexport OPENROUTER_API_KEY="{SECRET}"\nOTHER=1 # c\n', "utf-8")
    from_dotenv = load_llm_config(path, env={})
    from_env = load_llm_config(path, env={"OPENROUTER_API_KEY": "sk-env-wins-999"})
    assert from_dotenv[0].api_key == SECRET
    assert from_env[0].api_key == "sk-env-wins-999"
    assert read_dotenv(tmp_path / ".env") == {"OPENROUTER_API_KEY": SECRET, "OTHER": "1"}


def test_entry_with_an_unset_variable_is_skipped_not_fatal(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, PLANEXE_STYLE)
    with caplog.at_level(logging.WARNING):
        eps = load_llm_config(path, env={})
    assert [e.id for e in eps] == ["vllm-local"]
    assert "OPENROUTER_API_KEY" in caplog.text and "openrouter-fast" in caplog.text


def test_plain_settings_come_first(tmp_path: Path) -> None:
    path = write(tmp_path, PLANEXE_STYLE)
    env = {"PLUGSMITH_LLM_BASE_URL": "http://127.0.0.1:9000/v1/", "PLUGSMITH_LLM_MODEL": "tiny",
           "PLUGSMITH_LLM_API_KEY": "sk-plain-key-1", "OPENROUTER_API_KEY": SECRET}
    eps = load_llm_config(path, env=env)
    assert [e.id for e in eps] == ["env", "openrouter-fast", "openrouter-slow", "vllm-local"]
    assert (eps[0].base_url, eps[0].model, eps[0].api_key) == ("http://127.0.0.1:9000/v1", "tiny",
                                                                "sk-plain-key-1")
    with pytest.raises(ConfigError, match="PLUGSMITH_LLM_MODEL is not set"):
        load_llm_config(None, env={"PLUGSMITH_LLM_BASE_URL": "http://x/v1", "PLUGSMITH_HOME": str(tmp_path)})


def test_config_location_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, cwd, named = tmp_path / "home", tmp_path / "cwd", tmp_path / "named"
    for folder, model in ((home, "from-home"), (cwd, "from-cwd"), (named, "from-env-var")):
        folder.mkdir()
        write(folder, {"x": {"class": "OpenAILike", "arguments": {"model": model, "api_base": "http://h/v1"}}})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    env = {"PLUGSMITH_HOME": str(home)}
    assert load_llm_config(env=env)[0].model == "from-home"
    monkeypatch.chdir(cwd)
    assert load_llm_config(env=env)[0].model == "from-cwd"
    assert load_llm_config(env={**env, "PLUGSMITH_LLM_CONFIG": str(named / "llm_config.json")})[0].model == \
        "from-env-var"
    monkeypatch.chdir(elsewhere)
    assert load_llm_config(env={"PLUGSMITH_HOME": str(tmp_path / "empty")}) == []
    with pytest.raises(ConfigError, match="not found"):
        load_llm_config(tmp_path / "missing.json", env={})


@pytest.mark.parametrize(("data", "message"), [
    ("{not json", "cannot read"),
    ([1, 2], "must be a JSON object"),
    ({"bad-one": "x"}, "entry 'bad-one'"),
    ({"anthropic": {"class": "Anthropic", "arguments": {"model": "c"}}},
     "entry 'anthropic'.*class 'Anthropic'"),
    ({"nomodel": {"class": "Ollama", "arguments": {}}}, "entry 'nomodel'.*no 'model'"),
    ({"like": {"class": "OpenAILike", "arguments": {"model": "m"}}}, "entry 'like'.*api_base"),
    ({"p": {"class": "Ollama", "priority": "high", "arguments": {"model": "m"}}}, "entry 'p'.*priority"),
])
def test_malformed_config_is_a_config_error_naming_the_entry(tmp_path: Path, data: Any, message: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_llm_config(path, env={})
    assert info.value.exit_code == 2
    assert re.search(message, info.value.one_line())


def test_keys_never_appear_in_repr_str_redacted_or_redacted_text(tmp_path: Path) -> None:
    data = {"r": {"class": "OpenRouter", "priority": 1, "arguments": {
        "model": "m", "api_key": "${OPENROUTER_API_KEY}",
        "additional_kwargs": {"extra_headers": {"Authorization": "Bearer hdr-secret-77"}}}}}
    ep = load_llm_config(write(tmp_path, data), env={"OPENROUTER_API_KEY": SECRET})[0]
    shown = [repr(ep), str(ep), json.dumps(ep.redacted())]
    assert all(SECRET not in s and "hdr-secret-77" not in s for s in shown)
    assert ep.redacted()["api_key"] == "***"
    log_line = f"POST {ep.base_url} with key {SECRET} failed; headers Bearer hdr-secret-77"
    scrubbed = redact(log_line, [ep])
    assert SECRET not in scrubbed and "hdr-secret-77" not in scrubbed and ep.base_url in scrubbed


def test_endpoint_is_frozen_and_hashable() -> None:
    ep = LLMEndpoint(id="a", kind="env", base_url="u", model="m", api_key="k-1234", priority=0,
                     extra={"t": 1})
    with pytest.raises(AttributeError):
        ep.model = "other"  # type: ignore[misc]
    assert len({ep, ep}) == 1
