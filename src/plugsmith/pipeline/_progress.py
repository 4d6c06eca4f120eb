"""Progress of a run: a thread that watches the run directory for stage files and reports each one.

Watching files rather than hooking Luigi events works the same whether stages run in this process, in
worker processes (``--workers N``) or under a central scheduler. ``console_progress`` gives the CLI a
rich progress display on a terminal and plain log lines otherwise.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from plugsmith.pipeline import _files as files

Progress = Callable[[str], None]
_COUNT = re.compile(r"\((\d+)/(\d+|\?)\)$")


class StageWatcher(threading.Thread):
    """Polls ``run_dir`` and calls ``progress`` once per new numbered stage file.

    ``total`` (the number of stage files the run will have, known once the requirements are) makes the
    first lines read "(1/14)" rather than "(1/?)"; without it the count comes from the run directory.
    """

    def __init__(self, run_dir: Path, progress: Progress, interval: float = 0.1,
                 total: int | None = None) -> None:
        super().__init__(name="plugsmith-stage-watcher", daemon=True)
        self.run_dir, self.progress, self.interval, self.total = run_dir, progress, interval, total
        self.seen = {p.name for p in files.stage_files(run_dir)}
        self._stop_event = threading.Event()

    def poll(self) -> None:
        present = files.stage_files(self.run_dir)
        for path in present:
            if path.name not in self.seen:
                self.seen.add(path.name)
                total = self.total or files.tail_number(self.run_dir, 1)
                self.progress(f"stage {path.stem} done ({len(self.seen)}/{total or '?'})")

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.poll()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=2)
        self.poll()


@contextmanager
def console_progress(enabled: bool = True) -> Iterator[Progress | None]:
    """A progress callback for the terminal: rich spinner + stage log on a TTY, plain lines otherwise."""
    if not enabled:
        yield None
        return
    if not sys.stderr.isatty():
        def plain(message: str) -> None:
            sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
            sys.stderr.flush()

        yield plain
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    console = Console(stderr=True)
    with RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("plan pipeline", total=None)

        def fancy(message: str) -> None:
            bar.console.print(f"{time.strftime('%H:%M:%S')} {message}", markup=False, highlight=False)
            counted = _COUNT.search(message)
            if counted:
                done, total = counted.groups()
                bar.update(task, completed=int(done), total=int(total) if total != "?" else None,
                           description=message.split(" done")[0])

        yield fancy


__all__ = ["Progress", "StageWatcher", "console_progress"]
