"""The literals a program may contain, and where each comes from.

A program's constants come from the spec, never from the examples' expected outputs:

- the fixed small numbers and separators of the DSL (``_dsl.NUMBERS``, ...);
- the ``enum`` strings of the input schemas (categories a program may compare with);
- the ``enum`` strings of the output schemas: the labels a classification may answer with;
- numbers and quoted words in the spec's human-written description (``"exceeds 10000"``,
  ``"\\"high\\" when ..."``), together with the comparison the words around a number ask for
  (``at least 15`` is ``>= 15``, ``more than 14`` is ``> 14``).

A description number or word that appears in a guide case's expected output but in no case's input is
left out: it could only have been copied from an example's answer. Everything is bounded (a description
with a thousand numbers, an enum of ten thousand strings): the first few are used, and ``notes`` says
what was left out so the user hears about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from plugsmith.spec import JsonSchema, TestCase
from plugsmith.synth.enumerate._values import constants_in, is_num, singular

MAX_NUMBERS = 12     # description numbers used as constants
MAX_WORDS = 12       # quoted description words used as constants
MAX_ENUMS = 64       # input-schema enum strings used as constants
MAX_LABELS = 256     # output-schema enum strings a classification may answer with
MAX_TEXT = 4000      # characters of the description read

_NUMBER = re.compile(r"(?<![\w.])(\d{1,9}(?:\.\d{1,6})?)(?![\w])")
_QUOTED = re.compile(r"[\"“”']([^\"“”'\n]{1,40})[\"“”']")
# The words before (or just after) a number that say which comparison it is the threshold of.
_BEFORE = [("ge", r"(at least|from|minimum of|no less than|>=|≥)\s*$"),
           ("gt", r"(more than|exceeds?|exceeding|above|over|greater than|after|>)\s*$"),
           ("le", r"(up to|at most|no more than|maximum of|within|<=|≤)\s*$"),
           ("lt", r"(below|under|less than|fewer than|before|<)\s*$")]
_ROUNDING = re.compile(r"(\d)\s*(?:decimal|digit|place)|round(?:ed|s)?\s+to\s+(\d)\b|"
                       r"(whole (?:number|day|percent)|nearest integer)", re.IGNORECASE)
_OPERATORS = [("mul", r"\w\s+(x|×|\*|times|multiplied by)\s+\w"),
              ("add", r"\w\s+(\+|plus|added to)\s+\w|\bsum of\b|\badd(ed)? up\b|\bin total\b|\btotals?\b|"
                      r"\bsummed\b"),
              ("sub", r"\w\s+(-|−|minus|less)\s+\w|\bdifference\b|\bleft after\b"),
              ("div", r"\w\s+(/|÷|divided by|over|per)\s+\w|\bratio\b|\baverage\b"),
              # whether a comparison includes its bound: "reach the pass mark" is >=, "exceed it" is >
              ("le", r"\b(at least|or more|or above|or higher|reach(es|ed)?|meets?|no less than|up to|"
                     r"at most|or less|or fewer|or below|no more than)\b"),
              ("lt", r"\b(more than|exceeds?|exceeding|above|greater than|below|under|less than|"
                     r"fewer than)\b")]
# Separators the description names in words ("joined by hyphens", "the space replaced by a dot").
_SEPARATOR_WORDS = {"dot": ".", "period": ".", "full stop": ".", "hyphen": "-", "dash": "-",
                    "underscore": "_", "slash": "/", "colon": ":", "semicolon": ";", "comma": ",",
                    "pipe": "|", "space": " ", "plus sign": "+", "ampersand": "&"}
_SEPARATOR = re.compile(r"\b(" + "|".join(_SEPARATOR_WORDS) + r")(?:e?s)?\b", re.IGNORECASE)
_PUNCTUATION = re.compile(r"^[ .,:;|/\\_+&#>-]{1,3}$")
_AFTER = [("ge", r"^\s*(or more|or above|or higher|and above|and up|\+)"),
          ("le", r"^\s*(or less|or fewer|or below|or lower|and below)")]


@dataclass(frozen=True)
class Constants:
    """The spec's constants for one search (see the module docstring)."""

    numbers: tuple[float, ...] = ()
    words: tuple[str, ...] = ()
    enums: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    comparisons: dict[float, str] = field(default_factory=dict)
    rounding: tuple[int, ...] = ()      # decimals the description asks results to be rounded to
    notes: tuple[str, ...] = ()
    mentions: frozenset[str] = frozenset()  # the description's words, lower case, plural "s" dropped
    operators: frozenset[str] = frozenset()  # arithmetic the description names ("likelihood x impact": mul)
    separators: tuple[str, ...] = ()  # separators it names ("a dot", "hyphens") or quotes ("|")

    @property
    def strings(self) -> list[str]:
        """Strings a program may compare with: input enums, then quoted description words."""
        return list(dict.fromkeys([*self.enums, *self.words]))

    @property
    def answers(self) -> list[str]:
        """Strings a program may answer with: output labels and quoted words, then input enums."""
        return list(dict.fromkeys([*self.labels, *self.words, *self.enums]))


