"""HTML building blocks: the page layout, badges, tables and the error page.

Server-rendered with ``html.escape`` on every interpolated value; the CSS is inline, there are no
external assets and no JavaScript, so a page works in any browser (and in ``curl``).

The layout holds from a 375 px phone to a desktop: the header wraps instead of overflowing, every
table sits in its own horizontally scrolling box (so a wide table never makes the page wider than the
screen), and columns marked ``narrow`` are hidden below 40 rem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

NAV = (("/", "Browse"), ("/review", "Review"), ("/dashboard", "Dashboard"))

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#fff;line-height:1.45}
header{background:#1d2330;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.3rem 1.1rem;
align-items:center}
header a{color:#fff;text-decoration:none;padding:.15rem 0}
header a[aria-current]{border-bottom:2px solid #9fc5e8}
header strong{margin-right:.4rem}header nav{display:flex;flex-wrap:wrap;gap:.3rem 1.1rem}
.who{margin-left:auto;display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.who .muted{color:#c8ccd6}
main{padding:1rem 1.2rem;max-width:76rem;margin:0 auto}
h1{font-size:1.6rem;overflow-wrap:anywhere;margin:.4rem 0 .8rem}h2{font-size:1.25rem;margin:1.6rem 0 .5rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border-bottom:1px solid #e1e4ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
table.facts th{width:11rem;white-space:nowrap}table.facts code,.story code{overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:.6rem;padding:0 .5rem;font-size:.8rem;border:1px solid #999;
white-space:nowrap}
.tier-0{background:#d4edda}.tier-1{background:#dbe9fb}.tier-2{background:#fff3cd}.tier-none{background:#eee}
.st-approved{background:#d4edda}.st-pending_review{background:#fff3cd}.st-deprecated{background:#eee}
.st-yanked,.st-rejected,.st-quarantined{background:#f8d7da}
.g-pass{color:#1e6b34}.g-fail{color:#8a1c1c;font-weight:bold}.g-warn{color:#8a5a00}.g-skip{color:#667}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts figure{margin:0;max-width:100%}
svg{max-width:100%;height:auto}
pre{background:#f5f6f8;padding:.6rem;overflow:auto;max-height:32rem;font-size:.85rem}
details{margin:.3rem 0}summary{cursor:pointer;color:#2a4d8f}
.readme{border:1px solid #e1e4ea;border-radius:.3rem;padding:0 1rem;overflow-wrap:anywhere;overflow-x:auto}
.readme table{width:auto}.readme pre{white-space:pre-wrap}
.code-wrap{overflow:auto;max-height:40rem;border:1px solid #e1e4ea;border-radius:.3rem}
table.code{margin:0;width:auto;min-width:100%;font-size:.85rem}
table.code td{border:0;padding:0 .6rem;white-space:pre;font-family:ui-monospace,monospace}
table.code td.ln{width:1%;text-align:right;background:#f5f6f8;position:sticky;left:0;user-select:none}
table.code td.ln a{color:#889;text-decoration:none}table.code tr:target td{background:#fff3cd}
pre.diff{white-space:pre;padding:0;max-height:40rem}pre.diff span{display:block;padding:0 .6rem}
.d-add{background:#e6ffec}.d-del{background:#ffebe9}.d-hunk{background:#eef4fd;color:#44546a}
.d-file{font-weight:bold;background:#eceef2}
tr.nested>td{border:0;padding:0 0 0 1.2rem}
ol.story{padding-left:1.3rem}ol.story li{margin:.3rem 0}ol.story .unknown{color:#667}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5rem,1fr));gap:.6rem;margin:.6rem 0}
.tile{border:1px solid #e1e4ea;border-radius:.3rem;padding:.4rem .6rem}
.tile b{display:block;font-size:1.45rem}
section.card{border:1px solid #d0d4dc;border-radius:.4rem;padding:.2rem 1rem .8rem;margin:1rem 0}
form.row{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
input,select,button{font:inherit;padding:.25rem .45rem;max-width:100%}
input[name=reason]{flex:1 1 14rem}
.notice{background:#eef4fd;border-left:4px solid #3465a4;padding:.4rem .7rem}
.warning{background:#fff3cd;border-left:4px solid #b58a00;padding:.4rem .7rem}
form.inline{display:inline}.muted{color:#667}.error{color:#8a1c1c}
@media (max-width:40rem){main{padding:.7rem}.narrow{display:none}
table.facts th{width:auto;white-space:normal}}
"""


def e(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def hidden_csrf(token: str | None) -> str:
    """The hidden form field every POST form carries (see ``_csrf``)."""
    return f'<input type="hidden" name="csrf" value="{e(token)}">' if token else ""


def layout(
    title: str,
    body: str,
    *,
    user: str | None = None,
    csrf: str | None = None,
    active: str = "",
    head: str = "",
) -> str:
    """A full page: header with navigation, then ``body`` (already-escaped HTML).

    ``csrf`` is the signed-in session's form token (for the sign-out form); ``active`` the nav path to
    mark as current; ``head`` extra CSS rules (e.g. the code colours).
    """
    who = (
        (
            f'<span class="muted">signed in as {e(user)}</span><form class="inline" method="post" '
            f'action="/logout">{hidden_csrf(csrf)}<button type="submit">Sign out</button></form>'
        )
        if user
        else '<a href="/login">Sign in</a>'
    )
    nav = "".join(
        f'<a href="{path}"{" aria-current=page" if path == active else ""}>{label}</a>' for path, label in NAV
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)} · plugsmith hub'
        f'</title><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}{head}</style></head>"
        f"<body><header><strong>plugsmith hub</strong><nav>{nav}</nav>"
        f'<span class="who">{who}</span></header><main><h1>{e(title)}</h1>{body}</main></body></html>'
    )


def tier_badge(tier: object) -> str:
    if not tier:
        return '<span class="badge tier-none">no tier</span>'
    text = str(tier)
    return f'<span class="badge tier-{e(text[-1])}" title="trust tier">{e(text)}</span>'


def status_badge(status: object) -> str:
    text = str(status)
    return f'<span class="badge st-{e(text)}">{e(text.replace("_", " "))}</span>'


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    empty: str = "nothing here yet",
    narrow: Sequence[int] = (),
    css: str = "",
) -> str:
    """A table whose cells are already HTML (escape text with ``e`` before passing it).

    Columns whose index is in ``narrow`` are hidden on phone-width screens; the table scrolls
    sideways in its own box when it is wider than the screen.
    """

    def cls(i: int) -> str:
        return ' class="narrow"' if i in narrow else ""

    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>" for row in rows
    )
    if not body:
        return f'<p class="muted">{e(empty)}</p>'
    head = "".join(f"<th{cls(i)}>{e(h)}</th>" for i, h in enumerate(headers))
    klass = f' class="{e(css)}"' if css else ""
    return (
        f'<div class="scroll"><table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )


def definition_list(items: Iterable[tuple[str, str]]) -> str:
    """Key/value pairs; values are already HTML."""
    rows = "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in items)
    return f'<div class="scroll"><table class="facts">{rows}</table></div>'


def error_page(status: int, message: str, hint: str | None = None) -> str:
    hint_html = f'<p class="muted">{e(hint)}</p>' if hint else ""
    return layout(
        f"Error {status}",
        f'<p class="error">{e(message)}</p>{hint_html}<p><a href="/">Back to the hub</a></p>',
    )


__all__ = [
    "NAV",
    "definition_list",
    "e",
    "error_page",
    "hidden_csrf",
    "layout",
    "status_badge",
    "table",
    "tier_badge",
]
