"""Reconciliation: re-list the labelled issues, GET only the held ones missing from it, and
tell why each is gone (label removed, deleted 410, transferred 301, no longer visible 404)."""

from __future__ import annotations

from connectors.base import ItemRef
from tests.connectors.contract import items_of
from tests.connectors.github.conftest import LABEL


def held(fake, connector) -> list[ItemRef]:
    items = items_of(connector.fetch_changed({}))
    return sorted({ItemRef.of(i) for i in items}, key=lambda r: r.key)


def gets(fake, before: int) -> list[str]:
    """Paths of single-issue GETs since request `before`."""
    return [
        r.path
        for r in fake.requests[before:]
        if r.path.rsplit("/", 1)[-1].isdigit() and "/issues/" in r.path
    ]


def seeded(fake, count: int = 6):
    made = []
    for number in range(count):
        made.append(fake.create_issue("acme/api", title=f"Action {number}", labels=(LABEL,)))
        fake.tick()
    return made


def test_each_way_of_leaving_is_found_with_its_reason(fake, make_connector, time):
    made = seeded(fake)
    refs = held(fake, make_connector(repos=["acme/api", "acme/web"]))
    fake.remove_label(made[0].node_id, LABEL)
    fake.delete_issue(made[1].node_id)
    moved = fake.transfer_issue(made[2].node_id, "acme/web")
    fake.hide_issue(made[3].node_id)
    before = len(fake.requests)
    time.requests.clear()

    removals = list(make_connector(repos=["acme/api", "acme/web"]).reconcile(refs))

    reasons = {r.external_id: r.reason for r in removals}
    assert reasons == {
        made[0].node_id: f"label {LABEL!r} removed",
        made[1].node_id: "deleted on GitHub (HTTP 410)",
        made[2].node_id: f"transferred to acme/web#{moved.number}",
        made[3].node_id: "no longer visible to the token (HTTP 404)",
    }
    wanted = [f"/repos/acme/api/issues/{issue.number}" for issue in made[:4]]
    wanted.append(f"/repos/acme/web/issues/{moved.number}")
    assert sorted(gets(fake, before)) == sorted(wanted)
    assert len(time.requests) == len(fake.requests) - before, "every request is counted"
    assert time.requests.count(301) == 1


def test_held_items_still_listed_cost_only_the_re_listing(fake, make_connector):
    seeded(fake, 12)
    refs = held(fake, make_connector(page_size=5))
    before = len(fake.requests)

    assert list(make_connector(page_size=5).reconcile(refs)) == []

    assert gets(fake, before) == []
    assert len(fake.requests) - before == 3


def test_an_item_the_re_listing_missed_but_still_labelled_stays(fake, make_connector):
    made = seeded(fake, 3)
    refs = held(fake, make_connector())
    fake.fail_next(200, body="[]", path_contains="/repos/acme/api/issues?")
    before = len(fake.requests)

    assert list(make_connector().reconcile(refs)) == []

    assert sorted(gets(fake, before)) == sorted(f"/repos/acme/api/issues/{i.number}" for i in made)


def test_items_of_a_partition_no_longer_configured_are_removed_without_requests(
    fake, make_connector
):
    fake.create_issue("acme/web", title="Elsewhere", labels=(LABEL,))
    refs = held(fake, make_connector(repos=["acme/web"]))
    before = len(fake.requests)

    removals = list(make_connector(repos=["acme/api"]).reconcile(refs))

    assert [r.reason for r in removals] == ["repo:acme/web is no longer configured"]
    assert len(fake.requests) == before


def test_nothing_held_means_no_requests(fake, make_connector):
    assert list(make_connector().reconcile([])) == []
    assert fake.requests == []
