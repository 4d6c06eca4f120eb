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
    # a field named by a key that does not start with a word character, and one nested in a spec
    ("'{ g.gi_frame.f_back.f_globals}'.format_map({' g': g})", "dynamic"),
    ("'{-[0]}'.format_map(m)", "dynamic"),
    ("'{0:{ w.real}}'.format_map(m)", "dynamic"),
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
    # modules only as module.NAME: never a value that could be carried past the checks
    ("import dataclasses\nm = dataclasses\nm.inspect", "module"),
    ("import json\nf(json)", "module"),
    ("import json\nx = [json][0].decoder", "module"),
    ("import collections\nc = collections.abc", "module"),
    ("import dataclasses\ngetattr(dataclasses, 'fields')", "module"),
    ("import dataclasses\ndataclasses.inspect.getmembers", "attribute"),
    ("import json\njson.decoder.re", "attribute"),
    ("import json\njson._default_decoder", "attribute"),
    ("from dataclasses import make_dataclass", "import"),
    ("import typing\ntyping.get_type_hints", "attribute"),
    ("import os.path", "import"),
    # names are literal, and a literal name obeys the attribute rules
    ("getattr(g, 'gi_frame')", "attribute"),
    ("hasattr(f, 'f_globals')", "attribute"),
    ("import operator\noperator.attrgetter('a.f_back')(x)", "attribute"),
    ("import operator\noperator.methodcaller('_evaluate')(x)", "dunder"),
    ("from operator import attrgetter as pick\npick(name)(x)", "dynamic"),
    ("from operator import attrgetter as pick\nf = pick", "dynamic"),
    ("x = b'\\x5f\\x5fimport\\x5f\\x5f'.decode()", "dunder"),
    ("T = type('T', (), {})", "dynamic"),
    # private methods of the standard library, other objects' private attributes, frame internals
    ("ref._evaluate({}, {}, frozenset())", "attribute"),
    ("from enum import Enum\nEnum._convert_('X', 'os', f)", "attribute"),
    ("other._secret", "attribute"),
    ("class C:\n    f_back: int = 0", "attribute"),
    ("class C:\n    def _evaluate(self): pass", "attribute"),
    ("class C:\n    def __instancecheck__(self, o):\n        return True", "dunder"),
    ("class C:\n    def __subclasshook__(cls, o):\n        return True", "dunder"),
    ("class C:\n    __match_args__ = ('f_back',)", "dunder"),
    ("match x:\n    case C(f_back=b):\n        pass", "attribute"),
    ("x = license", "builtin"),
    # a Field the plugin holds (kept, read back in the class body, or seen by something before the
    # decorator) can be renamed into code that the next dataclass compiles
    ("import dataclasses\nKEPT = dataclasses.field()", "dynamic"),
    ("from dataclasses import dataclass, field\n@dataclass\nclass C:\n    x: int = field(default=0)\n"
     "    KEPT = x", "dynamic"),
    ("from dataclasses import dataclass, field\ndataclass = lambda c: c\n@dataclass\nclass C:\n"
     "    x: int = field(default=0)", "dynamic"),
    ("import enum\nfrom dataclasses import dataclass, field\n@dataclass\nclass C(enum.Enum):\n"
     "    x: int = field(default=0)", "dynamic"),
    ("from dataclasses import dataclass, field\ndef grab(c):\n    return c\n@dataclass\n@grab\nclass C:\n"
     "    x: int = field(default=0)", "dynamic"),
    ("import dataclasses\nf = dataclasses.Field", "dynamic"),
])
def test_forbidden_constructs(code: str, rule: str) -> None:
    rules = {f.rule for f in check_source(code)}
    assert rule in rules, rules


@pytest.mark.parametrize("code", ["import json\njson.decoder.JSONDecodeError", "from collections import abc",
                                  "import collections.abc\ncollections.abc.Mapping",
                                  "def f(x: 'list[int] | None') -> 'dict[str, int]': pass"])
def test_pure_module_paths_and_type_strings_pass(code: str) -> None:
    assert check_source(code) == []


