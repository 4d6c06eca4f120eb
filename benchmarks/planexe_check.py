"""Check plugsmith's figures for real PlanExe run directories against PlanExe's own outputs.

    python benchmarks/planexe_check.py [DIR ...] [--run] [--planexe-src PATH] [--json]

Each DIR is a PlanExe run directory or a directory of them (default: ``tests/data/planexe/runs``).
For every run it prints one row, then every mismatch, and exits 1 when there is any.

The references come from PlanExe's files, read here without plugsmith's importer:

* **per-task days** — PlanExe's own schedule export: ``026-3-schedule_gantt_machai.csv`` (end - start;
  both the comma and the older semicolon layout), else the task list inside
  ``026-2-schedule_gantt_dhtmlx.html`` / ``026-2-schedule_dhtmlx_gantt.html`` (its ``duration``), else —
  for runs older than PlanExe's schedule (before May 2025) — PlanExe's own code, when ``--planexe-src``
  points at a PlanExe checkout (its ``worker_plan`` directory, or the checkout root): the run's WBS tree
  and ``task_durations`` file through ``ProjectSchedulePopulator.populate``, exactly as its
  ``CreateScheduleTask`` does. Without any of these the row says ``ref: none`` and only counts and the
  import/run agreement are checked.
* **tasks and phases** — PlanExe's whole WBS tree (``…wbs_project_level1_and_level2_and_level3.json``, or
  the level-1, level-2 and level-3 files joined as PlanExe does): a node without children is a task, any
  other node below the project a phase.
* **project duration** — the longest chain through PlanExe's dependency file
  (``…task_dependencies_raw.json``) with the reference days; a dependency on a phase stands for all of its
  tasks (on either side), ids that are not in the tree are left out, and so is a dependency between a
  node and its own ancestor (it cannot be scheduled). This is the figure ``expected.jsonl`` holds.
* ``gantt`` shows, for comparison, the span of PlanExe's own Gantt chart, which puts each task after its
  previous sibling and does not use the dependency file (so it is the sum of all task days).

What is compared: the importer's tasks, phases, per-task days, dependency edges and longest path; with
``--run`` also a real ``python -m plugsmith run RUN --out TMP --json`` per run (exit status, the
critical-path stage's ``project_duration_days``, the "Project duration" line of ``report.md``, task names
on its critical path, one ``warning: data:`` line on stderr per serious data problem). ``--run`` uses
``PLUGSMITH_HOME`` if set, else a throw-away home (the first run installs the built-ins).

PLUGSMITH_BENCH_SMOKE=1 (CI): the default runs, import only.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "data" / "planexe" / "runs"
_NUMBER = re.compile(r"^\d{3}(?:-\d+)*-")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def find(run: Path, *names: str) -> Path | None:
    """The file of ``run`` whose name after PlanExe's number is one of ``names`` (first name wins)."""
    files = {_NUMBER.sub("", p.name): p for p in sorted(run.iterdir()) if p.is_file()}
    return next((files[n] for n in names if n in files), None)


