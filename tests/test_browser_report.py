"""``report.html`` of a real PlanExe run (200 tasks) in a real headless Chromium, at 1280 and 375 px.

The report is made once per module by the real pipeline on the silo run; each test opens it as a file
with JavaScript off (the report has none). What a reader needs must hold at both widths: nothing wider
than the screen, Gantt labels cut with an ellipsis and the full name on hover, phases that open and
close, names rather than ids.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_pipeline_helpers import builtin_home_template  # noqa: F401

SILO = Path(__file__).parent / "data" / "planexe" / "runs" / "20250321_silo"
WIDTHS = (1280, 375)
CHROMIUM = Path("/usr/bin/chromium")  # Debian's, launched the way tests/test_browser.py launches it
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, builtin_home_template: Path) -> Path:  # noqa: F811
    from plugsmith.pipeline import run_plan_pipeline

    root = tmp_path_factory.mktemp("browser-report")
    home = root / "home"
    shutil.copytree(builtin_home_template, home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLUGSMITH_HOME", str(home))
        mp.delenv("PLUGSMITH_DB", raising=False)
        result = run_plan_pipeline(SILO, root / "out")
    assert result.metrics["failed"] == 0
    return result.report_html


@pytest.fixture(scope="module")
def plan(report: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((report.parent / "001-plan.json").read_text())["plan"]
    return data


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


def open_report(browser: Any, report: Path, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.goto(report.as_uri())
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_is_wider_than_the_screen(browser: Any, report: Path, width: int) -> None:
    page = open_report(browser, report, width)
    for summary in page.locator("details.phase > summary").all():
        summary.click()  # every phase of the Gantt chart open: the widest the page gets
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # tables may scroll inside their own box, never the page; at phone width the long ones become cards
    assert page.evaluate("Math.max(...[...document.querySelectorAll('.scroll')].map(e => "
                         "e.getBoundingClientRect().right))") <= width
    page.context.close()


# every word of every visible table cell whose characters land on more than one line (ids excluded: they
# are secondary text that may wrap, and hidden on phones)
BROKEN_WORDS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest('td, th') || node.parentElement.closest('.id')
        || node.parentElement.offsetParent === null) continue;
    const words = /\\S+/g;
    let m;
    while ((m = words.exec(node.data)) !== null) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) out.push(m[0]);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_word_or_date_in_a_table_is_broken_across_lines(browser: Any, report: Path, width: int) -> None:
    """Narrow columns once broke words letter by letter ("me / diu / m", "statu / s") even at 1280 px."""
    page = open_report(browser, report, width)
    for summary in page.locator("details > summary").all():
        summary.click()  # every table visible
    broken = page.evaluate(BROKEN_WORDS)
    # running text may break after a hyphen ("multi-" / "factor"), as print does; nothing else may break
    assert [w for w in broken if "-" not in w or re.search(r"\d{4}-\d\d-\d\d", w)] == []
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_gantt_labels_are_cut_with_an_ellipsis_and_named_in_full_on_hover(
        browser: Any, report: Path, plan: dict[str, Any], width: int) -> None:
    page = open_report(browser, report, width)
    names = {t["name"] for t in plan["tasks"]}
    rows = page.locator(".gantt .row.task .label")
    assert rows.count() == 200 and not rows.first.is_visible()  # 200 tasks: phases start closed
    page.locator("details.phase > summary").first.click()
    assert rows.first.is_visible()
    cut = page.evaluate("""() => [...document.querySelectorAll('.gantt .row.task .label')]
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth)
        .map(e => ({text: e.textContent, title: e.title, style: getComputedStyle(e).textOverflow}))""")
    assert cut, "no label was long enough to be cut at this width"
    for label in cut:
        assert label["style"] == "ellipsis" and label["title"] == label["text"] and label["title"] in names
    texts = page.locator(".gantt .row.task .label").all_text_contents()
    assert set(texts) == names  # names only: no id runs into a label
    page.context.close()


def test_phases_open_and_close_and_carry_summary_bars(browser: Any, report: Path,
                                                      plan: dict[str, Any]) -> None:
    page = open_report(browser, report, 1280)
    top = [p for p in plan["phases"] if p["parent"] is None]
    summaries = page.locator(".gantt details.phase > summary")
    assert summaries.count() == len(top) == 7
    assert page.locator(".gantt details.phase > summary .bar.phase").count() == 7
    first_rows = page.locator(".gantt details.phase").first.locator(".row.task")
    summaries.first.click()
    assert first_rows.first.is_visible()
    summaries.first.click()
    assert not first_rows.first.is_visible()
    schedule = json.loads(next(report.parent.glob("*-critical_path.json")).read_text())["output"]["schedule"]
    critical = sum(1 for row in schedule["tasks"].values() if row["critical"])
    assert page.locator(".gantt .bar.crit").count() == critical > len(schedule["critical_path"])  # ties
    page.context.close()


def test_title_critical_path_and_risk_register_read_as_names(browser: Any, report: Path) -> None:
    page = open_report(browser, report, 1280)
    title = (SILO / "018-3-wbs_level1_project_title.json").read_text().strip()
    assert page.locator("h1").inner_text() == title
    critical = page.locator("h3:text-is('Critical path') + .scroll tr")
    assert critical.count() == 6  # header + 5 tasks
    assert "Negotiate Land Acquisition Agreements" in critical.nth(1).inner_text()
    register = page.locator("h3:text-is('Risk register') + .scroll tr")
    risks = json.loads((SILO / "003-1-identify_risks_raw.json").read_text())["risks"]
    assert register.count() == len(risks) + 1
    mitigations = {r["action"] for r in risks}
    shown = {register.nth(i).locator("td").nth(3).inner_text() for i in range(1, len(risks) + 1)}
    assert shown == mitigations
    page.context.close()


def test_phone_width_turns_long_tables_into_cards(browser: Any, report: Path) -> None:
    page = open_report(browser, report, 375)
    row = page.locator("h3:text-is('Risk register') + .scroll tr").nth(1)
    assert row.evaluate("e => getComputedStyle(e).display") == "block"
    label = row.locator("td").nth(3).evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"mitigation: "'
    columns = page.locator(".gantt .row.task .label").first.evaluate(
        "e => getComputedStyle(e.parentElement).gridTemplateColumns.split(' ').length")
    assert columns == 1  # the label above its bar, the full width of the phone
    page.context.close()
