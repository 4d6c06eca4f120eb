"""Validation gates and the trust-tier policy.

``validate(dir)`` runs, in order: manifest, security (bandit + our AST policy), lint (ruff), contract (all
cases in one sandboxed process), determinism, benchmark (the hub's cases), size — and assigns a tier by
the written policy in docs/trust-tiers.md::

    from plugsmith.gates import validate
    report = validate(Path("my_plugin"))
    report.verdict, report.tier, [(g.name, g.status) for g in report.gates]

Gates are registered with ``@gate(name, order)``; the built-ins are registered the same way.
"""

from plugsmith.gates._ast_policy import ALLOWED_MODULES, Finding, check_source
from plugsmith.gates._dynamic import CaseCheck, diff_values, run_cases, schema_errors
from plugsmith.gates._registry import GATES, Gate, GateContext, gate
from plugsmith.gates._tiers import VETTED_ORIGINS, assign_tier
from plugsmith.gates._validate import STATIC_GATES, static_checks, validate

__all__ = [
    "ALLOWED_MODULES",
    "GATES",
    "STATIC_GATES",
    "VETTED_ORIGINS",
    "CaseCheck",
    "Finding",
    "Gate",
    "GateContext",
    "assign_tier",
    "check_source",
    "diff_values",
    "gate",
    "run_cases",
    "schema_errors",
    "static_checks",
    "validate",
]
