"""Which releases are offered as tools: filtered, best-ranked per capability, allowed by the policy.

The candidates are the hub's approved releases whose tier the policy serves over MCP (``[mcp] tiers``,
within ``allowed_tiers``), narrowed by ``--capability``, ``--tier`` and ``--tag``. Per capability the
best-ranked release (``plugsmith.ranking``: reliability, quality, adoption, safety) that the gatekeeper
lets load becomes the tool. Releases a client asked for with ``request_capability`` are added on top
(still subject to the policy). The offer is recomputed when the hub's releases change; a cheap
fingerprint of the releases table tells when.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plugsmith.errors import BadInput, PlugsmithError
from plugsmith.mcp._schema import ports_schema, validator
from plugsmith.ranking import newest_per_plugin, rank, usage_stats
from plugsmith.spec import Status, Tier

if TYPE_CHECKING:
    import jsonschema

    from plugsmith.governance import Gatekeeper
    from plugsmith.hub import Hub, Release

REQUEST_TOOL = "request_capability"
MAX_CANDIDATES = 100_000


def parse_tier(value: str) -> Tier:
    """``1``, ``tier1`` or ``Tier 1``; anything else is a one-line BadInput."""
    digit = value.strip().lower().replace("tier", "").strip()
    for tier in Tier:
        if str(tier.rank) == digit:
            return tier
    raise BadInput(f"unknown tier {value!r}", subject="--tier", hint="use 0, 1 or 2 (or 'Tier 1')")


@dataclass(frozen=True)
class Filters:
    """``--capability``, ``--tier`` and ``--tag`` (each repeatable; empty means no restriction)."""

    capabilities: frozenset[str] = frozenset()
    tiers: frozenset[Tier] = frozenset()
    tags: frozenset[str] = frozenset()

    def admits(self, release: Release) -> bool:
        if self.capabilities and release.capability not in self.capabilities:
            return False
        if self.tiers and release.tier not in self.tiers:
            return False
        return not self.tags or bool(self.tags & {k.lower() for k in release.manifest.keywords})


@dataclass
class Offer:
    """One tool: the release behind it and its schemas (validators compiled once)."""

    release: Release
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    requested: bool = False
    _input_check: jsonschema.Draft202012Validator | None = field(default=None, repr=False)
    _output_check: jsonschema.Draft202012Validator | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.release.name

    @property
    def description(self) -> str:
        rel = self.release
        what = rel.manifest.description.strip() or f"Computes {rel.capability}."
        tier = rel.tier.value if rel.tier else "untiered"
        return (f"{what} (plugsmith plugin {rel.ref}, capability {rel.capability}, {tier}; runs in a "
                "sandbox; every call is checked by the hub's governance policy.)")

    @property
    def input_check(self) -> jsonschema.Draft202012Validator:
        if self._input_check is None:
            self._input_check = validator(self.input_schema)
        return self._input_check

    @property
    def output_check(self) -> jsonschema.Draft202012Validator:
        if self._output_check is None:
            self._output_check = validator(self.output_schema)
        return self._output_check


def make_offer(release: Release, *, requested: bool = False) -> Offer:
    return Offer(release, ports_schema(release.manifest.inputs), ports_schema(release.manifest.outputs),
                 requested=requested)


def fingerprint(hub: Hub) -> tuple[Any, ...]:
    """Changes whenever a release is published or changes status (cheap: one aggregate query)."""
    import sqlalchemy as sa

    engine = getattr(hub, "engine", None)
    if engine is None:  # a remote hub: compare what it lists
        return tuple(sorted((r.ref, r.status.value) for r in hub.search(limit=MAX_CANDIDATES)))
    query = sa.text("SELECT count(*), max(id), max(updated_at) FROM releases")
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return tuple(row)


class Catalog:
    """The current offer, recomputed on demand; thread-safe."""

    def __init__(self, hub: Hub, keeper: Gatekeeper, filters: Filters | None = None,
                 warn: Callable[[str], None] | None = None) -> None:
        self.hub, self.keeper = hub, keeper
        self.filters = filters or Filters()
        self.warn: Callable[[str], None] = warn or (lambda _msg: None)
        self.offers: dict[str, Offer] = {}
        self.requested: set[str] = set()   # refs asked for with request_capability
        self._print: tuple[Any, ...] | None = None
        self._lock = threading.Lock()

    @property
    def served_tiers(self) -> set[Tier]:
        policy = self.keeper.policy
        tiers = set(policy.mcp_tiers) & set(policy.allowed_tiers)
        return tiers & set(self.filters.tiers) if self.filters.tiers else tiers

    def servable(self, release: Release) -> str | None:
        """Why the policy will not serve this release over MCP (status and tier), or None."""
        if release.status != Status.approved:
            return f"{release.ref} is {release.status.value}"
        if release.tier not in self.served_tiers:
            tier = release.tier.value if release.tier else "untiered"
            served = ", ".join(sorted(t.value for t in self.served_tiers)) or "none"
            return f"{release.ref} is {tier}; this server offers {served} (policy [mcp] tiers, --tier)"
        return None

    def _candidates(self) -> list[Release]:
        if self.filters.capabilities:
            found: list[Release] = []
            for capability in sorted(self.filters.capabilities):
                found += self.hub.search(capability=capability, status=Status.approved, limit=MAX_CANDIDATES)
        else:
            found = self.hub.search(status=Status.approved, limit=MAX_CANDIDATES)
        return [r for r in found if self.filters.admits(r) and self.servable(r) is None]

    def _choose(self, candidates: Iterable[Release]) -> dict[str, Offer]:
        ranked = rank(newest_per_plugin(candidates), usage_stats(self.hub.events()))
        chosen: dict[str, Offer] = {}
        done: set[str] = set()
        for item in ranked:
            release = item.release
            if release.capability in done:
                continue
            if release.name == REQUEST_TOOL:
                self.warn(f"{release.ref} is not offered: its name is the built-in {REQUEST_TOOL} tool's")
                continue
            if self.keeper.check(release).allowed:
                chosen[release.name] = make_offer(release)
                done.add(release.capability)
        return chosen

    def _requested(self, chosen: dict[str, Offer]) -> None:
        for ref in sorted(self.requested):
            try:
                release = self.hub.get(ref)
            except PlugsmithError:
                continue
            if release.name in chosen or self.servable(release) is not None:
                continue
            if self.keeper.check(release, pinned=True).allowed:
                chosen[release.name] = make_offer(release, requested=True)

    def refresh(self, *, force: bool = False) -> bool:
        """Recompute the offer if the hub changed (or ``force``); True when the tool list changed."""
        with self._lock:
            current = fingerprint(self.hub)
            if not force and current == self._print:
                return False
            chosen = self._choose(self._candidates())
            self._requested(chosen)
            before = {name: o.release.checksum for name, o in self.offers.items()}
            self.offers, self._print = chosen, current
            return before != {name: o.release.checksum for name, o in chosen.items()}

    def add_requested(self, release: Release) -> str | None:
        """Offer a release a client asked for; why not (policy), or None once it is offered."""
        why = self.servable(release)
        if why is not None:
            return why
        decision = self.keeper.check(release, pinned=True)
        if not decision.allowed:
            return decision.reason
        with self._lock:
            self.requested.add(release.ref)
            existing = self.offers.get(release.name)
            if existing is None or existing.release.checksum != release.checksum:
                self.offers = {**self.offers, release.name: make_offer(release, requested=True)}
        return None

    def get(self, name: str) -> Offer | None:
        return self.offers.get(name)


__all__ = ["REQUEST_TOOL", "Catalog", "Filters", "Offer", "fingerprint", "make_offer", "parse_tier"]
