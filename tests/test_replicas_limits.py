"""State two replicas of one hub share: rate limits, token revocation, review decisions, leases.

Two server apps are built on one database (SQLite here, a real PostgreSQL where marked) — two replicas
in one process, each with its own engine, caches and memory — and requests alternate between them.
The real-process proof (two ``plugsmith serve`` on PostgreSQL) is tests/test_replicas.py.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from plugsmith.errors import BadInput, WorkFailed
from plugsmith.hub import Hub, Lease
from plugsmith.server import ServerSettings, create_app
from plugsmith.server._limits import Rate, parse_rate
from test_server_helpers import SyncASGITransport, double_validator

pytest_plugins = ["_postgres", "test_hub_helpers"]  # db_url: SQLite and a real PostgreSQL


class Replica:
    def __init__(self, url: str, rates: dict[str, Rate]) -> None:
        self.hub = Hub.open(url)
        settings = ServerSettings(db_url=url, validator=double_validator, rates=rates,
                                  sensitive_capabilities=set(), key_secret=b"one secret for both replicas")
        self.app = create_app(settings, hub=self.hub)
        self.client = httpx.Client(transport=SyncASGITransport(self.app), base_url="http://hub.test")

    def close(self) -> None:
        self.client.close()
        self.hub.close()


@pytest.fixture
def pair(db_url: str) -> Iterator[tuple[Replica, Replica]]:
    rates = {"write": Rate(4, 3600), "auth-failure": Rate(3, 3600), "publish": Rate(2, 3600)}
    a, b = Replica(db_url, rates), Replica(db_url, rates)
    yield a, b
    a.close()
    b.close()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


EVENTS = {"events": [{"kind": "gap", "capability": "cost_total"}]}


def test_write_limit_holds_across_replicas(pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    _, secret = a.app.state.store.create_token("publisher", "ci")
    codes = [(a if n % 2 else b).client.post("/api/v1/events", json=EVENTS, headers=bearer(secret))
             .status_code for n in range(6)]
    assert codes == [202, 202, 202, 202, 429, 429]
    refused = b.client.post("/api/v1/events", json=EVENTS, headers=bearer(secret))
    error = refused.json()["error"]
    assert error["slug"] == "rate-limited" and "4 per 3600 s across every replica" in error["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 3600 and error["retry_after_s"] > 0
    _, other = b.app.state.store.create_token("publisher", "other")  # the limit is per token
    assert a.client.post("/api/v1/events", json=EVENTS, headers=bearer(other)).status_code == 202
    assert len(a.hub.events("gap")) == 5  # what was refused was not recorded


def test_auth_failures_are_counted_per_address_across_replicas(pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    _, good = a.app.state.store.create_token("publisher", "ci")
    codes = [(a if n % 2 else b).client.post("/api/v1/events", json=EVENTS, headers=bearer(f"psk_wrong{n}"))
             .status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    # past the limit, the address is refused before its token is looked up: even a good one, on either
    assert a.client.post("/api/v1/events", json=EVENTS, headers=bearer(good)).status_code == 429
    form = b.client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    page = b.client.post("/login", data={"token": good, "csrf": csrf.group(1)})
    assert page.status_code == 429 and "across every replica" in page.text


def test_publish_limit_is_per_token_and_shared(pair: tuple[Replica, Replica], tmp_path: Path) -> None:
    from test_server_helpers import archive_of, make_plugin

    a, b = pair
    _, secret = a.app.state.store.create_token("publisher", "ci")
    headers = {**bearer(secret), "Content-Type": "application/gzip"}
    archives = [archive_of(make_plugin(tmp_path, f"cost_{n}")) for n in range(3)]
    codes = [(a if n % 2 else b).client.post("/api/v1/publish", headers=headers, content=data).status_code
             for n, data in enumerate(archives)]
    assert codes == [201, 201, 429]
    assert [r.name for r in a.hub.search("", limit=10)] == ["cost_1", "cost_0"]


def test_a_token_revoked_on_one_replica_is_refused_by_the_other(pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    info, secret = a.app.state.store.create_token("publisher", "ci")
    assert b.client.post("/api/v1/events", json=EVENTS, headers=bearer(secret)).status_code == 202
    a.app.state.store.revoke_token(info.id)
    refused = b.client.post("/api/v1/events", json=EVENTS, headers=bearer(secret))
    assert refused.status_code == 401 and refused.json()["error"]["slug"] == "unauthorized"


def test_a_decision_applies_only_while_the_release_is_still_pending(db_url: str, tmp_path: Path) -> None:
    from plugsmith.errors import StateConflict
    from plugsmith.spec import Status, Tier
    from test_server_helpers import make_plugin

    with Hub.open(db_url) as hub:
        release = hub.publish(make_plugin(tmp_path), status=Status.pending_review, tier=Tier.tier2)
        hub.set_status(release.ref, Status.approved, only_from=Status.pending_review)
        with pytest.raises(StateConflict, match="no longer pending_review"):  # a second reviewer, later
            hub.set_status(release.ref, Status.rejected, only_from=Status.pending_review)
        assert hub.get(release.ref).status == Status.approved
        assert [e["outcome"] for e in hub.events("status")] == ["approved"]


def test_rates_parse_and_bad_rates_are_bad_input() -> None:
    assert parse_rate("publish=30/60") == ("publish", Rate(30, 60))
    assert parse_rate(" auth-failure=5/10s ") == ("auth-failure", Rate(5, 10))
    for bad in ("publish=30", "reads=1/1", "write=1/0", "write=-1/60", "publish=1/60/2"):
        with pytest.raises(BadInput, match="not a rate"):
            parse_rate(bad)


def test_a_lease_is_held_by_one_process_and_taken_over_when_its_holder_died(db_url: str) -> None:
    one, two = Hub.open(db_url), Hub.open(db_url)
    try:
        first = Lease(one.engine, "synth:x", ttl_s=30).acquire(wait_s=1)
        assert first.held_by() == first.holder
        with pytest.raises(WorkFailed, match="another process has been working on synth:x"):
            Lease(two.engine, "synth:x", ttl_s=30).acquire(wait_s=0.3, poll_s=0.05)
        got: list[float] = []

        def wait_for_it() -> None:
            with Lease(two.engine, "synth:x", ttl_s=30).acquire(wait_s=10, poll_s=0.05):
                got.append(time.monotonic())

        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        time.sleep(0.3)
        released = time.monotonic()
        first.release()
        waiter.join(timeout=10)
        assert got and got[0] >= released  # the second holder got it only after the first let go
        dead = Lease(one.engine, "synth:y", ttl_s=0.2)
        assert dead._try()  # taken, then never renewed: its holder "died"
        time.sleep(0.4)
        with Lease(two.engine, "synth:y", ttl_s=30).acquire(wait_s=1, poll_s=0.05) as taker:
            assert taker.held_by() == taker.holder
    finally:
        one.close()
        two.close()


@pytest.mark.postgres
def test_one_spec_asked_of_two_replicas_at_once_is_synthesized_once(postgres_url: str) -> None:
    """The synthesis rate limit per spec hash holds across processes: the second waits for the first's
    lease, then finds its plugin (reused) instead of synthesizing again."""
    from plugsmith.spec import load_spec
    from plugsmith.synth import synthesize

    spec = load_spec(Path(__file__).resolve().parents[1] / "examples" / "specs" / "cost_per_owner.json")
    hubs = [Hub.open(postgres_url), Hub.open(postgres_url)]
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def ask(hub: Hub) -> None:
        start.wait()
        outcomes.append(synthesize(spec, hub))

    try:
        threads = [threading.Thread(target=ask, args=(hub,)) for hub in hubs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(hubs[0].events("synthesis")) == 1
        assert sorted(str(o.status.value) for o in outcomes) == ["approved", "reused"]
        assert len(hubs[1].versions(spec.name)) == 1
    finally:
        for hub in hubs:
            hub.close()