def _enums(schema: Any, found: list[str], limit: int, depth: int = 0) -> int:
    """Collect enum strings (first ``limit``, in schema order); returns how many there were in all."""
    total = 0
    if depth > 32:
        return 0
    if isinstance(schema, dict):
        for key in sorted(schema):
            value = schema[key]
            if key == "enum" and isinstance(value, list):
                for v in value:
                    if isinstance(v, str):
                        total += 1
                        if len(found) < limit and v not in found:
                            found.append(v)
            else:
                total += _enums(value, found, limit, depth + 1)
    elif isinstance(schema, list):
        for value in schema:
            total += _enums(value, found, limit, depth + 1)
    return total


def _comparison(text: str, start: int, end: int) -> str | None:
    before, after = text[max(0, start - 24):start].lower(), text[end:end + 16].lower()
    for kind, pattern in _AFTER:
        if re.search(pattern, after):
            return kind
    for kind, pattern in _BEFORE:
        if re.search(pattern, before):
            return kind
    return None


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def spec_constants(description: str, inputs: dict[str, JsonSchema], outputs: dict[str, JsonSchema],
                   cases: list[TestCase] | None = None) -> Constants:
    """The constants of a spec; ``cases`` (the guide cases) rule out values copied from answers."""
    notes: list[str] = []
    text = description[:MAX_TEXT]
    if len(description) > MAX_TEXT:
        notes.append(f"the description has {len(description):,} characters; only the first {MAX_TEXT:,} are "
                     "read for constants")
    answers: set[Any] = set()
    given: set[Any] = set()
    for case in cases or []:
        for value in case.expected.values():
            answers |= _scalars(value)
        for value in case.input.values():
            given |= _scalars(value)
    copied = answers - given
    numbers: list[float] = []
    comparisons: dict[float, str] = {}
    matches = list(_NUMBER.finditer(text))
    for match in matches:
        value = _number(match.group(1))
        if value in copied or value in numbers:
            continue
        if len(numbers) >= MAX_NUMBERS:
            notes.append(f"the description holds {len(matches)} numbers; only the first {MAX_NUMBERS} "
                         "distinct ones are candidate constants")
            break
        numbers.append(value)
        kind = _comparison(text, match.start(), match.end())
        if kind is not None:
            comparisons.setdefault(value, kind)
    words: list[str] = []
    quoted = [m.group(1) for m in _QUOTED.finditer(text)]
    for word in quoted:
        if word in copied and not _in_enum(word, outputs):
            continue
        if word not in words and not _NUMBER.fullmatch(word):
            if len(words) >= MAX_WORDS:
                notes.append(f"the description quotes {len(quoted)} words; only the first {MAX_WORDS} are "
                             "candidate constants")
                break
            words.append(word)
    enums: list[str] = []
    total = _enums(inputs, enums, MAX_ENUMS)
    if total > MAX_ENUMS:
        notes.append(f"the input schemas list {total} enum strings; only the first {MAX_ENUMS} are "
                     "candidate constants")
    labels: list[str] = []
    total = _enums(outputs, labels, MAX_LABELS)
    if total > MAX_LABELS:
        notes.append(f"the output schemas list {total} enum strings; only the first {MAX_LABELS} can be "
                     "answers of a classification")
    rounding: list[int] = []
    for match in _ROUNDING.finditer(text):
        digits = 0 if match.group(3) else int(match.group(1) or match.group(2))
        if digits <= 6 and digits not in rounding:
            rounding.append(digits)
    places = {str(d) for d in rounding}  # "rounded to 1 decimal" does not make 1 a subject
    mentions = frozenset(_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in places)
    operators = frozenset(op for op, pattern in _OPERATORS if re.search(pattern, text, re.IGNORECASE))
    separators = [_SEPARATOR_WORDS[m.group(1).lower()] for m in _SEPARATOR.finditer(text)]
    separators += [w for w in words if _PUNCTUATION.match(w)]
    return Constants(tuple(numbers), tuple(words), tuple(sorted(enums)), tuple(labels), comparisons,
                     tuple(rounding[:3]), tuple(notes), mentions, operators,
                     tuple(dict.fromkeys(separators))[:MAX_WORDS])