LLM_STYLE = '''
"""Ordinary hand-written plugin code, as a person or a language model writes it."""
from __future__ import annotations

import bisect
import calendar
import collections.abc
import datetime as dt
import functools
import heapq
import itertools
import textwrap
from collections import Counter, OrderedDict, defaultdict, deque, namedtuple
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum, auto
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

if TYPE_CHECKING:
    from collections.abc import Iterable

Point = namedtuple("Point", ["x", "y"])


class Level(Enum):
    LOW = auto()
    HIGH = auto()

    @classmethod
    def _missing_(cls, value: object) -> Level:
        return cls.LOW


class Span(NamedTuple):
    start: dt.date
    end: dt.date


@functools.total_ordering
@dataclass(frozen=True)
class Task:
    name: str
    cost: Decimal = Decimal("0")
    tags: list[str] = field(default_factory=list)

    def __lt__(self, other: Task) -> bool:
        return (self.cost, self.name) < (other.cost, other.name)


class Ledger:
    __slots__ = ("_entries", "_total")

    def __init__(self) -> None:
        self._entries: deque[Task] = deque()
        self._total = Decimal("0")

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(self._entries)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} entries)"

    def add(self, task: Task) -> None:
        self._entries.append(task)
        self._total += task.cost

    @property
    def total(self) -> Decimal:
        return self._total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@functools.lru_cache(maxsize=None)
def weekday_name(year: int, month: int, day: int) -> str:
    return calendar.day_name[calendar.weekday(year, month, day)]


def chunks(items: Iterable[Any], size: int) -> list[list[Any]]:
    it = iter(items)
    return [list(c) for c in iter(lambda: list(itertools.islice(it, size)), [])]


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    ledger = Ledger()
    for raw in sorted(inputs.get("tasks", []), key=lambda t: t.get("name", "")):
        ledger.add(Task(raw["name"], Decimal(str(raw.get("cost", 0))), list(raw.get("tags", []))))
    tags = Counter(tag for task in ledger for tag in task.tags)
    by_first: defaultdict[str, list[str]] = defaultdict(list)
    for task in ledger:
        by_first[task.name[:1]].append(task.name)
    cheapest = heapq.nsmallest(2, ledger)
    grades = [10, 20, 30]
    p = Point(1, 2)._replace(y=3)
    span = Span(dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    ordered = OrderedDict(sorted(tags.items()))
    optional: Optional[int] = None
    return {
        "total": str(ledger.total), "tags": dict(ordered), "first": dict(by_first),
        "cheapest": [asdict(replace(t, tags=[])) for t in cheapest], "slot": bisect.bisect(grades, 15),
        "point": p._asdict(), "days": (span.end - span.start).days, "level": Level(7).name,
        "frac": str(Fraction(1, 3) + Fraction(1, 6)), "wrapped": textwrap.shorten("a b c d e", 5),
        "weekday": weekday_name(2024, 1, 1), "chunks": chunks(range(5), 2), "repr": repr(ledger),
        "mapping": isinstance(ordered, collections.abc.Mapping), "none": optional,
        "has_name": hasattr(ledger, "total"),
        "name": getattr(cheapest[0], "name", None) if cheapest else None,
    }
'''


def test_ordinary_hand_written_code_passes() -> None:
    assert check_source(LLM_STYLE) == []


@pytest.mark.parametrize("code", [
    "class C:\n    def m(self):\n        self._cache = {}\n        return self._cache",
    "from collections import abc\nabc.Mapping",
    "import collections.abc\nx = collections.abc.Sequence",
    "import json\njson.decoder.JSONDecodeError",
    "p._replace(x=1)._asdict()", "x = type(3).__name__",
    "class C:\n    __slots__ = ('a',)",
])
def test_allowed_names_pass(code: str) -> None:
    assert check_source(code) == []


def test_allow_list_names_exist_and_hide_no_module() -> None:
    """Every allow-listed name exists here, and none is (or holds as a public attribute) a module that
    is not itself allowed."""
    import importlib
    import types

    from plugsmith.gates._allowlist import MODULE_ATTRS

    for module, names in MODULE_ATTRS.items():
        mod = importlib.import_module(module)
        for name in names:
            value = getattr(mod, name)
            if isinstance(value, types.ModuleType):
                assert value.__name__ in MODULE_ATTRS, (module, name)
                continue
            for attr in dir(value):
                if not attr.startswith("_"):
                    inner = getattr(value, attr, None)
                    assert not isinstance(inner, types.ModuleType), (module, name, attr)


def test_fs_read_permission_unlocks_open_for_reading_only() -> None:
    read = "data = open('plugin.json').read()"
    write = "open('x', 'w').write('y')"
    assert {f.rule for f in check_source(read)} == {"dynamic"}
    assert check_source(read, granted=frozenset({"fs_read"})) == []
    assert {f.rule for f in check_source(write, granted=frozenset({"fs_read"}))} == {"permission"}


def test_findings_carry_line_numbers() -> None:
    findings = check_source("x = 1\n\nimport socket\n")
    assert [(f.line, f.rule) for f in findings] == [(3, "import")]


