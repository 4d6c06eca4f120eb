"""plugsmith.reading (files as text, diffs, the provenance story) and the page renderers built on it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from plugsmith import reading
from plugsmith.reading import SourceFile, decode, diff_files, provenance_story
from plugsmith.server import _markdown
from plugsmith.server._highlight import MAX_HIGHLIGHT, code_html, diff_html
from plugsmith.server._ports import ports_html, type_of


# ------------------------------------------------------------------------------------------------ decode
def test_decode_utf8_non_utf8_binary_and_truncated() -> None:
    assert decode("a.py", "x = 'é'\n".encode()) == SourceFile("a.py", 9, "x = 'é'\n", None)
    latin = decode("a.py", b"# caf\xe9\nx = 1\n")
    assert latin.text == "# caf\N{REPLACEMENT CHARACTER}\nx = 1\n"
    assert latin.problem == (
        "not UTF-8 text: byte 0xe9 at offset 5 (and any other undecodable bytes) shown as "
        "\N{REPLACEMENT CHARACTER}"
    )
    binary = decode("blob", b"\x7fELF\x00\x01")
    assert binary.text is None and binary.problem == "binary file (6 bytes), not shown"
    cut = decode("big.md", "é".encode() * 10, limit=5)  # the cut falls inside a character
    assert cut.text == "éé" and cut.problem == "only the first 5 of 20 bytes are shown"


def test_read_tree_lists_every_file(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "plugin.py").write_text("def run(inputs):\n    return {}\n")
    (tmp_path / "tests" / "cases.json").write_text("[]")
    files = reading.read_tree(tmp_path)
    assert list(files) == ["plugin.py", "tests/cases.json"]
    assert files["plugin.py"].lines == ["def run(inputs):", "    return {}"]


# -------------------------------------------------------------------------------------------------- diff
def _files(**texts: str | None) -> dict[str, SourceFile]:
    return {
        name.replace("_", "."): SourceFile(
            name.replace("_", "."), len(t or ""), t, None if t is not None else "binary"
        )
        for name, t in texts.items()
    }


def test_diff_files_changed_added_removed_same() -> None:
    old = _files(plugin_py="a\nb\nc\n", README_md="same\n", gone_txt="bye\n")
    new = _files(plugin_py="a\nB\nc\n", README_md="same\n", new_txt="hi\n")
    by_path = {f.path: f for f in diff_files(old, new, old_label="x@1", new_label="x@2")}
    assert by_path["README.md"].status == "same" and by_path["README.md"].lines == []
    code = by_path["plugin.py"]
    assert code.status == "changed" and (code.added, code.removed) == (1, 1)
    assert code.lines[:3] == ["--- x@1/plugin.py", "+++ x@2/plugin.py", "@@ -1,3 +1,3 @@"]
    assert "-b" in code.lines and "+B" in code.lines
    assert by_path["gone.txt"].status == "removed" and by_path["gone.txt"].removed == 1
    assert by_path["new.txt"].status == "added" and by_path["new.txt"].added == 1


def test_diff_files_binary_and_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = diff_files(_files(blob_bin=None), _files(blob_bin="text\n"))
    assert binary[0].status == "changed" and binary[0].lines == [] and binary[0].note == "binary"
    monkeypatch.setattr(reading._diff, "MAX_DIFF_LINES", 10)
    big = diff_files(_files(plugin_py="a\n" * 8), _files(plugin_py="b\n" * 8))
    assert big[0].lines == [] and big[0].note == "too large for a line diff (8 and 8 lines)"


def test_release_diff_summary() -> None:
    files = diff_files(_files(plugin_py="a\n"), _files(plugin_py="b\n"))
    related = reading.ReleaseDiff("x@1", "x@2", True, False, files)
    assert related.summary == "1 file(s) differ, +1 −1 lines"
    unrelated = reading.ReleaseDiff("x@1", "y@1", False, False, files)
    assert unrelated.summary.startswith("x@1 and y@1 are different plugins; 1 file(s) differ")
    same = reading.ReleaseDiff("x@1", "x@1", True, True, [])
    assert same.summary == "x@1 and x@1 have identical contents (same checksum)"


# ------------------------------------------------------------------------------------------------- story
def _release(provenance: dict[str, Any], gate_report: dict[str, Any] | None = None) -> Any:
    manifest = SimpleNamespace(provenance=provenance)
    return SimpleNamespace(
        ref="x@1.0.0",
        checksum="sha256:" + "c" * 64,
        capability="x",
        origin="synthesized",
        status="approved",
        status_reason="",
        manifest=manifest,
        gate_report=gate_report,
        created_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
    )


def test_story_from_a_synthesis_confirmed_by_the_hub_record() -> None:
    release = _release(
        {
            "spec_hash": "sha256:" + "a" * 64,
            "strategy": "enumerate",
            "dsl_program": "y = sum(x)",
            "program_size": 3,
            "candidates_tried": 1,
            "time_taken_s": 0.25,
            "guide_cases": 3,
            "holdout_cases": 1,
        },
        {
            "verdict": "approved",
            "tier": "Tier 1",
            "sandbox_backend": "bwrap",
            "gates": [
                {"name": "lint", "status": "pass"},
                {"name": "benchmark", "status": "skip", "message": "none"},
            ],
        },
    )
    record = {"outcome": {"checksum": release.checksum}}
    steps = provenance_story(
        release, signature={"key_id": "k1", "manifest_digest": "sha256:dd"}, record=record, code_lines=12
    )
    assert [s.title for s in steps] == ["spec", "strategy", "program", "gates", "publish", "signature"]
    assert all(s.known for s in steps)
    text = {s.title: s.text for s in steps}
    assert "names this very artifact" in text["spec"]
    assert text["strategy"] == (
        "Made by the 'enumerate' strategy in 0.25 s after 1 candidate(s), guided by 3 "
        "case(s) and checked on 1 held back."
    )
    assert (
        text["program"] == "The program (size 3): y = sum(x) — rendered as Python; plugin.py has 12 line(s)."
    )
    assert text["gates"] == (
        "2 gates: 1 passed, 1 skipped (benchmark: none); verdict approved, Tier 1, sandbox bwrap."
    )
    assert text["publish"].startswith("Published as x@1.0.0 on 2026-01-02 03:04 UTC")
    assert "hub's ed25519 key k1" in text["signature"]


def test_story_says_what_is_missing_and_what_is_only_claimed() -> None:
    claimed = _release({"spec_hash": "sha256:" + "a" * 64, "strategy": "llm", "model": "m1"})
    steps = {s.title: s for s in provenance_story(claimed, record={"outcome": {"checksum": "sha256:other"}})}
    assert "the plugin's own account" in steps["spec"].text
    assert "Written by model 'm1'" in steps["program"].text
    assert not steps["gates"].known and "published without the gates" in steps["gates"].text
    assert not steps["signature"].known and steps["signature"].text.startswith("Unsigned")
    bare = {s.title: s for s in provenance_story(_release({}))}
    assert not bare["spec"].known and not bare["strategy"].known and not bare["program"].known


# ---------------------------------------------------------------------------------------------- markdown
@pytest.mark.parametrize(
    ("source", "absent", "present"),
    [
        ("<script>alert(1)</script>", "<script", "&lt;script&gt;"),
        ('<a href="javascript:alert(1)">x</a>', "<a href", "&lt;a href"),
        ("[x](javascript:alert(1))", 'href="javascript', "[x](javascript:alert(1))"),
        ("[x](JAVASCRIPT:alert(1))", "href=", "[x]("),
        ("[x](&#106;avascript:alert(1))", "href=", "[x]("),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "href=", "[x](data:"),
        ("[x](vbscript:msgbox)", "href=", "[x](vbscript"),
        ("<javascript:alert(1)>", "href=", "&lt;javascript:alert(1)&gt;"),
        ("![a](data:image/png;base64,AAAA)", "<img", "![a](data:image/png"),  # stays text
        ("![a](https://t.example/p.gif)", "<img", '<a href="https://t.example/p.gif" rel="nofollow noopener'),
        ("[ok](https://example.org)", "javascript", '<a href="https://example.org" rel="nofollow noopener'),
        ("[rel](docs/usage.md)", "javascript", '<a href="docs/usage.md"'),
    ],
)
def test_markdown_is_safe(source: str, absent: str, present: str) -> None:
    html = _markdown.render(source)
    assert absent not in html and present in html


def test_markdown_renders_common_readme_parts() -> None:
    html = _markdown.render("# T\n\n*em* and `code`\n\n- a\n  - b\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>T</h1>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert html.count("<ul>") == 2 and "<td>1</td>" in html


@pytest.mark.parametrize(
    "hostile",
    [
        "x" * 1_000_000,
        "[" * 200_000,
        "*a" * 100_000,
        "".join("  " * i + "- a\n" for i in range(2_000)),
        ">" * 100_000 + " deep",
        ("[" * 5_000 + "\n\n") * 40,
    ],
    ids=["1MB-line", "brackets", "emphasis", "nested-list", "nested-quote", "many-paragraphs"],
)
def test_markdown_bounds_hostile_input(hostile: str) -> None:
    start = time.process_time()
    html = _markdown.render(hostile)
    assert time.process_time() - start < 5  # bounded: well under a second on the reference machine
    assert len(html) < 3 * _markdown.MAX_CHARS


# ---------------------------------------------------------------------------------- code and port tables
def test_code_html_numbers_and_highlights_and_escapes() -> None:
    html = code_html("x = '<b>'\nif x:\n    pass\n")
    assert html.count('<td class="ln">') == 3 and 'id="L3"' in html
    assert '<span class="k">if</span>' in html and "&lt;b&gt;" in html and "<b>" not in html
    plain = code_html("y = 1\n" * (MAX_HIGHLIGHT // 6 + 1))
    assert 'class="k"' not in plain and "y = 1" in plain  # too large to colour: still numbered


def test_diff_html_marks_lines_and_escapes() -> None:
    html = diff_html(["--- a", "+++ b", "@@ -1 +1 @@", "-<old>", "+new", " same"])
    assert '<span class="d-del">-&lt;old&gt;</span>' in html and '<span class="d-add">+new</span>' in html
    assert '<span class="d-hunk">' in html and '<span class="d-ctx"> same</span>' in html


PLAN_LIKE = {
    "title": "Plan",
    "type": "object",
    "required": ["tasks"],
    "properties": {
        "tasks": {"type": "array", "items": {"$ref": "#/$defs/Task"}, "description": "The work."},
        "budget": {"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}], "default": None},
        "kind": {"enum": ["a", "b"]},
        "costs": {"type": "object", "additionalProperties": {"type": "number"}},
    },
    "$defs": {
        "Task": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "title": "Id"},
                "subtasks": {"type": "array", "items": {"$ref": "#/$defs/Task"}},
            },
        },
    },
}


def test_port_types_read_like_types() -> None:
    props = PLAN_LIKE["properties"]
    assert type_of(PLAN_LIKE, PLAN_LIKE) == "object Plan"
    assert type_of(props["tasks"], PLAN_LIKE) == "array of object Task"
    assert type_of(props["budget"], PLAN_LIKE) == "number (≥ 0) | null"
    assert type_of(props["kind"], PLAN_LIKE) == 'one of "a", "b"'
    assert type_of(props["costs"], PLAN_LIKE) == "map of string → number"


def test_port_table_nests_fields_and_stops_at_recursion() -> None:
    html = ports_html({"plan_json": PLAN_LIKE}, direction="inputs")
    assert "<td><code>plan_json</code></td><td>object Plan</td><td>yes</td>" in html
    assert "<summary>4 fields of <code>plan_json</code></summary>" in html
    assert "<td><code>tasks</code></td><td>array of object Task</td><td>yes</td><td>The work.</td>" in html
    assert "<td><code>budget</code></td><td>number (≥ 0) | null</td><td>no</td><td>default null</td>" in html
    assert "<summary>2 fields of <code>tasks</code> (Task)</summary>" in html
    assert "as above (the schema nests itself)" in html  # Task.subtasks is Task again
    assert "<td><code>id</code></td><td>string</td><td>yes</td><td></td>" in html  # "Id" title is noise
    assert "raw JSON Schema of <code>plan_json</code>" in html and "&quot;$defs&quot;" in html
