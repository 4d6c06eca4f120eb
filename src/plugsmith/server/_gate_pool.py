"""Running the gates for uploads in a separate, low-priority process.

The gates do real CPU work in Python (bandit, the AST policy) besides their sandboxed subprocesses.
Inside the server process that work would hold the GIL and stall every search; in a worker process
that is ``nice``-d it only takes the CPU the searches leave over. The worker is spawned once and kept
warm (imports and the hub connection are paid for once).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
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

    def __init__(self, db_url: str | None, workers: int = 1, niceness: int = 10) -> None:
        self.db_url = db_url
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(niceness,),
        )

    def validate(self, plugin_dir: Path, **_: Any) -> Any:
        """Same call shape as ``plugsmith.gates.validate``; returns a ``GateReport``."""
        from plugsmith.spec import GateReport

        data = self._pool.submit(_validate, str(plugin_dir), self.db_url).result(timeout=600)
        return GateReport.model_validate(data)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["GatePool"]
