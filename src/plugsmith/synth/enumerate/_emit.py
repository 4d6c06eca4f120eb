"""Python code emission: a DSL program becomes a readable, commented, self-contained ``plugin.py``.

Each operation becomes an ordinary Python expression (comprehensions, ``sorted``, ``sum``); the few
operations that need a loop (group-by, argmax, graph walks, ISO dates) call helper functions whose
source is copied from ``_runtime`` into the plugin, so the plugin imports nothing but ``datetime``.
The result is formatted with ``ruff format`` when ruff is available, so long expressions wrap.
"""

from __future__ import annotations

import builtins
import inspect
import json
import keyword
import shutil
import subprocess
import textwrap

from plugsmith.synth.enumerate import _runtime as rt
from plugsmith.synth.enumerate._describe import describe, gloss
from plugsmith.synth.enumerate._dsl import FLATTEN, PROJECT, Node

LINE = 88
_BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "lt": "<", "le": "<=", "eq": "==", "ne": "!=",
           "and": "and", "or": "or"}
_CALLS = {"len": "len", "sum": "sum", "min": "min", "max": "max", "mean": "mean",
          "argmax_key": "key_of_max", "argmin_key": "key_of_min"}
_AGG = {"sum": "sum(vals)", "count": "len(vals)", "mean": "mean(vals)", "min": "min(vals)",
        "max": "max(vals)", "list": "vals"}
_NEEDS = {"schedule": ["topological_order"], "earliest_start": ["schedule"], "earliest_finish": ["schedule"],
          "critical_length": ["schedule"], "critical_path": ["schedule"],
          "slack": ["schedule", "topological_order"]}
_HELPER_ORDER = ["add_days", "days_between", "mean", "find", "group_by", "best", "key_of_max", "key_of_min",
                 "topological_order", "schedule", "earliest_start", "earliest_finish", "critical_length",
                 "critical_path", "slack"]
RESERVED_LOCALS = frozenset(_HELPER_ORDER) | {"inputs", "result", "date", "timedelta"}


def local_name(port: str) -> str:
    """The local variable an input port is bound to in ``run`` (renamed when it would clash)."""
    if keyword.iskeyword(port) or port in RESERVED_LOCALS or port in dir(builtins):
        return port + "_in"
    return port


