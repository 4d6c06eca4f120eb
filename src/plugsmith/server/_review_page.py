"""The review screen: everything a reviewer needs to decide on one pending release, and the form.

Per release: what it is and who published it, the sensitive permissions it asks for (and whether its
capability is itself sensitive), the gate report, its diff to the previous approved version of the same
plugin (or, for a first version, the whole ``plugin.py``), and approve / reject with a reason. The
decision itself goes through ``WriteService.review`` — the same role, self-approval and status checks
as ``POST /api/v1/reviews/{ref}`` — so the page cannot allow what the API refuses.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from plugsmith import reading
from plugsmith.server._highlight import diff_html
from plugsmith.server._html import definition_list, e, hidden_csrf, tier_badge
from plugsmith.server._plugin_page import (
    code_section,
    files_or_warning,
    gates_section,
    link,
    origin_html,
    ref_url,
    release_files,
)

MAX_SHOWN = 20
PERMISSION_NOTES = {
    "fs_read": "read files outside its private temporary directory",
    "fs_write": "write files outside its private temporary directory",
    "network": "open network connections",
    "external_api": "call external services",
    "sensitive_data": "handle sensitive personal or financial data",
}


def _permissions(release: Any, sensitive: bool) -> str:
    asked = [str(p) for p in release.manifest.permissions]
    items = [
        f"<li><code>{e(p)}</code> — {e(PERMISSION_NOTES.get(p, 'as the policy defines it'))}</li>"
        for p in asked
    ]
    if sensitive:
        items.append(
            f"<li>its capability <code>{e(release.capability)}</code> is marked sensitive by the "
            "governance policy: it loads only after a human approval</li>"
        )
    if not items:
        return '<p class="muted">No permissions asked for.</p>'
    return f'<ul class="warning">{"".join(items)}</ul>'


def _changes(hub: Any, release: Any) -> str:
    """The diff to the previous approved version, or the whole code for a first version."""
    files, broken = files_or_warning(hub, release)
    if broken:
        return broken
    previous = reading.previous_version(hub, release)
    if previous is None:
        others = [r for r in hub.versions(release.plugin_id) if r.ref != release.ref]
        compare = "".join(
            f' <a href="/diff?{e(urlencode({"from": r.ref, "to": release.ref}))}">compare with {e(r.ref)} '
            f"({e(r.status)})</a>"
            for r in others[:5]
        )
        return (
            (f"<p>Other versions, none approved:{compare}.</p>" if others else "")
            + "<p>No earlier approved version of this plugin: here is all of <code>plugin.py</code>.</p>"
            + code_section(files)
        )
    diff = reading.diff_files(
        release_files(hub, previous), files, old_label=previous.ref, new_label=release.ref
    )
    changed = [f for f in diff if f.status != "same"]
    query = urlencode({"from": previous.ref, "to": release.ref})
    head = (
        f"<p>Changes since {link(previous.ref)} (the previous approved version): "
        f'{len(changed)} file(s) differ. <a href="/diff?{e(query)}">Open the diff on its own page</a>.</p>'
    )
    parts = [head]
    for file in changed:
        note = f'<p class="muted">{e(file.note)}</p>' if file.note else ""
        parts.append(
            f"<details open><summary><code>{e(file.path)}</code> {e(file.status)} "
            f"(+{file.added} −{file.removed})</summary>{note}{diff_html(file.lines)}</details>"
        )
    parts.append(
        f"<details><summary>the whole new <code>plugin.py</code></summary>{code_section(files)}</details>"
    )
    return "".join(parts)


def _form(release: Any, csrf: str, self_published: bool) -> str:
    action = ref_url(release.ref, "/review/")
    blocked = ""
    if self_published:
        blocked = (
            '<p class="warning">You published this release (or own its name): another reviewer must '
            "approve it (you may still reject it).</p>"
        )
    return (
        f'{blocked}<form method="post" action="{e(action)}" class="row review-form">{hidden_csrf(csrf)}'
        f'<input name="reason" maxlength="500" placeholder="reason (required to reject)" '
        f'aria-label="reason for {e(release.ref)}"> <button name="decision" value="approve" type="submit"'
        f'{" disabled" if self_published else ""}>Approve</button> <button name="decision" value="reject" '
        'type="submit">Reject</button></form>'
    )


def review_card(
    hub: Any, release: Any, *, sensitive: bool, published_by: str | None, user_id: str, csrf: str,
    owner: str | None = None,
) -> str:
    """One pending release, everything needed to judge it, and the decision form (whose Approve is
    disabled for the reviewer who published the release or owns its name: nobody approves their own)."""
    created = release.created_at.strftime("%Y-%m-%d %H:%M UTC") if release.created_at else "—"
    facts = definition_list(
        [
            ("capability", e(release.capability) + (" (sensitive)" if sensitive else "")),
            ("tier", tier_badge(release.tier)),
            ("origin", origin_html(release.origin, release.tier)),
            (
                "published",
                f"{e(created)} by token <code>{e(published_by or 'unknown (not via the server)')}</code>",
            ),
            ("checksum", f"<code>{e(release.checksum)}</code>"),
        ]
    )
    self_published = user_id in (published_by, owner)
    report = release.gate_report if isinstance(release.gate_report, dict) else None
    anchor = e(release.ref)
    return (
        f'<section class="card" id="{anchor}" aria-label="review {anchor}"><h2>{link(release.ref)}</h2>'
        f"<p>{e(release.manifest.description or '')}</p>{facts}"
        f"<h3>Permissions asked for</h3>{_permissions(release, sensitive)}"
        f"<h3>Gate report</h3>{gates_section(report)}"
        f"<h3>Code</h3>{_changes(hub, release)}"
        f"<h3>Decision</h3>{_form(release, csrf, self_published)}</section>"
    )


__all__ = ["MAX_SHOWN", "review_card"]
