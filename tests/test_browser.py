"""The web pages in a real headless Chromium (Debian's, driven by Playwright) against a real uvicorn."""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn

from test_server_helpers import Server, build_server, make_plugin

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

WIDE_README = (
    "| column " * 12 + "|\n" + "|---" * 12 + "|\n" + "| a_rather_long_cell_value " * 12 + "|\n\n"
    "```\n" + "x = 1  # " + "a long line of code " * 20 + "\n```\n"
)
CODE_V2 = (
    "def run(inputs):\n    tasks = inputs['plan_json'].get('tasks', [])\n"
    "    return {'total': round(sum(float(t.get('cost', 0)) for t in tasks), 2)}  # " + "wide " * 30 + "\n"
)
WIDTHS = (375, 1280)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A seeded hub behind uvicorn on a free loopback port."""
    root = tmp_path_factory.mktemp("browser")
    home = root / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLUGSMITH_HOME", str(home))
        srv = build_server(root, db_url=f"sqlite:///{home / 'hub.db'}", key_dir=home / "keys")
        assert srv.publish(
            make_plugin(root, readme="# cost_total\n\nAdds up every task's cost.\n\n" + WIDE_README)
        ).is_success
        assert srv.publish(make_plugin(root, version="1.1.0", code=CODE_V2)).is_success
        pending = srv.publish(make_plugin(root, "payroll_total", description="Payroll sum.")).json()
        assert pending["status"] == "pending_review"
        _seed_events(srv)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(srv.app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield srv, f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        srv.client.close()
        srv.hub.close()


def _seed_events(srv: Server) -> None:
    """A week of telemetry so the dashboard has real series to draw."""
    today = datetime.now(UTC)
    rows = []
    for day in range(7):
        at = today - timedelta(days=6 - day)
        rows += [{"kind": "gap", "capability": "cost_total", "outcome": "ok", "created_at": at}] * 4
        rows += [{"kind": "recovery", "capability": "cost_total", "outcome": "ok", "created_at": at}] * (
            day % 4 + 1
        )
        rows += [
            {
                "kind": "gate",
                "capability": "cost_total",
                "outcome": "ok" if i < day else "fail",
                "created_at": at,
            }
            for i in range(6)
        ]
        rows += [{"kind": "reuse", "capability": "cost_total", "outcome": "ok", "created_at": at}] * day
        rows += [
            {
                "kind": "synthesis",
                "capability": "cost_total",
                "outcome": "ok",
                "duration_ms": 900.0 * (day + 1),
                "created_at": at,
            }
        ]
    events = sa.table(
        "events",
        sa.column("kind"),
        sa.column("capability"),
        sa.column("outcome"),
        sa.column("duration_ms"),
        sa.column("created_at"),
    )
    with srv.hub.engine.execution_options(plugsmith_write=True).begin() as conn:
        conn.execute(events.insert(), [{"duration_ms": None, **row} for row in rows])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=False)  # the pages must work without it
    yield context.new_page()
    context.close()


def test_search_and_open_a_plugin(live: tuple[Server, str], page: Any) -> None:
    srv, base = live
    page.goto(base + "/")
    page.fill("input[name=q]", "cost")
    page.click("button[type=submit]")
    assert "q=cost" in page.url
    assert page.inner_text("#result-count").startswith("1 result")
    page.goto(base + "/plugins/cost_total@1.0.0")
    assert "Adds up every task's cost." in page.inner_text(".readme p")
    assert page.locator(".readme table").count() == 1  # Markdown rendered, not shown as source
    assert page.locator("h2", has_text="Versions").count() == 1
    assert srv.client.get("/api/v1/plugins/cost_total").json()["tier"] in page.inner_text("main")


def test_reviewer_approves_a_pending_plugin(live: tuple[Server, str], page: Any) -> None:
    srv, base = live
    page.goto(base + "/review")
    assert "Sign in with a reviewer" in page.inner_text("main")
    _sign_in(page, srv.tokens["reviewer2"])
    assert page.url.endswith("/review")
    cookie = next(c for c in page.context.cookies() if c["name"] == "plugsmith_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    card = page.locator("section.card", has_text="payroll_total@1.0.0")
    assert card.locator("table.code tr").count() >= 3  # the whole plugin.py: no earlier approved version
    card.locator("input[name=reason]").fill("checked the code")
    card.locator("button[value=approve]").click()
    assert "payroll_total@1.0.0 is now approved" in page.inner_text("[role=status]")
    assert srv.client.get("/api/v1/plugins/payroll_total").json()["status"] == "approved"


def _sign_in(page: Any, token: str) -> None:
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/login")
    page.fill("input[name=token]", token)
    page.click("form[action='/login'] button[type=submit]")


PAGES = (
    "/",
    "/plugins/cost_total@1.0.0",
    "/diff?from=cost_total@1.0.0&to=cost_total@1.1.0",
    "/dashboard",
    "/login",
    "/review",
)


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_phone_and_desktop_widths(live: tuple[Server, str], browser: Any, width: int) -> None:
    """No page is wider than the screen: wide tables and code scroll in their own box, the header wraps."""
    srv, base = live
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(base + "/")
        _sign_in(page, srv.tokens["reviewer"])
        for path in PAGES:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{path} is {scroll_width} px wide on a {width} px screen"
            header = page.locator("header").bounding_box()
            assert header and header["width"] >= width - 1, path  # the dark bar spans the screen
            for link in ("Browse", "Review", "Dashboard"):
                box = page.locator("header nav a", has_text=link).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (path, link)
            title = page.locator("main > h1").bounding_box()
            assert title and title["width"] <= width, path
            pixels = _decode_png(page.screenshot(clip={"x": 0, "y": 0, "width": 320, "height": 160}))
            assert len(set(pixels)) > 10, f"{path} rendered blank"
    finally:
        context.close()


def test_narrow_screens_hide_secondary_columns(live: tuple[Server, str], browser: Any) -> None:
    _, base = live
    for width, visible in ((375, False), (1280, True)):
        context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(base + "/")
        assert page.locator("th", has_text="downloads").is_visible() is visible
        assert page.locator("th", has_text="plugin").is_visible()
        context.close()


def test_dashboard_renders_charts(live: tuple[Server, str], page: Any) -> None:
    _, base = live
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(base + "/dashboard")
    charts = page.locator("svg.chart")
    assert charts.count() == 6
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
    assert page.locator("svg.chart polyline").count() == 5  # one line per metric with data
    assert page.locator("svg.chart rect.bar").count() == 7  # events per day, one bar per day
    pixels = _decode_png(charts.first.screenshot())
    assert len(set(pixels)) > 3, "the chart screenshot is blank"
    bars = _decode_png(charts.last.screenshot())
    assert (115, 166, 87) in {px[:3] for px in bars}, "the bars were not painted"


def _decode_png(data: bytes) -> list[tuple[int, ...]]:
    """Pixels of an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes), without Pillow."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, prev = zlib.decompress(idat), width * channels, bytearray(width * channels)
    pixels: list[tuple[int, ...]] = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        pixels += [tuple(line[x : x + channels]) for x in range(0, stride, channels)]
        prev = line
    return pixels
