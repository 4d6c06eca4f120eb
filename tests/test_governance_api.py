"""The public surfaces of sandbox, gates and governance: every exported name exists and says why."""

from __future__ import annotations

import importlib
import inspect

import pytest


@pytest.mark.parametrize("package", ["plugsmith.sandbox", "plugsmith.gates", "plugsmith.governance"])
def test_exports_exist_and_are_documented(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__doc__ and len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{package}.{name} has no docstring"


def test_internals_contract_names() -> None:
    from plugsmith import gates, governance, sandbox

    for name in ("Limits", "CaseRun", "SandboxOutcome", "Sandbox", "get_sandbox", "detect"):
        assert hasattr(sandbox, name)
    for name in ("validate", "run_cases", "CaseCheck"):
        assert hasattr(gates, name)
    for name in ("Policy", "Decision", "Gatekeeper"):
        assert hasattr(governance, name)
    assert list(inspect.signature(sandbox.BwrapSandbox.run).parameters) == ["self", "plugin_dir", "inputs",
                                                                             "limits"]
    assert list(inspect.signature(gates.validate).parameters) == ["plugin_dir", "spec", "hub", "sandbox"]
