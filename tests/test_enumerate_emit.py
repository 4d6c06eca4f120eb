"""Emitted plugin.py: compiles, is ruff-clean, passes an AST policy, and computes what the DSL computes."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.test_enumerate import NEW_PLAN, PLANS

from plugsmith.synth.enumerate import Node, Program
from plugsmith.synth.enumerate._dsl import FLATTEN, PROJECT, SCALAR_OPS

ALLOWED_IMPORTS = {
    "json",
    "math",
    "statistics",
    "datetime",
    "re",
    "collections",
    "itertools",
    "functools",
    "decimal",
    "fractions",
    "dataclasses",
    "typing",
    "heapq",
    "bisect",
    "operator",
}
FORBIDDEN_CALLS = {"eval", "exec", "getattr", "setattr", "compile", "open", "__import__", "globals", "vars"}


def p(var: str, *fields: str) -> Node:
    return Node("path", param=(var, fields))


TASKS = p("plan_json", "tasks")
T = "task"


def hof(op: str, *args: Node, param: Any = None) -> Node:
    return Node(op, args, param, T)


# One program per output port, together exercising every DSL operation.
PORTS: dict[str, Node] = {
    "slugs": hof("map", TASKS, Node("replace", (Node("lower", (p(T, "name"),)),), (" ", "-"))),
    "bounded": Node("max2", (
        Node("sub", (p("plan_json", "budget"), Node("sum", (p("plan_json", "tasks", PROJECT, "cost"),)))),
        Node("literal", param=0))),
    "capped": Node("min2", (Node("len", (TASKS,)), Node("literal", param=2))),
    "bands": hof("map", TASKS, Node("if", (Node("le", (Node("const", param=100), p(T, "cost"))),
                                            Node("const", param="costly"), Node("const", param="cheap")))),
    "dep_names": hof("map", TASKS, Node("map", (
        p(T, "depends_on"), Node("find", (TASKS, Node("var", param="dep")), ("id", ("name",)), "other")),
        var="dep")),
    "owner_load": hof("to_dict", TASKS, p(T, "id"),
                      Node("rel", (TASKS, p(T, "owner")), ("owner", "sum", "cost"), "other")),
    "owner_count": hof("to_dict", TASKS, p(T, "id"),
                       Node("rel", (TASKS, p(T, "owner")), ("owner", "count", None), "other")),
    "cost_by_kind": hof("group", TASKS, p(T, "kind"), p(T, "cost"), param="sum"),
    "mean_by_owner": hof("group", TASKS, p(T, "owner"), p(T, "duration_days"), param="mean"),
    "count_by_owner": hof("group", TASKS, p(T, "owner"), param="count"),
    "ids_by_owner": hof("group", TASKS, p(T, "owner"), p(T, "id"), param="list"),
    "min_max": Node(
        "record",
        (
            hof("group", TASKS, p(T, "kind"), p(T, "cost"), param="min"),
            hof("group", TASKS, p(T, "kind"), p(T, "cost"), param="max"),
        ),
        ("lo", "hi"),
    ),
    "priciest": hof("best", TASKS, p(T, "cost"), p(T, "id"), param=True),
    "cheapest": hof("best", TASKS, p(T, "cost"), p(T, "name"), param=False),
    "crit": hof("graph", TASKS, p(T, "duration_days"), param=("critical_path", "id", "depends_on")),
    "crit_len": hof("graph", TASKS, p(T, "duration_days"), param=("critical_length", "id", "depends_on")),
    "slack": hof("graph", TASKS, p(T, "duration_days"), param=("slack", "id", "depends_on")),
    "es": hof("graph", TASKS, p(T, "duration_days"), param=("earliest_start", "id", "depends_on")),
    "ef": hof("graph", TASKS, p(T, "duration_days"), param=("earliest_finish", "id", "depends_on")),
    "topo": hof("graph", TASKS, param=("topological_order", "id", "depends_on")),
    "ends": hof("to_dict", TASKS, p(T, "id"), Node("date_add", (p(T, "start"), p(T, "duration_days")))),
    "offset": Node(
        "days_between", (p("plan_json", "start"), Node("max", (p("plan_json", "tasks", PROJECT, "start"),)))
    ),
    "labels": hof("map", TASKS, Node("concat", (p(T, "id"), p(T, "name")), " - ")),
    "upper": hof("map", TASKS, Node("upper", (p(T, "name"),))),
    "lower_title": hof("map", TASKS, Node("title", (Node("lower", (p(T, "name"),)),))),
    "words": Node(
        "join", (Node("flatten", (hof("map", TASKS, Node("split", (p(T, "name"),), " ")),)),), ", "
    ),
    "roots": hof("map", hof("filter", TASKS, Node("empty", (p(T, "depends_on"),))), p(T, "id")),
    "top2": hof(
        "map",
        Node(
            "take",
            (
                hof(
                    "sort_by",
                    TASKS,
                    Node("mul", (p(T, "risk", "likelihood"), p(T, "risk", "impact"))),
                    param=True,
                ),
            ),
            2,
        ),
        p(T, "id"),
    ),
    "first_word": hof("map", TASKS, Node("first", (Node("split", (p(T, "name"),), " "),))),
    "last_on_path": Node(
        "last", (hof("graph", TASKS, p(T, "duration_days"), param=("critical_path", "id", "depends_on")),)
    ),
    "owners": Node("sorted", (Node("unique", (p("plan_json", "tasks", PROJECT, "owner"),)),), False),
    "roles": Node(
        "keys", (hof("graph", TASKS, p(T, "cost"), param=("earliest_finish", "id", "depends_on")),)
    ),
    "ef_values": Node(
        "values", (hof("graph", TASKS, p(T, "cost"), param=("earliest_finish", "id", "depends_on")),)
    ),
    "busiest": Node("argmax_key", (hof("group", TASKS, p(T, "owner"), param="count"),)),
    "idlest": Node("argmin_key", (hof("group", TASKS, p(T, "owner"), param="count"),)),
    "share": hof(
        "to_dict",
        TASKS,
        p(T, "id"),
        Node(
            "round",
            (Node("mul", (Node("div", (p(T, "cost"), p("plan_json", "budget"))), Node("const", param=100))),),
            1,
        ),
    ),
    "pct": hof("to_dict", TASKS, p(T, "id"), Node("pct", (p(T, "cost"), p("plan_json", "budget")))),
    "over": Node("lt", (p("plan_json", "budget"), Node("sum", (p("plan_json", "tasks", PROJECT, "cost"),)))),
    "mixed": Node(
        "and",
        (
            Node("not", (Node("eq", (Node("len", (TASKS,)), Node("literal", param=0))),)),
            Node(
                "or",
                (
                    Node("notnull", (p("plan_json", "budget"),)),
                    Node("ne", (p("plan_json", "title"), p("plan_json", "goal"))),
                ),
            ),
        ),
    ),
    "labour": Node(
        "sum",
        (
            hof(
                "map",
                p("plan_json", "tasks", FLATTEN, "resources"),
                Node("mul", (p(T, "hours"), p(T, "rate"))),
            ),
        ),
    ),
    "spread": Node(
        "sub",
        (
            Node("max", (p("plan_json", "tasks", PROJECT, "cost"),)),
            Node("min", (p("plan_json", "tasks", PROJECT, "cost"),)),
        ),
    ),
    "avg": Node("round", (Node("mean", (p("plan_json", "tasks", PROJECT, "cost"),)),), 2),
    "plus": hof(
        "map_values",
        hof("group", TASKS, p(T, "kind"), p(T, "cost"), param="sum"),
        Node("add", (Node("var", param=T), Node("const", param=1))),
    ),
    "le": hof("map", TASKS, Node("le", (p(T, "cost"), Node("const", param=100)))),
    "nested": hof(
        "to_dict",
        TASKS,
        p(T, "id"),
        Node(
            "sum",
            (
                Node(
                    "map",
                    (p(T, "resources"), Node("mul", (p("res", "hours"), p("res", "rate")))),
                    None,
                    "res",
                ),
            ),
        ),
    ),
}
PROGRAM = Program(tuple(sorted(PORTS.items())), ("plan_json",), "Every DSL operation")


def run_source(source: str, inputs: list[dict[str, Any]], tmp_path: Path) -> list[Any]:
    """Run plugin source in a separate interpreter (plugsmith never imports plugin code)."""
    plugin = tmp_path / "plugin.py"
    plugin.write_text(source, encoding="utf-8")
    (tmp_path / "inputs.json").write_text(json.dumps(inputs), encoding="utf-8")
    driver = (
        "import json, runpy, sys\n"
        "ns = runpy.run_path(sys.argv[1])\n"
        "print(json.dumps([ns['run'](i) for i in json.load(open(sys.argv[2]))]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", driver, str(plugin), str(tmp_path / "inputs.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return list(json.loads(done.stdout))


def test_every_scalar_operation_is_exercised() -> None:
    used = set()

    def walk(n: Node) -> None:
        used.add(n.op)
        for a in n.args:
            walk(a)

    for node in PORTS.values():
        walk(node)
    assert set(SCALAR_OPS) - used == set()


def test_emitted_code_computes_what_the_interpreter_computes(tmp_path: Path) -> None:
    inputs = [{"plan_json": plan} for plan in [*PLANS, NEW_PLAN]]
    got = run_source(PROGRAM.to_python(), inputs, tmp_path)
    want = [json.loads(json.dumps(PROGRAM.evaluate(i))) for i in inputs]
    assert got == want


def test_emitted_code_compiles_and_passes_the_ast_policy() -> None:
    tree = ast.parse(PROGRAM.to_python())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= ALLOWED_IMPORTS
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] in ALLOWED_IMPORTS
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS
        if isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__")
    funcs = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert "run" in funcs


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
@pytest.mark.parametrize("line_length", ["88", "110"])
def test_emitted_code_is_ruff_clean(tmp_path: Path, line_length: str) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text(PROGRAM.to_python(), encoding="utf-8")
    done = subprocess.run(
        [
            "ruff",
            "check",
            "--isolated",
            "--select",
            "E,F,W,I,B,UP,SIM,C4",
            "--line-length",
            line_length,
            str(plugin),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


def test_source_is_readable_and_commented() -> None:
    source = PROGRAM.to_python()
    assert source.startswith('"""Every DSL operation.')
    for port in PORTS:
        assert f'result["{port}"] = ' in source or f'result[\n        "{port}"\n    ]' in source
        assert f"# {port}: " in source
    assert "def group_by(" in source and "def critical_path(" in source


