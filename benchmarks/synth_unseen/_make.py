"""Generate the *unseen* synthesis benchmark: ``<name>.json`` (five visible cases) + ``<name>.hidden.json``.

A held-out set written before any change to the search after issue #12, from the descriptions alone, as an
outside reviewer would: other documents than the plan and the project of the two older sets, other field
names (camelCase, ids that are not called ``id``, integer ids), other port shapes (one document with
nested lists, two plain lists, a bare list). Four documents:

- a **procurement list**: ports ``orders`` (``orderId``, ``supplierId``, ``item``, ``qty``, ``unitPrice``,
  ``neededBy``, ``deliveredOn``) and ``suppliers`` (``id``, ``name``, ``country``);
- a **sprint backlog**: one port ``backlog`` (``sprint``, ``starts``, ``length_days``, ``stories`` keyed by
  ``key`` with ``points``, ``assignee``, ``state``, ``epic``, three-point ``best``/``likely``/``worst``,
  and ``epics``);
- a **budget ledger**: one port ``ledger`` (``period_close``, ``accounts`` keyed by ``code`` with a
  ``limit``, ``entries`` keyed by ``ref`` with ``account``, ``amount``, ``category``, ``booked``);
- a **staffing roster**: ports ``shifts`` and ``staff``; employees are identified by an integer ``emp``.

The shapes are the issue's: classifications with thresholds, constants from the description, joins by
id, max of group sums, shares of a total in percent, PERT-style weighted sums, strings, argmax/argmin,
filters, counts, dates with deadlines. Each spec is a one-line description, an output schema and five
visible cases drawn at random (fixed seeds); the only author's care is that the visible answers are not
all the same and every label of a classification shows. Hidden cases use other sizes, ties, a single
element and (where the answer is obvious) empty lists. The reference functions compute the expected
outputs; the synthesizer never sees them nor the hidden cases.

Run ``python benchmarks/synth_unseen/_make.py`` to rewrite the files (reproducible).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from plugsmith.atomic import write_text
from plugsmith.spec import parse_spec

HERE = Path(__file__).parent

DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NUM = {"type": "number"}
INT = {"type": "integer"}
STR = {"type": "string"}
NUM_MAP = {"type": "object", "additionalProperties": NUM}
STR_MAP = {"type": "object", "additionalProperties": STR}
STR_LIST = {"type": "array", "items": STR}
NULL_STR = {"type": ["string", "null"]}


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(props), "properties": props}


def enum_map(*labels: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": "string", "enum": list(labels)}}


def _d(day: date) -> str:
    return day.isoformat()


def _days(a: str, b: str) -> int:
    return (date.fromisoformat(b) - date.fromisoformat(a)).days


def _sums(
    items: list[dict[str, Any]], key: Callable[[Any], Any], value: Callable[[Any], Any]
) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for x in items:
        out[key(x)] = out.get(key(x), 0) + value(x)
    return out


def _key_of_max(d: dict[Any, Any]) -> Any:
    return max(d, key=d.__getitem__) if d else None


# -- procurement -----------------------------------------------------------------------------------------
ITEMS = [
    "steel bolts",
    "copper wire",
    "safety gloves",
    "pallet wrap",
    "hex nuts",
    "cable ties",
    "drill bits",
    "paint primer",
    "ear plugs",
    "label rolls",
]
SUPPLIERS = [
    ("Acme Metals", "DE"),
    ("Nordic Supply", "SE"),
    ("Baltic Parts", "LV"),
    ("Rhein Tools", "DE"),
    ("Lyon Industrie", "FR"),
    ("Oslo Hardware", "NO"),
]
ORDER = obj(orderId=STR, supplierId=STR, item=STR, qty=INT, unitPrice=NUM, neededBy=DATE, deliveredOn=DATE)
SUPPLIER = obj(id=STR, name=STR, country=STR)
PROCUREMENT = {"orders": {"type": "array", "items": ORDER}, "suppliers": {"type": "array", "items": SUPPLIER}}


def make_procurement(rng: random.Random, n: int, tie: bool = False) -> dict[str, Any]:
    chosen = rng.sample(SUPPLIERS, rng.choice([2, 3, 4]))
    suppliers = [{"id": f"S{i + 10}", "name": name, "country": c} for i, (name, c) in enumerate(chosen)]
    base = date(2025, 3, 1) + timedelta(days=rng.randrange(0, 200))
    orders = []
    for i in range(n):
        needed = base + timedelta(days=rng.randrange(5, 60))
        orders.append(
            {
                "orderId": f"PO-{rng.randrange(100, 999)}{i}",
                "supplierId": rng.choice(suppliers)["id"],
                "item": rng.choice(ITEMS),
                "qty": rng.choice([10, 25, 50, 100, 200, 250, 400, 500, 600, 1000, 1200]),
                "unitPrice": rng.randrange(5, 4000) / 100,
                "neededBy": _d(needed),
                "deliveredOn": _d(needed + timedelta(days=rng.randrange(-6, 9))),
            }
        )
    if tie and len(orders) >= 3:
        top = max(orders[:-1], key=_value)
        orders[-1].update(qty=top["qty"], unitPrice=top["unitPrice"])
    return {"orders": orders, "suppliers": suppliers}


def _value(o: dict[str, Any]) -> float:
    return float(o["qty"] * o["unitPrice"])


def _supplier(d: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in d["suppliers"] if s["id"] == sid)


# -- sprint backlog --------------------------------------------------------------------------------------
PEOPLE = ["kai", "lena", "marta", "nico", "omar", "priya"]
EPICS = ["Checkout", "Search", "Onboarding", "Billing", "Reporting"]
VERBS = ["Add", "Fix", "Refactor", "Remove", "Test", "Document"]
NOUNS = [
    "login form",
    "cart total",
    "search filter",
    "invoice export",
    "user avatar",
    "password reset",
    "order history",
    "email digest",
]
STATES = ["todo", "in_progress", "blocked", "done"]
STORY = obj(
    key=STR,
    title=STR,
    points=INT,
    assignee=STR,
    state={"type": "string", "enum": STATES},
    epic=STR,
    best=NUM,
    likely=NUM,
    worst=NUM,
)
EPIC = obj(id=STR, title=STR)
BACKLOG = {
    "backlog": obj(
        sprint=STR,
        starts=DATE,
        length_days=INT,
        stories={"type": "array", "items": STORY},
        epics={"type": "array", "items": EPIC},
    )
}


def make_backlog(rng: random.Random, n: int, tie: bool = False) -> dict[str, Any]:
    epics = [{"id": f"E{i + 1}", "title": t} for i, t in enumerate(rng.sample(EPICS, rng.choice([2, 3, 4])))]
    stories = []
    for i in range(n):
        best = rng.randrange(1, 6)
        likely = best + rng.randrange(0, 5)
        stories.append(
            {
                "key": f"APP-{rng.randrange(10, 99)}{i}",
                "title": f"{rng.choice(VERBS)} {rng.choice(NOUNS)}",
                "points": rng.choice([1, 2, 3, 5, 8, 13]),
                "assignee": rng.choice(PEOPLE),
                "state": rng.choice(STATES),
                "epic": rng.choice(epics)["id"],
                "best": best,
                "likely": likely,
                "worst": likely + rng.randrange(0, 9),
            }
        )
    if tie and len(stories) >= 3:
        stories[-1]["points"] = max(s["points"] for s in stories)
    return {
        "backlog": {
            "sprint": f"S{rng.randrange(1, 40)}",
            "starts": _d(date(2025, 1, 6) + timedelta(days=7 * rng.randrange(0, 40))),
            "length_days": rng.choice([7, 10, 14, 21]),
            "stories": stories,
            "epics": epics,
        }
    }


# -- budget ledger ---------------------------------------------------------------------------------------
ACCOUNTS = [
    ("4100", "Travel"),
    ("4200", "Software"),
    ("4300", "Hardware"),
    ("4400", "Training"),
    ("4500", "Catering"),
    ("4600", "Consulting"),
]
CATEGORIES = ["opex", "capex", "payroll", "marketing"]
ACCOUNT = obj(code=STR, name=STR, limit=NUM)
ENTRY = obj(ref=STR, account=STR, amount=NUM, category=STR, booked=DATE)
LEDGER = {
    "ledger": obj(
        period_close=DATE,
        accounts={"type": "array", "items": ACCOUNT},
        entries={"type": "array", "items": ENTRY},
    )
}


def make_ledger(rng: random.Random, n: int, tie: bool = False) -> dict[str, Any]:
    accounts = [
        {"code": c, "name": name, "limit": float(rng.randrange(2000, 20000, 500))}
        for c, name in rng.sample(ACCOUNTS, rng.choice([2, 3, 4]))
    ]
    start = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
    entries = [
        {
            "ref": f"J{rng.randrange(1000, 9999)}",
            "account": rng.choice(accounts)["code"],
            "amount": rng.choice(
                [rng.randrange(50, 900), rng.randrange(900, 4000), rng.randrange(4000, 9000)]
            )
            * 1.0,
            "category": rng.choice(CATEGORIES),
            "booked": _d(start + timedelta(days=rng.randrange(0, 25))),
        }
        for _ in range(n)
    ]
    if tie and len(entries) >= 3:
        entries[-1]["amount"] = max(e["amount"] for e in entries)
    close = start + timedelta(days=rng.randrange(26, 40))
    return {"ledger": {"period_close": _d(close), "accounts": accounts, "entries": entries}}


def _level(amount: float) -> str:
    return "high" if amount >= 5000 else "mid" if amount >= 1000 else "low"


# -- staffing roster -------------------------------------------------------------------------------------
NAMES = ["Ana Lima", "Bo Chen", "Carla Diaz", "Dev Patel", "Eva Novak", "Femi Ade", "Gus Berg"]
STAFF = obj(emp=INT, name=STR, rate=NUM, role=STR)
SHIFT = obj(id=STR, emp=INT, day=DATE, start_hour=INT, hours=INT, overtime=INT)
ROSTER = {"shifts": {"type": "array", "items": SHIFT}, "staff": {"type": "array", "items": STAFF}}


def make_roster(rng: random.Random, n: int, tie: bool = False) -> dict[str, Any]:
    staff = [
        {
            "emp": rng.randrange(100, 999),
            "name": name,
            "rate": rng.randrange(1500, 4500, 25) / 100,
            "role": rng.choice(["nurse", "porter", "doctor"]),
        }
        for name in rng.sample(NAMES, rng.choice([2, 3, 4]))
    ]
    monday = date(2025, 2, 3) + timedelta(days=7 * rng.randrange(0, 30))
    shifts = [
        {
            "id": f"sh{i + 1}",
            "emp": rng.choice(staff)["emp"],
            "day": _d(monday + timedelta(days=rng.randrange(0, 7))),
            "start_hour": rng.choice([6, 7, 8, 14, 15, 20, 21, 22]),
            "hours": rng.choice([4, 6, 8, 10, 12]),
            "overtime": rng.choice([0, 0, 1, 2, 3]),
        }
        for i in range(n)
    ]
    if tie and len(shifts) >= 3:
        shifts[-1]["hours"] = max(s["hours"] for s in shifts)
    return {"shifts": shifts, "staff": staff}


def _person(d: dict[str, Any], emp: int) -> dict[str, Any]:
    return next(p for p in d["staff"] if p["emp"] == emp)


# -- the specs -------------------------------------------------------------------------------------------
@dataclass
class Bench:
    """One spec as a reviewer writes it: description, output, and the function that answers it."""

    description: str
    port: str
    schema: dict[str, Any]
    reference: Callable[[dict[str, Any]], Any]
    shape: str
    domain: str
    empty_ok: bool = True


MAKERS: dict[str, tuple[Callable[..., dict[str, Any]], dict[str, Any], str]] = {
    "procurement": (make_procurement, PROCUREMENT, "orders"),
    "backlog": (make_backlog, BACKLOG, "stories"),
    "ledger": (make_ledger, LEDGER, "entries"),
    "roster": (make_roster, ROSTER, "shifts"),
}


def _b(d: dict[str, Any]) -> dict[str, Any]:
    return d["backlog"]  # type: ignore[no-any-return]


def _l(d: dict[str, Any]) -> dict[str, Any]:
    return d["ledger"]  # type: ignore[no-any-return]


SPECS: dict[str, Bench] = {
    # procurement
    "order_values": Bench(
        "Value of each order (qty times unitPrice), by orderId, rounded to 2 decimals.",
        "values",
        NUM_MAP,
        lambda d: {o["orderId"]: round(_value(o), 2) for o in d["orders"]},
        "product",
        "procurement",
    ),
    "bulk_order_ids": Bench(
        "Order ids of the orders with a qty of at least 500, in list order.",
        "ids",
        STR_LIST,
        lambda d: [o["orderId"] for o in d["orders"] if o["qty"] >= 500],
        "description constant",
        "procurement",
    ),
    "order_supplier_names": Bench(
        "The name of each order's supplier, by orderId.",
        "suppliers",
        STR_MAP,
        lambda d: {o["orderId"]: _supplier(d, o["supplierId"])["name"] for o in d["orders"]},
        "join",
        "procurement",
    ),
    "late_order_ids": Bench(
        "Ids of the orders delivered after the date they were needed by, in list order.",
        "late",
        STR_LIST,
        lambda d: [o["orderId"] for o in d["orders"] if o["deliveredOn"] > o["neededBy"]],
        "dates filter",
        "procurement",
    ),
    "days_late": Bench(
        "Days each order was delivered after its neededBy date, by orderId; 0 when on time or early.",
        "days_late",
        NUM_MAP,
        lambda d: {o["orderId"]: max(0, _days(o["neededBy"], o["deliveredOn"])) for o in d["orders"]},
        "dates deadline",
        "procurement",
    ),
    "largest_order": Bench(
        "orderId of the order with the highest value, qty x unitPrice (the first listed on a tie).",
        "order",
        NULL_STR,
        lambda d: max(d["orders"], key=_value)["orderId"] if d["orders"] else None,
        "argmax",
        "procurement",
    ),
    "spend_by_country": Bench(
        "Total order value (qty x unitPrice) per supplier country, rounded to 2 decimals.",
        "spend",
        NUM_MAP,
        lambda d: {
            k: round(v, 2)
            for k, v in _sums(d["orders"], lambda o: _supplier(d, o["supplierId"])["country"], _value).items()
        },
        "join + group sum",
        "procurement",
    ),
    "item_codes": Bench(
        "Each order's item as a code, by orderId: the item in upper case with spaces replaced by "
        "underscores.",
        "codes",
        STR_MAP,
        lambda d: {o["orderId"]: o["item"].upper().replace(" ", "_") for o in d["orders"]},
        "string",
        "procurement",
    ),
    # sprint backlog
    "story_sizes": Bench(
        'Size of each story by key: "small" up to 3 points, "medium" up to 8 points, "large" above.',
        "sizes",
        enum_map("small", "medium", "large"),
        lambda d: {
            s["key"]: "small" if s["points"] <= 3 else "medium" if s["points"] <= 8 else "large"
            for s in _b(d)["stories"]
        },
        "classification",
        "backlog",
    ),
    "blocked_titles": Bench(
        "Titles of the blocked stories, in backlog order.",
        "titles",
        STR_LIST,
        lambda d: [s["title"] for s in _b(d)["stories"] if s["state"] == "blocked"],
        "filter",
        "backlog",
    ),
    "open_story_count": Bench(
        "Number of stories that are not done.",
        "count",
        INT,
        lambda d: sum(1 for s in _b(d)["stories"] if s["state"] != "done"),
        "count",
        "backlog",
    ),
    "done_points_percent": Bench(
        "Share of the story points that are done, in percent, rounded to 1 decimal.",
        "percent",
        NUM,
        lambda d: round(
            sum(s["points"] for s in _b(d)["stories"] if s["state"] == "done")
            / sum(s["points"] for s in _b(d)["stories"])
            * 100,
            1,
        ),
        "share of total",
        "backlog",
        empty_ok=False,
    ),
    "busiest_assignee_points": Bench(
        "The largest total of story points assigned to any one assignee.",
        "points",
        NUM,
        lambda d: max(_sums(_b(d)["stories"], lambda s: s["assignee"], lambda s: s["points"]).values()),
        "max of group sums",
        "backlog",
        empty_ok=False,
    ),
    "story_estimates": Bench(
        "Three-point estimate of each story, by key: (best + 4 x likely + worst) / 6, rounded to 1 decimal.",
        "estimates",
        NUM_MAP,
        lambda d: {
            s["key"]: round((s["best"] + 4 * s["likely"] + s["worst"]) / 6, 1) for s in _b(d)["stories"]
        },
        "weighted sum (PERT)",
        "backlog",
    ),
    "sprint_end": Bench(
        "The date the sprint ends: its start date plus its length in days.",
        "ends",
        DATE,
        lambda d: _d(date.fromisoformat(_b(d)["starts"]) + timedelta(days=_b(d)["length_days"])),
        "dates",
        "backlog",
    ),
    "epic_points": Bench(
        "Total story points per epic title (epics without stories left out).",
        "points",
        NUM_MAP,
        lambda d: _sums(
            _b(d)["stories"],
            lambda s: next(e["title"] for e in _b(d)["epics"] if e["id"] == s["epic"]),
            lambda s: s["points"],
        ),
        "join + group sum",
        "backlog",
    ),
    "top_assignee": Bench(
        "The assignee with the most story points in total (the first seen on a tie).",
        "assignee",
        NULL_STR,
        lambda d: _key_of_max(_sums(_b(d)["stories"], lambda s: s["assignee"], lambda s: s["points"])),
        "argmax of group sums",
        "backlog",
    ),
    # budget ledger
    "account_status": Bench(
        'For every account, by account name: "over" when its entries\' amounts add up to more than its '
        'limit, else "ok".',
        "status",
        enum_map("ok", "over"),
        lambda d: {
            a["name"]: "over"
            if sum(e["amount"] for e in _l(d)["entries"] if e["account"] == a["code"]) > a["limit"]
            else "ok"
            for a in _l(d)["accounts"]
        },
        "join + nested aggregate + conditional",
        "ledger",
    ),
    "category_share": Bench(
        "Each category's share of the total amount, in percent, rounded to 1 decimal.",
        "share",
        NUM_MAP,
        lambda d: {
            k: round(v / sum(e["amount"] for e in _l(d)["entries"]) * 100, 1)
            for k, v in _sums(_l(d)["entries"], lambda e: e["category"], lambda e: e["amount"]).items()
        },
        "share of total",
        "ledger",
    ),
    "large_entry_count": Bench(
        "How many entries have an amount above 2500.",
        "count",
        INT,
        lambda d: sum(1 for e in _l(d)["entries"] if e["amount"] > 2500),
        "count + description constant",
        "ledger",
    ),
    "top_category_total": Bench(
        "The highest total amount of any single category.",
        "total",
        NUM,
        lambda d: max(_sums(_l(d)["entries"], lambda e: e["category"], lambda e: e["amount"]).values()),
        "max of group sums",
        "ledger",
        empty_ok=False,
    ),
    "entry_levels": Bench(
        'Level of every entry by ref: "high" when its amount is 5000 or more, "mid" from 1000, else "low".',
        "levels",
        enum_map("low", "mid", "high"),
        lambda d: {e["ref"]: _level(e["amount"]) for e in _l(d)["entries"]},
        "classification",
        "ledger",
    ),
    "days_to_close": Bench(
        "Days from the latest booking date of the entries to the period close date.",
        "days",
        INT,
        lambda d: _days(max(e["booked"] for e in _l(d)["entries"]), _l(d)["period_close"]),
        "dates deadline",
        "ledger",
        empty_ok=False,
    ),
    "entry_labels": Bench(
        'A label per entry, in ledger order: its ref, " - ", then its category in upper case.',
        "labels",
        STR_LIST,
        lambda d: [f"{e['ref']} - {e['category'].upper()}" for e in _l(d)["entries"]],
        "string",
        "ledger",
    ),
    "remaining_budget": Bench(
        "The sum of the account limits minus the sum of the entry amounts.",
        "remaining",
        NUM,
        lambda d: sum(a["limit"] for a in _l(d)["accounts"]) - sum(e["amount"] for e in _l(d)["entries"]),
        "arithmetic of aggregates",
        "ledger",
    ),
    # staffing roster
    "shift_pay": Bench(
        "Pay for each shift, by shift id: its hours times the employee's hourly rate, rounded to 2 decimals.",
        "pay",
        NUM_MAP,
        lambda d: {s["id"]: round(s["hours"] * _person(d, s["emp"])["rate"], 2) for s in d["shifts"]},
        "join + product",
        "roster",
    ),
    "hours_per_person": Bench(
        "Total hours per employee name (staff without shifts left out).",
        "hours",
        NUM_MAP,
        lambda d: _sums(d["shifts"], lambda s: _person(d, s["emp"])["name"], lambda s: s["hours"]),
        "join + group sum",
        "roster",
    ),
    "overtime_flags": Bench(
        'For each staff member, by name: "overtime" when their shifts add up to more than 20 hours, else '
        '"regular".',
        "flags",
        enum_map("regular", "overtime"),
        lambda d: {
            p["name"]: "overtime"
            if sum(s["hours"] for s in d["shifts"] if s["emp"] == p["emp"]) > 20
            else "regular"
            for p in d["staff"]
        },
        "join + nested aggregate + threshold",
        "roster",
    ),
    "night_shift_ids": Bench(
        "Ids of the shifts with a start_hour of 20 or later, in roster order.",
        "ids",
        STR_LIST,
        lambda d: [s["id"] for s in d["shifts"] if s["start_hour"] >= 20],
        "filter + description constant",
        "roster",
    ),
    "paid_hours": Bench(
        "Paid hours of each shift, by id: its hours plus one and a half times its overtime.",
        "paid",
        NUM_MAP,
        lambda d: {s["id"]: s["hours"] + 1.5 * s["overtime"] for s in d["shifts"]},
        "weighted sum",
        "roster",
    ),
    "longest_shift": Bench(
        "Id of the longest shift, by hours (the first listed on a tie).",
        "shift",
        NULL_STR,
        lambda d: max(d["shifts"], key=lambda s: s["hours"])["id"] if d["shifts"] else None,
        "argmax",
        "roster",
    ),
    "staff_on_roster": Bench(
        "Number of different employees who have at least one shift.",
        "count",
        INT,
        lambda d: len({s["emp"] for s in d["shifts"]}),
        "count distinct",
        "roster",
    ),
    "cheapest_staff": Bench(
        "Name of the staff member with the lowest hourly rate (the first listed on a tie).",
        "name",
        NULL_STR,
        lambda d: min(d["staff"], key=lambda p: p["rate"])["name"] if d["staff"] else None,
        "argmin",
        "roster",
    ),
    "staff_handles": Bench(
        "A handle for each staff member, by emp number: the name in lower case with the space replaced by "
        "a dot.",
        "handles",
        STR_MAP,
        lambda d: {str(p["emp"]): p["name"].lower().replace(" ", ".") for p in d["staff"]},
        "string + integer keys",
        "roster",
    ),
}


# -- cases -----------------------------------------------------------------------------------------------
def _labels(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {json.dumps(v, sort_keys=True) for v in value.values()}
    return {json.dumps(value, sort_keys=True)}


def _visible_ok(bench: Bench, docs: list[dict[str, Any]]) -> bool:
    """The visible answers are not all the same, and every label of a classification shows."""
    try:
        outs = [bench.reference(d) for d in docs]
    except (ValueError, ZeroDivisionError, StopIteration):
        return False
    if len({json.dumps(o, sort_keys=True) for o in outs}) < 2:
        return False
    enum = (bench.schema.get("additionalProperties") or bench.schema).get("enum")
    return not enum or set().union(*(_labels(o) for o in outs)) == {json.dumps(e) for e in enum}


def visible_docs(bench: Bench, rng: random.Random) -> list[dict[str, Any]]:
    make = MAKERS[bench.domain][0]
    for _attempt in range(5000):
        docs = [make(rng, n) for n in (6, 4, 5, 7, 3)]
        if _visible_ok(bench, docs):
            return docs
    raise RuntimeError(f"no visible cases found for {bench.description!r}")


def hidden_docs(bench: Bench, rng: random.Random) -> list[dict[str, Any]]:
    make = MAKERS[bench.domain][0]
    docs = [make(rng, 9, tie=True), make(rng, 12), make(rng, 1), make(rng, 8, tie=True), make(rng, 14)]
    if bench.empty_ok:
        docs.append(make(rng, 0))
    return docs


def main() -> None:
    for seed, (name, bench) in enumerate(sorted(SPECS.items())):
        rng = random.Random(9100 + seed)
        visible, hidden = visible_docs(bench, rng), hidden_docs(bench, rng)

        def case(label: str, i: int, doc: dict[str, Any], bench: Bench = bench) -> dict[str, Any]:
            return {"name": f"{label}_{i + 1}", "input": doc, "expected": {bench.port: bench.reference(doc)}}

        spec = {
            "name": name,
            "description": bench.description,
            "inputs": MAKERS[bench.domain][1],
            "outputs": {bench.port: bench.schema},
            "constraints": ["deterministic", "schema_validated", "pure"],
            "tests": [case("golden", i, d) for i, d in enumerate(visible)],
        }
        parse_spec(spec, source=name)
        _write(HERE / f"{name}.json", spec)
        _write(HERE / f"{name}.hidden.json", [case("hidden", i, d) for i, d in enumerate(hidden)])
    print(f"wrote {len(SPECS)} specs to {HERE}")


def _write(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
