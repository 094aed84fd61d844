"""Source leases: claims, fencing, release and expiry, on the database's clock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from service.db import make_session_factory
from service.store import leases
from service.store import sources as source_store
from service.store.leases import StaleFence
from tests.conftest import truncate_all
from tests.service.sync import mirror

TTL = timedelta(minutes=2)


@pytest.fixture
def source(sessions) -> str:
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")
    return "demo"


def claim(sessions, owner: str, ttl: timedelta = TTL, source: str = "demo"):
    with sessions.begin() as session:
        return leases.claim(session, source, owner, ttl)


def test_the_first_claim_gets_fence_1_until_the_ttl_on_the_database_clock(sessions, source):
    held = claim(sessions, "a")

    assert held is not None
    assert (held.owner, held.fence) == ("a", 1)
    with sessions() as session:
        now = leases.database_now(session)
    lease = mirror.lease(sessions)
    assert lease is not None
    assert lease.lease_until is not None
    assert TTL - timedelta(seconds=10) < lease.lease_until - now <= TTL


def test_a_held_lease_cannot_be_claimed_by_anyone(sessions, source):
    assert claim(sessions, "a") is not None

    assert claim(sessions, "b") is None
    assert claim(sessions, "a") is None


def test_a_released_lease_is_claimed_with_the_next_fence(sessions, source):
    first = claim(sessions, "a")
    with sessions.begin() as session:
        assert leases.release(session, first)

    second = claim(sessions, "b")

    assert second is not None
    assert second.fence == 2


def test_after_the_ttl_another_owner_claims_and_the_old_fence_is_stale(sessions, source):
    old = claim(sessions, "a")
    mirror.expire_leases(sessions)

    new = claim(sessions, "b")

    assert new is not None
    assert new.fence == old.fence + 1
    with pytest.raises(StaleFence), sessions.begin() as session:
        leases.renew(session, old, TTL)
    with sessions.begin() as session:
        assert not leases.release(session, old)
    assert mirror.lease(sessions).owner == "b"


def test_an_expired_lease_nobody_claimed_is_still_the_holders_to_renew(sessions, source):
    held = claim(sessions, "a")
    mirror.expire_leases(sessions)

    with sessions.begin() as session:
        leases.renew(session, held, TTL)

    assert claim(sessions, "b") is None


def test_renewing_extends_the_lease(sessions, source):
    held = claim(sessions, "a", ttl=timedelta(seconds=30))
    before = mirror.lease(sessions).lease_until

    with sessions.begin() as session:
        leases.renew(session, held, timedelta(hours=1))

    assert mirror.lease(sessions).lease_until >= before + timedelta(minutes=59)


def test_held_sources_lists_live_leases_only(sessions, source):
    with sessions.begin() as session:
        for name in ("released", "expired"):
            source_store.ensure(session, name, "scripted")
    claim(sessions, "a")
    released = claim(sessions, "a", source="released")
    with sessions.begin() as session:
        leases.release(session, released)

    with sessions() as session:
        assert leases.held_sources(session, ["demo", "released", "never"]) == {"demo"}
    mirror.expire_leases(sessions)
    with sessions() as session:
        assert leases.held_sources(session, ["demo"]) == set()


@pytest.fixture
def pg_sessions(postgres_engine):
    """PostgreSQL only: concurrent claims and row locks (SQLite is single-replica)."""
    truncate_all(postgres_engine)
    sessions = make_session_factory(postgres_engine)
    with sessions.begin() as session:
        source_store.ensure(session, "demo", "scripted")
    yield sessions
    truncate_all(postgres_engine)


@pytest.mark.postgres
def test_many_replicas_claiming_at_once_get_exactly_one_lease(pg_sessions):
    sessions = pg_sessions
    start = threading.Barrier(8)
    won: list[int] = []

    def replica(number: int) -> None:
        start.wait()
        held = claim(sessions, f"replica-{number}")
        if held is not None:
            won.append(held.fence)

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert won == [1]


@pytest.mark.postgres
def test_a_claim_skips_a_lease_whose_holder_is_committing_a_page(pg_sessions):
    sessions = pg_sessions
    held = claim(sessions, "a")
    mirror.expire_leases(sessions)
    with sessions.begin() as page:
        leases.renew(page, held, TTL)  # the page transaction holds the lease row

        assert claim(sessions, "b") is None  # skipped at once, not waited for

    assert claim(sessions, "b") is None  # and the renewal made it live again
