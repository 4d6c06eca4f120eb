"""What an import could not map, so nothing PlanExe wrote is dropped silently.

The importer records every id it could not resolve, every duration it could not parse and every edge it
had to drop in an ``ImportReport``. The report travels with the plan (``plan.meta["import_report"]``),
is written beside the output file by ``plugsmith plan import-planexe`` and printed there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Kind = Literal["unmapped", "dropped", "note"]


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One finding: ``unmapped`` (data we could not use), ``dropped`` (an edge removed) or ``note``.

    ``code`` sorts findings into the data-quality section's groups (``no_estimate``,
    ``estimate_invalid``, ``unknown_id``, ``missing_file``, … see ``plugsmith.pipeline._quality``).
    ``label`` is the name of the task or phase the subject is (empty for a file or JSON pointer), so a
    reader sees names first and the id only beside them.
    """

    kind: Kind
    subject: str
    message: str
    code: str = ""
    label: str = ""

    @property
    def who(self) -> str:
        """The subject as a reader wants it: ``Name (id)`` for a task or phase, else the subject."""
        return f"{self.label} ({self.subject})" if self.label and self.label != self.subject else self.subject

    def line(self) -> str:
        return f"{self.kind}: {self.who}: {self.message}"


@dataclass
class ImportReport:
    """The findings of one import, in the order they were made (which is deterministic)."""

    source: str
    files: dict[str, str] = field(default_factory=dict)
    items: list[ReportItem] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)

    def add(self, kind: Kind, subject: str, message: str, code: str = "") -> None:
        self.items.append(ReportItem(kind, subject, message, code))

    def name_subjects(self, names: dict[str, str]) -> None:
        """Give every finding whose subject is a task or phase id that task's or phase's name."""
        self.items = [replace(i, label=names[i.subject]) if not i.label and names.get(i.subject) else i
                      for i in self.items]

    def of_kind(self, kind: Kind) -> list[ReportItem]:
        return [item for item in self.items if item.kind == kind]

    @property
    def clean(self) -> bool:
        """True when everything was mapped and no edge was dropped (notes do not count)."""
        return not any(item.kind != "note" for item in self.items)

    def counts(self) -> dict[str, int]:
        return {kind: len(self.of_kind(kind)) for kind in ("unmapped", "dropped", "note")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "files": dict(self.files),
            "counts": self.counts(),
            "items": [{"kind": i.kind, "subject": i.subject, "message": i.message, "code": i.code}
                      | ({"label": i.label} if i.label else {}) for i in self.items],
            "ignored_files": list(self.ignored_files),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        """Rebuild a report from ``to_dict`` output (e.g. from ``plan.meta["import_report"]``)."""
        items = [ReportItem(i["kind"], i["subject"], i["message"], i.get("code", ""), i.get("label", ""))
                 for i in data.get("items", [])]
        return cls(source=str(data.get("source", "")), files=dict(data.get("files", {})), items=items,
                   ignored_files=list(data.get("ignored_files", [])))

    def lines(self) -> list[str]:
        """Human-readable lines: a summary, then one line per finding."""
        c = self.counts()
        head = (f"PlanExe import of {self.source}: {c['unmapped']} unmapped, {c['dropped']} dropped, "
                f"{c['note']} notes")
        tail = [f"({len(self.ignored_files)} other files not imported)"] if self.ignored_files else []
        return [head] + ["  " + item.line() for item in self.items] + tail

    def to_markdown(self) -> str:
        out = [f"# PlanExe import report\n\nSource: `{self.source}`\n", "## Files read\n"]
        out += [f"- {role}: `{name}`" for role, name in sorted(self.files.items())]
        for kind, title in (("unmapped", "Not mapped"), ("dropped", "Dropped"), ("note", "Notes")):
            found = self.of_kind(kind)  # type: ignore[arg-type]
            if found:
                out += [f"\n## {title}\n"] + [f"- {_md_subject(i)}: {i.message}" for i in found]
        if self.ignored_files:
            out += ["\n## Other files (not imported)\n"] + [f"- `{n}`" for n in self.ignored_files]
        return "\n".join(out) + "\n"


def _md_subject(item: ReportItem) -> str:
    return f"{item.label} (`{item.subject}`)" if item.label and item.label != item.subject else \
        f"`{item.subject}`"


__all__ = ["ImportReport", "ReportItem"]
