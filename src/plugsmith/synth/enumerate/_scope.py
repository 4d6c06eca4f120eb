"""Scopes and banks: where the bottom-up search keeps the expressions it has built.

A scope is a set of *environments* the search evaluates expressions on at once. The top scope has one
environment per example; the scope of a list expression (``plan_json.tasks``) has one environment per
element of that list in every example, so a lambda body (``task.cost * 2``) is evaluated on all elements
of all examples in one go. Two expressions with the same values on every environment of a scope are
interchangeable there (observational equivalence): only the first, smallest one is kept.

A list that keeps the elements of a scope (filtered, sorted, cut) carries ``src`` — the scope and, per
environment, the element indices — so bodies evaluated once in that scope serve every derived list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._values import ERR, Type, canon


@dataclass(slots=True)
class Entry:
    """An expression kept in a bank: its node, type, values per environment and dependencies."""

    node: Node
    type: Type
    vec: list[Any]
    dep: bool  # uses the scope's own element variable
    free: bool  # uses any variable at all (False for constants)
    src: tuple[Scope, list[list[int]]] | None = None

    def key(self) -> Any:
        """The observational-equivalence key within its scope."""
        if self.src is not None:
            scope, idx = self.src
            return ("S", scope.sid, tuple(tuple(i) for i in idx))
        return canon(self.vec)


class Scope:
    """Environments plus a bank of expressions over them, grown one size at a time."""

    def __init__(self, sid: int, parent: Scope | None, var: str | None, parent_of: list[int],
                 elements: list[Any], depth: int) -> None:
        self.sid = sid
        self.parent = parent
        self.var = var
        self.parent_of = parent_of
        self.elements = elements
        self.depth = depth
        self.n = len(elements)
        self.bank: list[dict[Type, list[Entry]]] = [{}]
        self.seen: dict[Any, Entry] = {}
        self.done = 0
        self.children: dict[Any, Scope] = {}
        self.cache: dict[Any, Any] = {}
        # the top-level environment each element belongs to (itself, in the top scope)
        if parent is None:
            self.top_env = list(range(self.n))
        elif parent.parent is None:
            self.top_env = list(parent_of)
        else:
            self.top_env = [parent.top_env[j] for j in parent_of]
        self._index_for: tuple[int, ...] | None = None
        self._positions: list[int] = []
        self._index: dict[Any, Entry] = {}

    def positions(self, labelled: tuple[int, ...]) -> list[int]:
        """Indices of the elements that belong to the labelled top-level environments."""
        self.index(labelled)
        return self._positions

    def index(self, labelled: tuple[int, ...]) -> dict[Any, Entry]:
        """Bank entries by their values on the labelled environments' elements only (first one wins).

        Entries that fail (ERR) anywhere are left out: a body looked up here must work on every input.
        Built on first use for a set of labelled environments and kept up to date by ``add``.
        """
        if self._index_for != labelled:
            wanted = set(labelled)
            self._positions = [i for i, env in enumerate(self.top_env) if env in wanted]
            self._index = {}
            self._index_for = labelled
            for by_type in self.bank:
                for entries in by_type.values():
                    for entry in entries:
                        self._index_entry(entry)
        return self._index

    def _index_entry(self, entry: Entry) -> None:
        if entry.src is None and not any(v is ERR for v in entry.vec):
            self._index.setdefault(canon([entry.vec[i] for i in self._positions]), entry)

    def lift(self, vec: list[Any], levels: int = 1) -> list[Any]:
        """Values of a parent-scope expression (``levels`` up) seen from each environment here."""
        scope: Scope = self
        mapping = list(range(self.n))
        for _ in range(levels):
            mapping = [scope.parent_of[i] for i in mapping]
            assert scope.parent is not None
            scope = scope.parent
        return [vec[i] for i in mapping]

    def var_vectors(self) -> list[tuple[str, list[Any], bool]]:
        """Every variable visible here: (name, values per environment, is this scope's own)."""
        out: list[tuple[str, list[Any], bool]] = []
        scope: Scope | None = self
        levels = 0
        while scope is not None:
            if scope.var is not None:
                out.append((scope.var, self.lift(scope.elements, levels) if levels else scope.elements,
                            levels == 0))
            elif scope.parent is None:
                for name in sorted(scope.elements[0]) if scope.elements else []:
                    vec = [env[name] for env in scope.elements]
                    out.append((name, self.lift(vec, levels) if levels else vec, levels == 0))
            scope = scope.parent
            levels += 1
        return out

    def add(self, size: int, entry: Entry) -> bool:
        """Keep ``entry`` unless an equivalent expression is already here; True when kept."""
        key = entry.key()
        if key in self.seen:
            return False
        self.seen[key] = entry
        while len(self.bank) <= size:
            self.bank.append({})
        self.bank[size].setdefault(entry.type, []).append(entry)
        if self._index_for is not None:
            self._index_entry(entry)
        return True

    def at(self, size: int) -> dict[Type, list[Entry]]:
        """The entries of one size, by type (empty when none)."""
        return self.bank[size] if size < len(self.bank) else {}


__all__ = ["Entry", "Scope"]
