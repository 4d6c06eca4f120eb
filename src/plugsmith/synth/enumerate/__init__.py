"""Offline, deterministic program synthesis from input/output examples (the ``enumerate`` strategy).

``synthesize_program(cases, inputs, outputs)`` searches a typed DSL over JSON data bottom-up, smallest
program first, pruning expressions that behave identically on the examples, and returns a ``Program``
whose ``to_python()`` is a readable, self-contained ``plugin.py``::

    program = synthesize_program(spec.cases, spec.inputs, spec.outputs, budget_s=20)
    if program is not None:
        (plugin_dir / "plugin.py").write_text(program.to_python())

The DSL is documented in ``docs/synthesis-dsl.md``.
"""

from plugsmith.synth.enumerate._dsl import DSLError, Node
from plugsmith.synth.enumerate._program import Program
from plugsmith.synth.enumerate._session import SynthesisSession
from plugsmith.synth.enumerate._synthesize import allowed_constants, open_session, synthesize_program

__all__ = ["DSLError", "Node", "Program", "SynthesisSession", "allowed_constants", "open_session",
           "synthesize_program"]
