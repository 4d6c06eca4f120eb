"""README rendering: CommonMark (+ tables, strikethrough) to HTML that is safe to put in a page.

A README is written by whoever published the plugin, so:

* raw HTML is not HTML: ``markdown-it-py`` runs with ``html=False`` and shows tags as text;
* links keep only ``http``, ``https`` and ``mailto`` URLs and relative ones; ``javascript:``, ``data:``,
  ``vbscript:``, ``file:`` and every other scheme are dropped (the text stays, without a link), and
  the links that remain get ``rel="nofollow noopener noreferrer"``;
* images are not loaded (the hub serves no external assets and must not ping other hosts for a
  viewer): each becomes a link to the image with its alt text;
* size and nesting are bounded, so a hostile README costs a bounded time: the text is cut at
  ``MAX_CHARS`` (with a note), markdown-it's own ``maxNesting`` stops deep lists and block quotes, and
  inline parsing (links, emphasis: the slow part, about 20 µs a character for input made of
  delimiters) gets ``INLINE_BUDGET`` characters per document; paragraphs past it are shown as plain
  text.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from plugsmith.server._html import e

MAX_CHARS = 100_000
INLINE_BUDGET = 30_000
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def safe_url(url: str) -> bool:
    """Whether a (normalised) link target may be a link: a safe scheme, or relative."""
    if any(ch in url for ch in "\x00\r\n\t"):
        return False
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme in SAFE_SCHEMES or (scheme == "" and ":" not in url.split("/", 1)[0])


def _image(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = "".join(child.content for child in token.children or []) or "image"
    src = str(token.attrGet("src") or "")
    if safe_url(src):
        return f'<a href="{e(src)}" rel="nofollow noopener noreferrer">[image: {e(alt)}]</a>'
    return f"[image: {e(alt)}]"


def _link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return str(renderer.renderToken(tokens, idx, options, env))


def _inline_budget(state: Any) -> None:
    """Core rule before ``inline``: past the budget, an inline token renders as escaped plain text."""
    left = INLINE_BUDGET
    for token in state.tokens:
        if token.type != "inline":
            continue
        if len(token.content) > left:
            token.type = "text"  # the renderer's ``text`` rule escapes it; the inline parser skips it
            state.env["plain_blocks"] = state.env.get("plain_blocks", 0) + 1
        else:
            left -= len(token.content)


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "maxNesting": 20})
    md.enable(["table", "strikethrough"])
    md.validateLink = safe_url  # type: ignore[method-assign]  # unsafe targets stay plain text
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.core.ruler.before("inline", "plugsmith_inline_budget", _inline_budget)
    return md


def render(text: str) -> str:
    """``text`` (Markdown) as an HTML fragment; over-long input is cut, and the cut is said."""
    note = ""
    if len(text) > MAX_CHARS:
        note = (
            f'<p class="muted">The README is {len(text):,} characters long; the first '
            f"{MAX_CHARS:,} are shown.</p>"
        )
        text = text[:MAX_CHARS]
    env: dict[str, Any] = {}
    html = str(_parser().render(text, env))
    if env.get("plain_blocks"):
        note += (
            f'<p class="muted">{env["plain_blocks"]} long block(s) are shown as plain text '
            f"(formatting is parsed for the first {INLINE_BUDGET:,} characters).</p>"
        )
    return html + note


__all__ = ["MAX_CHARS", "render", "safe_url"]
