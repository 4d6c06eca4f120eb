"""Running untrusted plugin code: one small interface, two backends.

``get_sandbox()`` picks bubblewrap where it works (namespaces, read-only runtime, private tmpfs, seccomp,
rlimits) and otherwise the weaker rlimit fallback; ``detect()`` says which and why. A batch of N inputs
runs in one sandboxed process::

    from plugsmith.sandbox import Limits, get_sandbox
    outcome = get_sandbox().run(plugin_dir, [{"plan_json": plan}], Limits(wall_s=5))
    if outcome.completed: print(outcome.runs[0].output)
    else: print(outcome.reason)   # timeout | memory | output_too_large | crashed | load_error | protocol
"""

from plugsmith.sandbox._bwrap import BwrapSandbox
from plugsmith.sandbox._detect import BACKENDS, detect, get_sandbox
from plugsmith.sandbox._model import REASONS, CaseRun, Limits, Sandbox, SandboxOutcome
from plugsmith.sandbox._rlimit import RlimitSandbox

__all__ = [
    "BACKENDS",
    "REASONS",
    "BwrapSandbox",
    "CaseRun",
    "Limits",
    "RlimitSandbox",
    "Sandbox",
    "SandboxOutcome",
    "detect",
    "get_sandbox",
]