def run_dirs(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if find(path, "wbs_project_level1_and_level2_and_level3.json", "wbs_level1.json"):
            out.append(path)
        else:
            out += sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    return out


# --- PlanExe's files, read directly -------------------------------------------------------------


@dataclass
class Tree:
    root: str
    parent: dict[str, str | None] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    name: dict[str, str] = field(default_factory=dict)

    def leaves_under(self, node: str) -> list[str]:
        kids = self.children.get(node) or []
        return [node] if not kids else [leaf for k in kids for leaf in self.leaves_under(k)]

    def ancestors(self, node: str) -> set[str]:
        out, cur = set(), self.parent.get(node)
        while cur is not None:
            out.add(cur)
            cur = self.parent.get(cur)
        return out


def _levels(run: Path) -> dict[str, Any] | None:
    """The whole tree from the level-1, level-2 and level-3 files, as PlanExe's ``WBSPopulate`` joins them
    (a level-3 task goes under its ``parent_id``, in file order)."""
    one, two, three = (find(run, f"wbs_level{n}.json") for n in (1, 2, 3))
    if one is None or two is None:
        return None
    level1 = json.loads(one.read_text(encoding="utf-8"))
    root: dict[str, Any] = {"id": level1["id"], "description": level1.get("project_title") or "",
                            "task_children": []}
    nodes = {root["id"]: root}
    for phase in json.loads(two.read_text(encoding="utf-8")):
        node = {"id": phase["id"], "description": phase.get("major_phase_title") or "", "task_children": []}
        for sub in phase.get("subtasks") or []:
            node["task_children"].append({"id": sub["id"], "description": sub.get("description") or "",
                                          "task_children": []})
        root["task_children"].append(node)
    stack = list(root["task_children"])
    while stack:
        node = stack.pop()
        nodes[node["id"]] = node
        stack += node["task_children"]
    for task in json.loads(three.read_text(encoding="utf-8")) if three else []:
        if task.get("parent_id") in nodes:
            node = {"id": task["id"], "description": task.get("name") or "", "task_children": []}
            nodes[task["parent_id"]]["task_children"].append(node)
    return root


def read_tree(run: Path) -> Tree | None:
    path = find(run, "wbs_project_level1_and_level2_and_level3.json")
    data = json.loads(path.read_text(encoding="utf-8"))["wbs_project"] if path else _levels(run)
    if data is None:
        return None
    tree = Tree(root=data["id"])
    stack: list[tuple[dict[str, Any], str | None]] = [(data, None)]
    while stack:
        node, parent = stack.pop()
        if node["id"] in tree.parent:  # PlanExe's tree can repeat an id; the first copy counts
            continue
        tree.parent[node["id"]] = parent
        tree.name[node["id"]] = node.get("description") or ""
        kids = node.get("task_children") or []
        tree.children[node["id"]] = [k["id"] for k in kids]
        stack += [(k, node["id"]) for k in reversed(kids)]
    return tree


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def gantt_csv(path: Path) -> dict[str, int]:
    text = path.read_text(encoding="utf-8")
    head = text.split("\n", 1)[0]
    rows = csv.DictReader(io.StringIO(text), delimiter=";" if head.count(";") > head.count(",") else ",")
    return {r["project_key"]: (_date(r["project_end_date"]) - _date(r["project_start_date"])).days
            for r in rows}


def gantt_dhtmlx(path: Path) -> dict[str, int]:
    """Days of every task in the chart's data; the project (a task without a parent, drawn as a summary)
    gets the span from the first start to the last end."""
    text = path.read_text(encoding="utf-8")
    at = text.index('"tasks"')
    data, _ = json.JSONDecoder().raw_decode(text[text.rindex("{", 0, at):])
    out = {t["id"]: int(t["duration"]) for t in data["tasks"] if "duration" in t}
    dated = [(dt.date.fromisoformat(t["start_date"]), int(t["duration"])) for t in data["tasks"]
             if "duration" in t and "start_date" in t]
    roots = [t["id"] for t in data["tasks"] if not t.get("parent")]
    if dated and len(roots) == 1:
        out[roots[0]] = (max(s + dt.timedelta(days=d) for s, d in dated) - min(s for s, _ in dated)).days
    return out


def planexe_code(run: Path, src: Path) -> dict[str, int]:
    """PlanExe's own schedule of the run, from a PlanExe checkout (what its CreateScheduleTask does)."""
    import logging

    logging.getLogger("worker_plan_internal").setLevel(logging.ERROR)  # its "negative: -1" warnings
    base = src / "worker_plan" if (src / "worker_plan").is_dir() else src
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))
    from worker_plan_internal.schedule.project_schedule_populator import (  # type: ignore[import-not-found]
        ProjectSchedulePopulator,
    )
    from worker_plan_internal.wbs.wbs_task import WBSProject  # type: ignore[import-not-found]

    tree_file = find(run, "wbs_project_level1_and_level2_and_level3.json")
    durations = find(run, "task_durations.json")
    assert durations is not None
    whole = json.loads(tree_file.read_text(encoding="utf-8")) if tree_file else {"wbs_project": _levels(run)}
    project = WBSProject.from_dict(whole)
    schedule = ProjectSchedulePopulator.populate(project, json.loads(durations.read_text(encoding="utf-8")))
    return {a.id: int(a.duration) for a in schedule.activities.values()}


def reference_days(run: Path, src: Path | None) -> tuple[str, dict[str, int]]:
    if (path := find(run, "schedule_gantt_machai.csv")) is not None:
        return "csv", gantt_csv(path)
    if (path := find(run, "schedule_gantt_dhtmlx.html", "schedule_dhtmlx_gantt.html")) is not None:
        return "dhtmlx", gantt_dhtmlx(path)
    if src is not None and find(run, "task_durations.json"):
        return "code", planexe_code(run, src)
    return "none", {}


