"""Ordinary pure plugins (statistics, dates, regex, math, dataclasses, json) pass every gate as Tier 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugsmith.gates import assign_tier, validate
from plugsmith.spec import Tier, load_manifest
from test_sandbox_helpers import make_plugin

BENIGN = {
    "stats": ('''
"""Spread of durations."""
import statistics


def run(inputs: dict) -> dict:
    xs = inputs["xs"]
    return {"result": {"median": statistics.median(xs), "stdev": round(statistics.pstdev(xs), 6)}}
''', [({"xs": [1, 2, 3, 4]}, {"median": 2.5, "stdev": 1.118034}),
      ({"xs": [5]}, {"median": 5, "stdev": 0.0})]),
    "dates": ('''
"""End date of a task."""
from datetime import date, timedelta


def run(inputs: dict) -> dict:
    start = date.fromisoformat(inputs["xs"][0])
    return {"result": (start + timedelta(days=inputs["xs"][1])).isoformat()}
''', [({"xs": ["2024-02-27", 3]}, "2024-03-01"), ({"xs": ["2023-12-31", 1]}, "2024-01-01")]),
    "regex": ('''
"""Ticket ids mentioned in notes."""
import re

TICKET = re.compile(r"\\b([A-Z]+-\\d+)\\b")


def run(inputs: dict) -> dict:
    return {"result": sorted({m for note in inputs["xs"] for m in TICKET.findall(note)})}
''', [({"xs": ["fix ABC-1 and XY-22", "see ABC-1"]}, ["ABC-1", "XY-22"]), ({"xs": []}, [])]),
    "maths": ('''
"""Compound growth."""
import math


def run(inputs: dict) -> dict:
    rate, years = inputs["xs"]
    return {"result": round(math.exp(years * math.log1p(rate)), 9)}
''', [({"xs": [0.1, 2]}, 1.21), ({"xs": [0.0, 5]}, 1.0)]),
    "records": ('''
"""Tasks as records, cheapest first."""
from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Item:
    cost: float
    name: str


def run(inputs: dict) -> dict:
    items = sorted(Item(float(c), n) for n, c in inputs["xs"])
    return {"result": [asdict(i) for i in items]}
''', [({"xs": [["b", 2], ["a", 1]]}, [{"cost": 1.0, "name": "a"}, {"cost": 2.0, "name": "b"}])]),
    "jsonish": ('''
"""Canonical JSON of a document."""
import json


def run(inputs: dict) -> dict:
    return {"result": json.dumps(json.loads(inputs["xs"][0]), sort_keys=True, separators=(",", ":"))}
''', [({"xs": ['{"b": 1, "a": [true, null]}']}, '{"a":[true,null],"b":1}')]),
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_benign_plugin_is_approved_tier1(name: str, tmp_path: Path) -> None:
    code, examples = BENIGN[name]
    cases = [{"name": f"case{i}", "input": inp, "expected": {"result": out}}
             for i, (inp, out) in enumerate(examples)]
    plugin = make_plugin(tmp_path / name, code, name=name, cases=cases)
    report = validate(plugin)
    statuses = {g.name: (g.status.value, g.message) for g in report.gates}
    # a bare directory's claimed origin raises no tier (#11); as the hub's own synthesis it is Tier 1
    attested = assign_tier(report.gates, load_manifest(plugin), "synthesized")[0]
    assert report.verdict == "approved" and attested == Tier.tier1, statuses
