"""DSL programs as text: ``describe`` (the exact program, for provenance) and ``gloss`` (English)."""

from __future__ import annotations

import json

from plugsmith.synth.enumerate._dsl import Node

_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "lt": "<", "le": "<=", "eq": "==", "ne": "!=",
            "and": "and", "or": "or"}
_WORDS = {"sum": "the sum of", "len": "the number of", "mean": "the mean of", "min": "the smallest of",
          "max": "the largest of", "map": "each", "filter": "those", "sort_by": "sorted",
          "upper": "upper-cased", "lower": "lower-cased", "title": "title-cased", "round": "rounded"}


def describe(n: Node) -> str:
    """The program in DSL syntax.

    For example ``group(plan_json.tasks, task -> task.kind, sum, task -> task.cost)``.
    """
    op, a = n.op, n.args
    if op == "var":
        return str(n.param)
    if op == "path":
        return ".".join((n.param[0], *n.param[1])).replace(".[]*", "[]*").replace(".[].", "[].")
    if op in ("const", "literal"):
        return json.dumps(n.param)
    if op == "pct":
        return f"percent({describe(a[0])}, {describe(a[1])})"
    if op == "replace":
        return f"replace({describe(a[0])}, {json.dumps(n.param[0])}, {json.dumps(n.param[1])})"
    if op in ("max2", "min2"):
        return f"{op[:3]}({describe(a[0])}, {describe(a[1])})"
    if op in ("lt", "le") and a[0].op in ("const", "literal"):
        return f"({describe(a[1])} {'>' if op == 'lt' else '>='} {describe(a[0])})"
    if op in _SYMBOLS:
        return f"({describe(a[0])} {_SYMBOLS[op]} {describe(a[1])})"
    if op == "record":
        return "{" + ", ".join(f"{k}: {describe(x)}" for k, x in zip(n.param, a, strict=True)) + "}"
    if op == "if":
        return f"if({describe(a[0])}, {describe(a[1])}, {describe(a[2])})"
    var = n.var or "item"

    def lam(body: Node) -> str:
        return f"{var} -> {describe(body)}"

    if op == "find":
        id_field, fields = n.param
        return f"find({describe(a[0])}, {var} -> {var}.{id_field} == {describe(a[1])}).{'.'.join(fields)}"
    if op == "rel":
        foreign, how, value = n.param
        chosen = f"filter({describe(a[0])}, {var} -> {var}.{foreign} == {describe(a[1])})"
        if how == "count":
            return f"len({chosen})"
        return f"{how}(map({chosen}, {var} -> {var}.{value}))"
    if op == "graph":
        kind, id_field, deps_field = n.param
        extra = f", weight={lam(a[1])}" if len(a) > 1 else ""
        return f"{kind}({describe(a[0])}, id={var}.{id_field}, deps={var}.{deps_field}{extra})"
    if op == "group":
        value = f", {lam(a[2])}" if len(a) > 2 else ""
        return f"group({describe(a[0])}, {lam(a[1])}, {n.param}{value})"
    if op == "best":
        return f"{'argmax' if n.param else 'argmin'}({describe(a[0])}, {lam(a[1])}, {lam(a[2])})"
    if op in ("map", "filter", "sort_by", "to_dict", "map_values"):
        parts = [describe(a[0])] + [lam(b) for b in a[1:]]
        if op == "to_dict" and n.param == "text":
            parts[1] = f"{var} -> str({describe(a[1])})"
        if op == "sort_by":
            parts.append("descending" if n.param else "ascending")
        return f"{op}({', '.join(parts)})"
    params = [] if n.param is None else [json.dumps(n.param)]
    return f"{op}({', '.join([describe(x) for x in a] + params)})"


def gloss(n: Node) -> str:
    """A short English reading of the outermost operation, for the plugin's comments."""
    op, a = n.op, n.args
    var = n.var or "item"
    if op == "group":
        what = "count" if n.param == "count" else f"{n.param} of {describe(a[2])}"
        return f"group {describe(a[0])} by {describe(a[1])} and take the {what} per group"
    if op == "best":
        which = "largest" if n.param else "smallest"
        return (f"{describe(a[2])} of the {var} in {describe(a[0])} with the {which} "
                f"{describe(a[1])} (first one on a tie)")
    if op == "graph":
        return f"{n.param[0].replace('_', ' ')} over the dependencies of {describe(a[0])}"
    if op == "to_dict":
        return f"map {describe(a[1])} to {describe(a[2])} for each {var} in {describe(a[0])}"
    if op in ("sum", "len", "mean", "min", "max", "round", "upper", "lower", "title") and a:
        return f"{_WORDS[op]} {gloss(a[0])}"
    if op == "map":
        return f"{describe(a[1])} for each {var} in {describe(a[0])}"
    if op == "filter":
        return f"the {var}s of {describe(a[0])} where {describe(a[1])}"
    if op == "sort_by":
        order = "descending" if n.param else "ascending"
        return f"{describe(a[0])} sorted by {describe(a[1])}, {order} (stable)"
    if op == "take":
        return f"the first {n.param} of {gloss(a[0])}"
    return describe(n)


__all__ = ["describe", "gloss"]
