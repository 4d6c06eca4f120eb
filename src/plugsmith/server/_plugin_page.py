"""The plugin page's sections: what a person needs to judge a release, in reading order.

README (rendered safely), the code (highlighted, numbered), ports as field tables, the gate report,
the test and benchmark cases with their results, provenance as a short story, versions with a diff
between any two, and usage. Raw JSON (schemas, provenance, gate report) is one click away in
``<details>``. Files are read from the release's verified checkout on every request (so a tampered
artifact is noticed at once); their rendered HTML (Markdown, highlighting: the slow part) is cached by
the text's own digest.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from plugsmith import reading
from plugsmith.errors import PlugsmithError
from plugsmith.server import _markdown, _svg
from plugsmith.server._highlight import code_html
from plugsmith.server._html import definition_list, e, status_badge, table, tier_badge

_RENDERED: OrderedDict[tuple[str, str, bytes], str] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
_RENDERED_SIZE = 256


def release_files(hub: Any, release: Any) -> dict[str, reading.SourceFile]:
    """The release's files, from its verified checkout (TamperedArtifact if its bytes changed)."""
    return reading.release_files(hub, release)


def rendered(kind: str, path: str, text: str, render: Callable[[], str]) -> str:
    """``render()``, cached by (kind, path, digest of ``text``): the same text always renders the same."""
    key = (kind, path, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    with _RENDERED_LOCK:
        hit = _RENDERED.get(key)
        if hit is not None:
            _RENDERED.move_to_end(key)
            return hit
    html = render()
    with _RENDERED_LOCK:
        _RENDERED[key] = html
        while len(_RENDERED) > _RENDERED_SIZE:
            _RENDERED.popitem(last=False)
    return html


def files_or_warning(hub: Any, release: Any) -> tuple[dict[str, reading.SourceFile], str]:
    """The release's files, or none and a warning when its artifact fails verification (the rest of the
    page, from the database, is still worth showing)."""
    try:
        return release_files(hub, release), ""
    except PlugsmithError as exc:
        return {}, (
            f'<p class="warning" role="alert">The artifact cannot be read ({e(exc.one_line())}); '
            "its files are not shown.</p>"
        )


def ref_url(ref: str, prefix: str = "/plugins/") -> str:
    return prefix + quote(ref, safe="@")


def link(ref: str) -> str:
    return f'<a href="{e(ref_url(ref))}">{e(ref)}</a>'


def problem_note(source: reading.SourceFile) -> str:
    return (
        f'<p class="warning" role="note">{e(source.path)}: {e(source.problem)}</p>' if source.problem else ""
    )


def code_section(files: dict[str, reading.SourceFile], path: str = reading.CODE) -> str:
    """``plugin.py`` numbered and highlighted (or why it cannot be shown)."""
    source = files.get(path) or reading.missing(path)
    if source.text is None:
        return f'<p class="warning">{e(source.problem or "not shown")}</p>'
    text = source.text
    return problem_note(source) + rendered("code", path, text, lambda: code_html(text, path))


def readme_section(files: dict[str, reading.SourceFile]) -> str:
    source = files.get(reading.README)
    if source is None or not (source.text or "").strip():
        return '<p class="muted">This release has no README.</p>'
    if source.text is None:
        return f'<p class="warning">{e(source.problem)}</p>'
    text = source.text
    html = rendered("readme", source.path, text, lambda: _markdown.render(text))
    return problem_note(source) + f'<div class="readme">{html}</div>'


def other_files(files: dict[str, reading.SourceFile]) -> str:
    rows = [[f"<code>{e(f.path)}</code>", f"{f.size:,} bytes", e(f.problem or "")] for f in files.values()]
    return table(["file", "size", "note"], rows, empty="no files")


def origin_html(origin: Any, tier: Any) -> str:
    """The manifest's origin, marked as a claim when the hub's tier does not bear it out (an upload
    may say ``builtin`` or ``synthesized``; only Tier 0 / Tier 1 mean the hub vouches for the bytes)."""
    vouched = {"builtin": ("Tier 0",), "synthesized": ("Tier 0", "Tier 1"), "adapted": ("Tier 0", "Tier 1")}
    text = e(origin)
    if str(origin) in vouched and str(tier) not in vouched[str(origin)]:
        text += ' <span class="muted">(claimed by plugin.json; not attested by this hub)</span>'
    return text


def facts(d: dict[str, Any]) -> str:
    sig, rank = d["signature"], d["ranking"]
    score = (
        f"{rank['ranking_score']:.2f} (reliability {rank['reliability']:.2f}, quality "
        f"{rank['quality']:.2f}, adoption {rank['adoption']:.2f}, safety {rank['safety']:.2f})"
    )
    perms = ", ".join(str(p) for p in d["manifest"].get("permissions") or []) or "none"
    reason = f" — {e(d['status_reason'])}" if d.get("status_reason") else ""
    return definition_list(
        [
            ("description", e(d.get("description") or "—")),
            ("capability", e(d["capability"])),
            ("status", status_badge(d["status"]) + reason),
            ("tier", tier_badge(d["tier"])),
            ("origin", origin_html(d["origin"], d["tier"])),
            ("permissions", e(perms)),
            ("ranking score", e(score)),
            ("checksum", f"<code>{e(d['checksum'])}</code>"),
            ("signature", f"ed25519, hub key <code>{e(sig['key_id'])}</code>" if sig else "unsigned"),
            ("telemetry", e(", ".join(f"{k} {v}" for k, v in d["telemetry"].items()))),
            (
                "as data",
                f'<a href="{e(ref_url(d["ref"], "/api/v1/plugins/"))}">JSON</a> · '
                f'<a href="/api/v1/artifacts/{e(d["checksum"])}">archive</a>',
            ),
        ]
    )


def gates_section(report: dict[str, Any] | None) -> str:
    """The gate report: one row per gate, the verdict, and the raw report one click away."""
    if not report:
        return (
            '<p class="warning">No gate report is stored: this release was published without the gates.</p>'
        )
    rows = [
        [
            e(g.get("name")),
            f'<span class="g-{e(g.get("status"))}">{e(g.get("status"))}</span>',
            e(g.get("message", "")),
            e(f"{float(g.get('duration_ms') or 0):.0f} ms"),
        ]
        for g in report.get("gates", [])
    ]
    head = (
        f"<p>Verdict <b>{e(report.get('verdict'))}</b>, {tier_badge(report.get('tier'))}"
        + (f", sandbox {e(report['sandbox_backend'])}" if report.get("sandbox_backend") else "")
        + (
            f", execution limit {e(report['execution_limit_ms'])} ms"
            if report.get("execution_limit_ms")
            else ""
        )
        + ".</p>"
    )
    raw = f"<details><summary>raw gate report</summary><pre>{e(json.dumps(report, indent=2))}</pre></details>"
    return head + table(["gate", "status", "message", "time"], rows, narrow=(3,)) + raw


def _short_json(value: Any, limit: int = 140) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "…"


def _case_results(report: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The contract gate's per-case evidence, by case name."""
    for gate in (report or {}).get("gates", []):
        if gate.get("name") == "contract":
            return {str(ev.get("case")): ev for ev in gate.get("evidence") or [] if isinstance(ev, dict)}
    return {}


def cases_section(files: dict[str, reading.SourceFile], report: dict[str, Any] | None) -> str:
    """The plugin's own test cases, each with its result in the contract gate."""
    source = files.get(reading.CASES)
    if source is None or source.text is None:
        return '<p class="muted">The release ships no tests/cases.json.</p>'
    try:
        cases = json.loads(source.text)
    except ValueError:
        return problem_note(source) + '<p class="warning">tests/cases.json is not valid JSON.</p>'
    results = _case_results(report)
    rows = []
    for case in cases if isinstance(cases, list) else []:
        if not isinstance(case, dict):
            continue
        ev = results.get(str(case.get("name")))
        verdict = (
            "not run by the contract gate"
            if ev is None
            else "passed"
            if ev.get("passed")
            else f"failed: {ev.get('error') or _short_json(ev.get('diff'))}"
        )
        rows.append(
            [
                f"<code>{e(case.get('name'))}</code>",
                f"<code>{e(_short_json(case.get('input')))}</code>",
                f"<code>{e(_short_json(case.get('expected')))}</code>",
                e(verdict),
            ]
        )
    extra = len(results) - len(rows)
    note = (
        f'<p class="muted">The contract gate also ran {extra} generated edge case(s).</p>'
        if extra > 0
        else ""
    )
    return table(["case", "input", "expected", "result"], rows, empty="no cases", narrow=(1,)) + note


def benchmark_section(d: dict[str, Any], hub_cases: list[Any], result: dict[str, Any] | None) -> str:
    """The hub's benchmark cases for the capability and this version's newest result on them."""
    cap = d["capability"]
    names = ", ".join(c.name for c in hub_cases[:20]) + (" …" if len(hub_cases) > 20 else "")
    head = (
        f"<p>The hub keeps {len(hub_cases)} benchmark case(s) for <code>{e(cap)}</code>"
        + (f": {e(names)}" if hub_cases else "")
        + ".</p>"
    )
    if not result:
        how = (
            f"<code>plugsmith hub benchmark {e(cap)}</code> (or <code>POST /api/v1/capabilities/{e(cap)}"
            "/benchmark</code>) runs it."
        )
        why = "no benchmark cases yet" if not hub_cases else "not benchmarked yet"
        return head + f'<p class="muted">No benchmark result for this version ({why}); {how}</p>'
    keys = [
        ("accuracy", "accuracy"),
        ("coverage_score", "coverage of plan types"),
        ("failure_rate", "failure rate"),
        ("cases", "cases run"),
        ("score", "score"),
    ]
    rows = [(label, e(result[key])) for key, label in keys if key in result]
    for kind, value in sorted((result.get("plan_types") or {}).items()):
        rows.append((f"plan type {kind}", e(value)))
    return head + definition_list(rows)


def story_section(steps: list[reading.Step], raw: dict[str, Any]) -> str:
    items = "".join(
        f"<li{'' if s.known else ' class=unknown'}><b>{e(s.title)}</b> — {e(s.text)}</li>" for s in steps
    )
    return (
        f'<ol class="story">{items}</ol><details><summary>raw provenance record</summary>'
        f"<pre>{e(json.dumps(raw, indent=2, default=str))}</pre></details>"
    )


def versions_section(d: dict[str, Any]) -> str:
    """Every version, each with a diff to the one before it, and a form to compare any two."""
    versions = d["versions"]
    refs = [f"{d['name']}@{v['version']}" for v in versions]
    rows = []
    for i, v in enumerate(versions):
        older = refs[i + 1] if i + 1 < len(refs) else None
        diff = (
            f'<a href="/diff?{e(urlencode({"from": older, "to": refs[i]}))}">diff to {e(v_of(older))}</a>'
            if older
            else "first version"
        )
        rows.append(
            [
                link(refs[i]),
                status_badge(v["status"]),
                tier_badge(v["tier"]),
                e((v["created_at"] or "")[:16].replace("T", " ")),
                diff,
            ]
        )
    form = ""
    if len(refs) > 1:
        this = d["ref"]
        default_from = next((r for r in refs if r != this), refs[-1])

        def options(chosen: str) -> str:
            return "".join(
                f'<option value="{e(r)}"{" selected" if r == chosen else ""}>{e(r)}</option>' for r in refs
            )

        form = (
            f'<form method="get" action="/diff" class="row"><label>compare <select name="from">'
            f'{options(default_from)}</select></label> <label>with <select name="to">{options(this)}'
            f'</select></label> <button type="submit">Show diff</button></form>'
        )
    return table(["version", "status", "tier", "published", "changes"], rows, narrow=(3,)) + form


def v_of(ref: str | None) -> str:
    return (ref or "").rpartition("@")[2]


def usage_section(usage: list[dict[str, Any]]) -> str:
    if not usage:
        return '<p class="muted">No recorded uses yet.</p>'
    total = sum(int(u["count"]) for u in usage)
    if len(usage) < 2:  # one bar says no more than the sentence
        return f"<p>{total} use(s), all on {e(usage[0]['day'])}.</p>"
    chart = _svg.bar_chart("uses per day", [u["day"] for u in usage], [u["count"] for u in usage])
    return f'<p>{total} use(s) on {len(usage)} day(s).</p><div class="charts">{chart}</div>'


__all__ = [
    "benchmark_section",
    "cases_section",
    "code_section",
    "facts",
    "gates_section",
    "link",
    "origin_html",
    "other_files",
    "problem_note",
    "readme_section",
    "ref_url",
    "release_files",
    "story_section",
    "usage_section",
    "versions_section",
]
