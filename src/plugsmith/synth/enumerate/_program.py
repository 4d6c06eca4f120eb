"""``Program``: the synthesizer's result — one DSL expression per output port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugsmith.synth.enumerate._describe import describe as describe_node
from plugsmith.synth.enumerate._dsl import Node, evaluate
from plugsmith.synth.enumerate._emit import emit_plugin


@dataclass(frozen=True)
class Program:
    """A synthesized program. Frozen: the same program always yields the same source.

    ``ports`` holds (output port, DSL node) pairs sorted by port name; ``inputs`` the input ports.
    """

    ports: tuple[tuple[str, Node], ...]
    inputs: tuple[str, ...]
    title: str = ""

    @property
    def size(self) -> int:
        """Number of DSL nodes over all output ports (the measure the search minimises)."""
        return sum(node.size for _, node in self.ports)

    def to_python(self) -> str:
        """The complete ``plugin.py``: readable, commented, defines ``run(inputs) -> dict``."""
        return emit_plugin(dict(self.ports), list(self.inputs), self.title)

    def describe(self) -> str:
        """The DSL program as text, one ``port = expression`` line per output port (for provenance)."""
        return "\n".join(f"{port} = {describe_node(node)}" for port, node in self.ports)

    def evaluate(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Run the program with the trusted DSL interpreter; raises DSLError when it does not apply."""
        env = {name: inputs.get(name) for name in self.inputs}
        return {port: evaluate(node, env) for port, node in self.ports}


__all__ = ["Program"]
