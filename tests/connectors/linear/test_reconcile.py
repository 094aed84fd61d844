"""Reconciliation: every way an issue leaves the set is found in batched by-id requests."""

from __future__ import annotations

from connectors.base import ItemRef
from tests.connectors.linear.conftest import LABEL


def refs(*issues) -> list[ItemRef]:
    return [ItemRef(i.id, i.identifier, f"team:{i.team}") for i in issues]


def test_each_way_of_leaving_is_a_removal_with_its_reason(fake, make_connector):
    kept, unlabelled, trashed, purged, moved_out, moved_in, archived = (
        fake.create_issue("ENG", title=f"A{n}", labels=(LABEL,)) for n in range(7)
    )
    held = refs(kept, unlabelled, trashed, purged, moved_out, moved_in, archived)
    fake.remove_label(unlabelled.id, LABEL)
    fake.trash(trashed.id)
    fake.purge(purged.id)
    fake.move_issue(moved_out.id, "DESIGN")
    fake.move_issue(moved_in.id, "OPS")
    fake.update_issue(archived.id, state="Done")
    fake.archive(archived.id)

    removals = {
        r.external_id: r.reason for r in make_connector(teams=["ENG", "OPS"]).reconcile(held)
    }

    assert removals == {
        unlabelled.id: f"label {LABEL!r} removed",
        trashed.id: "deleted on Linear (in the trash)",
        purged.id: "not found on Linear (deleted for good, or no longer visible to the token)",
        moved_out.id: "in team DESIGN, outside the configured teams",
    }


def test_without_teams_a_move_to_any_team_keeps_the_item(fake, make_connector):
    issue = fake.create_issue("ENG", title="Moves", labels=(LABEL,))
    fake.move_issue(issue.id, "DESIGN")
    assert list(make_connector().reconcile([ItemRef(issue.id, "ENG-1", "workspace")])) == []


def test_the_label_matches_in_any_case(fake, make_connector):
    issue = fake.create_issue("ENG", title="Shouted", labels=("Incident-Action",))
    assert list(make_connector().reconcile(refs(issue))) == []


def test_reconciliation_asks_by_id_fifty_at_a_time_never_per_item(fake, make_connector):
    made = [fake.create_issue("ENG", title=f"A{n}", labels=(LABEL,)) for n in range(120)]
    before = len(fake.requests)

    assert list(make_connector().reconcile(refs(*made))) == []

    assert fake.operations()[before:] == ["ReconcileIssues"] * 3
    asked = [len(v["filter"]["id"]["in"]) for v in fake.variables("ReconcileIssues")]
    assert asked == [50, 50, 20]
    assert list(make_connector().reconcile([])) == []
    assert len(fake.requests) == before + 3
