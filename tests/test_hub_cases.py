"""Named benchmark cases in the hub: the checks at the edge, the batch rules, the command line and the
server's endpoints (reviewer or admin), local and remote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import test_server_helpers as helpers
from plugsmith.cli import main
from plugsmith.errors import BadInput, NotFound
from plugsmith.hub import Hub
from plugsmith.hub._cases import parse_cases
from plugsmith.hub._remote import RemoteHub
from plugsmith.spec import Status, TestCase, Tier
from test_hub_helpers import make_plugin
from test_server_helpers import Server, SyncASGITransport, seed_release

pytest_plugins = ["_postgres", "test_hub_helpers"]
server = helpers.server

PLAN = {"title": "t", "tasks": [{"id": "a", "kind": "build", "cost": 100}]}
GOLDEN = {"name": "golden_case_1", "input": {"plan_json": PLAN},
          "expected": {"cost_breakdown": {"build": 100}}}
EDGE = {"name": "edge_case_2", "input": {"plan_json": {"title": "e", "tasks": []}},
        "expected": {"cost_breakdown": {}}}


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(("data", "message"), [
    ({"cases": []}, "neither a case nor a list of cases (its keys: cases)"),
    ([], "the list holds no cases"),
    ([GOLDEN, 3], "case 2 is not a JSON object"),
    ([{"name": "x", "input": {}}], "case 1 ('x') has no expected"),
    ([{**GOLDEN, "note": "?"}], "case 1 ('golden_case_1') has unknown field(s) note"),
    ([{**GOLDEN, "input": [1]}], "case 1 ('golden_case_1'): input must be a JSON object"),
    ([{**GOLDEN, "expected": "x"}], "case 1 ('golden_case_1'): expected must be a JSON object"),
    ([{**GOLDEN, "expected": {}}], "expected is empty, so the case would check nothing"),
    ([{**GOLDEN, "name": 7}], "case 1: name must be a string"),
    ([{**GOLDEN, "name": "../etc"}], "'../etc' is not a usable case name"),
    ([{**GOLDEN, "name": "x" * 101}], "is not a usable case name"),
    ([GOLDEN, EDGE, GOLDEN], "case 3: the name 'golden_case_1' is used twice"),
    ([{**GOLDEN, "input": {"plan_json": _nested(40)}}], "its input nests deeper than 32 levels"),
    ([{**GOLDEN, "input": {"plan_json": list(range(300_000))}}], "the limit is 1,000,000"),
    ([{**GOLDEN, "expected": {"cost_breakdown": {"x": [float("inf")]}}}], "a value JSON cannot represent"),
    ([{**GOLDEN, "input": {1: 2}}], "/input/1/[key]: Input should be a valid string"),
])
def test_a_file_that_is_not_the_format_says_what_to_fix(data: Any, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_cases(data, subject="cases.json")
    assert message in caught.value.message and caught.value.exit_code == 2
    assert "\n" not in caught.value.one_line() and len(caught.value.one_line()) < 300


def test_one_case_or_a_list_is_read() -> None:
    assert [c.name for c in parse_cases(GOLDEN, subject="f")] == ["golden_case_1"]
    assert [c.name for c in parse_cases([GOLDEN, EDGE], subject="f")] == ["golden_case_1", "edge_case_2"]


def _publish(hub: Hub, tmp_path: Path) -> None:
    hub.publish(make_plugin(tmp_path), status=Status.approved, tier=Tier.tier1)  # plan_json → cost_breakdown


def test_without_a_plugin_the_cases_are_kept_with_a_warning(hub: Hub) -> None:
    result = hub.add_benchmark_cases("cost_estimation", parse_cases([GOLDEN, EDGE], subject="f"))
    assert (result.added, result.replaced, result.unchanged) == (["golden_case_1", "edge_case_2"], [], [])
    assert len(result.warnings) == 1 and "ports were not checked" in result.warnings[0]
    assert [(h.kind, h.case.name) for h in hub.held_cases("cost_estimation")] == [
        ("golden", "golden_case_1"), ("golden", "edge_case_2")]


@pytest.mark.parametrize(("case", "message"), [
    ({**GOLDEN, "input": {"tasks": []}}, "its input lacks the port(s) plan_json"),
    ({**GOLDEN, "input": {"plan_json": PLAN, "extra": 1}},
     "its input has port(s) the plugin does not take: extra"),
    ({**GOLDEN, "expected": {"total": 1}}, "its expected names port(s) the plugin does not give: total"),
    ({**GOLDEN, "input": {"plan_json": {"tasks": []}}}, "'plan_json' does not match the port's schema "
                                                         "('title' is a required property)"),
    ({**GOLDEN, "expected": {"cost_breakdown": {"build": "lots"}}}, "'cost_breakdown' does not match"),
])
def test_a_case_that_does_not_fit_the_published_plugins_ports_is_refused(
        hub: Hub, tmp_path: Path, case: dict[str, Any], message: str) -> None:
    _publish(hub, tmp_path)
    with pytest.raises(BadInput) as caught:
        hub.add_benchmark_cases("cost_estimation", parse_cases([EDGE, case], subject="f"))
    assert "does not fit cost_estimation@1.0.0" in caught.value.message and message in caught.value.message
    assert "take plan_json and give cost_breakdown" in (caught.value.hint or "")
    assert hub.held_cases("cost_estimation") == []   # all or nothing: the fitting EDGE is not kept either


def test_names_held_are_replaced_only_when_asked_and_removed_by_name(hub: Hub, tmp_path: Path) -> None:
    _publish(hub, tmp_path)
    cap = "cost_estimation"
    first = hub.add_benchmark_cases(cap, parse_cases([GOLDEN], subject="f"))
    assert first.added == ["golden_case_1"] and first.warnings == []
    same = hub.add_benchmark_cases(cap, parse_cases([GOLDEN], subject="f"))
    assert (same.added, same.replaced, same.unchanged) == ([], [], ["golden_case_1"])
    changed = {**GOLDEN, "expected": {"cost_breakdown": {"build": 99}}}
    with pytest.raises(BadInput, match="already holds different case") as caught:
        hub.add_benchmark_cases(cap, parse_cases([EDGE, changed], subject="f"))
    assert "--replace" in (caught.value.hint or "")
    with pytest.raises(BadInput, match="already holds different case"):  # a new kind is a change too
        hub.add_benchmark_cases(cap, parse_cases([GOLDEN], subject="f"), kind="edge")
    assert [h.case.name for h in hub.held_cases(cap)] == ["golden_case_1"]

    done = hub.add_benchmark_cases(cap, parse_cases([changed, EDGE], subject="f"), kind="edge", replace=True)
    assert (done.added, done.replaced) == (["edge_case_2"], ["golden_case_1"])
    assert [(h.kind, h.case.expected) for h in hub.held_cases(cap)] == [
        ("edge", {"cost_breakdown": {"build": 99}}), ("edge", {"cost_breakdown": {}})]
    hub.remove_benchmark_case(cap, "golden_case_1")
    assert [c.name for c in hub.benchmark_cases(cap)] == ["edge_case_2"]
    with pytest.raises(NotFound, match="no benchmark case 'golden_case_1'"):
        hub.remove_benchmark_case(cap, "golden_case_1")
    with pytest.raises(BadInput, match="not a capability name"):
        hub.add_benchmark_cases("Cost Estimation", [TestCase.model_validate(EDGE)])
    with pytest.raises(BadInput, match="unknown case kind 'holdout'"):
        hub.add_benchmark_cases(cap, [TestCase.model_validate(EDGE)], kind="holdout")


# ---------------------------------------------------------------- the command line, local hub
def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _file(tmp_path: Path, data: Any, name: str = "cases.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_cli_add_list_remove_on_the_local_hub(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["hub", "cases", "add", "cost_estimation", _file(tmp_path, [GOLDEN, EDGE])], capsys)
    assert code == 0, err
    assert out.strip() == "added 2 golden case(s) of cost_estimation: golden_case_1, edge_case_2"
    assert err.startswith("warning: no plugin of 'cost_estimation' is published yet")
    code, out, _ = _run(["hub", "cases", "list", "cost_estimation"], capsys)
    assert code == 0 and [line.split()[:2] for line in out.splitlines()] == [
        ["golden_case_1", "golden"], ["edge_case_2", "golden"]]
    code, out, err = _run(["hub", "cases", "add", "cost_estimation", _file(tmp_path, EDGE), "--kind", "edge",
                           "--replace", "--json"], capsys)
    assert code == 0 and json.loads(out)["replaced"] == ["edge_case_2"], err
    code, out, _ = _run(["hub", "cases", "list", "cost_estimation", "--json"], capsys)
    assert [(c["name"], c["kind"]) for c in json.loads(out)] == [("golden_case_1", "golden"),
                                                                 ("edge_case_2", "edge")]
    code, out, _ = _run(["hub", "cases", "remove", "cost_estimation", "golden_case_1"], capsys)
    assert code == 0 and "removed golden_case_1" in out
    with Hub.open() as hub:
        assert [c.name for c in hub.benchmark_cases("cost_estimation")] == ["edge_case_2"]


@pytest.mark.parametrize(("args", "message"), [
    (["hub", "cases", "add", "cost_estimation", "{file}", "--kind", "holdout"],
     "unknown case kind 'holdout'"),
    (["hub", "cases", "add", "Cost", "{file}"], "'Cost' is not a capability name"),
    (["hub", "cases", "add", "cost_estimation", "{missing}"], "cases file not found"),
    (["hub", "cases", "add", "cost_estimation", "{bad}"], "case 1 ('golden_case_1'): input must be a JSON"),
    (["hub", "cases", "remove", "cost_estimation", "nothing"], "no benchmark case 'nothing'"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              args: list[str], message: str) -> None:
    paths = {"file": _file(tmp_path, [GOLDEN]), "missing": str(tmp_path / "none.json"),
             "bad": _file(tmp_path, [{**GOLDEN, "input": "plan"}], "bad.json")}
    code, out, err = _run([a.format(**paths) for a in args], capsys)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith("error: ") and message in lines[0]
    assert len(lines) <= 2 and "Traceback" not in err


# ---------------------------------------------------------------- a hub server: reviewers and admins
TOTAL_CASE = {"name": "golden_case_1",
              "input": {"plan_json": {"title": "p", "tasks": [{"id": "a", "cost": 2}]}},
              "expected": {"total": 2.0}}


def _remote(server: Server, who: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import plugsmith.cli._common as common

    monkeypatch.setattr(common, "open_hub", lambda: RemoteHub(
        "http://hub.test", token=server.tokens[who], transport=SyncASGITransport(server.app)))


def test_cli_over_a_hub_server_keeps_the_reviewer_rule(server: Server, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    seed_release(server, helpers.make_plugin(tmp_path))        # cost_total: plan_json -> total
    cases = _file(tmp_path, [TOTAL_CASE])
    _remote(server, "publisher", monkeypatch)
    code, _, err = _run(["hub", "cases", "add", "cost_total", cases], capsys)
    assert code == 1 and "needs a reviewer token" in err
    assert server.hub.benchmark_cases("cost_total") == []

    _remote(server, "reviewer", monkeypatch)
    code, out, err = _run(["hub", "cases", "add", "cost_total", cases, "--kind", "regression"], capsys)
    assert code == 0 and "added 1 regression case(s) of cost_total" in out and err == ""
    assert [(h.kind, h.case.name) for h in server.hub.held_cases("cost_total")] == [
        ("regression", "golden_case_1")]
    code, _, err = _run(["hub", "cases", "add", "cost_total", _file(tmp_path, GOLDEN, "other.json")], capsys)
    assert code == 2 and "does not fit cost_total@1.0.0" in err and "lacks" not in err
    code, out, _ = _run(["hub", "cases", "list", "cost_total", "--json"], capsys)
    assert json.loads(out) == [{"kind": "regression", **TOTAL_CASE}]

    _remote(server, "publisher", monkeypatch)
    code, _, err = _run(["hub", "cases", "remove", "cost_total", "golden_case_1"], capsys)
    assert code == 1 and "needs a reviewer token" in err
    _remote(server, "admin", monkeypatch)
    code, _, err = _run(["hub", "cases", "remove", "cost_total", "golden_case_1"], capsys)
    assert code == 0, err
    assert server.hub.benchmark_cases("cost_total") == []


def test_the_api_checks_the_body_and_the_token(server: Server) -> None:
    url = "/api/v1/capabilities/cost_total/benchmark-cases"
    assert server.client.post(url, json={"cases": [TOTAL_CASE]}).status_code == 401
    bad = server.client.post(url, json={"cases": [{**TOTAL_CASE, "name": "a b"}]},
                             headers=server.auth("admin"))
    assert bad.status_code == 400 and "'a b' is not a usable case name" in bad.json()["error"]["message"]
    ok = server.client.post(url, json={"cases": [TOTAL_CASE], "kind": "edge"},
                            headers=server.auth("reviewer"))
    assert ok.status_code == 200 and ok.json()["added"] == ["golden_case_1"]
    assert "ports were not checked" in ok.json()["warnings"][0]
    assert server.client.get(url).json() == [TOTAL_CASE]     # the plain read is unchanged for old clients
    gone = server.client.delete(f"{url}/golden_case_1", headers=server.auth("reviewer"))
    assert gone.status_code == 200 and server.hub.benchmark_cases("cost_total") == []
    assert server.client.delete(f"{url}/golden_case_1", headers=server.auth("reviewer")).status_code == 404
