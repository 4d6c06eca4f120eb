"""Running the gates for uploads in a separate, low-priority process.

The gates do real CPU work in Python (bandit, the AST policy) besides their sandboxed subprocesses.
Inside the server process that work would hold the GIL and stall every search; in a worker process
that is ``nice``-d it only takes the CPU the searches leave over. The worker is spawned once and kept
warm (imports and the hub connection are paid for once).

An upload the worker has not judged within ``timeout_s`` is refused (``GateFailed``, a 422) and the
worker is killed and replaced: whatever kept it busy (a pathological input to a checker, say) must not
hold every later publish of this replica behind it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

_HUBS: dict[str | None, Any] = {}


def _init_worker(niceness: int) -> None:
    """Lower the worker's priority, and end it when the server process is gone (a killed server must
    not leave gate workers behind)."""
    os.nice(niceness)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _validate(plugin_dir: str, db_url: str | None) -> dict[str, Any]:
    """Worker side: gate one unpacked plugin; the report travels back as JSON data."""
    from plugsmith.gates import validate  # type: ignore[attr-defined,unused-ignore]
    from plugsmith.hub import Hub

    hub = _HUBS.get(db_url)
    if hub is None:
        hub = _HUBS[db_url] = Hub.open(db_url)
    report = validate(Path(plugin_dir), hub=hub)
    return dict(report.model_dump(mode="json"))


class GatePool:
    """A small process pool that runs ``plugsmith.gates.validate`` at low priority."""

    def __init__(self, db_url: str | None, workers: int = 1, niceness: int = 10,
                 timeout_s: float = 300.0) -> None:
        self.db_url, self.workers, self.niceness, self.timeout_s = db_url, workers, niceness, timeout_s
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.niceness,),
        )

    def validate(self, plugin_dir: Path, **_: Any) -> Any:
        """Same call shape as ``plugsmith.gates.validate``; returns a ``GateReport``."""
        from plugsmith.errors import GateFailed
        from plugsmith.spec import GateReport

        for attempt in range(2):  # a pool broken by another upload's timeout is replaced: try once more
            pool = self._pool
            future = pool.submit(_validate, str(plugin_dir), self.db_url)
            try:
                return GateReport.model_validate(future.result(timeout=self.timeout_s))
            except FutureTimeout:
                self._replace(pool)
                raise GateFailed(f"the gates did not finish within {self.timeout_s:g} s; nothing was "
                                 "published", subject="gates",
                                 hint="make the plugin's checks (cases, schemas, code) smaller") from None
            except BrokenProcessPool:
                self._replace(pool)
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        """Kill ``pool``'s workers and start a fresh pool (once, however many callers notice)."""
        with self._lock:
            if self._pool is not pool:
                return
            processes: dict[int, Any] = getattr(pool, "_processes", None) or {}  # the executor's own map
            for process in list(processes.values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["GatePool"]
