"""Parsing capability specs once per process.

Validating a spec checks every port schema against the JSON Schema meta-schema; for the ``plan_json``
port that is the whole plan schema and costs tens of milliseconds. A run parses the same few specs in
several stages, so validated specs are remembered by their canonical JSON.
"""

from __future__ import annotations

import json
from typing import Any

from plugsmith.spec import CapabilitySpec

_MEMO: dict[str, CapabilitySpec] = {}
_LIMIT = 512


def parse_spec_cached(raw: dict[str, Any]) -> CapabilitySpec:
    """``CapabilitySpec.model_validate(raw)``, remembered; raises pydantic's ``ValidationError``."""
    key = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    spec = _MEMO.get(key)
    if spec is None:
        spec = CapabilitySpec.model_validate(raw)
        if len(_MEMO) >= _LIMIT:
            _MEMO.clear()
        _MEMO[key] = spec
    return spec


__all__ = ["parse_spec_cached"]
