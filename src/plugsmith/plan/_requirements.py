"""Requirement extraction: which capabilities a plan run needs, and where each need came from.

Three sources, in this order: (a) the pipeline stages' own declarations, (b) the plan's ``requires``
(inline specs or catalog names), (c) task kinds mapped through the catalog. A capability named by
several sources is one requirement listing every source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from plugsmith.errors import PlanError
from plugsmith.plan._catalog import Catalog, load_catalog
from plugsmith.plan._specs import parse_spec_cached
from plugsmith.spec import CapabilitySpec, Plan


@dataclass(frozen=True)
class Requirement:
    """One capability the run must compute: its full spec and every place that asked for it."""

    spec: CapabilitySpec
    sources: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    def to_json(self) -> dict[str, Any]:
        return {"capability": self.name, "sources": list(self.sources), "spec_hash": self.spec.spec_hash(),
                "spec": self.spec.model_dump(mode="json")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Requirement:
        return cls(parse_spec_cached(data["spec"]), tuple(data["sources"]))


class _Collector:
    """Ordered, de-duplicated requirements; conflicting specs under one name are a plan error."""

    def __init__(self, source: str) -> None:
        self.specs: dict[str, CapabilitySpec] = {}
        self.sources: dict[str, list[str]] = {}
        self.origin = source

    def add(self, spec: CapabilitySpec, where: str, *, pointer: str | None = None) -> None:
        known = self.specs.get(spec.name)
        if known is not None and known.spec_hash() != spec.spec_hash():
            if pointer is None:  # stages and the catalog share specs; only a plan's inline spec conflicts
                self.sources[spec.name].append(where)
                return
            raise PlanError(f"{pointer}: capability {spec.name!r} differs from the one already required by "
                            f"{self.sources[spec.name][0]}", subject=self.origin,
                            hint="rename the inline capability or drop it and use the existing one")
        self.specs.setdefault(spec.name, spec)
        self.sources.setdefault(spec.name, [])
        if where not in self.sources[spec.name]:
            self.sources[spec.name].append(where)

    def result(self) -> list[Requirement]:
        return [Requirement(spec, tuple(self.sources[name])) for name, spec in self.specs.items()]


def extract_requirements(plan: Plan, stage_specs: Sequence[CapabilitySpec], *,
                         catalog: Catalog | None = None, source: str = "plan") -> list[Requirement]:
    """The capabilities a run of ``plan`` needs, each with where it came from.

    Source labels: ``stage`` for the stages' declarations, ``plan:/requires/N`` for the plan's own
    needs, ``kind:NAME (N tasks)`` for task kinds mapped through the catalog.
    """
    catalog = catalog if catalog is not None else load_catalog()
    out = _Collector(source)
    for spec in stage_specs:
        out.add(spec, "stage")
    for i, item in enumerate(plan.requires):
        pointer = f"/requires/{i}"
        if isinstance(item, str):
            if item not in catalog.capabilities:
                raise PlanError(f"{pointer}: unknown capability {item!r}", subject=source,
                                hint="define it inline in 'requires' or in $PLUGSMITH_HOME/catalog.json")
            out.add(catalog.capabilities[item], f"plan:{pointer}")
        else:
            out.add(parse_spec_cached(item), f"plan:{pointer}", pointer=pointer)
    counts: dict[str, int] = {}
    for task in plan.tasks:
        counts[task.kind] = counts.get(task.kind, 0) + 1
    for kind, n in counts.items():
        for name in catalog.kinds.get(kind, ()):
            out.add(catalog.capabilities[name], f"kind:{kind} ({n} task{'s' if n != 1 else ''})")
    return out.result()


def unmapped_kinds(plan: Plan, catalog: Catalog) -> list[str]:
    """Task kinds the catalog says nothing about (reported, and counted against task coverage)."""
    return sorted({t.kind for t in plan.tasks if t.kind not in catalog.kinds})


__all__ = ["Requirement", "extract_requirements", "unmapped_kinds"]
