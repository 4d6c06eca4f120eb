"""Generate the *fresh* synthesis benchmark: ``<name>.json`` (five visible cases) + ``<name>.hidden.json``.

A second held-out set. ``benchmarks/synth_unseen/`` was held out until its first run, then its misses
guided general fixes to the search, so its later figure is no longer a measure of generalisation. This
set was written after those fixes and committed before the synthesizer was first run on it; it is the
check that the fixes were general. Four more documents, with other names again:

- a **warehouse inventory**: one port ``items``, a bare list (``sku``, ``name``, ``stock``,
  ``reorderLevel``, ``unitCost``, ``bin``, ``lastCounted``) plus a port ``as_of`` (a date);
- a **gradebook**: one port ``course`` (``title``, ``passMark``, ``students`` with integer ``sid``,
  ``submissions`` pointing at a ``sid`` with ``task`` and ``score``);
- a **fleet log**: ports ``vehicles`` (``plate``, ``model``, ``odometer``, ``serviceEvery``,
  ``lastServiceKm``) and ``services`` (``plate``, ``date``, ``cost``, ``garage``);
- **event bookings**: one port ``venue`` (``events`` with ``code``, ``capacity``, ``price``, ``date``;
  ``bookings`` with ``ref``, ``event``, ``seats``, ``channel``).

The same shapes as the issue names; the same author's care only (visible answers not all the same,
every label shows). Run ``python benchmarks/synth_fresh/_make.py`` to rewrite the files (reproducible).
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
NUM, INT, STR = {"type": "number"}, {"type": "integer"}, {"type": "string"}
NUM_MAP = {"type": "object", "additionalProperties": NUM}
STR_MAP = {"type": "object", "additionalProperties": STR}
STR_LIST = {"type": "array", "items": STR}
NULL_STR = {"type": ["string", "null"]}


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(props), "properties": props}


def enum_map(*labels: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": "string", "enum": list(labels)}}


def _sums(items: list[Any], key: Callable[[Any], Any], value: Callable[[Any], Any]) -> dict[Any, Any]:
    """Per-key sums (or concatenated lists, when ``value`` gives lists) in first-seen order."""
    out: dict[Any, Any] = {}
    for x in items:
        v = value(x)
        out[key(x)] = out.get(key(x), [] if isinstance(v, list) else 0) + v
    return out


def _key_of_max(d: dict[Any, Any]) -> Any:
    return max(d, key=d.__getitem__) if d else None


def _days(a: str, b: str) -> int:
    return (date.fromisoformat(b) - date.fromisoformat(a)).days


# -- documents -------------------------------------------------------------------------------------------
PRODUCTS = [
    "Blue Widget",
    "Steel Hinge",
    "Oak Shelf",
    "Glass Jar",
    "Rubber Mat",
    "Brass Knob",
    "Paper Roll",
    "Wool Rug",
]
ITEM = obj(sku=STR, name=STR, stock=INT, reorderLevel=INT, unitCost=NUM, bin=STR, lastCounted=DATE)
INVENTORY = {"items": {"type": "array", "items": ITEM}, "as_of": DATE}


def make_inventory(rng: random.Random, n: int, tie: bool = False) -> dict[str, Any]:
    as_of = date(2025, 5, 1) + timedelta(days=rng.randrange(0, 200))
    items = [
        {
            "sku": f"SKU-{rng.randrange(1000, 9999)}{i}",
            "name": rng.choice(PRODUCTS),
            "stock": rng.randrange(0, 120),
            "reorderLevel": rng.choice([10, 20, 25, 40]),
            "unitCost": rng.randrange(50, 5000) / 100,
            "bin": rng.choice(["A1", "A2", "B1", "C3"]),
            "lastCounted": (as_of - timedelta(days=rng.randrange(0, 120))).isoformat(),
        }
        for i in range(n)
    ]
    if tie and len(items) >= 3:
        items[-1]["stock"] = max(i["stock"] for i in items)
    return {"items": items, "as_of": as_of.isoformat()}


STUDENT = obj(sid=INT, name=STR)
SUBMISSION = obj(sid=INT, task=STR, score=NUM)
GRADEBOOK = {
    "course": obj(
        title=STR,
        passMark=NUM,
        students={"type": "array", "items": STUDENT},
        submissions={"type": "array", "items": SUBMISSION},
    )
}
PUPILS = ["Ada", "Ben", "Cleo", "Dan", "Eli", "Fay", "Gil"]


def make_gradebook(rng: random.Random, n: int, tie: bool = False) -> dict[str, Any]:
    names = rng.sample(PUPILS, rng.choice([2, 3, 4]))
    students = [
        {"sid": sid, "name": name}
        for sid, name in zip(rng.sample(range(1000, 9999), len(names)), names, strict=True)
    ]
    subs = [
        {
            "sid": rng.choice(students)["sid"],
            "task": f"hw{rng.randrange(1, 6)}",
            "score": float(rng.randrange(20, 101)),
        }
        for _ in range(n)
    ]
    if tie and len(subs) >= 3:
        subs[-1]["score"] = max(s["score"] for s in subs)
    return {
        "course": {
            "title": "Course",
            "passMark": float(rng.choice([50, 60])),
            "students": students,
            "submissions": subs,
        }
    }


PLATES = ["KA-101", "KA-202", "BX-330", "BX-441", "ZZ-909"]
VEHICLE = obj(plate=STR, model=STR, odometer=INT, serviceEvery=INT, lastServiceKm=INT)
SERVICE = obj(plate=STR, date=DATE, cost=NUM, garage=STR)
FLEET = {"vehicles": {"type": "array", "items": VEHICLE}, "services": {"type": "array", "items": SERVICE}}


def make_fleet(rng: random.Random, n: int, tie: bool = False) -> dict[str, Any]:
    vehicles = []
    for plate in rng.sample(PLATES, rng.choice([2, 3, 4])):
        last = rng.randrange(10_000, 90_000, 500)
        vehicles.append(
            {
                "plate": plate,
                "model": rng.choice(["Van", "Truck", "Car"]),
                "odometer": last + rng.randrange(0, 25_000, 100),
                "serviceEvery": rng.choice([10_000, 15_000]),
                "lastServiceKm": last,
            }
        )
    start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 300))
    services = [
        {
            "plate": rng.choice(vehicles)["plate"],
            "date": (start + timedelta(days=rng.randrange(0, 200))).isoformat(),
            "cost": float(rng.randrange(80, 1500)),
            "garage": rng.choice(["North", "South", "Depot"]),
        }
        for _ in range(n)
    ]
    if tie and len(services) >= 3:
        services[-1]["cost"] = max(s["cost"] for s in services)
    return {"vehicles": vehicles, "services": services}


EVENT = obj(code=STR, title=STR, capacity=INT, price=NUM, date=DATE)
BOOKING = obj(ref=STR, event=STR, seats=INT, channel={"type": "string", "enum": ["web", "phone", "desk"]})
VENUE = {
    "venue": obj(
        name=STR, events={"type": "array", "items": EVENT}, bookings={"type": "array", "items": BOOKING}
    )
}
SHOWS = ["Jazz Night", "Poetry Slam", "Film Club", "Chess Open", "Wine Tasting"]


def make_venue(rng: random.Random, n: int, tie: bool = False) -> dict[str, Any]:
    day = date(2025, 6, 1) + timedelta(days=rng.randrange(0, 90))
    events = [
        {
            "code": f"EV{i + 1}",
            "title": t,
            "capacity": rng.choice([20, 40, 60]),
            "price": float(rng.choice([10, 15, 22.5, 30])),
            "date": (day + timedelta(days=7 * i)).isoformat(),
        }
        for i, t in enumerate(rng.sample(SHOWS, rng.choice([2, 3, 4])))
    ]
    bookings = [
        {
            "ref": f"B{rng.randrange(100, 999)}{i}",
            "event": rng.choice(events)["code"],
            "seats": rng.randrange(1, 9),
            "channel": rng.choice(["web", "phone", "desk"]),
        }
        for i in range(n)
    ]
    if tie and len(bookings) >= 3:
        bookings[-1]["seats"] = max(b["seats"] for b in bookings)
    return {"venue": {"name": "Hall", "events": events, "bookings": bookings}}


MAKERS: dict[str, tuple[Callable[..., dict[str, Any]], dict[str, Any]]] = {
    "inventory": (make_inventory, INVENTORY),
    "gradebook": (make_gradebook, GRADEBOOK),
    "fleet": (make_fleet, FLEET),
    "venue": (make_venue, VENUE),
}


@dataclass
class Bench:
    description: str
    port: str
    schema: dict[str, Any]
    reference: Callable[[dict[str, Any]], Any]
    shape: str
    domain: str
    empty_ok: bool = True


def _c(d: dict[str, Any]) -> dict[str, Any]:
    return d["course"]  # type: ignore[no-any-return]


def _v(d: dict[str, Any]) -> dict[str, Any]:
    return d["venue"]  # type: ignore[no-any-return]


def _event(d: dict[str, Any], code: str) -> dict[str, Any]:
    return next(e for e in _v(d)["events"] if e["code"] == code)


def _booked(d: dict[str, Any], code: str) -> int:
    return sum(b["seats"] for b in _v(d)["bookings"] if b["event"] == code)


SPECS: dict[str, Bench] = {
    # inventory
    "reorder_skus": Bench(
        "SKUs of the items whose stock is below their reorderLevel, in list order.",
        "skus",
        STR_LIST,
        lambda d: [i["sku"] for i in d["items"] if i["stock"] < i["reorderLevel"]],
        "filter",
        "inventory",
    ),
    "stock_value": Bench(
        "Total stock value: the sum over items of stock times unitCost, rounded to 2 decimals.",
        "value",
        NUM,
        lambda d: round(sum(i["stock"] * i["unitCost"] for i in d["items"]), 2),
        "aggregate of products",
        "inventory",
    ),
    "stock_levels": Bench(
        'Stock level of every item by sku: "out" when stock is 0, "low" when it is under 25, else "ok".',
        "levels",
        enum_map("out", "low", "ok"),
        lambda d: {
            i["sku"]: "out" if i["stock"] == 0 else "low" if i["stock"] < 25 else "ok" for i in d["items"]
        },
        "classification",
        "inventory",
    ),
    "days_since_count": Bench(
        "Days since each item was last counted, up to the as_of date, by sku.",
        "days",
        NUM_MAP,
        lambda d: {i["sku"]: _days(i["lastCounted"], d["as_of"]) for i in d["items"]},
        "dates",
        "inventory",
    ),
    "fullest_bin": Bench(
        "The bin holding the most stock in total (the first seen on a tie).",
        "bin",
        NULL_STR,
        lambda d: _key_of_max(_sums(d["items"], lambda i: i["bin"], lambda i: i["stock"])),
        "argmax of group sums",
        "inventory",
    ),
    "item_labels": Bench(
        'A label per item, in list order: its sku, ": ", then its name in upper case.',
        "labels",
        STR_LIST,
        lambda d: [f"{i['sku']}: {i['name'].upper()}" for i in d["items"]],
        "string",
        "inventory",
    ),
    # gradebook
    "student_averages": Bench(
        "Mean score of each student's submissions, by student name, rounded to 1 decimal "
        "(students without submissions left out).",
        "means",
        NUM_MAP,
        lambda d: {
            s["name"]: round(sum(x) / len(x), 1)
            for s in _c(d)["students"]
            if (x := [b["score"] for b in _c(d)["submissions"] if b["sid"] == s["sid"]])
        },
        "join + mean",
        "gradebook",
    ),
    "failed_count": Bench(
        "Number of submissions scoring below the course's passMark.",
        "count",
        INT,
        lambda d: sum(1 for b in _c(d)["submissions"] if b["score"] < _c(d)["passMark"]),
        "count with a field threshold",
        "gradebook",
    ),
    "best_score_per_task": Bench(
        "The highest score per task.",
        "best",
        NUM_MAP,
        lambda d: {
            k: max(v)
            for k, v in _sums(_c(d)["submissions"], lambda b: b["task"], lambda b: [b["score"]]).items()
        },
        "group max",
        "gradebook",
    ),
    "top_student": Bench(
        "Name of the student whose submissions add up to the highest total score (the first "
        "listed on a tie).",
        "name",
        NULL_STR,
        lambda d: max(
            _c(d)["students"],
            key=lambda s: sum(b["score"] for b in _c(d)["submissions"] if b["sid"] == s["sid"]),
        )["name"],
        "argmax over a join",
        "gradebook",
        empty_ok=False,
    ),
    "pass_rate": Bench(
        "Percentage of submissions that reach the passMark, rounded to 1 decimal.",
        "rate",
        NUM,
        lambda d: round(
            sum(1 for b in _c(d)["submissions"] if b["score"] >= _c(d)["passMark"])
            / len(_c(d)["submissions"])
            * 100,
            1,
        ),
        "share",
        "gradebook",
        empty_ok=False,
    ),
    # fleet
    "km_to_service": Bench(
        "Kilometres until each vehicle's next service, by plate: lastServiceKm plus "
        "serviceEvery minus odometer; 0 when overdue.",
        "km",
        NUM_MAP,
        lambda d: {
            v["plate"]: max(0, v["lastServiceKm"] + v["serviceEvery"] - v["odometer"]) for v in d["vehicles"]
        },
        "weighted sum + bound",
        "fleet",
    ),
    "service_cost_by_model": Bench(
        "Total service cost per vehicle model.",
        "costs",
        NUM_MAP,
        lambda d: _sums(
            d["services"],
            lambda s: next(v["model"] for v in d["vehicles"] if v["plate"] == s["plate"]),
            lambda s: s["cost"],
        ),
        "join + group sum",
        "fleet",
    ),
    "priciest_garage_total": Bench(
        "The largest total service cost at any one garage.",
        "total",
        NUM,
        lambda d: max(_sums(d["services"], lambda s: s["garage"], lambda s: s["cost"]).values()),
        "max of group sums",
        "fleet",
        empty_ok=False,
    ),
    "last_service_dates": Bench(
        "The latest service date of each vehicle, by plate (vehicles never serviced left out).",
        "last",
        STR_MAP,
        lambda d: {
            k: max(v) for k, v in _sums(d["services"], lambda s: s["plate"], lambda s: [s["date"]]).items()
        },
        "group max of dates",
        "fleet",
    ),
    "expensive_service_count": Bench(
        "How many services cost more than 900.",
        "count",
        INT,
        lambda d: sum(1 for s in d["services"] if s["cost"] > 900),
        "count + description constant",
        "fleet",
    ),
    # venue
    "event_fill": Bench(
        "Seats booked for each event as a percentage of its capacity, by event code, rounded to 1 decimal.",
        "fill",
        NUM_MAP,
        lambda d: {e["code"]: round(_booked(d, e["code"]) / e["capacity"] * 100, 1) for e in _v(d)["events"]},
        "join + share",
        "venue",
    ),
    "sold_out_status": Bench(
        'For every event, by title: "full" when its bookings reach its capacity, else "open".',
        "status",
        enum_map("open", "full"),
        lambda d: {
            e["title"]: "full" if _booked(d, e["code"]) >= e["capacity"] else "open" for e in _v(d)["events"]
        },
        "join + nested aggregate + conditional",
        "venue",
    ),
    "booking_revenue": Bench(
        "Revenue of each booking, by ref: its seats times its event's price.",
        "revenue",
        NUM_MAP,
        lambda d: {b["ref"]: b["seats"] * _event(d, b["event"])["price"] for b in _v(d)["bookings"]},
        "join + product",
        "venue",
    ),
    "web_seat_share": Bench(
        "Share of the booked seats that were booked on the web, in percent, rounded to 1 decimal.",
        "share",
        NUM,
        lambda d: round(
            sum(b["seats"] for b in _v(d)["bookings"] if b["channel"] == "web")
            / sum(b["seats"] for b in _v(d)["bookings"])
            * 100,
            1,
        ),
        "share of a conditional total",
        "venue",
        empty_ok=False,
    ),
    "biggest_booking": Bench(
        "Ref of the booking with the most seats (the first listed on a tie).",
        "ref",
        NULL_STR,
        lambda d: max(_v(d)["bookings"], key=lambda b: b["seats"])["ref"] if _v(d)["bookings"] else None,
        "argmax",
        "venue",
    ),
    "event_slugs": Bench(
        "Each event's title in lower case with spaces replaced by hyphens, by code.",
        "slugs",
        STR_MAP,
        lambda d: {e["code"]: e["title"].lower().replace(" ", "-") for e in _v(d)["events"]},
        "slug",
        "venue",
    ),
}


def _labels(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {json.dumps(v, sort_keys=True) for v in value.values()}
    return {json.dumps(value, sort_keys=True)}


def _visible_ok(bench: Bench, docs: list[dict[str, Any]]) -> bool:
    try:
        outs = [bench.reference(d) for d in docs]
    except (ValueError, ZeroDivisionError, StopIteration):
        return False
    if len({json.dumps(o, sort_keys=True) for o in outs}) < 2:
        return False
    enum = (bench.schema.get("additionalProperties") or bench.schema).get("enum")
    return not enum or set().union(*(_labels(o) for o in outs)) == {json.dumps(e) for e in enum}


def main() -> None:
    for seed, (name, bench) in enumerate(sorted(SPECS.items())):
        rng = random.Random(7300 + seed)
        make, inputs = MAKERS[bench.domain]
        for _attempt in range(5000):
            visible = [make(rng, n) for n in (6, 4, 5, 7, 3)]
            if _visible_ok(bench, visible):
                break
        else:
            raise RuntimeError(f"no visible cases for {name}")
        hidden = [make(rng, 9, tie=True), make(rng, 12), make(rng, 1), make(rng, 8, tie=True), make(rng, 14)]
        if bench.empty_ok:
            hidden.append(make(rng, 0))

        def case(label: str, i: int, doc: dict[str, Any], bench: Bench = bench) -> dict[str, Any]:
            return {"name": f"{label}_{i + 1}", "input": doc, "expected": {bench.port: bench.reference(doc)}}

        spec = {
            "name": name,
            "description": bench.description,
            "inputs": inputs,
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
