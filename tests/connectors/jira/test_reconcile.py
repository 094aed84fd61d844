"""Reconciliation (RELIABILITY check 6): an id-only sweep, then bulk checks of the held
ids it missed; a move between configured projects keeps the item."""

from __future__ import annotations

import pytest

from connectors.base import ItemRef
from connectors.jira.config import PARTITION
from tests.connectors.jira.conftest import LABEL, labelled

SCOPE = "project in (OPS, PLAT)"


def refs(issues) -> list[ItemRef]:
    return [ItemRef(issue.id, issue.key, PARTITION) for issue in issues]


def test_every_way_of_leaving_is_a_removal_with_its_reason(fake, make_connector):
    made = labelled(fake, 6)
    held = refs(made)
    fake.delete_issue(made[0].id)
    fake.hide_issue(made[1].id)
    fake.remove_label(made[2].id, LABEL)
    fake.move_issue(made[3].id, "SEC")
    fake.move_issue(made[4].id, "PLAT")

    removals = {r.external_id: r.reason for r in make_connector(jql=SCOPE).reconcile(held)}

    assert set(removals) == {made[0].id, made[1].id, made[2].id, made[3].id}
    assert "deleted" in removals[made[0].id]
    assert "readable" in removals[made[1].id]
    assert "label 'incident-action' removed" in removals[made[2].id]
    assert made[3].key in removals[made[3].id]
    assert "jql" in removals[made[3].id]


def test_the_sweep_asks_for_ids_only_in_large_pages(fake, make_connector):
    held = refs(labelled(fake, 7))
    assert list(make_connector().reconcile(held)) == []
    [sweep] = [r for r in fake.requests if "/search" in r.path]
    assert sweep.query["fields"] == "id"
    assert sweep.query["maxResults"] == "5000"


def test_missing_ids_are_checked_in_bulk_not_one_by_one(fake, make_connector):
    fake.max_page = 50
    made = labelled(fake, 30)
    for issue in made[:25]:
        fake.remove_label(issue.id, LABEL)
    before = len(fake.requests)
    removals = list(make_connector(jql=SCOPE).reconcile(refs(made)))
    assert len(removals) == 25
    paths = [r.path for r in fake.requests[before:]]
    assert not any("/issue/" in path and "bulkfetch" not in path for path in paths)
    assert len(paths) <= 3 + 3  # site metadata, one sweep, one lookup, one scope check


def test_items_of_an_unconfigured_partition_are_removed(fake, make_connector):
    [issue] = labelled(fake, 1)
    [removal] = make_connector().reconcile([ItemRef(issue.id, issue.key, "repo:old")])
    assert removal.external_id == issue.id


@pytest.mark.parametrize("flavour", ["cloud", "dc"])
def test_nothing_held_costs_nothing(fake, make_connector):
    assert list(make_connector().reconcile([])) == []
    assert fake.requests == []
