"""The public surface of plan, builtins and pipeline: every exported name exists and says what it is for."""

from __future__ import annotations

import importlib
import inspect

import pytest

PACKAGES = ["plugsmith.plan", "plugsmith.builtins", "plugsmith.pipeline", "plugsmith.pipeline.metrics"]


@pytest.mark.parametrize("package", PACKAGES)
def test_exported_names_exist_and_are_documented(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__doc__, f"{package} needs a module docstring"
    exported = list(module.__all__)
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n)), "keep __all__ sorted"
    for name in exported:
        obj = getattr(module, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{package}.{name} has no docstring"


def test_internal_interfaces_match_the_documented_signatures() -> None:
    """docs/internals.md names these; the pipeline and the hub server code against them."""
    from plugsmith.builtins import install_builtins
    from plugsmith.pipeline import run_plan_pipeline
    from plugsmith.plan import extract_requirements, load_plan, validate_plan

    assert list(inspect.signature(load_plan).parameters) == ["path"]
    assert list(inspect.signature(validate_plan).parameters) == ["data", "source"]
    assert list(inspect.signature(extract_requirements).parameters)[:2] == ["plan", "stage_specs"]
    assert list(inspect.signature(install_builtins).parameters) == ["hub", "sandbox"]
    params = inspect.signature(run_plan_pipeline).parameters
    assert list(params)[:2] == ["plan_path", "out_dir"]
    assert {"db", "workers", "scheduler_url", "synthesize", "progress"} <= set(params)
