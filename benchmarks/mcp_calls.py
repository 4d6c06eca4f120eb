"""A trivial MCP tool call over stdio, against the same call through ``plugsmith plugin run`` and bare python.

Measures, with a private hub holding one trivial approved plugin:
  * bare ``python -c pass`` (a process start, the floor for anything that starts a process per call);
  * ``plugsmith plugin run trivial --input FILE`` (CLI start, governance, a fresh sandbox);
  * ``plugsmith mcp`` over stdio, driven by the official MCP client SDK (handshake-era session, as desktop
    clients speak): a ping round trip (the SDK's own floor), sequential calls on the warm path (p50, p95,
    calls/s), the same with 4 concurrent callers, and with ``--cold`` (a fresh sandbox per call).
Every call goes through the gatekeeper, the sandbox, the audit log and telemetry.
Targets: warm call p50 < 15 ms and >= 100 calls/s. PLUGSMITH_BENCH_SMOKE=1 uses fewer repetitions.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

SMOKE = os.environ.get("PLUGSMITH_BENCH_SMOKE") == "1"
CALLS = 30 if SMOKE else 400
PROCESS_REPS = 3 if SMOKE else 15
CONCURRENCY = 4
PLUGIN = "def run(inputs):\n    return {'echo': inputs['text']}\n"


def _publish(home: Path) -> None:
    """One trivial plugin, approved at Tier 1 (published directly: the gates are not what is measured)."""
    from plugsmith.hub import Hub
    from plugsmith.spec import Status, Tier

    plugin = home / "src" / "trivial"
    (plugin / "tests").mkdir(parents=True)
    (plugin / "plugin.json").write_text(json.dumps({
        "name": "trivial", "capability": "trivial", "description": "Echo the text back.",
        "inputs": {"text": {"type": "string"}}, "outputs": {"echo": {"type": "string"}},
        "constraints": ["deterministic"], "origin": "handwritten"}))
    (plugin / "plugin.py").write_text(PLUGIN)
    (plugin / "tests" / "cases.json").write_text("[]")
    (plugin / "README.md").write_text("# trivial\n")
    with Hub.open() as hub:
        hub.publish(plugin, status=Status.approved, tier=Tier.tier1)


def _row(label: str, samples: list[float]) -> float:
    med = statistics.median(samples)
    p95 = sorted(samples)[min(len(samples) - 1, int(0.95 * len(samples)))]
    print(f"  {label:52} median {med:8.1f} ms   p95 {p95:8.1f} ms   (n={len(samples)})")
    return med


def _cpu_ms() -> float:
    """CPU used so far by this process and every live descendant (with the children they reaped)."""
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        used[int(entry)] = sum(int(f) for f in fields[11:15])
    tree, frontier = {os.getpid()}, {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - tree
        tree |= frontier
    return 1000 * sum(used.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def _processes(argv: list[str], env: dict[str, str]) -> list[float]:
    subprocess.run(argv, check=True, env=env, capture_output=True)  # warm the page cache
    out = []
    for _ in range(PROCESS_REPS):
        start = time.perf_counter()
        subprocess.run(argv, check=True, env=env, capture_output=True)
        out.append((time.perf_counter() - start) * 1000)
    return out


async def _session(env: dict[str, str], calls: int,
                   *extra: str) -> tuple[list[float], float, float, list[float], float]:
    """(sequential call times, sequential calls/s, concurrent calls/s, ping times, CPU ms per call) over one
    stdio session; the CPU is the client's, the server's, its warm worker's and every call's child's."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "plugsmith", "mcp", *extra], env=env)
    async with Client(params, mode="legacy") as client:
        async def call(i: int) -> None:
            result = await client.call_tool("trivial", {"text": f"hello {i}"})
            if result.is_error or result.structured_content != {"echo": f"hello {i}"}:
                raise RuntimeError(f"call failed: {result.content}")

        await call(-1)  # the first call starts the warm worker
        pings = []
        for _ in range(min(calls, 50)):
            began = time.perf_counter()
            with warnings.catch_warnings():  # ping is deprecated for 2026-era sessions; this one is legacy
                warnings.simplefilter("ignore")
                await client.send_ping()
            pings.append((time.perf_counter() - began) * 1000)
        times = []
        cpu = _cpu_ms()
        start = time.perf_counter()
        for i in range(calls):
            began = time.perf_counter()
            await call(i)
            times.append((time.perf_counter() - began) * 1000)
        sequential = calls / (time.perf_counter() - start)
        cpu_per_call = (_cpu_ms() - cpu) / calls
        start = time.perf_counter()
        async with anyio.create_task_group() as tasks:
            for worker in range(CONCURRENCY):
                async def loop(w: int = worker) -> None:
                    for i in range(calls // CONCURRENCY):
                        await call(w * calls + i)
                tasks.start_soon(loop)
        concurrent = (calls // CONCURRENCY) * CONCURRENCY / (time.perf_counter() - start)
    return times, sequential, concurrent, pings, cpu_per_call


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="plugsmith-bench-mcp-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "PLUGSMITH_HOME": str(home)}
        env.pop("PLUGSMITH_DB", None)
        env.pop("PLUGSMITH_HUB_URL", None)
        os.environ.update(PLUGSMITH_HOME=str(home))
        _publish(home)
        (home / "in.json").write_text(json.dumps({"text": "hello"}))
        load = os.getloadavg()[0]
        print(f"trivial tool call ({CALLS} MCP calls; load average {load:.1f} on {os.cpu_count()} cores)")
        bare = _row("bare python -c pass", _processes([sys.executable, "-c", "pass"], env))
        _row("bare python -I -S -c pass", _processes([sys.executable, "-I", "-S", "-c", "pass"], env))
        cli = _row("plugsmith plugin run trivial --input in.json",
                   _processes([sys.executable, "-m", "plugsmith", "plugin", "run", "trivial", "--input",
                               str(home / "in.json")], env))
        warm, rate, concurrent, pings, cpu = anyio.run(_session, env, CALLS)
        _row("MCP ping round trip over stdio (the SDK's own floor)", pings)
        p50 = _row("MCP tools/call over stdio, warm worker", warm)
        cold, cold_rate, _, _, cold_cpu = anyio.run(_session, env, 8 if SMOKE else 40, "--cold")
        _row("MCP tools/call over stdio, --cold (fresh sandbox per call)", cold)
        print(f"  warm: {rate:6.0f} calls/s sequential, {concurrent:6.0f} calls/s with {CONCURRENCY} callers;"
              f" cold: {cold_rate:5.0f} calls/s")
        cores = os.cpu_count() or 1
        print(f"  CPU per call, client + server + sandbox: warm {cpu:5.1f} ms, cold {cold_cpu:5.1f} ms "
              f"(load-independent; {cores} cores allow ~{1000 * cores / cpu:.0f} warm calls/s)")
        print(f"  warm call vs bare python -c pass: {p50 / bare:4.2f}x; vs plugsmith plugin run: "
              f"{cli / p50:5.1f}x faster")
        met = p50 < 15 and max(rate, concurrent) >= 100
        busy = "" if met or load < (os.cpu_count() or 1) else " (the machine is loaded: see the load average)"
        print(f"  targets p50 < 15 ms and >= 100 calls/s: {'met' if met else 'MISSED'}{busy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