class Emitter:
    """Turns nodes into Python expressions, remembering which helpers they need."""

    def __init__(self) -> None:
        self.helpers: set[str] = set()

    def use(self, name: str) -> str:
        self.helpers.add(name)
        for dep in _NEEDS.get(name, []):
            self.use(dep)
        return name

    def expr(self, n: Node) -> str:  # noqa: C901 - one branch per operation reads best here
        op, a = n.op, n.args
        if op == "var":
            return local_name(n.param) if n.param.isidentifier() else n.param
        if op == "path":
            return _path(local_name(n.param[0]), n.param[1])
        if op in ("const", "literal"):
            return repr(n.param)
        if op in ("lt", "le") and a[0].op in ("const", "literal"):  # 15 <= x reads better as x >= 15
            return f"({self.expr(a[1])} {'>' if op == 'lt' else '>='} {self.expr(a[0])})"
        if op in _BINARY:
            return f"({self.expr(a[0])} {_BINARY[op]} {self.expr(a[1])})"
        if op == "pct":
            return f"({self.expr(a[0])} / {self.expr(a[1])} * 100)"
        if op in ("sum", "min", "max") and a[0].op == "map":
            return f"{op}({self._comprehension(a[0])[1:-1]})"
        if op in ("sum", "min", "max") and a[0].op == "path" and a[0].param[1][-2:-1] == (PROJECT,):
            return f"{op}({self.expr(a[0])[1:-1]})"  # a generator, not a list, for a projection
        if op in _CALLS:
            name = _CALLS[op]
            if name in _HELPER_ORDER:
                self.use(name)
            return f"{name}({self.expr(a[0])})"
        simple = {
            "round": lambda: f"round({self.expr(a[0])}, {n.param})",
            "not": lambda: self._negation(a[0]),
            "empty": lambda: f"(not {self.expr(a[0])})",
            "notnull": lambda: f"({self.expr(a[0])} is not None)",
            "upper": lambda: f"{self.expr(a[0])}.upper()",
            "lower": lambda: f"{self.expr(a[0])}.lower()",
            "title": lambda: f"{self.expr(a[0])}.title()",
            "split": lambda: f"{self.expr(a[0])}.split({n.param!r})",
            "replace": lambda: f"{self.expr(a[0])}.replace({n.param[0]!r}, {n.param[1]!r})",
            "join": lambda: f"{n.param!r}.join({self.expr(a[0])})",
            "concat": lambda: f"({self.expr(a[0])} + {n.param!r} + {self.expr(a[1])})",
            "flatten": lambda: f"[x for xs in {self.expr(a[0])} for x in xs]",
            "sorted": lambda: f"sorted({self._iterable(a[0])}{', reverse=True' if n.param else ''})",
            "unique": lambda: f"list(dict.fromkeys({self.expr(a[0])}))",
            "take": lambda: f"{self.expr(a[0])}[:{n.param}]",
            "first": lambda: f"{self.expr(a[0])}[0]",
            "last": lambda: f"{self.expr(a[0])}[-1]",
            "keys": lambda: f"list({self.expr(a[0])})",
            "values": lambda: f"list({self.expr(a[0])}.values())",
            "max2": lambda: f"max({self.expr(a[0])}, {self.expr(a[1])})",
            "min2": lambda: f"min({self.expr(a[0])}, {self.expr(a[1])})",
            "date_add": lambda: f"{self.use('add_days')}({self.expr(a[0])}, {self.expr(a[1])})",
            "days_between": lambda: f"{self.use('days_between')}({self.expr(a[0])}, {self.expr(a[1])})",
        }
        if op in simple:
            return simple[op]()
        if op == "if":
            return f"({self.expr(a[1])} if {self.expr(a[0])} else {self.expr(a[2])})"
        if op == "record":
            fields = (f"{json.dumps(k)}: {self.expr(x)}" for k, x in zip(n.param, a, strict=True))
            return "{" + ", ".join(fields) + "}"
        return self._higher_order(n)

    def _negation(self, arg: Node) -> str:
        if arg.op in ("eq", "ne"):  # not (a == b) reads better as a != b
            other = "!=" if arg.op == "eq" else "=="
            return f"({self.expr(arg.args[0])} {other} {self.expr(arg.args[1])})"
        return f"(not {self.expr(arg)})"

    def _iterable(self, arg: Node) -> str:
        """An argument only iterated over: ``unique`` needs no ``list()`` around it here."""
        if arg.op == "unique":
            return f"dict.fromkeys({self.expr(arg.args[0])})"
        return self.expr(arg)

    def _lambda(self, var: str, body: Node) -> str:
        return f"lambda {var}: {self.expr(body)}"

    def _comprehension(self, n: Node) -> str:
        var = n.var or "item"
        return f"[{self.expr(n.args[1])} for {var} in {self.expr(n.args[0])}]"

    def _higher_order(self, n: Node) -> str:
        op, a, var = n.op, n.args, n.var or "item"
        if op == "map":
            return self._comprehension(n)
        if op == "filter":
            return f"[{var} for {var} in {self.expr(a[0])} if {self.expr(a[1])}]"
        if op == "sort_by":
            rev = ", reverse=True" if n.param else ""
            return f"sorted({self.expr(a[0])}, key={self._lambda(var, a[1])}{rev})"
        if op == "best":
            return (f"{self.use('best')}({self.expr(a[0])}, {self._lambda(var, a[1])}, "
                    f"{self._lambda(var, a[2])}, largest={n.param})")
        if op == "group":
            value = self._lambda(var, a[2]) if len(a) > 2 else f"lambda {var}: 1"
            groups = f"{self.use('group_by')}({self.expr(a[0])}, {self._lambda(var, a[1])}, {value})"
            if n.param == "mean":
                self.use("mean")
            if n.param == "list":
                return groups
            return f"{{group: {_AGG[n.param]} for group, vals in {groups}.items()}}"
        if op == "to_dict":
            key = self.expr(a[1]) if n.param != "text" else f"str({self.expr(a[1])})"
            return f"{{{key}: {self.expr(a[2])} for {var} in {self.expr(a[0])}}}"
        if op == "map_values":
            return f"{{k: {self.expr(a[1])} for k, {var} in {self.expr(a[0])}.items()}}"
        if op == "find":
            id_field, fields = n.param
            found = f"{self.use('find')}({self.expr(a[0])}, {json.dumps(id_field)}, {self.expr(a[1])})"
            return _path(found, fields)
        if op == "rel":
            foreign, how, value = n.param
            each = _path(var, (value,)) if value else "1"
            where = f"for {var} in {self.expr(a[0])} if {_path(var, (foreign,))} == {self.expr(a[1])}"
            if how in ("sum", "count"):
                return f"sum({each} {where})"
            if how == "mean":
                return f"{self.use('mean')}([{each} {where}])"
            return f"{how}({each} {where})"
        if op == "graph":
            kind, id_field, deps_field = n.param
            parts = [self.expr(a[0]), f"lambda {var}: {var}[{json.dumps(id_field)}]",
                     f"lambda {var}: {var}[{json.dumps(deps_field)}]"]
            if len(a) > 1:
                parts.append(self._lambda(var, a[1]))
            return f"{self.use(kind)}({', '.join(parts)})"
        raise ValueError(f"cannot emit operation {op!r}")


