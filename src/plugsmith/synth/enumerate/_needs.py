"""Helpers the solvers share: a needed vector's positions in a scope, cached answers, constants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._values import ERR

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search


def known_positions(search: Search, sub: Scope) -> list[int]:
    """The elements of ``sub`` whose values are known to be needed (those of labelled examples)."""
    return list(range(sub.n)) if search.all_labelled else sub.positions(search.positions_version)


def known_index(search: Search, sub: Scope) -> dict[Any, Entry]:
    """``sub``'s bank by values on those elements (see ``Scope.index``)."""
    return sub.seen if search.all_labelled else sub.index(search.positions_version)


def cached(sub: Scope, key: Any) -> tuple[int, Node | None]:
    """(size of the scope the answer was computed at, the answer) for a solver's cache key."""
    done, found = sub.cache.get(key, (0, None))
    return int(done), found if isinstance(found, Node) else None


def const(sub: Scope, value: Any) -> Node:
    return Node("const" if sub.parent is not None else "literal", param=value)


def values_at(sub: Scope, positions: list[int], entry: Entry) -> list[Any] | None:
    vals = [entry.vec[i] for i in positions]
    return None if any(v is ERR for v in vals) or any(v is ERR for v in entry.vec) else vals


def entries(sub: Scope, sizes: range, t: str) -> Iterator[Entry]:
    for size in sizes:
        for entry in sub.at(size).get(t, []):
            if entry.dep or sub.parent is None:
                yield entry

__all__ = ["cached", "const", "entries", "known_index", "known_positions", "values_at"]