def reference_edges(run: Path, tree: Tree) -> set[tuple[str, str]]:
    """(task, task it waits for) pairs from PlanExe's dependency file, phases expanded to their tasks."""
    path = find(run, "task_dependencies_raw.json", "task_dependencies.json")
    if path is None:
        return set()
    edges = set()
    for entry in json.loads(path.read_text(encoding="utf-8")).get("task_dependency_details") or []:
        node = entry.get("dependent_task_id")
        if node not in tree.parent:
            continue
        for target in entry.get("depends_on_task_id_list") or []:
            if target not in tree.parent or target == node or target in tree.ancestors(node) \
                    or node in tree.ancestors(target):
                continue
            edges |= {(a, b) for a in tree.leaves_under(node) for b in tree.leaves_under(target)}
    return edges


def longest(tasks: list[str], days: dict[str, float], edges: set[tuple[str, str]]) -> float | None:
    """Length of the longest dependency chain; None when the edges hold a cycle."""
    waits: dict[str, list[str]] = {t: [] for t in tasks}
    for a, b in edges:
        waits[a].append(b)
    finish: dict[str, float] = {}
    for start in tasks:
        stack, on = [(start, iter(waits[start]))], {start}
        while stack:
            node, it = stack[-1]
            nxt = next((d for d in it if d not in finish), None)
            if nxt is None:
                finish[node] = max((finish[d] for d in waits[node]), default=0.0) + days.get(node, 0.0)
                on.discard(node)
                stack.pop()
            elif nxt in on:
                return None
            else:
                on.add(nxt)
                stack.append((nxt, iter(waits[nxt])))
    return max(finish.values(), default=0.0)


# --- plugsmith's side ---------------------------------------------------------------------------


def plugsmith_run(run: Path, home: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="planexe-check-") as tmp:
        out = Path(tmp) / "out"
        env = {**os.environ, "PLUGSMITH_HOME": str(home)}
        env.pop("PLUGSMITH_DB", None)
        command = [sys.executable, "-m", "plugsmith", "run", str(run), "--out", str(out), "--json"]
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        got: dict[str, Any] = {"rc": proc.returncode, "stderr": proc.stderr}
        if proc.returncode != 0:
            return got
        result = json.loads(proc.stdout)
        stage = json.loads(next(out.glob("*-critical_path.json")).read_text())["output"]["schedule"]
        md = (out / "report.md").read_text(encoding="utf-8")
        line = re.search(r"^Project duration: ([\d.]+) days", md, re.M)
        path_block = md.split("Critical path:\n\n", 1)[1].split("\n\n", 1)[0] if "Critical path:" in md \
            else ""
        got |= {"duration": stage["project_duration_days"],
                "report_duration": float(line.group(1)) if line else None,
                "path_has_ids": bool(_UUID.search(path_block)),
                "serious": sum(1 for f in result.get("data_quality") or [] if f.get("severity") == "serious"),
                "warnings": sum(1 for x in proc.stderr.splitlines() if x.startswith("warning: data:")),
                "html_bytes": (out / "report.html").stat().st_size}
        return got


@dataclass
class Row:
    run: str
    ref: str
    tasks: int
    phases: int
    edges: int
    ref_days: float | None
    import_days: float | None
    run_days: float | None
    gantt: int | None
    problems: list[str]


