"""First-order growth of a scope: unary and binary operations over the expressions already built."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._scalar import ARITH, apply, const_arith, consts_ok, params, unary_ok
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._types import BINARY_OPS, COMMUTATIVE, UNARY_OPS, binary_type, unary_type

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

CHILD_BINARY_MAX = 5  # arithmetic inside lambdas: (a * b) / c at most


def unary(search: Search, scope: Scope, size: int) -> Iterator[Entry]:
    wants_list = "list" in search.wanted or scope is not search.top
    for arg_t, entries in scope.at(size - 1).items():
        for op in UNARY_OPS:
            rt = unary_type(op, arg_t)
            if rt is None or not search.useful(scope, rt, op, size):
                continue
            total = size - dsl.OP_COST.get(op, 1) + 1
            if total != size:
                continue  # costlier unary operations are generated from their own size below
            if op == "round" and scope is search.top:
                continue  # rounding a top-level number is a wrapper lookup (``_deduce``)
            for param in params(op, search.consts.separators):
                for a in entries:
                    if a.free and unary_ok(op, a.node, wants_list):
                        yield from apply(op, (a,), param, rt, a.dep)
    for op in ("split", "join"):
        for arg_t, entries in scope.at(size - dsl.OP_COST[op]).items():
            rt = unary_type(op, arg_t)
            if rt is None:
                continue
            for param in params(op, search.consts.separators):
                for a in entries:
                    if a.free and unary_ok(op, a.node, wants_list):
                        yield from apply(op, (a,), param, rt, a.dep)

def binary(search: Search, scope: Scope, size: int) -> Iterator[Entry]:
    if scope is not search.top and size > CHILD_BINARY_MAX:
        return
    yield from _binary_sized(search, scope, size, 1)
    yield from _concat(search, scope, size)

def _concat(search: Search, scope: Scope, size: int) -> Iterator[Entry]:
    for left in range(1, 2):
        right = size - dsl.OP_COST["concat"] - left
        if right != 1:
            continue
        for lt, les in scope.at(left).items():
            for rt_, res in scope.at(right).items():
                if binary_type("concat", lt, rt_) is None:
                    continue
                for param in dict.fromkeys([*dsl.CONCAT_SEPARATORS, *search.consts.separators]):
                    for a in les:
                        for b in res:
                            if (a.free or b.free) and a is not b:
                                yield from apply("concat", (a, b), param, "str", a.dep or b.dep)

def _binary_sized(search: Search, scope: Scope, size: int, cost: int) -> Iterator[Entry]:
    """Binary operations; a commutative one is built once, with any constant on the right."""
    for left in range(1, size - cost):
        right = size - cost - left
        for lt, les in scope.at(left).items():
            search.tick(force=True)
            for rt_, res in scope.at(right).items():
                for op in BINARY_OPS:
                    if op == "concat":
                        continue
                    out = binary_type(op, lt, rt_)
                    if out is None or not search.useful(scope, out, op, size):
                        continue
                    yield from _pairs(search, op, out, les, res, left, right, lt == rt_)

def _pairs(search: Search, op: str, out: Any, les: list[Entry], res: list[Entry], left: int, right: int,
           same_type: bool) -> Iterator[Entry]:
    commutative = op in COMMUTATIVE
    for i, a in enumerate(les):
        a_const = a.node.op in dsl.CONSTANT_OPS
        if commutative and a_const:
            continue
        for j, b in enumerate(res):
            if not (a.free or b.free):
                continue
            if commutative and b.node.op not in dsl.CONSTANT_OPS and (
                    left > right or (left == right and same_type and j < i)):
                continue
            if a is b and op in ("add", "sub", "div", "lt", "eq", "ne", "and", "or"):
                continue
            if not consts_ok(op, a.node, b.node, search.described, search.consts.comparisons):
                continue
            if op == "date_add" and b.node.size > 2:  # a date plus a field or a constant
                continue
            if op in ARITH and (const_arith(a.node) or const_arith(b.node)):
                continue  # constants only in the outermost arithmetic
            yield from apply(op, (a, b), None, out, a.dep or b.dep)


__all__ = ["CHILD_BINARY_MAX", "binary", "unary"]
