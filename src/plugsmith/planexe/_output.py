"""Writing an imported plan and its report side by side, atomically.

``plan.json`` gets ``plan.import-report.json`` and ``plan.import-report.md`` beside it, so what the
import could not map is kept with the plan rather than scrolled away.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from plugsmith.atomic import write_text as write_atomic
from plugsmith.planexe._report import ImportReport
from plugsmith.spec import Plan


def report_paths(output: Path) -> tuple[Path, Path]:
    """Where the report of ``output`` goes: ``<stem>.import-report.json`` and ``.md`` beside it."""
    return (output.with_name(f"{output.stem}.import-report.json"),
            output.with_name(f"{output.stem}.import-report.md"))


def write_import(plan: Plan, report: ImportReport, output: Path) -> tuple[Path, Path]:
    """Write the plan (JSON, or YAML for ``.yaml``/``.yml``) and its report; returns the report paths."""
    data = plan.model_dump(mode="json")
    if output.suffix.lower() in {".yaml", ".yml"}:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    json_path, md_path = report_paths(output)
    write_atomic(json_path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    write_atomic(md_path, report.to_markdown())
    write_atomic(output, text)
    return json_path, md_path


__all__ = ["report_paths", "write_atomic", "write_import"]
