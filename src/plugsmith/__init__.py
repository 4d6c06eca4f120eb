"""plugsmith: a plan pipeline that forges the plugins it is missing.

The package is laid out after the architecture in DESIGN.md: ``spec`` (models), ``plan`` (the plan
document), ``hub`` (registry), ``sandbox`` (running untrusted code), ``gates`` (validation and trust
tiers), ``synth`` (synthesis strategies), ``governance`` (runtime loading policy), ``pipeline`` (the Luigi
plan pipeline), ``planexe`` (interop with PlanExe), ``cli`` and ``server``.

Importing ``plugsmith`` is cheap on purpose: the command line must start in well under 0.3 s, so nothing
heavy is imported here.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