# Shapes (#11 follow-up): names that are allowed only where they cannot turn run-time strings into
# attribute names, class namespaces or compiled code.
@pytest.mark.parametrize("code", [
    "import operator\npick = operator.attrgetter",                      # kept, then called with any name
    "import operator\nf = operator.methodcaller",
    "import functools\nfunctools.update_wrapper(w, f, ('a',))",          # copies attributes by name
    "import functools\nfunctools.update_wrapper(w, f, assigned=names)",
    "import functools\nclass C:\n    pass\nfunctools.update_wrapper(C, f)",
    "import functools\nfunctools.wraps(f)(C)",
    "t = type", "c = type(x)", "type(x)(1)", "T = type(type)('T', (), {})",     # the metaclass as a value
    "class M(type):\n    pass", "import abc\nclass M(abc.ABCMeta):\n    pass",
    "import abc\nC = abc.ABCMeta('C', (), {})", "import enum\nm = enum.EnumType",
    "import dataclasses\nd = dataclasses.dataclass", "import dataclasses\nC = dataclasses.dataclass(C)",
    "import dataclasses\nC = dataclasses.dataclass(frozen=True)(C)",      # compiles code from field names
    "import dataclasses\ndataclasses.fields(x)[0].name = s",
    "match x:\n    case P(a):\n        pass",                              # reads P.__match_args__
    "int = P\nmatch x:\n    case int(a):\n        pass",
    "f = str.format", "m = '{}'.format_map", "list(map(str.format, ts, xs))",   # computed templates
    "import operator\noperator.methodcaller('format', x)(t)", "getattr('', 'format')",
    "ｇetattr(x, name)",                                                  # NFKC: the parser normalises it
    "def unused(type):\n    return type\nT = type(type)('T', (), {})",   # rebinding in another scope
    "class Grab:\n    def __eq__(self, other):\n        return other\nok = Grab() == type(int)",
    "x = table[type(int)]",                                               # table.__getitem__(type)
])
def test_shaped_names_used_as_values_are_flagged(code: str) -> None:
    assert {f.rule for f in check_source(code)} & {"dynamic", "attribute"}, code


@pytest.mark.parametrize("code", [
    "x = type(3).__name__", "y = type(3) is int", "z = isinstance(1, (int, type(None)))",
    "w = type(1) in (int, float, type(None))", "m = f'{type(1)}'", "v = type(a) is Point",
    "s = str(type(1))", "print(type(1))",
    "raise TypeError('bad ' + type(x).__name__)", "if type(a) != type(b):\n    pass",
    "x: type[int] = int", "def f(c: type) -> type:\n    return c", "ok = isinstance(c, type)",
    "import dataclasses\n@dataclasses.dataclass(frozen=True)\nclass A:\n    x: int",
    "import functools\ndef deco(f):\n    @functools.wraps(f)\n    def inner(*a):\n        return f(*a)\n"
    "    return inner",
    "import functools\ndef deco(f):\n    def inner(*a):\n        return f(*a)\n"
    "    return functools.update_wrapper(inner, f)",
    "a = '{} {}'.format(1, 2)", "match x:\n    case int(n):\n        pass\n    case P(x=a):\n        pass",
    "import abc\nclass A(abc.ABC):\n    pass", "import abc\nclass A(metaclass=abc.ABCMeta):\n    pass",
    "import operator\nkey = operator.attrgetter('cost')",
])
def test_shaped_names_used_as_meant_pass(code: str) -> None:
    assert check_source(code) == [], code


@pytest.mark.parametrize("code", ["x = " + "not " * 20_000 + "1", "f = " + "lambda: " * 20_000 + "1",
                                  "x = " + "-" * 100_000 + "1", "x = " + "+".join(["1"] * 50_000),
                                  "x = inputs" + ".a" * 30_000])
def test_code_nested_past_the_parser_is_a_finding_not_a_crash(code: str) -> None:
    """CPython's parser raises MemoryError (20,000 nested ``not``s), a walk RecursionError: both are a
    rejection with a reason, never a traceback out of ``validate``."""
    findings = check_source(code)
    assert findings and all(f.rule in {"nesting", "attribute"} for f in findings), findings
    assert "nesting" in {f.rule for f in findings}


@pytest.mark.parametrize("template", ["{:.2f}", "{0!r:>{width}}", "{{0.x}}", "{...}", "plain {name} text"])
def test_templates_that_read_no_attribute_pass(template: str) -> None:
    assert check_source(f"x = {template!r}.format(1, name=2, width=3)") == []
