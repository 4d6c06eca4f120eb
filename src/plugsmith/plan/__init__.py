"""The plan document: load (JSON, YAML or a PlanExe run directory), validate, and extract requirements.

    >>> from plugsmith.plan import validate_plan
    >>> validate_plan({"title": "t", "tasks": [{"id": "a", "depends_on": ["b"]}]}, "x.json")
    Traceback (most recent call last):
    plugsmith.errors.PlanError: /tasks/0/depends_on/0: task 'a' depends on unknown task id 'b'
"""

from plugsmith.plan._catalog import (
    CATALOG_FILE,
    DEFAULT_KINDS,
    Catalog,
    builtin_catalog,
    load_catalog,
    read_catalog,
)
from plugsmith.plan._graph import find_cycle, topological_order
from plugsmith.plan._load import load_plan, validate_plan
from plugsmith.plan._requirements import Requirement, extract_requirements, unmapped_kinds
from plugsmith.plan._specs import parse_spec_cached

__all__ = [
    "CATALOG_FILE",
    "DEFAULT_KINDS",
    "Catalog",
    "Requirement",
    "builtin_catalog",
    "extract_requirements",
    "find_cycle",
    "load_catalog",
    "load_plan",
    "parse_spec_cached",
    "read_catalog",
    "topological_order",
    "unmapped_kinds",
    "validate_plan",
]
