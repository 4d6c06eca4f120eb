"""Synthesis: from a capability gap to a gated, published plugin.

``synthesize(spec, hub)`` checks the hub for an adequate plugin first, then tries the registered
strategies cheapest first (``adapt``, ``enumerate``, ``llm``), gates every candidate and publishes the
first one that passes. Strategies are registered like hook implementations (see ``_strategy``).
"""