def _path(base: str, fields: tuple[str, ...]) -> str:
    """Subscripts, or a comprehension for ``[]`` (each element's field) and ``[]*`` (joined lists)."""
    for pos, name in enumerate(fields):
        if name in (PROJECT, FLATTEN):
            inner = _path("item", fields[pos + 1:])
            if name == FLATTEN:
                return f"[x for item in {base} for x in {inner}]"
            return f"[{inner} for item in {base}]"
        base += f"[{json.dumps(name)}]"
    return base


def _comment(text: str, indent: str) -> list[str]:
    return [indent + "# " + line for line in textwrap.wrap(text, LINE - len(indent) - 2,
                                                           break_long_words=True, break_on_hyphens=False)]


def _inputs_used(node: Node, ports: list[str], found: set[str]) -> None:
    if node.op == "var" and node.param in ports:
        found.add(node.param)
    if node.op == "path" and node.param[0] in ports:
        found.add(node.param[0])
    for arg in node.args:
        _inputs_used(arg, ports, found)


def emit_plugin(programs: dict[str, Node], input_ports: list[str], title: str = "") -> str:
    """The complete ``plugin.py`` source for one program per output port."""
    em = Emitter()
    body: list[str] = []
    used: set[str] = set()
    for port in sorted(programs):
        node = programs[port]
        _inputs_used(node, input_ports, used)
        body += _comment(f"{port}: {gloss(node)}.", "    ")
        body += _comment(f"DSL: {describe(node)}", "    ")
        body.append(f"    result[{json.dumps(port)}] = {em.expr(node)}")
    lines = ['"""' + (title or "A synthesized plugsmith plugin") + ".", "",
             "Generated by plugsmith's enumerative synthesizer (strategy `enumerate`) from",
             "input/output examples. The program, in plugsmith's synthesis DSL, is:", ""]
    for port in sorted(programs):
        lines += textwrap.wrap(f"{port} = {describe(programs[port])}", LINE - 4, initial_indent="    ",
                               subsequent_indent="        ", break_on_hyphens=False)
    lines += ['"""', ""]
    if "add_days" in em.helpers:
        lines += ["from datetime import date, timedelta"]
    elif "days_between" in em.helpers:
        lines += ["from datetime import date"]
    sources = [inspect.getsource(getattr(rt, name)).rstrip() for name in _HELPER_ORDER if name in em.helpers]
    if any("Any" in source for source in sources):
        lines += ["from typing import Any"]
    lines.append("")
    for source in sources:
        lines += ["", source]
    lines += ["", "", "def run(inputs: dict) -> dict:",
              '    """Compute every output port from the input ports (keys are port names)."""']
    for port in sorted(used):
        lines.append(f"    {local_name(port)} = inputs[{json.dumps(port)}]")
    lines.append("    result = {}")
    lines += body
    lines.append("    return result")
    return _format("\n".join(lines) + "\n")


def _format(source: str) -> str:
    """``ruff format`` the source when ruff is installed; the unformatted source otherwise."""
    ruff = shutil.which("ruff")
    if ruff is None:
        return source
    try:
        done = subprocess.run([ruff, "format", "--isolated", "--line-length", str(LINE), "-"],
                              input=source, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return source
    return done.stdout if done.returncode == 0 and done.stdout else source


def helper_names() -> list[str]:
    """Helpers a plugin may contain (for documentation and tests)."""
    return list(_HELPER_ORDER)


__all__ = ["Emitter", "emit_plugin", "helper_names", "local_name"]


