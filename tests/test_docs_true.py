"""The docs name only commands, options and pages that exist, under those names.

Every ``plugsmith …`` command line in README.md and docs/*.md (in code spans and code blocks) is walked
through the real Typer command tree: each sub-command must exist, and each ``--option`` must belong to
the command (or be a global one). Every path the server docs and the README name (``/dashboard``,
``GET /plugins/{ref}`` in the API table, …) must be a route of the real app, and every page the docs
list must answer (not 404) when fetched. The opposite direction — every command is documented — is in
test_public_api.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Match
from typer.main import get_command

import test_server_helpers as helpers
from plugsmith.cli import app
from test_server_helpers import Server, make_plugin, seed_release

server = helpers.server
ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SERVER_DOCS = [ROOT / "README.md", ROOT / "docs" / "server.md"]
_SPAN = re.compile(r"``?([^`]+)``?")
_FENCE = re.compile(r"^```.*?$(.*?)^```", re.S | re.M)


def _command_lines(text: str) -> list[str]:
    """Every ``plugsmith <word> …`` in code spans and fenced blocks, cut at a shell comment."""
    chunks = [m.group(1) for m in _FENCE.finditer(text)]
    chunks += [m.group(1) for line in _FENCE.sub("", text).splitlines() for m in _SPAN.finditer(line)]
    found = []
    for chunk in chunks:
        for line in chunk.splitlines():
            for match in re.finditer(r"(?:^|[\s$(])plugsmith\s+(-{0,2}[a-z][^\n]*)", line):
                found.append(re.split(r"\s#\s|\s{2,}#", match.group(1))[0].strip())
    return found


def _options(command: Any) -> dict[str, Any]:
    return {
        name: p for p in command.params if getattr(p, "param_type_name", "") == "option" for name in p.opts
    }


def _problems(line: str, root: Any) -> list[str]:
    """What in ``plugsmith LINE`` does not exist (empty when all of it does)."""
    tokens = line.replace("\\|", "|").split()
    command = root
    problems, i, in_args = [], 0, False
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--"):
            name = token.split("=")[0]
            known = {"--help": None, **_options(root), **_options(command)}
            if name not in known:
                problems.append(f"option {name} of `plugsmith {line}`")
            elif known[name] is not None and not known[name].is_flag and "=" not in token:
                i += 1  # its value
        elif hasattr(command, "commands") and not in_args:  # a group (Typer may vendor click)
            names = token.split("|")
            missing = [n for n in names if n.strip("…") and n not in command.commands]
            if missing:
                problems.append(f"command {' '.join(missing)} in `plugsmith {line}`")
                return problems
            if len(names) > 1:  # `hub search|show|…`: alternatives, then free text
                in_args = True
            else:
                command = command.commands[names[0]]
        else:
            in_args = True
        i += 1
    return problems


def test_every_documented_command_and_option_exists() -> None:
    root = get_command(app)
    problems, seen = [], 0
    for doc in DOCS:
        for line in _command_lines(doc.read_text()):
            seen += 1
            problems += [f"{doc.relative_to(ROOT)}: {p}" for p in _problems(line, root)]
    assert seen > 20, "the scan found too few command lines; is the parser broken?"
    assert not problems, "named in the docs but missing:\n" + "\n".join(problems)


def test_the_scanner_catches_a_missing_command_and_option() -> None:
    root = get_command(app)
    assert _problems("hub show REF --source", root) == []
    assert _problems("hub frobnicate REF", root) == ["command frobnicate in `plugsmith hub frobnicate REF`"]
    assert _problems("hub show REF --colour", root) == [
        "option --colour of `plugsmith hub show REF --colour`"
    ]
    assert _problems("review list|approve|nope REF", root) == [
        "command nope in `plugsmith review list|approve|nope REF`"
    ]


# ------------------------------------------------------------------------------------------------- pages
def _doc_paths(doc: Path) -> list[tuple[str, str, bool]]:
    """(method, path, in the API table) for every backticked path in ``doc``."""
    found, in_api = [], False
    for line in doc.read_text().splitlines():
        if line.startswith("## "):
            in_api = line.startswith("## API")
        for span in _SPAN.findall(line):
            match = re.fullmatch(
                r"(?:(GET|POST) )?(/[A-Za-z0-9_{}./@-]*)(?:\?\S*)?(?:, `?…`?.*)?", span.strip()
            )
            if match:
                found.append((match.group(1) or "GET", match.group(2), in_api and bool(match.group(1))))
    return found


def _served(app_: Any, method: str, path: str) -> bool:
    """Whether the app has a route for ``method path`` (placeholders filled with a sample value)."""
    sample = re.sub(r"\{[^}]+\}", "x", path)
    scope = {"type": "http", "path": sample, "method": method, "root_path": "", "headers": [], "app": app_}
    return any(route.matches(scope)[0] == Match.FULL for route in app_.router.routes)


def test_every_documented_path_is_a_route(server: Server) -> None:
    named = [
        (doc, method, "/api/v1" + path if api else path)
        for doc in SERVER_DOCS
        for method, path, api in _doc_paths(doc)
    ]
    served = {(m, p) for _, m, p in named if _served(server.app, m, p)}
    problems = [
        f"{doc.relative_to(ROOT)}: {method} {path}"
        for doc, method, path in named
        if (method, path) not in served
        and not any(other.startswith(path.rstrip("/") + "/") for _, other in served)  # a prefix: /api/v1
    ]
    assert len(named) >= 15, "too few paths found; is the scanner broken?"
    assert not problems, "named in the docs but not served:\n" + "\n".join(problems)


def _web_pages() -> list[str]:
    """The pages docs/server.md lists under "Web pages"."""
    text = (ROOT / "docs" / "server.md").read_text()
    section = text.split("## Web pages", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\* `(/[^`]*)`", section, re.M)


def test_documented_web_pages_answer(server: Server, tmp_path: Path) -> None:
    release = seed_release(server, make_plugin(tmp_path))
    pages = _web_pages()
    assert {"/", "/plugins/{ref}", "/review", "/dashboard"} <= set(pages), pages
    for page in pages:
        url = page.replace("{ref}", release.ref).replace("REF", release.ref).replace("…", "")
        response = server.client.get(url)
        assert response.status_code in (200, 401), (
            f"{page}: {response.status_code}"
        )  # /review asks to sign in
        assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("name", ["Dashboard"])
def test_the_dashboard_has_one_name(server: Server, name: str) -> None:
    """The UI and the docs call it the same thing; the other name redirects."""
    nav = server.client.get("/").text.split("<nav>", 1)[1].split("</nav>", 1)[0]
    assert 'href="/dashboard"' in nav and f">{name}</a>" in nav and "Metrics" not in nav
    docs = (ROOT / "docs" / "server.md").read_text()
    assert f"`/dashboard` — {name.lower()}" in docs.lower() or "* `/dashboard`" in docs
    assert server.client.get("/metrics").headers["location"] == "/dashboard"
