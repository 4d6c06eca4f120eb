"""The web pages: browse/search, a plugin page, a diff between releases, the review screen (behind a
token sign-in) and the dashboard.

Plain HTML forms and links — no JavaScript. Signing in posts a token to ``/login``, which keeps it in
an HttpOnly, SameSite=Strict cookie; every POST form also carries a CSRF token (``_csrf``). Review
decisions go through ``WriteService.review``, the same code (roles, no self-approval) as the JSON API,
and land in the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plugsmith import reading
from plugsmith.errors import PlugsmithError
from plugsmith.server import _csrf
from plugsmith.server import _plugin_page as pp
from plugsmith.server._auth import COOKIE, authenticate, token_from_request
from plugsmith.server._dashboard import dashboard_body
from plugsmith.server._errors import ApiError
from plugsmith.server._highlight import css as code_css
from plugsmith.server._highlight import diff_html
from plugsmith.server._html import e, hidden_csrf, layout, status_badge, table, tier_badge
from plugsmith.server._ports import ports_html
from plugsmith.server._review_page import MAX_SHOWN, review_card
from plugsmith.server._service import ReadService
from plugsmith.server._store import Role, TokenInfo
from plugsmith.server._writes import WriteService
from plugsmith.spec import Status, Tier, is_name

pages = APIRouter(include_in_schema=False)


def _reads(request: Request) -> ReadService:
    service: ReadService = request.app.state.reads
    return service


def _user(request: Request) -> TokenInfo | None:
    return token_from_request(request, None)


Reads = Annotated[ReadService, Depends(_reads)]
User = Annotated[TokenInfo | None, Depends(_user)]


def _session_csrf(request: Request) -> str | None:
    secret = request.cookies.get(COOKIE)
    return _csrf.session_token(secret) if secret else None


def _page(
    request: Request,
    title: str,
    body: str,
    user: TokenInfo | None,
    status: int = 200,
    *,
    active: str = "",
    head: str = "",
) -> HTMLResponse:
    name = f"{user.name or user.id} ({user.role})" if user else None
    html = layout(
        title, body, user=name, csrf=_session_csrf(request) if user else None, active=active, head=head
    )
    return HTMLResponse(html, status_code=status)


def _options(values: list[str], chosen: str | None) -> str:
    opts = ['<option value="">any</option>'] + [
        f'<option value="{e(v)}"{" selected" if v == chosen else ""}>{e(v)}</option>' for v in values
    ]
    return "".join(opts)


@pages.get("/", response_class=HTMLResponse)
def browse(
    request: Request,
    r: Reads,
    user: User,
    q: Annotated[str, Query(max_length=200)] = "",
    capability: Annotated[str, Query(max_length=64)] = "",
    tier: str = "",
    status: str = "",
) -> Response:
    """Search form and ranked results with tier and status badges."""
    cap = capability if is_name(capability) else None
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
        f'<form method="get" action="/" role="search" class="row"><input type="search" name="q" '
        f'value="{e(q)}" placeholder="search plugins" aria-label="search text"> '
        f'<input name="capability" value="{e(cap or "")}" placeholder="capability" aria-label="capability"> '
        f'<select name="tier" aria-label="tier">{_options([t.value for t in Tier], tier_v)}'
        f'</select> <select name="status" aria-label="status">'
        f"{_options([s.value for s in Status if s is not Status.reused], status_v)}</select> "
        f'<button type="submit">Search</button></form>'
    )
    rows = [
        [
            pp.link(f"{it['name']}@{it['version']}"),
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
            narrow=(1, 5, 6),
        )
    )
    return _page(request, "Browse plugins", body, user, active="/")


@pages.get("/plugins/{ref}", response_class=HTMLResponse)
def plugin_page(request: Request, r: Reads, user: User, ref: str) -> Response:
    """README, code, ports, gates, cases and benchmarks, provenance, versions (with diffs), usage."""
    if len(ref) > 200:
        raise ApiError(404, "no plugin has a reference that long", slug="not-found")
    d = r.detail(ref)
    release = r.release(d["ref"])
    files, broken = pp.files_or_warning(r.hub, release)
    stats = r.usage().get(release.plugin_id)
    result = (stats.benchmarks.get(release.version) if stats else None) or release.evaluation
    code = files.get(reading.CODE)
    steps = reading.provenance_story(
        release,
        signature=d["signature"],
        record=reading.synthesis_record_of(r.hub, release),
        code_lines=len(code.lines) if code and code.text is not None else None,
    )
    raw = {
        "manifest provenance": d["provenance"],
        "hub synthesis record": reading.synthesis_record_of(r.hub, release),
        "signature": d["signature"],
    }
    body = (
        broken
        + pp.facts(d)
        + f"<h2>README</h2>{pp.readme_section(files)}"
        + f"<h2>Code: plugin.py</h2>{pp.code_section(files)}"
        + f"<details><summary>all files of this release</summary>{pp.other_files(files)}</details>"
        + f"<h2>Inputs</h2>{ports_html(release.manifest.inputs, direction='inputs')}"
        + f"<h2>Outputs</h2>{ports_html(release.manifest.outputs, direction='outputs')}"
        + f"<h2>Gate report</h2>{pp.gates_section(d.get('gate_report'))}"
        + f"<h2>Test cases</h2>{pp.cases_section(files, d.get('gate_report'))}"
        + f"<h2>Benchmark</h2>{pp.benchmark_section(d, r.hub.benchmark_cases(release.capability), result)}"
        + f"<h2>Provenance</h2>{pp.story_section(steps, raw)}"
        + f"<h2>Versions</h2>{pp.versions_section(d)}"
        + f"<h2>Usage over time</h2>{pp.usage_section(d['usage_over_time'])}"
    )
    return _page(request, d["ref"], body, user, head=code_css())


@pages.get("/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    r: Reads,
    user: User,
    old: Annotated[str, Query(alias="from", min_length=1, max_length=200)],
    new: Annotated[str, Query(alias="to", min_length=1, max_length=200)],
) -> Response:
    """The source diff between any two releases (``/diff?from=REF&to=REF``)."""
    a, b = r.require(old), r.require(new)
    result = (
        reading.diff_files(
            pp.release_files(r.hub, a), pp.release_files(r.hub, b), old_label=a.ref, new_label=b.ref
        )
        if a.checksum != b.checksum
        else []
    )
    diff = reading.ReleaseDiff(a.ref, b.ref, a.plugin_id == b.plugin_id, a.checksum == b.checksum, result)
    parts = [f'<p id="diff-summary">{e(diff.summary)}.</p>']
    if not diff.related:
        parts.append(
            f'<p class="notice">{pp.link(a.ref)} and {pp.link(b.ref)} are different plugins; the '
            "files are compared as they are.</p>"
        )
    for file in diff.changed:
        note = f'<p class="muted">{e(file.note)}</p>' if file.note else ""
        parts.append(
            f"<h2><code>{e(file.path)}</code> {e(file.status)} (+{file.added} −{file.removed})</h2>"
            f"{note}{diff_html(file.lines) if file.lines else ''}"
        )
    same = [f.path for f in diff.files if f.status == "same"]
    if same:
        parts.append(f'<p class="muted">Unchanged: {e(", ".join(same))}.</p>')
    return _page(request, f"{a.ref} → {b.ref}", "".join(parts), user)


def _login_form(token: str) -> str:
    return (
        f'<form method="post" action="/login" class="row">{hidden_csrf(token)}<label>Token <input '
        'type="password" name="token" autocomplete="off" required></label> <button type="submit">Sign in'
        "</button></form>"
    )


def _with_login_cookie(request: Request, response: Response, token: str) -> Response:
    response.set_cookie(
        _csrf.LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.app.state.reads.settings.cookie_secure,
        max_age=3600,
    )
    return response


def _sign_in_page(
    request: Request, title: str, message: str, user: TokenInfo | None, status: int
) -> Response:
    """A page with the sign-in form; the form's CSRF value is also set as a cookie."""
    token = request.cookies.get(_csrf.LOGIN_COOKIE) or _csrf.new_login_token()
    response = _page(request, title, message + _login_form(token), user, status, active="/review")
    return _with_login_cookie(request, response, token)


