"""The base of every pipeline stage: a Luigi task that writes one numbered JSON file.

A stage is complete when its file exists (Luigi's ``complete()`` checks ``output()``), which is what lets
a killed run resume. Files are written atomically; a stage that raises records one line for the CLI.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from plugsmith.builtins import builtin_specs
from plugsmith.pipeline import _files as files
from plugsmith.pipeline._luigi import luigi
from plugsmith.spec import CapabilitySpec

if TYPE_CHECKING:
    from plugsmith.hub import Hub, Release


T = TypeVar("T", bound=luigi.Task)


class BuiltinSpecs:
    """``requires_capabilities`` of a stage that needs the built-in staples; read on first use.

    Parsing the specs validates every port schema, so it is deferred until a run asks for them and
    importing the pipeline (``plugsmith metrics``, the server) stays cheap.
    """

    def __get__(self, obj: object, owner: type | None = None) -> list[CapabilitySpec]:
        return builtin_specs()


def make(cls: type[T], **params: Any) -> T:
    """Instantiate a stage (Luigi's task constructor is untyped; this keeps the call sites typed)."""
    return cls(**params)


def target(path: str | Path) -> luigi.LocalTarget:
    """A stage's output file as a Luigi target (``complete()`` is "this file exists")."""
    return luigi.LocalTarget(str(path))  # type: ignore[no-untyped-call]


class Stage(luigi.Task):
    """Base of every stage: run directory, plan, hub URL; one numbered output file."""

    run_dir = luigi.Parameter()
    plan_path = luigi.Parameter()
    # The hub URL may hold a password: insignificant (never in task ids or log lines) and HIDDEN (never
    # sent to a central scheduler). Not PRIVATE: Luigi drops private parameters when it re-creates the
    # dynamically required capability stages, which would then silently open the default hub.
    db_url = luigi.Parameter(default="", significant=False,
                             visibility=luigi.parameter.ParameterVisibility.HIDDEN)
    catalog = luigi.Parameter(default="", significant=False)
    synthesize = luigi.BoolParameter(default=True, significant=False)

    slug: ClassVar[str] = ""
    requires_capabilities: ClassVar[list[CapabilitySpec]] = []

    @property
    def dir(self) -> Path:
        return Path(self.run_dir)

    def number(self) -> int | None:
        return files.FIXED[self.slug]

    def output(self) -> luigi.LocalTarget:
        number = self.number()
        # Before the requirements stage has run the number is unknown, and so the file cannot exist.
        name = f"{number:03d}-{self.slug}.json" if number is not None else f".pending-{self.slug}"
        return target(self.dir / name)

    def common(self) -> dict[str, Any]:
        return {"run_dir": self.run_dir, "plan_path": self.plan_path, "db_url": self.db_url,
                "catalog": self.catalog, "synthesize": self.synthesize}

    def read(self, slug: str) -> dict[str, Any]:
        return dict(files.read_json(files.stage_path(self.dir, files.FIXED[slug], slug)))

    def open_hub(self) -> Hub:
        from plugsmith.hub import Hub

        return Hub.open(self.db_url or None)

    def dynamic_requires(self) -> list[luigi.Task]:
        """Stages that can only be named once earlier stages have run (Luigi dynamic dependencies)."""
        return []

    def produce(self) -> dict[str, Any]:
        """Compute the stage's data (what goes into its numbered file)."""
        raise NotImplementedError

    def run(self) -> Iterator[list[luigi.Task]]:
        deps = self.dynamic_requires()
        if deps:
            yield deps
        started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        t0 = time.perf_counter()
        try:
            data = self.produce()
        except Exception as exc:
            files.record_stage_error(self.dir, self.slug, one_line(exc))
            raise
        record = {"stage": self.slug, "started_at": started,
                  "duration_ms": round((time.perf_counter() - t0) * 1000, 1), **data}
        files.write_json(Path(self.output().path), record)


def one_line(exc: BaseException) -> str:
    """An exception as one line: plugsmith errors as the CLI prints them, others as ``Type: message``."""
    from plugsmith.errors import PlugsmithError

    text = exc.one_line() if isinstance(exc, PlugsmithError) else f"{type(exc).__name__}: {exc}"
    return (text.splitlines() or [type(exc).__name__])[0]


def get_release(hub: Hub, ref: str | None) -> Release | None:
    """The release a ref names, or None when there is none (any more: yanked or removed meanwhile)."""
    from plugsmith.errors import NotFound

    if ref is None:
        return None
    try:
        return hub.get(ref)
    except NotFound:
        return None


def plan_hash(plan_json: dict[str, Any]) -> str:
    canonical = json.dumps(plan_json, sort_keys=True, separators=(",", ":"))
    return "plan_" + hashlib.sha256(canonical.encode()).hexdigest()[:12]


__all__ = ["BuiltinSpecs", "Stage", "get_release", "make", "one_line", "plan_hash", "target"]
