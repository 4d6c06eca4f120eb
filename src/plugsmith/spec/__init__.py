"""Frozen data models shared by every package: specs, manifests, reports, the plan document.

Nothing here does I/O except ``load_spec``/``load_manifest`` (in ``_load``), which read files and turn
validation errors into one-line ``BadInput`` errors.
"""

from pydantic import BaseModel

from plugsmith.spec._capability import (
    MAX_CASE_CHARS,
    MAX_CASE_DEPTH,
    NAME_PATTERN,
    CapabilitySpec,
    Constraint,
    TestCase,
    is_name,
)
from plugsmith.spec._load import (
    MAX_DEPTH,
    format_validation_error,
    load_manifest,
    load_spec,
    nesting_depth,
    parse_document,
    parse_spec,
    read_document,
)
from plugsmith.spec._manifest import (
    CASES_FILE,
    CODE_FILE,
    MANIFEST_FILE,
    README_FILE,
    Origin,
    Permission,
    PluginManifest,
    Status,
    Tier,
    plugin_id_for,
)
from plugsmith.spec._plan import Phase, Plan, Resource, Risk, Task, plan_schema
from plugsmith.spec._ports import (
    OFFLINE,
    JsonSchema,
    port_catalog,
    port_validator,
    ref_problem,
    remote_ref,
    resolve_port,
)
from plugsmith.spec._reports import GateReport, GateResult, GateStatus, Outcome, SynthesisRequest

SCHEMAS: dict[str, type[BaseModel]] = {
    "spec": CapabilitySpec,
    "manifest": PluginManifest,
    "gate-report": GateReport,
    "outcome": Outcome,
    "synthesis-request": SynthesisRequest,
    "plan": Plan,
    "test-case": TestCase,
}

__all__ = [
    "CASES_FILE",
    "MAX_CASE_CHARS",
    "MAX_CASE_DEPTH",
    "MAX_DEPTH",
    "OFFLINE",
    "CODE_FILE",
    "MANIFEST_FILE",
    "NAME_PATTERN",
    "README_FILE",
    "SCHEMAS",
    "CapabilitySpec",
    "Constraint",
    "GateReport",
    "GateResult",
    "GateStatus",
    "JsonSchema",
    "Origin",
    "Outcome",
    "Permission",
    "Phase",
    "Plan",
    "PluginManifest",
    "Resource",
    "Risk",
    "Status",
    "SynthesisRequest",
    "Task",
    "TestCase",
    "Tier",
    "format_validation_error",
    "is_name",
    "load_manifest",
    "load_spec",
    "nesting_depth",
    "parse_document",
    "parse_spec",
    "plan_schema",
    "plugin_id_for",
    "port_catalog",
    "port_validator",
    "read_document",
    "ref_problem",
    "remote_ref",
    "resolve_port",
]
