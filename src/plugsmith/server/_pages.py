"""The web pages: browse/search, a plugin page, the review queue (behind a token login) and the dashboard.

Plain HTML forms and links — no JavaScript. Logging in posts a token to ``/login``, which sets it in an
HttpOnly, SameSite=Strict cookie (so other sites cannot make the browser post reviews on the user's
behalf); the review queue posts ordinary forms back to ``/review/{ref}``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plugsmith.server import _svg
from plugsmith.server._auth import COOKIE, token_from_request
from plugsmith.server._html import definition_list, e, layout, status_badge, table, tier_badge
from plugsmith.server._service import ReadService
from plugsmith.server._store import Role, TokenInfo
from plugsmith.server._writes import WriteService
from plugsmith.spec import NAME_PATTERN, Status, Tier

pages = APIRouter(include_in_schema=False)


def _reads(request: Request) -> ReadService:
    service: ReadService = request.app.state.reads
    return service


def _user(request: Request) -> TokenInfo | None:
    return token_from_request(request, None)


Reads = Annotated[ReadService, Depends(_reads)]
User = Annotated[TokenInfo | None, Depends(_user)]


def _page(title: str, body: str, user: TokenInfo | None, status: int = 200) -> HTMLResponse:
    name = f"{user.name or user.id} ({user.role})" if user else None
    return HTMLResponse(layout(title, body, user=name), status_code=status)


def _link(name: str, version: str | None = None) -> str:
    ref = f"{name}@{version}" if version else name
    return f'<a href="/plugins/{quote(ref, safe="@")}">{e(ref)}</a>'


def _options(values: list[str], chosen: str | None) -> str:
    opts = ['<option value="">any</option>'] + [
        f'<option value="{e(v)}"{" selected" if v == chosen else ""}>{e(v)}</option>' for v in values
    ]
    return "".join(opts)


@pages.get("/", response_class=HTMLResponse)
def browse(
    r: Reads,
    user: User,
    q: Annotated[str, Query(max_length=200)] = "",
    capability: Annotated[str, Query(max_length=64)] = "",
    tier: str = "",
    status: str = "",
) -> Response:
    """Search form and ranked results with tier and status badges."""
    import re

    cap = capability if re.match(NAME_PATTERN, capability) else None
    tier_v = tier if tier in {t.value for t in Tier} else None
    status_v = status if status in {s.value for s in Status if s is not Status.reused} else None
    results = r.search(
        q,
        capability=cap,
        tier=Tier(tier_v) if tier_v else None,
        status=Status(status_v) if status_v else None,
        limit=50,
    )
    form = (
        f'<form method="get" action="/" role="search"><input type="search" name="q" value="{e(q)}" '
        f'placeholder="search plugins" aria-label="search text"> '
        f'<input name="capability" value="{e(cap or "")}" placeholder="capability"> '
        f'<select name="tier" aria-label="tier">{_options([t.value for t in Tier], tier_v)}'
        f'</select> <select name="status" aria-label="status">'
        f"{_options([s.value for s in Status if s is not Status.reused], status_v)}</select> "
        f'<button type="submit">Search</button></form>'
    )
    rows = [
        [
            _link(it["name"], it["version"]),
            e(it["capability"]),
            tier_badge(it["safety_tier"]),
            status_badge(it["status"]),
            f"{it['ranking_score']:.2f}",
            e(it["downloads"]),
            e(", ".join(a["name"] for a in it.get("alternatives", [])) or "—"),
        ]
        for it in results
    ]
    body = (
        form
        + f'<p class="muted" id="result-count">{len(results)} result(s)</p>'
        + table(
            ["plugin", "capability", "tier", "status", "score", "downloads", "similar"],
            rows,
            empty="no plugin matches; try fewer words",
        )
    )
    return _page("Browse plugins", body, user)


@pages.get("/plugins/{ref}", response_class=HTMLResponse)
def plugin_page(r: Reads, user: User, ref: str) -> Response:
    """README, ports, versions, provenance, gate and benchmark results, usage over time."""
    d = r.detail(ref)
    sig = d["signature"]
    facts = [
        ("capability", e(d["capability"])),
        ("status", status_badge(d["status"])),
        ("tier", tier_badge(d["tier"])),
        ("origin", e(d["origin"])),
        (
            "ranking score",
            f"{d['ranking']['ranking_score']:.2f} (reliability {d['ranking']['reliability']:.2f},"
            f" quality {d['ranking']['quality']:.2f}, adoption {d['ranking']['adoption']:.2f},"
            f" safety {d['ranking']['safety']:.2f})",
        ),
        ("checksum", f"<code>{e(d['checksum'])}</code>"),
        ("signature", f"ed25519 key <code>{e(sig['key_id'])}</code>" if sig else "unsigned"),
        ("telemetry", e(", ".join(f"{k} {v}" for k, v in d["telemetry"].items()))),
    ]
    manifest = d["manifest"]
    ports = [
        [e(direction), e(name), f"<code>{e(json.dumps(schema)[:160])}</code>"]
        for direction in ("inputs", "outputs")
        for name, schema in manifest.get(direction, {}).items()
    ]
    versions = [
        [
            _link(d["name"], v["version"]),
            status_badge(v["status"]),
            tier_badge(v["tier"]),
            e((v["created_at"] or "")[:19]),
        ]
        for v in d["versions"]
    ]
    gates = [
        [e(g.get("name")), e(g.get("status")), e(g.get("message", ""))]
        for g in (d.get("gate_report") or {}).get("gates", [])
    ]
    usage = d["usage_over_time"]
    chart = _svg.bar_chart("uses per day", [u["day"] for u in usage], [u["count"] for u in usage])
    body = (
        definition_list(facts)
        + f"<h2>README</h2>{_readme(r, ref)}"
        + "<h2>Ports</h2>"
        + table(["direction", "port", "schema"], ports)
        + "<h2>Versions</h2>"
        + table(["version", "status", "tier", "published"], versions)
        + f"<h2>Provenance</h2><pre>{e(json.dumps(d['provenance'], indent=2))}</pre>"
        + "<h2>Gate results</h2>"
        + table(["gate", "status", "message"], gates, empty="no gate report")
        + f"<h2>Benchmark results</h2><pre>{e(json.dumps(d.get('evaluation'), indent=2))}</pre>"
        + f'<h2>Usage over time</h2><div class="charts">{chart}</div>'
    )
    return _page(f"{d['name']}@{d['version']}", body, user)


def _readme(r: ReadService, ref: str) -> str:
    try:
        path = r.hub.checkout(r.release(ref)) / "README.md"
        text = path.read_text(encoding="utf-8")[:20_000] if path.is_file() else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    return f'<pre class="readme">{e(text)}</pre>' if text else '<p class="muted">no README</p>'


_LOGIN_FORM = (
    '<form method="post" action="/login"><label>Token <input type="password" name="token" '
    'autocomplete="off" required></label> <button type="submit">Sign in</button></form>'
)


@pages.get("/login", response_class=HTMLResponse)
def login_form(user: User) -> Response:
    return _page(
        "Sign in", "<p>Paste a token from <code>plugsmith token create</code>.</p>" + _LOGIN_FORM, user
    )


@pages.post("/login")
def login(request: Request, token: Annotated[str, Form(max_length=200)]) -> Response:
    """Check the token and keep it in an HttpOnly cookie."""
    info = request.app.state.store.authenticate(token.strip())
    if info is None:
        return _page(
            "Sign in", '<p class="error">That token is unknown or revoked.</p>' + _LOGIN_FORM, None, 401
        )
    response = RedirectResponse("/review", status_code=303)
    response.set_cookie(
        COOKIE,
        token.strip(),
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.app.state.reads.settings.cookie_secure,
        max_age=8 * 3600,
    )
    return response


@pages.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@pages.get("/review", response_class=HTMLResponse)
def review_queue(r: Reads, user: User, done: Annotated[str, Query(max_length=300)] = "") -> Response:
    """Pending releases with approve/reject forms; reviewers and admins only."""
    if user is None or user.role.level < Role.reviewer.level:
        why = (
            "Sign in with a reviewer or admin token to review plugins."
            if user is None
            else f"Your {user.role} token cannot review; sign in with a reviewer token."
        )
        return _page("Review queue", f"<p>{e(why)}</p>" + _LOGIN_FORM, user, 401 if user is None else 403)
    rows = []
    for rel in r.pending():
        action = f"/review/{quote(rel.ref, safe='@')}"
        form = (
            f'<form method="post" action="{e(action)}" class="review-form"><input name="reason" '
            f'placeholder="reason" aria-label="reason for {e(rel.ref)}"> <button name="decision" '
            f'value="approve" type="submit">Approve</button> <button name="decision" value="reject" '
            f'type="submit">Reject</button></form>'
        )
        rows.append(
            [
                _link(rel.name, rel.version),
                e(rel.capability),
                tier_badge(rel.tier),
                e(", ".join(str(p) for p in rel.manifest.permissions) or "none"),
                form,
            ]
        )
    note = f'<p class="notice" role="status">{e(done)}</p>' if done else ""
    body = note + table(
        ["release", "capability", "tier", "permissions", "decision"],
        rows,
        empty="nothing is waiting for review",
    )
    return _page("Review queue", body, user)


@pages.post("/review/{ref}")
def review_submit(
    request: Request,
    user: User,
    ref: str,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    service: WriteService = request.app.state.writes
    result = service.review(ref, decision == "approve", user, reason)
    message = f"{result['ref']} is now {result['status']}"
    return RedirectResponse(f"/review?done={quote(message)}", status_code=303)


@pages.get("/dashboard", response_class=HTMLResponse)
def dashboard(r: Reads, user: User) -> Response:
    """The seed's success metrics, overall (gauges) and per day (inline-SVG charts)."""
    m = r.metrics()
    overall, daily = m["overall"], m["daily"]
    names = {
        "recovery_rate": "Recovery rate",
        "gate_pass_rate": "Gate pass rate",
        "reuse_lift": "Reuse lift",
        "coverage": "Coverage",
    }
    gauges = "".join(_svg.gauge(label, overall[key]) for key, label in names.items())
    days = daily.get("days", [])
    charts = [
        _figure(label, _svg.line_chart(label, *_series(days, daily.get(key, [])), ymax=1.0))
        for key, label in names.items()
    ]
    charts.append(
        _figure(
            "Time to add a capability (s)",
            _svg.line_chart(
                "Time to add a capability (s)",
                *_series(days, daily.get("time_to_add_capability_s", [])),
                fmt="{:.1f}s",
            ),
        )
    )
    per_day = "Pipeline runs per day" if m.get("source") == "runs" else "Events per day"
    charts.append(_figure(per_day, _svg.bar_chart(per_day, days, daily.get("events", []))))
    tta = overall["time_to_add_capability_s"]
    body = (
        f'<div class="charts" id="gauges">{gauges}</div><p>Median time to add a capability: '
        f"{e(f'{tta:.1f} s' if tta is not None else 'no data')}; {overall['events']} events.</p>"
        f'<div class="charts" id="charts">{"".join(charts)}</div>'
    )
    return _page("Metrics", body, user)


def _series(days: list[str], values: list[Any]) -> tuple[list[str], list[float]]:
    pairs = [(d, float(v)) for d, v in zip(days, values, strict=False) if v is not None]
    return [d for d, _ in pairs], [v for _, v in pairs]


def _figure(caption: str, svg: str) -> str:
    return f"<figure>{svg}<figcaption>{e(caption)}</figcaption></figure>"


__all__ = ["pages"]
