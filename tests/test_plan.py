"""Plan documents: loading JSON/YAML, validation errors with JSON pointers, cycles, dangling ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugsmith.errors import NotFound, PlanError
from plugsmith.plan import find_cycle, load_plan, topological_order, validate_plan
from plugsmith.spec import Task

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _plan(**extra: object) -> dict[str, object]:
    return {"title": "Test plan", "tasks": [{"id": "a", "duration_days": 2}, {"id": "b", "depends_on": ["a"]},
                                            {"id": "c", "depends_on": ["a", "b"]}], **extra}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_and_yaml_load_to_the_same_plan(tmp_path: Path) -> None:
    data = _plan(budget=100, currency="EUR")
    from_json = load_plan(_write(tmp_path, "p.json", json.dumps(data)))
    import yaml

    from_yaml = load_plan(_write(tmp_path, "p.yaml", yaml.safe_dump(data)))
    assert from_json == from_yaml
    assert [t.id for t in from_json.tasks] == ["a", "b", "c"]
    assert from_json.tasks[1].kind == "general"  # defaults filled in
    assert from_json.currency == "EUR"


def test_bad_field_is_reported_with_its_json_pointer(tmp_path: Path) -> None:
    data = _plan()
    data["tasks"] = [*data["tasks"], {"id": "d", "duration_days": -3}]  # type: ignore[list-item]
    with pytest.raises(PlanError) as err:
        load_plan(_write(tmp_path, "p.json", json.dumps(data)))
    assert err.value.message.startswith("/tasks/3/duration_days: ")
    assert "greater than or equal to 0" in err.value.message
    assert err.value.subject == str(tmp_path / "p.json")
    assert err.value.exit_code == 2


def test_missing_title_and_unknown_field_point_at_the_field() -> None:
    with pytest.raises(PlanError, match=r"^/title: "):
        validate_plan({"tasks": []}, "x.json")
    with pytest.raises(PlanError, match=r"^/tasks/0/colour: Extra inputs"):
        validate_plan({"title": "t", "tasks": [{"id": "a", "colour": "red"}]}, "x.json")


def test_dangling_dependency_names_both_ids() -> None:
    data = _plan()
    data["tasks"][2]["depends_on"] = ["a", "zz"]  # type: ignore[index]
    with pytest.raises(PlanError) as err:
        validate_plan(data, "x.json")
    assert err.value.message == "/tasks/2/depends_on/1: task 'c' depends on unknown task id 'zz'"


def test_cycle_is_reported_as_the_loop_of_ids() -> None:
    data = {"title": "t", "tasks": [{"id": "a", "depends_on": ["c"]}, {"id": "b", "depends_on": ["a"]},
                                    {"id": "c", "depends_on": ["b"]}, {"id": "d"}]}
    with pytest.raises(PlanError) as err:
        validate_plan(data, "x.json")
    message = err.value.message
    assert message.startswith("/tasks: dependency cycle ")
    loop = message.removeprefix("/tasks: dependency cycle ").split(" -> ")
    assert loop[0] == loop[-1] and sorted(loop[:-1]) == ["a", "b", "c"]
    # each step in the printed loop is a real dependency edge
    deps = {t["id"]: t.get("depends_on", []) for t in data["tasks"]}  # type: ignore[union-attr, index]
    assert all(loop[i] in deps[loop[i + 1]] or loop[i + 1] in deps[loop[i]] for i in range(len(loop) - 1))


def test_self_dependency_is_a_cycle() -> None:
    with pytest.raises(PlanError, match="dependency cycle a -> a"):
        validate_plan({"title": "t", "tasks": [{"id": "a", "depends_on": ["a"]}]}, "x.json")


def test_duplicate_ids_and_bad_dates_are_reported() -> None:
    with pytest.raises(PlanError, match=r"^/tasks/1/id: duplicate task id 'a' \(also /tasks/0/id\)"):
        validate_plan({"title": "t", "tasks": [{"id": "a"}, {"id": "a"}]}, "x.json")
    with pytest.raises(PlanError, match=r"^/tasks/0/start: '2026-13-01' is not an ISO date"):
        validate_plan({"title": "t", "tasks": [{"id": "a", "start": "2026-13-01"}]}, "x.json")


def test_unparsable_files_missing_files_and_non_objects(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="not valid YAML"):
        load_plan(_write(tmp_path, "p.yaml", "title: [unclosed\n"))
    with pytest.raises(PlanError, match="not valid JSON"):
        load_plan(_write(tmp_path, "p.json", "{'title': 1}"))
    with pytest.raises(NotFound):
        load_plan(tmp_path / "absent.json")
    with pytest.raises(PlanError, match="must be a JSON object"):
        load_plan(_write(tmp_path, "list.json", "[1, 2]"))


def test_invalid_inline_requirement_points_into_requires() -> None:
    bad = {"name": "x_cap", "outputs": {"y": {"type": "object"}}, "constraints": ["telepathic"]}
    with pytest.raises(PlanError, match=r"^/requires/1/constraints: unknown constraint"):
        validate_plan(_plan(requires=["cost_estimation", bad]), "x.json")


def test_spec_file_references_are_inlined_relative_to_the_plan(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    spec = json.loads((EXAMPLES / "specs" / "cost_per_owner.json").read_text())
    (tmp_path / "specs" / "cpo.json").write_text(json.dumps(spec))
    plan = load_plan(_write(tmp_path, "p.json", json.dumps(_plan(requires=["specs/cpo.json"]))))
    assert isinstance(plan.requires[0], dict) and plan.requires[0]["name"] == "cost_per_owner"
    assert len(plan.requires[0]["tests"]) == len(spec["tests"])
    with pytest.raises(PlanError, match=r"^/requires/0: spec file 'specs/none.json' not found"):
        load_plan(_write(tmp_path, "q.json", json.dumps(_plan(requires=["specs/none.json"]))))


def test_graph_helpers_order_and_cycles() -> None:
    tasks = [Task(id="c", depends_on=["b"]), Task(id="a"), Task(id="b", depends_on=["a"]), Task(id="d")]
    assert topological_order(tasks) == ["a", "b", "c", "d"]
    assert find_cycle(tasks) is None
    looped = [Task(id="x", depends_on=["y"]), Task(id="y", depends_on=["x"])]
    cycle = find_cycle(looped)
    assert cycle is not None and set(cycle) == {"x", "y"} and cycle[0] == cycle[-1]


def test_long_chain_does_not_hit_the_recursion_limit() -> None:
    n = 5000
    tasks = [{"id": f"t{i}", "depends_on": [f"t{i - 1}"] if i else []} for i in range(n)]
    plan = validate_plan({"title": "chain", "tasks": tasks}, "x.json")
    assert topological_order(plan.tasks)[-1] == f"t{n - 1}"


EXAMPLE_PLANS = sorted(p.name for p in EXAMPLES.glob("*.*") if p.suffix in {".json", ".yaml"})


@pytest.mark.parametrize("name", EXAMPLE_PLANS)
def test_every_example_plan_is_valid(name: str) -> None:
    plan = load_plan(EXAMPLES / name)
    assert len(plan.tasks) >= 8
    assert plan.kind != "general"