def test_helpers_are_only_included_when_used() -> None:
    total = Program((("total", Node("sum", (p("plan_json", "tasks", PROJECT, "cost"),))),), ("plan_json",))
    source = total.to_python()
    assert source.count("def ") == 1  # only run()
    assert "import" not in source
    assert 'result["total"] = sum(item["cost"] for item in plan_json["tasks"])' in source


def test_port_names_that_clash_with_helpers_are_renamed(tmp_path: Path) -> None:
    program = Program((("out", Node("sum", (Node("var", param="sum"),))),), ("sum",))
    source = program.to_python()
    assert 'sum_in = inputs["sum"]' in source
    assert run_source(source, [{"sum": [1, 2, 3]}], tmp_path) == [{"out": 6}]


def test_emitted_code_passes_the_real_security_policy() -> None:
    gates = pytest.importorskip(
        "plugsmith.gates", reason="the gates package is another engineer's, not built yet"
    )
    findings = gates.check_source(PROGRAM.to_python())
    assert findings == []


def test_typing_is_imported_only_when_a_helper_needs_it() -> None:
    ends = Program(
        (
            (
                "ends",
                hof("to_dict", TASKS, p(T, "id"), Node("date_add", (p(T, "start"), p(T, "duration_days")))),
            ),
        ),
        ("plan_json",),
    )
    source = ends.to_python()
    assert "from datetime import date, timedelta" in source
    assert "typing" not in source
    assert "from typing import Any" in PROGRAM.to_python()
