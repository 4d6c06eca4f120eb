"""``plugsmith mcp`` end to end: the official MCP client SDK against the real server, over stdio and HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from plugsmith.governance import read_audit
from plugsmith.hub import Hub
from plugsmith.spec import Status, Tier
from test_mcp_helpers import (
    MEAN_CODE,
    Notes,
    http_server,
    publish,
    stdio_session,
    text_of,
    tool_names,
    write_policy,
)
from test_mcp_warm import HOSTILE

WHAT = {"what": {"type": "string"}}


@pytest.fixture
def hub(plugsmith_home: Path) -> Any:
    opened = Hub.open()
    yield opened
    opened.close()


def _one_line_error(result: types.CallToolResult) -> str:
    text = text_of(result)
    assert result.is_error and text and "\n" not in text and "Traceback" not in text, text
    return text


async def _bad_inputs(client: Client) -> None:
    missing = _one_line_error(await client.call_tool("mean", {}))
    assert "/xs" in missing and "required" in missing
    extra = _one_line_error(await client.call_tool("mean", {"xs": [1], "colour": "red"}))
    assert "/colour" in extra
    wrong = _one_line_error(await client.call_tool("mean", {"xs": [1, "two"]}))
    assert "/xs/1" in wrong and "number" in wrong
    huge = _one_line_error(await client.call_tool("mean", {"xs": [0.5] * 400_000}))
    assert "limit is 1,000,000" in huge


async def _hostile(client: Client) -> None:
    timed = _one_line_error(await client.call_tool("hostile", {"what": "sleep"}))
    assert "timed out" in timed
    assert "crashed" in _one_line_error(await client.call_tool("hostile", {"what": "crash"}))
    assert "memory" in _one_line_error(await client.call_tool("hostile", {"what": "memory"}))
    noisy = await client.call_tool("hostile", {"what": "garbage"})
    assert not noisy.is_error and noisy.structured_content == {"result": "after garbage"}
    assert not (await client.call_tool("hostile", {"what": "leave"})).is_error
    seen = (await client.call_tool("hostile", {"what": "look"})).structured_content
    assert seen == {"result": {"global": None, "env": None, "files": [], "calls": 1,
                               "import": "PermissionError"}}


async def _request_without_synthesis(client: Client) -> None:
    """The default policy: request_capability resolves from the hub, never synthesizes."""
    mean = {"name": "mean", "inputs": {"xs": {"type": "array"}}, "outputs": {"mean": {"type": "number"}},
            "examples": [{"input": {"xs": [1, 3]}, "expected": {"mean": 2}},
                         {"input": {"xs": [4]}, "expected": {"mean": 4}}]}
    found = (await client.call_tool("request_capability", mean)).structured_content
    assert (found["status"], found["tool"]) == ("reused", "mean")
    assert "allow_synthesis" in _one_line_error(await client.call_tool("request_capability", SPEC))


def test_stdio_session_lists_calls_refuses_and_survives(hub: Hub, tmp_path: Path,
                                                         plugsmith_home: Path) -> None:
    mean = publish(hub, tmp_path, "mean", MEAN_CODE)
    publish(hub, tmp_path, "hostile", HOSTILE, inputs=WHAT, outputs={"result": {}})
    publish(hub, tmp_path, "unvetted", MEAN_CODE, capability="unvetted_mean", tier=Tier.tier2)
    write_policy(plugsmith_home, '[limits."Tier 1"]\ncpu_s = 1\nwall_s = 1.5\nmemory_mb = 256\n')
    notes = Notes()

    async def scenario() -> None:
        async with stdio_session(notes=notes) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == {"mean", "hostile", "request_capability"}  # Tier 2 is not served
            assert tools["mean"].input_schema["required"] == ["xs"]
            assert tools["mean"].output_schema["properties"] == {"mean": {"type": "number"}}
            result = await client.call_tool("mean", {"xs": [1, 2, 4.5]})
            assert not result.is_error and result.structured_content == {"mean": 2.5}
            assert json.loads(text_of(result)) == {"mean": 2.5}
            await _bad_inputs(client)
            await _hostile(client)
            assert (await client.call_tool("mean", {"xs": [3]})).structured_content == {"mean": 3.0}
            await _request_without_synthesis(client)
            listed = {r.uri for r in (await client.list_resources()).resources}
            assert "plugsmith://plugin/mean@1.0.0/plugin.py" in listed
            source = await client.read_resource("plugsmith://plugin/mean@1.0.0/plugin.py")
            assert source.contents[0].text == MEAN_CODE
            notes.clear()
            hub.set_status(mean.ref, Status.quarantined, reason="test kill switch")
            await notes.wait(types.ToolListChangedNotification)
            assert await tool_names(client) == {"hostile", "request_capability"}
            with pytest.raises(MCPError, match="unknown tool"):
                await client.call_tool("mean", {"xs": [1]})

    anyio.run(scenario)
    assert not hub.events("synthesis")
    uses = [e for e in hub.events("use") if e["plugin_id"] == mean.plugin_id]
    assert len(uses) == 2 and all(e["detail"] == {"via": "mcp"} and e["duration_ms"] > 0 for e in uses)
    failures = [e for e in hub.events("failure") if (e["detail"] or {}).get("via") == "mcp"]
    assert len(failures) == 3  # timeout, crash, memory; bad arguments never reached a plugin
    calls = [r for r in read_audit() if r.get("action") == "mcp_call"]
    assert sum(not r["ok"] for r in calls if r["tool"] == "mean") == 4  # the four bad inputs, audited


def test_http_session_sees_a_yanked_tool_vanish(hub: Hub, tmp_path: Path) -> None:
    mean = publish(hub, tmp_path, "mean", MEAN_CODE)
    publish(hub, tmp_path, "other", MEAN_CODE, capability="not_asked_for")
    median = "import statistics\ndef run(inputs):\n    return {'median': statistics.median(inputs['xs'])}\n"
    publish(hub, tmp_path, "median", median, outputs={"median": {"type": "number"}})

    async def scenario() -> None:
        async with http_server("--capability", "mean", "-c", "median") as url, Client(url) as client:
            assert client.protocol_version == "2026-07-28"
            assert await tool_names(client) == {"mean", "median", "request_capability"}
            assert (await client.call_tool("median", {"xs": [5, 1, 3]})).structured_content == {"median": 3}
            assert "/xs" in _one_line_error(await client.call_tool("mean", {"xs": "1,2"}))
            async with client.listen(tools_list_changed=True) as changes:
                hub.set_status(mean.ref, Status.yanked, reason="test")
                with anyio.fail_after(20):
                    async for _event in changes:
                        break
            assert await tool_names(client) == {"median", "request_capability"}

    anyio.run(scenario)


SPEC = {
    "name": "total_hours", "description": "Sum of the hours of every task.",
    "inputs": {"tasks": {"type": "array", "items": {"type": "object"}}},
    "outputs": {"total_hours": {"type": "number"}},
    "examples": [{"input": {"tasks": [{"hours": 2}, {"hours": 3}]}, "expected": {"total_hours": 5}},
                 {"input": {"tasks": []}, "expected": {"total_hours": 0}},
                 {"input": {"tasks": [{"hours": 1.5}]}, "expected": {"total_hours": 1.5}},
                 {"input": {"tasks": [{"hours": 4}, {"hours": 6}, {"hours": 10}]},
                  "expected": {"total_hours": 20}}],
}


def test_request_capability_synthesizes_then_serves_the_new_tool(hub: Hub, plugsmith_home: Path) -> None:
    write_policy(plugsmith_home, "[mcp]\nallow_synthesis = true\n")
    notes = Notes()

    async def scenario() -> None:
        async with stdio_session(notes=notes) as client:
            assert await tool_names(client) == {"request_capability"}
            bad = await client.call_tool("request_capability", {**SPEC, "examples": []})
            assert "/examples" in _one_line_error(bad)
            asked = await client.call_tool("request_capability", SPEC)
            assert not asked.is_error, text_of(asked)
            assert asked.structured_content["status"] == "approved"
            assert asked.structured_content["tool"] == "total_hours"
            await notes.wait(types.ToolListChangedNotification)
            assert "total_hours" in await tool_names(client)
            made = await client.call_tool("total_hours", {"tasks": [{"hours": 7}, {"hours": 0.5}]})
            assert made.structured_content == {"total_hours": 7.5}
            again = await client.call_tool("request_capability", SPEC)
            assert again.structured_content["status"] == "reused"

    anyio.run(scenario)
    record = [e for e in hub.events("synthesis") if e["capability"] == "total_hours"]
    assert len(record) == 1  # the second request reused the plugin; nothing was synthesized again


INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-03-26", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}}


def test_http_checks_host_and_origin_on_any_loopback_or_named_address(hub: Hub) -> None:
    """The SDK protects only the strings 127.0.0.1, localhost and ::1; bound to 127.0.0.2 (or a LAN
    address) a page on a rebinding DNS name reached every tool. Now every specific address is checked."""
    import httpx

    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}

    async def scenario() -> None:
        async with http_server(host="127.0.0.2") as url:
            authority = url.removeprefix("http://").removesuffix("/mcp")
            async with httpx.AsyncClient(timeout=30) as http:
                rebound = await http.post(url, json=INIT, headers={**headers, "Host": "evil.example"})
                assert rebound.status_code == 421
                foreign = await http.post(url, json=INIT, headers={**headers, "Origin": "http://evil.example"})
                assert foreign.status_code == 403
                own = await http.post(url, json=INIT, headers={**headers, "Origin": f"http://{authority}"})
                assert own.status_code == 200, own.text

    anyio.run(scenario)


def test_http_security_settings_per_bind_address() -> None:
    from plugsmith.mcp._server import http_security

    lan = http_security("192.168.1.5")
    assert lan.allowed_hosts == ["192.168.1.5:*"] and lan.allowed_origins == ["http://192.168.1.5:*"]
    assert "localhost:*" in http_security("127.0.0.2").allowed_hosts
    assert http_security("::1").allowed_hosts[0] == "[::1]:*"
    assert http_security("Hub.Example").allowed_hosts == ["hub.example:*"]
    assert http_security("0.0.0.0") is None and http_security("::") is None
