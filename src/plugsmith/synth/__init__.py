"""Synthesis: from a capability gap to a gated, published plugin.

``synthesize(spec, hub)`` checks the hub for an adequate plugin first, then tries the registered
strategies cheapest first (``adapt``, ``enumerate``, ``llm``), gates every candidate and publishes the
first one that passes. Strategies are registered like hook implementations (see ``_strategy``).
"""

from plugsmith.synth._adapt import AdaptStrategy
from plugsmith.synth._cases import GENERATED_PREFIX, EdgeInput, edge_inputs, split_cases
from plugsmith.synth._enumerate_strategy import EnumerateStrategy
from plugsmith.synth._flow import check_cases, synthesize
from plugsmith.synth._llm import LLMStrategy, extract_code
from plugsmith.synth._portmap import UNIT_FACTORS, PortMap
from plugsmith.synth._render import PluginDraft, render_plugin
from plugsmith.synth._strategy import (
    Candidate,
    Strategy,
    StrategyRegistry,
    SynthContext,
    Verdict,
    register,
    registry,
)

__all__ = [
    "GENERATED_PREFIX",
    "UNIT_FACTORS",
    "AdaptStrategy",
    "Candidate",
    "EdgeInput",
    "EnumerateStrategy",
    "LLMStrategy",
    "PluginDraft",
    "PortMap",
    "Strategy",
    "StrategyRegistry",
    "SynthContext",
    "Verdict",
    "check_cases",
    "edge_inputs",
    "extract_code",
    "register",
    "registry",
    "render_plugin",
    "split_cases",
    "synthesize",
]
