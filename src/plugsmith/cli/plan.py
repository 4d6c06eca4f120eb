"""``plugsmith plan …``: import a PlanExe plan, validate a plan document.

Only typer and the standard library are imported at module level (fast ``--help``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from plugsmith.spec import Plan

plan_app = typer.Typer(help="Plan documents: import PlanExe plans, validate plans.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@plan_app.command("import-planexe")
def import_planexe(
    paths: Annotated[list[Path], typer.Argument(
        help="A PlanExe run directory, a whole WBS tree (wbs_project.json, "
        "023-3-wbs_project_level1_and_level2_and_level3.json), or the level-1/2/3, dependency and "
        "duration files.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the plan here (.json or "
                                                ".yaml) with its import report beside it; default: stdout.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Convert a PlanExe plan into a plugsmith plan; report everything that could not be mapped."""
    from plugsmith.cli._common import err, print_json
    from plugsmith.planexe import import_planexe_with_report
    from plugsmith.planexe._output import write_import

    plan, report = import_planexe_with_report(paths[0] if len(paths) == 1 else paths)
    if output is None:
        print_json(plan)
        for line in report.lines():
            err(line)
        _warn_serious(plan)
        return
    report_json, report_md = write_import(plan, report, output)
    summary = {"plan": str(output), "report": str(report_json), "report_markdown": str(report_md),
               "tasks": len(plan.tasks), "phases": len(plan.phases),
               "dependencies": sum(len(t.depends_on) for t in plan.tasks), "risks": len(plan.risks),
               "counts": report.counts()}
    if as_json:
        print_json(summary | {"items": report.to_dict()["items"]})
        _warn_serious(plan)
        return
    sys.stdout.write(f"wrote {output}: {summary['tasks']} tasks, {summary['phases']} phases, "
                     f"{summary['dependencies']} dependencies, {summary['risks']} risks\n")
    sys.stdout.write("\n".join(report.lines()) + f"\nreport: {report_json}\n")
    _warn_serious(plan)


def _warn_serious(plan: Plan) -> None:
    """One ``warning: data:`` line on stderr per serious data problem, as ``plugsmith run`` prints them."""
    from plugsmith.cli._common import err
    from plugsmith.pipeline._quality import assess, serious

    for finding in serious(assess(plan.model_dump(mode="json"))):
        err(f"warning: data: {finding.line()}")


@plan_app.command("validate")
def validate(
    plan_path: Annotated[Path, typer.Argument(metavar="PLAN", help="A plan (JSON/YAML) or a PlanExe run "
                                              "directory.")],
    as_json: JsonOpt = False,
) -> None:
    """Check a plan document: schema, dates, unique ids, dependencies and cycles (exit 2 when bad)."""
    from plugsmith.cli._common import print_json
    from plugsmith.plan import load_plan

    plan = load_plan(plan_path)
    facts = {"ok": True, "plan": str(plan_path), "title": plan.title, "tasks": len(plan.tasks),
             "phases": len(plan.phases), "dependencies": sum(len(t.depends_on) for t in plan.tasks),
             "risks": len(plan.risks), "requires": len(plan.requires)}
    imported = plan.meta.get("import_report") if isinstance(plan.meta, dict) else None
    if as_json:
        print_json(facts | ({"import_report": imported} if imported else {}))
        return
    sys.stdout.write(f"ok: {plan_path}: {plan.title!r}: {facts['tasks']} tasks, {facts['phases']} phases, "
                     f"{facts['dependencies']} dependencies, {facts['risks']} risks\n")
    if imported:
        from plugsmith.planexe import ImportReport

        sys.stdout.write(ImportReport.from_dict(imported).lines()[0] + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
