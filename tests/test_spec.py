from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugsmith.errors import SpecError
from plugsmith.spec import CapabilitySpec, PluginManifest, load_spec, parse_spec, plugin_id_for

SEED = {
    "name": "cost_estimation",
    "inputs": ["plan_json"],
    "outputs": ["cost_breakdown"],
    "constraints": ["deterministic", "schema_validated"],
    "tests": ["golden_case_1", "edge_case_2"],
}


def test_seed_template_accepted_as_written() -> None:
    spec = parse_spec(SEED)
    assert list(spec.inputs) == ["plan_json"]
    assert spec.inputs["plan_json"]["$id"] == "plugsmith:plan"
    assert spec.outputs["cost_breakdown"]["type"] == "object"
    assert spec.missing_cases == ["golden_case_1", "edge_case_2"]


def test_rich_form_with_ref_and_inline_cases() -> None:
    spec = parse_spec({
        "name": "cost_estimation",
        "inputs": {"plan_json": {"$ref": "plugsmith:plan"}},
        "outputs": {"cost_breakdown": {"type": "object", "additionalProperties": {"type": "number"}}},
        "constraints": ["deterministic"],
        "tests": [{"name": "g1", "input": {"plan_json": {"tasks": []}}, "expected": {"cost_breakdown": {}}}],
    })
    assert spec.inputs["plan_json"]["$id"] == "plugsmith:plan"
    assert [c.name for c in spec.cases] == ["g1"]


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"constraints": ["deterministic", "telepathic"]}, "unknown constraint"),
        ({"outputs": {"x": {"type": "nonsense"}}}, "not valid JSON Schema"),
        ({"outputs": []}, "at least one output"),
        ({"name": "Bad Name"}, "/name"),
        ({"colour": "red"}, "/colour"),
    ],
)
def test_malformed_specs_are_clear_errors(patch: dict, needle: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(SEED | patch)
    assert needle in info.value.one_line()
    assert info.value.exit_code == 2


def test_named_cases_resolved_beside_the_spec(tmp_path: Path) -> None:
    (tmp_path / "cost.json").write_text(json.dumps(SEED))
    (tmp_path / "cost.cases.json").write_text(json.dumps([
        {"name": "golden_case_1", "input": {"plan_json": {}}, "expected": {"cost_breakdown": {}}},
    ]))
    spec = load_spec(tmp_path / "cost.json")
    assert [c.name for c in spec.cases] == ["golden_case_1"]
    assert spec.missing_cases == ["edge_case_2"]


def test_spec_hash_is_stable_and_content_sensitive() -> None:
    assert parse_spec(SEED).spec_hash() == parse_spec(dict(SEED)).spec_hash()
    assert parse_spec(SEED).spec_hash() != parse_spec(SEED | {"description": "x"}).spec_hash()


def test_manifest_id_is_derived_from_name_and_checked() -> None:
    m = PluginManifest(name="cost_rollup", capability="cost_estimation", origin="builtin", outputs=["r"])
    assert m.id == plugin_id_for("cost_rollup")
    with pytest.raises(ValueError):
        PluginManifest(name="cost_rollup", id="plug_0000000000", capability="c", origin="builtin",
                       outputs=["r"])


def test_capability_spec_schema_is_printable() -> None:
    schema = CapabilitySpec.model_json_schema()
    assert "name" in schema["properties"]


@pytest.mark.parametrize("name", ["result\n", "Result", "a-b", "ｒesult", "", "x" * 65])
def test_a_port_name_with_a_trailing_newline_or_other_spelling_is_refused(name: str) -> None:
    """``$`` in NAME_PATTERN also matches before a final newline: port names are matched whole."""
    from plugsmith.spec import PluginManifest, is_name

    assert not is_name(name)
    with pytest.raises(ValueError):
        PluginManifest.model_validate({"name": "p", "capability": "p", "version": "1.0.0", "description": "x",
                                       "inputs": {name: {}}, "outputs": {"result": {}},
                                       "origin": "handwritten"})