def check(run: Path, src: Path | None, home: Path | None) -> Row:
    from plugsmith.errors import PlugsmithError
    from plugsmith.planexe import import_planexe_with_report

    problems: list[str] = []
    try:
        plan, _ = import_planexe_with_report(run)
    except PlugsmithError as exc:
        return Row(run.name, "-", 0, 0, 0, None, None, None, None, [f"import failed: {exc.one_line()}"])
    days = {t.id: t.duration_days for t in plan.tasks}
    deps = {(t.id, d) for t in plan.tasks for d in t.depends_on}
    ours = longest(list(days), days, deps)
    tree = read_tree(run)
    source, ref = reference_days(run, src)
    ref_len = gantt = None
    if tree is not None:
        leaves = [n for n, kids in tree.children.items() if not kids and n != tree.root]
        phases = {n for n, kids in tree.children.items() if kids and n != tree.root}
        if set(leaves) != set(days):
            problems.append(f"tasks: {len(set(leaves) - set(days))} of PlanExe's missing, "
                            f"{len(set(days) - set(leaves))} extra")
        if phases != {p.id for p in plan.phases}:
            problems.append(f"phases: {len(phases)} in PlanExe's tree, {len(plan.phases)} imported")
        edges = reference_edges(run, tree)
        if edges != deps:
            problems.append(f"edges: {len(edges)} in PlanExe's files, {len(deps)} imported "
                            f"({len(edges - deps)} missing, {len(deps - edges)} extra)")
        if ref:
            wrong = [(tree.name.get(t, t), days.get(t), ref.get(t)) for t in leaves
                     if ref.get(t) != days.get(t)]
            problems += [f"days of {n!r}: {a} imported, {b} in PlanExe's schedule" for n, a, b in wrong[:5]]
            if len(wrong) > 5:
                problems.append(f"… and {len(wrong) - 5} more tasks with other days")
            ref_len = longest(leaves, {t: float(ref.get(t, 0)) for t in leaves}, edges)
            gantt = ref.get(tree.root)
            said = plan.meta["planexe"].get("sequential_days")
            if gantt is not None and said != gantt:
                problems.append(f"PlanExe's Gantt span: the report would say {said}, its chart has {gantt}")
            if ref_len is None:
                problems.append("PlanExe's dependencies hold a cycle: no reference duration")
            elif ours != ref_len:
                problems.append(f"project duration: {ours} imported, {ref_len} from PlanExe's files")
    run_days = None
    if home is not None:
        got = plugsmith_run(run, home)
        if got["rc"] != 0:
            problems.append(f"plugsmith run exit {got['rc']}: {got['stderr'].strip()[-300:]}")
        else:
            run_days = got["duration"]
            want = ref_len if ref_len is not None else ours
            if run_days != want or got["report_duration"] != want:
                problems.append(f"plugsmith run: {run_days} days (report.md {got['report_duration']}), "
                                f"expected {want}")
            if got["path_has_ids"]:
                problems.append("report.md's critical path shows ids, not names")
            if got["warnings"] != got["serious"]:
                problems.append(f"{got['serious']} serious data problems but {got['warnings']} warning lines")
            if got["html_bytes"] > 2_000_000:
                problems.append(f"report.html is {got['html_bytes']} bytes")
    return Row(run.name, source, len(plan.tasks), len(plan.phases), len(deps), ref_len, ours, run_days, gantt,
               problems)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="run directories, or directories of them")
    parser.add_argument("--run", action="store_true", help="also run `plugsmith run` on each")
    parser.add_argument("--planexe-src", type=Path, help="a PlanExe checkout, for runs without a schedule")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON lines")
    args = parser.parse_args(argv)
    runs = run_dirs(args.dirs or [DEFAULT])
    home_ctx = None
    home: Path | None = None
    if args.run and not os.environ.get("PLUGSMITH_BENCH_SMOKE"):
        if os.environ.get("PLUGSMITH_HOME"):
            home = Path(os.environ["PLUGSMITH_HOME"])
        else:
            home_ctx = tempfile.TemporaryDirectory(prefix="planexe-check-home-")
            home = Path(home_ctx.name)
    rows = [check(run, args.planexe_src, home) for run in runs]
    if home_ctx is not None:
        home_ctx.cleanup()
    if args.json:
        for r in rows:
            print(json.dumps(r.__dict__))
    else:
        print(f"{'run':42} {'ref':6} {'tasks':>5} {'phases':>6} {'edges':>5} {'PlanExe':>8} {'import':>8} "
              f"{'run':>8} {'gantt':>7}  ok")
        for r in rows:
            print(f"{r.run[:42]:42} {r.ref:6} {r.tasks:5} {r.phases:6} {r.edges:5} {_fmt(r.ref_days):>8} "
                  f"{_fmt(r.import_days):>8} {_fmt(r.run_days):>8} {_fmt(r.gantt):>7}  "
                  f"{'yes' if not r.problems else 'NO'}")
        checked = [r for r in rows if r.ref != "none"]
        print(f"\n{len(rows)} runs, {len(checked)} with a PlanExe schedule to check against, "
              f"{sum(1 for r in rows if r.problems)} with mismatches")
        for r in rows:
            for p in r.problems:
                print(f"MISMATCH {r.run}: {p}")
    return 1 if any(r.problems for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
