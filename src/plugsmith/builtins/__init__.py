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
core_pert_schedule     pert_schedule        pert {tasks, critical_path, expected, P50/P80/P95}
core_schedule_simul…   schedule_simulation  simulation {P50/P80/P95, phase_criticality, …}
core_resource_demand   resource_demand      resource_demand {period_days, roles: {series, peak}}
=====================  ===================  =============================================

The last three fit PlanExe plans (three-point estimates, roles without hours, no costs): a seeded
Monte Carlo of the project duration, a PERT schedule and the demand per role over time.
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
