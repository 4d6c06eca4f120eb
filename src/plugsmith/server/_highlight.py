"""Source code and diffs as HTML: Pygments highlighting with numbered, linkable lines.

Every line gets an anchor (``#L12``), so a reviewer can point at one. Highlighting is for reading, not
for safety: Pygments escapes the text it formats, and files too large to highlight quickly (over
``MAX_HIGHLIGHT`` characters) are shown escaped but uncoloured, still numbered. The colours are CSS
classes; ``CSS`` holds the rules, scoped to ``.hl``.
"""

from __future__ import annotations

import functools
from typing import Any

from plugsmith.server._html import e

MAX_HIGHLIGHT = 200_000


@functools.lru_cache(maxsize=1)
def css() -> str:
    """The Pygments colour rules (default style), scoped to ``.hl``."""
    from pygments.formatters import HtmlFormatter

    return str(HtmlFormatter(style="default").get_style_defs(".hl"))


def _lexer(filename: str, text: str) -> Any:
    from pygments.lexers import TextLexer, get_lexer_for_filename
    from pygments.util import ClassNotFound

    try:
        return get_lexer_for_filename(filename, text, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def _numbered(lines: list[str], prefix: str) -> str:
    """Rows of (number, line HTML); each number links to its own anchor."""
    rows = "".join(
        f'<tr id="{prefix}{n}"><td class="ln"><a href="#{prefix}{n}">{n}</a></td>'
        f"<td><code>{line or ' '}</code></td></tr>"
        for n, line in enumerate(lines, 1)
    )
    return f'<div class="code-wrap"><table class="code hl">{rows}</table></div>'


def code_html(text: str, filename: str = "plugin.py", *, prefix: str = "L") -> str:
    """``text`` as a numbered, highlighted listing (plain but numbered when it is very large)."""
    if len(text) > MAX_HIGHLIGHT:
        return _numbered([e(line) for line in text.splitlines()], prefix)
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(nowrap=True)
    body = highlight(text, _lexer(filename, text), formatter)
    return _numbered(body.splitlines(), prefix)


def diff_html(lines: list[str]) -> str:
    """A unified diff (lines without newlines) as a ``<pre>`` with added, removed and hunk lines marked."""
    out = []
    for line in lines:
        kind = (
            "file"
            if line.startswith(("+++", "---"))
            else "hunk"
            if line.startswith("@@")
            else "add"
            if line.startswith("+")
            else "del"
            if line.startswith("-")
            else "ctx"
        )
        out.append(f'<span class="d-{kind}">{e(line) or " "}</span>')
    return '<pre class="diff">' + "".join(out) + "</pre>"  # each span is a block: no newlines between


__all__ = ["MAX_HIGHLIGHT", "code_html", "css", "diff_html"]
