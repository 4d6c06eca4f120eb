"""The hub's web pages, in-process: plugin page, diffs, review screen (CSRF, roles, audit), dashboard."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import test_server_helpers as helpers
from plugsmith.governance import _audit
from plugsmith.spec import GateReport, GateResult, GateStatus, Status, Tier
from test_server_helpers import Server, make_plugin

server = helpers.server

CODE_V2 = """def run(inputs):
    tasks = inputs["plan_json"].get("tasks", [])
    total = 0.0
    for task in tasks:
        total += float(task.get("cost", 0))
    return {"total": round(total, 2)}
"""


def _report(name: str, version: str, *, failed_case: str | None = None) -> GateReport:
    evidence = [
        {"case": "empty", "passed": True, "diff": [], "error": None},
        {"case": "two", "passed": failed_case != "two", "diff": [], "error": "boom" if failed_case else None},
    ]
    return GateReport(
        plugin_id="x",
        name=name,
        version=version,
        verdict="approved",
        tier=Tier.tier1,
        sandbox_backend="bwrap",
        gates=[
            GateResult(name="manifest", status=GateStatus.passed, message="manifest valid"),
            GateResult(
                name="contract", status=GateStatus.passed, message="2/2 cases passed", evidence=evidence
            ),
            GateResult(name="benchmark", status=GateStatus.skipped, message="no cases yet"),
        ],
    )


def seed(
    srv: Server,
    plugin: Path,
    *,
    status: str = "approved",
    by: str | None = None,
    report: GateReport | None = None,
) -> Any:
    """Publish straight into the hub with a gate report, signed as if ``by`` had uploaded it."""
    manifest = json.loads((plugin / "plugin.json").read_text())
    release = srv.hub.publish(
        plugin,
        status=Status(status),
        tier=Tier.tier1,
        gate_report=report or _report(manifest["name"], manifest["version"]),
    )
    token = srv.app.state.store.authenticate(srv.tokens[by]) if by else None
    srv.app.state.writes._sign(release, token)
    srv.app.state.reads.invalidate()
    return release


def sign_in(srv: Server, who: str) -> httpx.Client:
    """A browser-like session: fetch the form (CSRF cookie + field), post the token, keep the cookie."""
    client = srv.client
    client.cookies.clear()
    form = client.get("/login")
    token = _csrf_field(form.text)
    signed = client.post("/login", data={"token": srv.tokens[who], "csrf": token})
    assert signed.status_code == 303, signed.text
    return client


def _csrf_field(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


# ------------------------------------------------------------------------------------------- plugin page
def test_plugin_page_shows_code_readme_ports_gates_cases_story(server: Server, tmp_path: Path) -> None:
    readme = (
        "# cost_total\n\nSee [the docs](https://example.org/docs) and *this*.\n\n| a | b |\n|---|---|\n"
        "| 1 | 2 |\n"
    )
    seed(server, make_plugin(tmp_path, readme=readme), by="publisher")
    page = server.client.get("/plugins/cost_total@1.0.0")
    assert page.status_code == 200
    html = page.text
    assert "<em>this</em>" in html and "<table>" in html and "<h1>cost_total</h1>" in html  # rendered
    assert 'href="https://example.org/docs" rel="nofollow noopener noreferrer"' in html
    assert 'id="L1"' in html and 'href="#L3"' in html  # numbered, linkable lines
    assert '<span class="k">def</span>' in html  # Pygments highlighting
    assert (
        "<code>plan_json</code>" in html
        and "object Plan" in html
        and "fields of <code>plan_json</code>" in html
    )
    assert "raw JSON Schema of <code>total</code>" in html
    assert re.search(r"<td>manifest</td><td><span class=\"g-pass\">pass</span>", html)
    assert (
        "not run by the contract gate" not in html and html.count(">passed<") == 2
    )  # both cases, with results
    assert "Benchmark results: null" not in html and "No benchmark result for this version" in html
    assert (
        "<b>spec</b>" in html
        and "<b>signature</b>" in html
        and "Signed with the hub&#x27;s ed25519 key" in html
    )
    assert "raw provenance record" in html and "&quot;strategy&quot;: &quot;handwritten&quot;" in html


def test_plugin_page_versions_link_diffs_and_a_compare_form(server: Server, tmp_path: Path) -> None:
    seed(server, make_plugin(tmp_path))
    seed(server, make_plugin(tmp_path, version="1.1.0", code=CODE_V2))
    html = server.client.get("/plugins/cost_total").text  # the newest
    assert "from=cost_total%401.0.0&amp;to=cost_total%401.1.0" in html
    assert '<form method="get" action="/diff"' in html and 'name="from"' in html


def test_diff_between_versions_itself_and_unrelated_plugins(server: Server, tmp_path: Path) -> None:
    seed(server, make_plugin(tmp_path))
    seed(server, make_plugin(tmp_path, version="1.1.0", code=CODE_V2))
    seed(server, make_plugin(tmp_path, "other_thing", code="def run(inputs):\n    return {'total': 1.0}\n"))
    diff = server.client.get("/diff", params={"from": "cost_total@1.0.0", "to": "cost_total@1.1.0"})
    assert diff.status_code == 200
    assert '<span class="d-add">+    for task in tasks:</span>' in diff.text
    assert '<span class="d-del">-    return {&quot;total&quot;: sum(' in diff.text
    assert "2 file(s) differ" in diff.text  # plugin.py and plugin.json (the version line)
    same = server.client.get("/diff", params={"from": "cost_total@1.0.0", "to": "cost_total@1.0.0"})
    assert same.status_code == 200 and "identical contents" in same.text and 'class="d-add"' not in same.text
    unrelated = server.client.get("/diff", params={"from": "cost_total@1.0.0", "to": "other_thing"})
    assert unrelated.status_code == 200 and "are different plugins" in unrelated.text
    assert 'class="d-add"' in unrelated.text
    missing = server.client.get("/diff", params={"from": "cost_total@1.0.0", "to": "nope@9"})
    assert missing.status_code == 404


def test_hostile_readme_renders_safely_and_quickly(server: Server, tmp_path: Path) -> None:
    hostile = (
        "# Title\n\n<script>alert(1)</script><img src=x onerror=alert(2)>\n\n"
        "[click](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=) "
        "[ent](&#106;avascript:alert(4)) ![pixel](https://tracker.example/p.gif)\n\n"
        + "".join("  " * i + "- level\n" for i in range(400))
        + "\n"
        + "x" * 1_000_000
        + "\n\n"
        + "[" * 60_000
        + "\n"
    )
    seed(server, make_plugin(tmp_path, readme=hostile))
    start = time.monotonic()
    page = server.client.get("/plugins/cost_total")
    elapsed = time.monotonic() - start
    assert page.status_code == 200
    readme = page.text.split('<div class="readme">', 1)[1].split("<h2>", 1)[0]
    assert "<script" not in readme and "<img" not in readme and "&lt;script&gt;" in readme
    assert "[click](javascript:alert(3))" in readme  # shown as text, not as a link
    assert not any(h.startswith(("javascript:", "data:")) for h in re.findall(r'href="([^"]*)"', readme))
    assert "[image: pixel]" in readme and 'src="https://tracker' not in readme  # never loaded
    assert "characters long; the first" in readme  # the cut is said
    assert elapsed < 10, f"hostile README took {elapsed:.1f} s"


def test_non_utf8_source_is_shown_as_such(server: Server, tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path, "latin_one")
    (plugin / "plugin.py").write_bytes(b"# caf\xe9\ndef run(inputs):\n    return {'total': 0.0}\n")
    (plugin / "README.md").write_bytes(b"# na\xefve\n")
    seed(server, plugin)
    page = server.client.get("/plugins/latin_one")
    assert page.status_code == 200
    assert "plugin.py: not UTF-8 text: byte 0xe9 at offset 5" in page.text
    assert "README.md: not UTF-8 text" in page.text and "caf\N{REPLACEMENT CHARACTER}" in page.text
    other = make_plugin(tmp_path, "latin_one", version="1.1.0")
    seed(server, other)
    diff = server.client.get("/diff", params={"from": "latin_one@1.0.0", "to": "latin_one@1.1.0"})
    assert diff.status_code == 200 and "not UTF-8 text" in diff.text


# ----------------------------------------------------------------------------------------------- review
def test_review_screen_shows_source_diff_gates_and_permissions(server: Server, tmp_path: Path) -> None:
    seed(server, make_plugin(tmp_path, "payroll_total"), by="publisher")
    seed(
        server,
        make_plugin(tmp_path, "payroll_total", version="1.1.0", code=CODE_V2, permissions=["sensitive_data"]),
        status="pending_review",
        by="publisher",
    )
    seed(server, make_plugin(tmp_path, "fresh_thing"), status="pending_review", by="publisher")
    client = sign_in(server, "reviewer")
    html = client.get("/review").text
    card = html.split('id="payroll_total@1.1.0"', 1)[1].split("</section>", 1)[0]
    assert "Changes since" in card and "payroll_total@1.0.0" in card  # the previous approved version
    assert '<span class="d-add">+    for task in tasks:</span>' in card
    assert "<code>sensitive_data</code>" in card and "marked sensitive by the governance policy" in card
    assert "<td>contract</td>" in card and 'name="csrf"' in card
    fresh = html.split('id="fresh_thing@1.0.0"', 1)[1].split("</section>", 1)[0]
    assert "No earlier approved version" in fresh and 'id="L1"' in fresh  # whole plugin.py instead


def test_review_decision_needs_csrf_lands_in_the_audit_log(server: Server, tmp_path: Path) -> None:
    seed(server, make_plugin(tmp_path, "payroll_total"), status="pending_review", by="publisher")
    client = sign_in(server, "reviewer")
    cookie = client.cookies.get("plugsmith_token")
    assert cookie == server.tokens["reviewer"]
    forged = client.post("/review/payroll_total@1.0.0", data={"decision": "approve", "csrf": "0" * 40})
    assert forged.status_code == 403 and "nothing was decided" in forged.text
    missing = client.post("/review/payroll_total@1.0.0", data={"decision": "approve"})
    assert missing.status_code == 403
    assert server.client.get("/api/v1/plugins/payroll_total").json()["status"] == "pending_review"
    token = _csrf_field(client.get("/review").text)
    no_reason = client.post("/review/payroll_total@1.0.0", data={"decision": "reject", "csrf": token})
    assert no_reason.status_code == 400 and "Give a reason" in no_reason.text
    done = client.post(
        "/review/payroll_total@1.0.0", data={"decision": "reject", "reason": "reads salaries", "csrf": token}
    )
    assert done.status_code == 303 and done.headers["location"] == "/review?decided=payroll_total@1.0.0"
    assert "payroll_total@1.0.0 is now rejected" in client.get(done.headers["location"]).text
    lines = [a for a in _audit.read() if a.get("action") == "review"]
    assert lines[-1]["ref"] == "payroll_total@1.0.0" and lines[-1]["allowed"] is False
    assert "reads salaries" in lines[-1]["reason"] and "reviewer" in lines[-1]["reason"]
    client.cookies.clear()


def test_review_roles_and_no_self_approval(server: Server, tmp_path: Path) -> None:
    seed(server, make_plugin(tmp_path, "payroll_total"), status="pending_review", by="reviewer")
    publisher = sign_in(server, "publisher")
    assert publisher.get("/review").status_code == 403
    token = _csrf_field(publisher.get("/login").text)
    denied = publisher.post("/review/payroll_total@1.0.0", data={"decision": "approve", "csrf": token})
    assert denied.status_code == 403
    reviewer = sign_in(server, "reviewer")  # the reviewer published it: payroll_total is sensitive
    page = reviewer.get("/review").text
    assert "You published this release" in page and re.search(
        r'value="approve" type="submit"\s*disabled', page
    )
    token = _csrf_field(page)
    refused = reviewer.post("/review/payroll_total@1.0.0", data={"decision": "approve", "csrf": token})
    assert refused.status_code == 403 and "cannot approve its own plugin" in refused.text
    assert server.client.get("/api/v1/plugins/payroll_total").json()["status"] == "pending_review"
    other = sign_in(server, "reviewer2")
    token = _csrf_field(other.get("/review").text)
    ok = other.post("/review/payroll_total@1.0.0", data={"decision": "approve", "csrf": token})
    assert ok.status_code == 303
    assert server.client.get("/api/v1/plugins/payroll_total").json()["status"] == "approved"
    other.cookies.clear()


def test_sign_in_and_out_need_the_form_token(server: Server) -> None:
    server.client.cookies.clear()
    no_form = server.client.post("/login", data={"token": server.tokens["reviewer"]})
    assert no_form.status_code == 403 and "plugsmith_token" not in no_form.headers.get("set-cookie", "")
    form = server.client.get("/login")
    assert "samesite=strict" in form.headers["set-cookie"].lower()
    wrong = server.client.post("/login", data={"token": server.tokens["reviewer"], "csrf": "guess"})
    assert wrong.status_code == 403
    client = sign_in(server, "reviewer")
    assert client.post("/logout", data={"csrf": "guess"}).status_code == 403
    token = _csrf_field(client.get("/review").text)
    out = client.post("/logout", data={"csrf": token})
    assert out.status_code == 303 and 'plugsmith_token=""' in out.headers["set-cookie"]
    client.cookies.clear()


# -------------------------------------------------------------------------------------------- dashboard
def _run(run_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "plan_id": f"plan_{run_id}",
        "plan_title": f"Plan {run_id}",
        "plan_kind": "it",
        "capabilities_required": 4,
        "resolved_from_hub": 3,
        "synthesized": 1,
        "failed": 0,
        "met_without_synthesis": 3,
        "missing_capability_failures": 1,
        "recovered": 1,
        "candidates_tried": 2,
        "candidates_approved": 1,
        "tasks": 5,
        "tasks_covered": 4,
        **extra,
    }


def test_dashboard_with_few_days_shows_counts_and_per_run_series(server: Server) -> None:
    for run_id in ("r1", "r2", "r3"):
        server.hub.record_event("run", capability="plan_pipeline", plan_id=run_id, detail=_run(run_id))
    html = server.client.get("/dashboard").text
    assert "<h1>Dashboard</h1>" in html and "aria-current=page>Dashboard" in html
    counts = html.split('id="counts"', 1)[1].split('id="gauges"', 1)[0]
    assert "<b>3</b>pipeline runs" in counts and "<b>12</b>capabilities needed" in counts
    assert "1 day(s) of data: per-day charts start at 4 days" in html
    assert html.count('<rect class="bar"') == 6  # three runs × (from hub, synthesized)
    assert "<td>run 3</td>" in html and "<td>Plan r2</td>" in html
    assert "<polyline" not in html  # no one-dot lines


def test_dashboard_without_runs_counts_events_by_kind(server: Server) -> None:
    empty = server.client.get("/dashboard").text
    assert "No telemetry yet" in empty and "<b>0</b>events" in empty
    for kind in ("gap", "gap", "recovery", "synthesis"):
        server.hub.record_event(kind, capability="cost_total")
    server.app.state.reads.stats.clear()
    html = server.client.get("/dashboard").text
    assert "Events by kind" in html and "<b>2</b>gap events" in html


def test_metrics_page_is_the_dashboard(server: Server) -> None:
    moved = server.client.get("/metrics")
    assert moved.status_code == 308 and moved.headers["location"] == "/dashboard"
    assert ">Metrics<" not in server.client.get("/").text


@pytest.mark.parametrize("path", ["/", "/dashboard", "/login", "/plugins/cost_total"])
def test_pages_have_a_phone_viewport_and_no_external_assets(
    server: Server, tmp_path: Path, path: str
) -> None:
    seed(server, make_plugin(tmp_path))
    html = server.client.get(path).text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "<script" not in html and not re.search(r'(src|href)="https?://', html)


def test_a_tampered_artifact_is_said_not_a_500(server: Server, tmp_path: Path) -> None:
    release = seed(server, make_plugin(tmp_path, "payroll_total"), status="pending_review", by="publisher")
    path = server.hub.store.path_for(release.checksum)
    path.write_bytes(path.read_bytes() + b"tampered")
    page = server.client.get("/plugins/payroll_total")
    assert page.status_code == 200 and "The artifact cannot be read" in page.text
    assert 'id="L1"' not in page.text and "<b>gates</b>" in page.text  # the rest of the page is there
    queue = sign_in(server, "reviewer").get("/review")
    assert queue.status_code == 200 and "The artifact cannot be read" in queue.text
    server.client.cookies.clear()


# ----------------------------------------------------------------------------------- outside review
def test_the_sign_in_cookie_cannot_drive_api_writes(server: Server, tmp_path: Path) -> None:
    """The API checks no CSRF token, so it takes the cookie for reads only: an empty form posted to a
    write endpoint from another (same-site) page does nothing."""
    seed(server, make_plugin(tmp_path), by="publisher")
    client = sign_in(server, "admin")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for action in ("yank", "deprecate", "promote"):
        forged = client.post(f"/api/v1/plugins/cost_total@1.0.0/{action}", content=b"", headers=form)
        assert forged.status_code == 401 and "Authorization header" in forged.text, forged.text
    assert client.get("/api/v1/plugins/cost_total@1.0.0").json()["status"] == "approved"
    assert client.get("/api/v1/reviews").status_code == 200  # reads still work with the cookie
    client.cookies.clear()
    done = client.post("/api/v1/plugins/cost_total@1.0.0/yank", headers=server.auth("admin"))
    assert done.status_code == 200 and done.json()["status"] == "yanked"


XSS = "\"><svg onload=alert(7)>'<x onmouseover=alert(8)>"


def _hostile_fields(tmp_path: Path) -> Path:
    """A plugin whose every free-text field (description, port schemas' titles, descriptions, enums,
    examples, defaults, property and $defs names, provenance, case names, README, file names) is markup."""
    plugin = make_plugin(tmp_path, description=XSS, readme=f"# {XSS}\n\n{XSS}\n\n```{XSS}\ncode\n```\n")
    manifest = json.loads((plugin / "plugin.json").read_text())
    field = {"type": "string", "description": XSS, "enum": [XSS], "examples": [XSS], "default": XSS,
             "pattern": XSS, "format": XSS, "title": XSS}
    manifest["inputs"] = {"plan_json": {"type": "object", "title": XSS, "description": XSS, "$comment": XSS,
                                        "properties": {XSS: field, "ok": {"$ref": f"#/$defs/{XSS}"}},
                                        "$defs": {XSS: {"type": "number", "description": XSS}},
                                        "required": [XSS]}}
    manifest["outputs"] = {"total": {"type": "number", "description": XSS, "title": XSS}}
    manifest["provenance"] = {"strategy": XSS, "by": XSS, XSS: XSS}
    (plugin / "plugin.json").write_text(json.dumps(manifest))
    case = {"name": XSS, "input": {"plan_json": {XSS: XSS}}, "expected": {"total": 0}}
    (plugin / "tests" / "cases.json").write_text(json.dumps([case]))
    (plugin / f"{XSS.replace('/', '')}.txt").write_text(XSS)
    return plugin


def test_every_page_escapes_every_published_field(server: Server, tmp_path: Path) -> None:
    seed(server, _hostile_fields(tmp_path), by="publisher", status="pending_review")
    client = sign_in(server, "reviewer")
    shown = 0
    for path in ("/plugins/cost_total", "/plugins/cost_total@1.0.0", "/review", "/dashboard", f"/?q={XSS}",
                 "/diff?from=cost_total@1.0.0&to=cost_total@1.0.0", f"/plugins/{XSS}", f"/login?next={XSS}"):
        body = client.get(path).text
        assert "<svg onload" not in body and "<x onmouseover" not in body, path
        shown += body.count("&lt;svg onload=alert(7)&gt;")
    assert shown > 30  # the fields were shown (escaped), not left out
