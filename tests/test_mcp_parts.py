"""The MCP edge's parts in-process: schemas, pointers, the policy's [mcp] table, the catalog, the caller."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from plugsmith.cli import main
from plugsmith.errors import BadInput, ConfigError
from plugsmith.governance import Gatekeeper, Policy, read_audit
from plugsmith.hub import Hub
from plugsmith.mcp import Caller, Catalog, Filters, parse_tier, ports_schema
from plugsmith.mcp._resources import read_resource
from plugsmith.mcp._schema import pointer, problem, size_problem, validator
from plugsmith.sandbox import get_sandbox
from plugsmith.spec import Status, Tier
from plugsmith.spec._ports import port_catalog
from test_mcp_helpers import MEAN_CODE, publish, write_policy


@pytest.fixture
def hub(plugsmith_home: Path) -> Any:
    opened = Hub.open()
    yield opened
    opened.close()


def test_plan_ports_become_a_self_contained_schema() -> None:
    schema = ports_schema({"plan_json": port_catalog()["plan_json"], "tasks": port_catalog()["tasks"]})
    assert schema["required"] == ["plan_json", "tasks"] and schema["additionalProperties"] is False
    assert "Task" in schema["$defs"] and "$id" not in schema["properties"]["plan_json"]
    check = validator(schema)
    plan = {"title": "t", "tasks": [{"id": "a", "cost": 5}]}
    assert problem(check, {"plan_json": plan, "tasks": plan["tasks"]}, "argument") is None
    bad = problem(check, {"plan_json": {"title": "t", "tasks": [{"id": 3}]}, "tasks": []}, "argument")
    assert bad is not None and bad.startswith("argument /plan_json/tasks/0/id: ")


def test_pointers_name_the_missing_or_unexpected_property() -> None:
    check = validator(ports_schema({"a/b": {"type": "number"}, "c": {}}))
    assert problem(check, {"c": 1}, "argument") == "argument /a~1b: 'a/b' is a required property"
    assert problem(check, {"a/b": 1, "c": 1, "d~": 2}, "argument").startswith("argument /d~0: ")
    assert pointer(["x", 0]) == "/x/0" and pointer([]) == ""


def test_arguments_beyond_the_limit_or_not_json_are_refused() -> None:
    assert size_problem({"x": "y" * 100}, limit=1000) is None
    assert "limit is 100" in (size_problem({"x": "y" * 100}, limit=100) or "")
    assert "not JSON" in (size_problem({"x": float("nan")}) or "")


def test_policy_mcp_table(plugsmith_home: Path) -> None:
    default = Policy()
    assert default.mcp_synthesis is False and default.mcp_tiers == {Tier.tier0, Tier.tier1}
    write_policy(plugsmith_home, '[mcp]\nallow_synthesis = true\ntiers = ["Tier 2"]\n')
    loaded = Policy.load()
    assert loaded.mcp_synthesis is True and loaded.mcp_tiers == {Tier.tier2}


@pytest.mark.parametrize("text", ["[mcp]\nallow_synthesis = 1\n", '[mcp]\ntiers = ["Tier 9"]\n',
                                  "[mcp]\ncolour = 1\n", "mcp = 3\n"])
def test_bad_mcp_policy_is_a_config_error(plugsmith_home: Path, text: str) -> None:
    write_policy(plugsmith_home, text)
    with pytest.raises(ConfigError):
        Policy.load()


def test_tiers_parse_like_the_hub_commands() -> None:
    assert parse_tier("1") == parse_tier("Tier 1") == parse_tier("tier1") == Tier.tier1
    with pytest.raises(BadInput):
        parse_tier("7")


def test_catalog_filters_tiers_and_the_reserved_name(hub: Hub, tmp_path: Path) -> None:
    publish(hub, tmp_path, "a_mean", MEAN_CODE, capability="average", keywords=["Stats"])
    publish(hub, tmp_path, "b_mean", MEAN_CODE, capability="spread", tier=Tier.tier0)
    publish(hub, tmp_path, "c_mean", MEAN_CODE, capability="guess", tier=Tier.tier2)
    publish(hub, tmp_path, "request_capability", MEAN_CODE, capability="sneaky")
    warned: list[str] = []
    keeper = Gatekeeper(hub)

    def offered(filters: Filters | None = None, policy: Policy | None = None) -> set[str]:
        catalog = Catalog(hub, Gatekeeper(hub, policy) if policy else keeper, filters, warned.append)
        catalog.refresh(force=True)
        return set(catalog.offers)

    assert offered() == {"a_mean", "b_mean"}   # Tier 2 is not served by default; the reserved name never
    assert warned and "request_capability@1.0.0" in warned[0]
    assert offered(policy=Policy(mcp_tiers={Tier.tier2})) == {"c_mean"}
    assert offered(policy=Policy(mcp_tiers={Tier.tier2}, allowed_tiers={Tier.tier1})) == set()
    assert offered(Filters(tags=frozenset({"stats"}))) == {"a_mean"}
    assert offered(Filters(tiers=frozenset({Tier.tier0}))) == {"b_mean"}
    assert offered(Filters(capabilities=frozenset({"average", "guess"}))) == {"a_mean"}


def test_catalog_serves_the_best_ranked_release_and_follows_the_hub(hub: Hub, tmp_path: Path) -> None:
    good = publish(hub, tmp_path, "good", MEAN_CODE, capability="average")
    flaky = publish(hub, tmp_path, "flaky", MEAN_CODE, capability="average")
    for _ in range(4):
        hub.record_event("failure", capability="average", plugin_id=flaky.plugin_id, outcome="failed")
        hub.record_event("use", capability="average", plugin_id=good.plugin_id)
    catalog = Catalog(hub, Gatekeeper(hub))
    assert catalog.refresh() is True and set(catalog.offers) == {"good"}
    assert catalog.refresh() is False  # nothing changed in the hub
    newer = publish(hub, tmp_path, "good", MEAN_CODE + "\n# v2\n", capability="average", version="1.1.0")
    assert catalog.refresh() is True and catalog.offers["good"].release.ref == newer.ref
    hub.set_status(newer.ref, Status.quarantined)
    hub.set_status(good.ref, Status.yanked)
    assert catalog.refresh() is True and set(catalog.offers) == {"flaky"}


def test_caller_refuses_a_release_quarantined_after_it_was_offered(hub: Hub, tmp_path: Path) -> None:
    release = publish(hub, tmp_path, "mean", MEAN_CODE)
    catalog = Catalog(hub, Gatekeeper(hub))
    catalog.refresh()
    caller = Caller(hub, catalog.keeper, get_sandbox("rlimit"))
    offer = catalog.offers["mean"]
    assert caller.call(offer, {"xs": [2, 4]}).output == {"mean": 3.0}
    hub.set_status(release.ref, Status.quarantined, reason="kill switch")
    refused = caller.call(offer, {"xs": [2, 4]})
    assert not refused.ok and refused.stale and "quarantined" in (refused.error or "")
    assert [r["allowed"] for r in read_audit() if r.get("action") == "load"][-1] is False


def test_output_that_breaks_the_output_ports_is_a_tool_error(hub: Hub, tmp_path: Path) -> None:
    publish(hub, tmp_path, "liar", "def run(inputs):\n    return {'mean': 'not a number'}\n")
    catalog = Catalog(hub, Gatekeeper(hub))
    catalog.refresh()
    done = Caller(hub, catalog.keeper, get_sandbox("rlimit")).call(catalog.offers["liar"], {"xs": [1]})
    assert not done.ok and done.error == ("the plugin's output breaks its schema: output /mean: "
                                          "'not a number' is not of type 'number'")
    assert [e["outcome"] for e in hub.events("failure")] == ["failed"]


def test_resources_only_for_offered_releases(hub: Hub, tmp_path: Path) -> None:
    publish(hub, tmp_path, "mean", MEAN_CODE)
    catalog = Catalog(hub, Gatekeeper(hub))
    catalog.refresh()
    readme = read_resource(hub, catalog.offers, "plugsmith://plugin/mean@1.0.0/README.md")
    assert readme.contents[0].text == "# mean\n"
    for uri in ("plugsmith://plugin/mean@2.0.0/README.md", "plugsmith://plugin/mean@1.0.0/plugin.json",
                "file:///etc/passwd", "plugsmith://plugin/other@1.0.0/plugin.py"):
        with pytest.raises(MCPError):
            read_resource(hub, catalog.offers, uri)


BAD_OPTIONS = [(["--http", "nowhere"], "--http"), (["--tier", "7"], "--tier"),
               (["--http", "h:99999"], "--http"), (["--backend", "x"], "backend")]


@pytest.mark.parametrize("args, fragment", BAD_OPTIONS)
def test_bad_options_are_one_line_exit_2(args: list[str], fragment: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["mcp", *args])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and fragment in err.splitlines()[0] and "Traceback" not in err


@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_an_edited_checkout_is_never_run(hub: Hub, tmp_path: Path, backend: str) -> None:
    from plugsmith.sandbox._warm import WarmPool

    release = publish(hub, tmp_path, "mean", MEAN_CODE)
    catalog = Catalog(hub, Gatekeeper(hub))
    catalog.refresh()
    pool = WarmPool(backend)
    caller = Caller(hub, catalog.keeper, get_sandbox(backend), pool)
    try:
        assert caller.call(catalog.offers["mean"], {"xs": [1, 3]}).output == {"mean": 2.0}
        checkout = hub.checkout(release)
        checkout.chmod(0o755)
        (checkout / "plugin.py").chmod(0o644)
        (checkout / "plugin.py").write_text("def run(inputs):\n    return {'mean': 666}\n")
        assert caller.call(catalog.offers["mean"], {"xs": [1, 3]}).output == {"mean": 2.0}
        assert (hub.checkout(release) / "plugin.py").read_text() == MEAN_CODE
    finally:
        pool.close()