@pages.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: User) -> Response:
    return _sign_in_page(
        request, "Sign in", "<p>Paste a token from <code>plugsmith token create</code>.</p>", user, 200
    )


@pages.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the token and keep it in an HttpOnly cookie."""
    if not _csrf.valid(request, csrf, session_secret=None):
        return _sign_in_page(
            request, "Sign in", '<p class="error">The form expired; sign in again.</p>', None, 403
        )
    info = authenticate(request, token.strip())  # shared auth-failure limit, as for the API
    if info is None:
        return _sign_in_page(
            request, "Sign in", '<p class="error">That token is unknown or revoked.</p>', None, 401
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
    response.delete_cookie(_csrf.LOGIN_COOKIE, path="/")
    return response


@pages.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    secret = request.cookies.get(COOKIE)
    if secret and not _csrf.valid(request, csrf, session_secret=secret):
        return _page(
            request,
            "Sign out",
            '<p class="error">The form expired; reload and try again.</p>',
            _user(request),
            403,
        )
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _reviewer_or_sign_in(request: Request, user: TokenInfo | None) -> Response | None:
    if user is not None and user.role.level >= Role.reviewer.level:
        return None
    why = (
        "Sign in with a reviewer or admin token to review plugins."
        if user is None
        else f"Your {user.role} token cannot review; sign in with a reviewer token."
    )
    return _sign_in_page(request, "Review queue", f"<p>{e(why)}</p>", user, 401 if user is None else 403)


def _queue(request: Request, r: ReadService, user: TokenInfo, note: str = "", status: int = 200) -> Response:
    writes: WriteService = request.app.state.writes
    sensitive = writes.sensitive()
    pending = r.pending()
    csrf = _session_csrf(request) or ""
    cards = [
        review_card(
            r.hub,
            rel,
            sensitive=rel.capability in sensitive,
            published_by=(r.store.signature(rel.checksum) or {}).get("published_by"),
            owner=r.store.owner(rel.name),
            user_id=user.id,
            csrf=csrf,
        )
        for rel in pending[:MAX_SHOWN]
    ]
    count = (
        f'<p class="muted" id="pending-count">{len(pending)} release(s) waiting for review'
        + (f"; the oldest {MAX_SHOWN} are shown" if len(pending) > MAX_SHOWN else "")
        + ".</p>"
    )
    body = note + count + ("".join(cards) or '<p class="muted">Nothing is waiting for review.</p>')
    return _page(request, "Review queue", body, user, status, active="/review", head=code_css())


@pages.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request, r: Reads, user: User, decided: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """Pending releases, each with its code, diff, gates and permissions; reviewers and admins only."""
    refused = _reviewer_or_sign_in(request, user)
    if refused is not None or user is None:
        return refused or Response(status_code=401)
    note = ""
    if decided:
        try:
            rel = r.release(decided)
            note = f'<p class="notice" role="status">{e(rel.ref)} is now {e(rel.status)}.</p>'
        except PlugsmithError:
            note = ""
    return _queue(request, r, user, note)


@pages.post("/review/{ref}")
def review_submit(
    request: Request,
    r: Reads,
    user: User,
    ref: str,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Approve or reject through ``WriteService.review`` (the API's checks); errors show on the queue."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    refused = _reviewer_or_sign_in(request, user)
    if refused is not None or user is None:
        return refused or Response(status_code=401)
    if not _csrf.valid(request, csrf, session_secret=request.cookies.get(COOKIE)):
        return _queue(
            request,
            r,
            user,
            '<p class="error" role="alert">The form expired or did not come from '
            "this page; nothing was decided. Try again.</p>",
            403,
        )
    if decision == "reject" and not reason.strip():
        return _queue(
            request, r, user, f'<p class="error" role="alert">Give a reason to reject {e(ref)}.</p>', 400
        )
    writes: WriteService = request.app.state.writes
    try:
        result = writes.review(ref, decision == "approve", user, reason.strip())
    except ApiError as exc:
        return _queue(request, r, user, f'<p class="error" role="alert">{e(exc.message)}</p>', exc.status)
    except PlugsmithError as exc:
        return _queue(request, r, user, f'<p class="error" role="alert">{e(exc.one_line())}</p>', 400)
    return RedirectResponse(f"/review?decided={pp.ref_url(result['ref'], '')}", status_code=303)


@pages.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, r: Reads, user: User) -> Response:
    """Counts, the overall rates, and per-run (few days) or per-day (enough days) series."""
    from plugsmith.server._metrics import runs_of

    runs: Any = r.stats.get("dashboard-runs", lambda: runs_of(r.hub.events(kind="run")))
    body = dashboard_body(r.metrics(), runs, len(r.pending()))
    return _page(request, "Dashboard", body, user, active="/dashboard")


@pages.get("/metrics", include_in_schema=False)
def metrics_page() -> Response:
    """The dashboard has one name; ``/metrics`` (what the API and the CLI call the numbers) leads there."""
    return RedirectResponse("/dashboard", status_code=308)


__all__ = ["pages"]
