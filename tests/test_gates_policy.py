"""The AST policy: pure standard-library code passes; every road around the allow-list is flagged."""

from __future__ import annotations

import pytest

from plugsmith.gates import check_source

PURE = '''
import json
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any


@dataclass
class Task:
    name: str
    days: int = 0
    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = self.name.strip()


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    tasks = [Task(t["name"], t.get("days", 0)) for t in inputs.get("tasks", [])]
    start = date(2024, 1, 1)
    words = Counter(w for t in tasks for w in re.findall(r"\\w+", t.name.lower()))
    pattern = re.compile(r"^T(\\d+)$")
    matched = [m.group(1) for t in tasks if (m := pattern.match(t.name))]
    total = reduce(lambda a, b: a + b, (t.days for t in tasks), 0)
    by_len: defaultdict[int, int] = defaultdict(int)
    return {"end": (start + timedelta(days=total)).isoformat(), "mean": statistics.fmean([1, 2]),
            "root": math.sqrt(total), "words": dict(words), "dec": str(Decimal("1.10")),
            "json": json.dumps({"a": 1}), "n": len(by_len) + len(matched), "fmt": "{:.2f}".format(1.5),
            "name": getattr(tasks[0], "name", None) if tasks else None, "dunder": __name__}
'''


def test_pure_code_passes() -> None:
    assert check_source(PURE) == []


@pytest.mark.parametrize("code, rule", [
    ("import os", "import"),
    ("import subprocess", "import"),
    ("from os import path", "import"),
    ("import ctypes", "import"),
    ("import pickle", "import"),
    ("import importlib", "import"),
    ("from . import helper", "import"),
    ("from json import *", "import"),
    ("from typing import sys", "import"),
    ("x = eval('1')", "dynamic"),
    ("exec('x = 1')", "dynamic"),
    ("compile('1', 'f', 'eval')", "dynamic"),
    ("__import__('os')", "dynamic"),
    ("globals()", "dynamic"),
    ("vars()", "dynamic"),
    ("open('/etc/passwd')", "dynamic"),
    ("breakpoint()", "dynamic"),
    ("getattr(object, name)", "dynamic"),
    ("getattr(object, '__subclasses__')", "dunder"),
    ("setattr(o, '_x', 1)", "dunder"),
    ("import operator\noperator.attrgetter(n)(o)", "dynamic"),
    ("from functools import partial\npartial(getattr, o)(n)", "dynamic"),
    ("f = getattr\nf(o, n)", "dynamic"),
    ("import string\nstring.Formatter().get_field(n, [], {})", "attribute"),
    ("().__class__.__bases__[0].__subclasses__()", "dunder"),
    ("f = lambda: 0\nf.__globals__", "dunder"),
    ("x = __builtins__", "dunder"),
    ("g = (i for i in [])\ng.gi_frame.f_back", "attribute"),
    ("import typing\ntyping.sys.modules", "attribute"),
    ("import re\nre._compiler", "attribute"),
    ("'{0.__class__}'.format(1)", "dunder"),
    ("'{0.real}'.format(1)", "dynamic"),
    ("template.format(x)", "dynamic"),
    ("def f(x: \"__import__('os')\"): pass", "dunder"),
    ("def run(inputs)\n  pass", "syntax"),
    ("import enum\nenum.bltns.open", "attribute"),
    ("import typing\ntyping.types.FunctionType", "attribute"),
    ("import dataclasses\ndataclasses.inspect", "attribute"),
    ("from typing import types", "import"),
    ("import re\nre.copyreg", "attribute"),
    ("match x:\n    case object(__class__=c):\n        pass", "dunder"),
    ("def f(x: \"open('/x', 'w')\"): pass", "dynamic"),
    ("from functools import singledispatch", "import"),
])
def test_forbidden_constructs(code: str, rule: str) -> None:
    rules = {f.rule for f in check_source(code)}
    assert rule in rules, rules


@pytest.mark.parametrize("code", ["import json\njson.decoder.JSONDecodeError", "from collections import abc",
                                  "import collections.abc\ncollections.abc.Mapping",
                                  "def f(x: 'list[int] | None') -> 'dict[str, int]': pass"])
def test_pure_module_paths_and_type_strings_pass(code: str) -> None:
    assert check_source(code) == []


def test_fs_read_permission_unlocks_open_for_reading_only() -> None:
    read = "data = open('plugin.json').read()"
    write = "open('x', 'w').write('y')"
    assert {f.rule for f in check_source(read)} == {"dynamic"}
    assert check_source(read, granted=frozenset({"fs_read"})) == []
    assert {f.rule for f in check_source(write, granted=frozenset({"fs_read"}))} == {"permission"}


def test_findings_carry_line_numbers() -> None:
    findings = check_source("x = 1\n\nimport socket\n")
    assert [(f.line, f.rule) for f in findings] == [(3, "import")]
