"""HTML building blocks: the page layout, badges, tables and the error page.

Server-rendered with ``html.escape`` on every interpolated value; the CSS is inline, there are no
external assets and no JavaScript, so a page works in any browser (and in ``curl``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

_CSS = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#fff}
header{background:#1d2330;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#fff;text-decoration:none}header strong{margin-right:1rem}
main{padding:1rem 1.4rem;max-width:72rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #e1e4ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
.badge{display:inline-block;border-radius:.6rem;padding:0 .5rem;font-size:.8rem;border:1px solid #999}
.tier-0{background:#d4edda}.tier-1{background:#dbe9fb}.tier-2{background:#fff3cd}.tier-none{background:#eee}
.st-approved{background:#d4edda}.st-pending_review{background:#fff3cd}.st-deprecated{background:#eee}
.st-yanked,.st-rejected,.st-quarantined{background:#f8d7da}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts figure{margin:0}
pre{background:#f5f6f8;padding:.6rem;overflow:auto;max-height:24rem}
form.inline{display:inline}.muted{color:#667}.error{color:#8a1c1c}
"""


def e(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def layout(title: str, body: str, *, user: str | None = None) -> str:
    """A full page: header with navigation, then ``body`` (already-escaped HTML)."""
    who = (
        (
            f'<span class="muted">signed in as {e(user)}</span><form class="inline" method="post" '
            f'action="/logout"><button type="submit">Sign out</button></form>'
        )
        if user
        else '<a href="/login">Sign in</a>'
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)} · plugsmith hub'
        f'</title><meta name="viewport" content="width=device-width"><style>{_CSS}</style></head>'
        f'<body><header><strong>plugsmith hub</strong><a href="/">Browse</a><a href="/review">Review'
        f'</a><a href="/dashboard">Metrics</a>{who}</header><main><h1>{e(title)}</h1>{body}</main>'
        f"</body></html>"
    )


def tier_badge(tier: object) -> str:
    if not tier:
        return '<span class="badge tier-none">no tier</span>'
    text = str(tier)
    return f'<span class="badge tier-{e(text[-1])}" title="trust tier">{e(text)}</span>'


def status_badge(status: object) -> str:
    text = str(status)
    return f'<span class="badge st-{e(text)}">{e(text.replace("_", " "))}</span>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str = "nothing here yet") -> str:
    """A table whose cells are already HTML (escape text with ``e`` before passing it)."""
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="muted">{e(empty)}</p>'
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def definition_list(items: Iterable[tuple[str, str]]) -> str:
    """Key/value pairs; values are already HTML."""
    return "<table>" + "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in items) + "</table>"


def error_page(status: int, message: str, hint: str | None = None) -> str:
    hint_html = f'<p class="muted">{e(hint)}</p>' if hint else ""
    return layout(
        f"Error {status}",
        f'<p class="error">{e(message)}</p>{hint_html}<p><a href="/">Back to the hub</a></p>',
    )


__all__ = ["definition_list", "e", "error_page", "layout", "status_badge", "table", "tier_badge"]
