"""Built-in plugins for the planning staples, shipped as ordinary plugin directories.

They go through the same gates as any synthesized plugin and are published with origin ``builtin``
(Tier 0)::

    from plugsmith.builtins import install_builtins
    releases = install_builtins(hub)       # idempotent

=====================  ===================  =============================================
plugin                 capability           output port
=====================  ===================  =============================================
core_cost_rollup       cost_estimation      cost_breakdown {kind: cost}
core_labour_cost       labour_cost          labour_cost {role: cost}
core_schedule          critical_path        schedule {tasks, critical_path, duration}
core_risk_matrix       risk_matrix          risk_matrix {matrix 5x5, bands, top_risks}
core_resource_load     resource_load        resource_load {by_role, by_owner}
core_budget_check      budget_check         budget_check {total, budget, variance, status}
=====================  ===================  =============================================
"""

from plugsmith.builtins._install import install_builtins, install_one, missing_builtins
from plugsmith.builtins._registry import NAMES, ROOT, builtin_dirs, builtin_spec, builtin_specs, spec_for

__all__ = [
    "NAMES",
    "ROOT",
    "builtin_dirs",
    "builtin_spec",
    "builtin_specs",
    "install_builtins",
    "install_one",
    "missing_builtins",
    "spec_for",
]