def _stem(word: str) -> str:
    return singular(word)


def plausibility(node: Any, consts: Constants) -> float:
    """How plausible a program is as a reading of the description (higher is better): the fields and
    constants it uses that the description mentions, minus those it does not, plus the arithmetic it
    names ("likelihood x impact"), minus half its size, minus two for each threshold the description
    states ("at least 10") that it does not use.

    Used to choose among programs that all fit the examples (``Search._ranked``): a size more is worth
    one more mentioned name, so ``sum(tasks[].cost)`` beats ``mean(tasks[].cost) * len(tasks)``, and
    ``len(filter(tasks, task -> task.status == "done"))`` beats a count of the smallest status group.
    """
    said, unsaid = relevance(node, consts)
    used: set[str] = set()
    _names(node, used)
    unused = sum(1 for c in consts.comparisons if c in consts.numbers and _text(c) not in used)
    named = len(consts.operators & _ops(node)) if consts.operators else 0
    return float(said - unsaid + named - 0.5 * node.size - 2 * unused)


def _ops(node: Any, out: set[str] | None = None) -> set[str]:
    """The arithmetic a program does; a sum over a list or a group is an addition ("in total")."""
    out = set() if out is None else out
    out.add("div" if node.op in ("pct", "mean") else node.op)
    if node.op == "sum" or (node.op == "group" and node.param == "sum") or (
            node.op == "rel" and node.param[1] == "sum"):
        out.add("add")
    for arg in node.args:
        _ops(arg, out)
    return out


def _text(value: Any) -> str:
    text = str(value).lower()
    return text[:-2] if text.endswith(".0") else text


def relevance(node: Any, consts: Constants) -> tuple[int, int]:
    """(names the description mentions, names it does not) over a program's fields and constants.

    Among programs of a size, one built from what the description talks about ("the tasks that are
    done") is the likelier reading. ``duration_days`` counts as mentioned when "duration" and "days" are.
    """
    found: set[str] = set()
    _names(node, found)
    names = {_stem(n) for n in found}   # "phases" and "phase" are one name
    said = sum(1 for n in names if all(_stem(p) in consts.mentions for p in re.findall(r"[a-z0-9]+", n)))
    return said, len(names) - said


def _names(node: Any, out: set[str]) -> None:
    op, param = node.op, node.param
    if op == "path":  # the field read, not the lists on the way (everything is "over tasks")
        fields = [f for f in param[1] if f not in ("[]", "[]*")]
        out.update(f.lower() for f in fields[-1:])
    elif op == "find":
        out.update(f.lower() for f in param[1])
    elif op == "rel":
        out.update(str(p).lower() for p in param if p and p not in ("count", "sum", "max", "min", "mean"))
    elif op in ("const", "literal") and isinstance(param, str | int | float) and not isinstance(param, bool):
        out.add(_text(param))
    for arg in node.args:
        _names(arg, out)


def _in_enum(word: str, schemas: dict[str, JsonSchema]) -> bool:
    found: list[str] = []
    _enums(schemas, found, MAX_LABELS)
    return word in found


def _scalars(value: Any) -> set[Any]:
    out: set[Any] = set()
    for item in constants_in(value):
        if is_num(item):
            out.add(_number(str(item)) if float(item).is_integer() else item)
        elif isinstance(item, str):
            out.add(item)
    return out


__all__ = ["MAX_ENUMS", "MAX_LABELS", "MAX_NUMBERS", "MAX_WORDS", "Constants", "plausibility", "relevance",
           "spec_constants"]
