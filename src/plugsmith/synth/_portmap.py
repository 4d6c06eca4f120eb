"""Port mappings for the ``adapt`` strategy: rename, one level of nesting, a unit factor.

A :class:`PortMap` says how to compute one port from another: take ``source``, optionally ``unwrap``
one key of it, multiply every number in it by ``num/den``, optionally ``wrap`` it under a key. The same
object evaluates the mapping in-process (on data only; no plugin code runs here) and writes it out as a
Python expression for the adapter's ``run()``, so what was checked is what is emitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# Unit factors worth trying, with what they usually mean. Both directions are tried.
UNIT_FACTORS: dict[int, str] = {
    8: "hours<->days at 8 h/day",
    7: "days<->weeks",
    100: "cents<->units",
    1000: "units<->thousands",
    24: "hours<->calendar days",
    60: "minutes<->hours",
}


def _adapter_scale(value: object, num: float, den: float) -> object:
    """Multiply every number inside value by num/den (a change of unit); other values pass through."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value * num / den
    if isinstance(value, dict):
        return {k: _adapter_scale(v, num, den) for k, v in value.items()}
    if isinstance(value, list):
        return [_adapter_scale(v, num, den) for v in value]
    return value


@dataclass(frozen=True)
class PortMap:
    """How one target port is computed from one source port."""

    source: str
    unwrap: str | None = None
    wrap: str | None = None
    num: int = 1
    den: int = 1

    @property
    def scaled(self) -> bool:
        return (self.num, self.den) != (1, 1)

    def cost(self, target: str) -> int:
        """Simpler mappings first: same name < rename < nesting < unit change."""
        return ((self.source != target) + 2 * (self.unwrap is not None) + 2 * (self.wrap is not None)
                + 3 * self.scaled)

    def apply(self, values: dict[str, Any]) -> Any:
        """Evaluate on data; raises KeyError/TypeError when the mapping does not fit the value."""
        value = values[self.source]
        if self.unwrap is not None:
            if not isinstance(value, dict):
                raise TypeError("not an object")
            value = value[self.unwrap]
        if self.scaled:
            value = _adapter_scale(value, self.num, self.den)
        if self.wrap is not None:
            value = {self.wrap: value}
        return value

    def expr(self, var: str) -> str:
        """The same mapping as a Python expression over the dict named ``var``."""
        text = f"{var}[{self.source!r}]"
        if self.unwrap is not None:
            text += f"[{self.unwrap!r}]"
        if self.scaled:
            text = f"_adapter_scale({text}, {self.num}, {self.den})"
        if self.wrap is not None:
            text = f"{{{self.wrap!r}: {text}}}"
        return text

    def describe(self, target: str, *, source_side: str, target_side: str) -> str:
        """One line for the gap summary, e.g. "input 'plan' -> original 'tasks': unwrap 'tasks'"."""
        steps = []
        if self.source != target and self.unwrap != target and self.wrap != self.source:
            steps.append("renamed")
        if self.unwrap is not None:
            steps.append(f"unwrap key {self.unwrap!r}")
        if self.scaled:
            factor = self.num if self.num != 1 else self.den
            meaning = UNIT_FACTORS.get(factor, "unit change")
            steps.append(f"x {self.num}/{self.den} ({meaning})")
        if self.wrap is not None:
            steps.append(f"wrap under key {self.wrap!r}")
        how = ", ".join(steps) or "same name and shape"
        return f"{source_side} {self.source!r} -> {target_side} {target!r}: {how}"


def same_value(got: Any, want: Any, tol: float = 1e-6) -> bool:
    """JSON equality with a tolerance for floats (unit changes produce 2.0 for 2, 0.1+0.2 for 0.3)."""
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, int | float) and isinstance(got, int | float):
        try:
            return math.isclose(got, want, rel_tol=tol, abs_tol=tol)
        except OverflowError:  # an integer beyond a double (the original plugin's output may be anything)
            return bool(got == want)
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(same_value(got[k], want[k], tol) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(same_value(g, w, tol) for g, w in zip(got, want, strict=True))
    return bool(got == want)


def _has_number(v: Any, *, deep: bool) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int | float):
        return True
    if deep and isinstance(v, dict):
        return any(_has_number(x, deep=deep) for x in v.values())
    if deep and isinstance(v, list):
        return any(_has_number(x, deep=deep) for x in v)
    return False


def _factors() -> list[tuple[int, int]]:
    return [(1, 1)] + [pair for f in UNIT_FACTORS for pair in ((f, 1), (1, f))]


def port_options(target: str, target_schema: dict[str, Any], samples: dict[str, list[Any]],
                 *, deep_scale: bool = True) -> list[PortMap]:
    """Every mapping worth trying for ``target`` from the ports in ``samples`` (port -> example values).

    Unwrap keys come from the data (a key present in every example); wrap keys from the target's schema
    (its only property) or the source's name. A unit factor is tried on numbers only: anywhere inside
    the value with ``deep_scale`` (outputs such as a breakdown), else only on a plain number (inputs,
    where scaling a whole document would be meaningless). Ordered simplest first.
    """
    options: list[PortMap] = []
    props = target_schema.get("properties", {}) if isinstance(target_schema, dict) else {}
    only_prop = set(props) if len(props) == 1 else set()
    for source, values in sorted(samples.items()):
        unwraps: list[str | None] = [None]
        if values and all(isinstance(v, dict) for v in values):
            common = set.intersection(*(set(v) for v in values))
            unwraps += sorted(k for k in common if k in (target, source) or len(common) == 1)
        wraps: list[str | None] = [None, *sorted({source} | only_prop)]
        for unwrap in unwraps:
            inner = [v[unwrap] for v in values] if unwrap is not None else values
            numeric = bool(inner) and all(_has_number(v, deep=deep_scale) for v in inner)
            for num, den in _factors() if numeric else [(1, 1)]:
                for wrap in wraps:
                    if wrap is None or unwrap is None:
                        options.append(PortMap(source, unwrap, wrap, num, den))
    return sorted(options, key=lambda m: (m.cost(target), m.source, m.unwrap or "", m.wrap or "",
                                          m.num, m.den))


__all__ = ["UNIT_FACTORS", "PortMap", "_adapter_scale", "port_options", "same_value"]
