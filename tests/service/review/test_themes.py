"""Themes: alike active items across incidents, by normalised signature (component,
action, concepts), reported only when they span two or more incidents."""

from __future__ import annotations

import time

from service.review.themes import ThemeCandidate, alike, signature, themes

CHECKOUT_ALERTS = (
    "add alert for checkout error rate",
    "alerting on checkout 5xx rate",
    "checkout error-rate alert missing",
)


def candidates(*titles: str, incidents: list[str] | None = None) -> list[ThemeCandidate]:
    refs = incidents or [f"INC-{n}" for n in range(1, len(titles) + 1)]
    return [
        ThemeCandidate(n, f"ACT-{n}", title, ref)
        for n, (title, ref) in enumerate(zip(titles, refs, strict=True), 1)
    ]


def test_three_phrasings_of_one_missing_alert_form_one_theme():
    found = themes(
        candidates(
            *CHECKOUT_ALERTS,
            "add alert for payment error rate",  # another component
            "add runbook link to checkout alert",  # another action and object
        )
    )
    assert len(found) == 1
    (theme,) = found
    assert [i.title for i in theme.items] == list(CHECKOUT_ALERTS)
    assert theme.incidents == ["INC-1", "INC-2", "INC-3"]
    assert theme.label == "checkout: alert, error, rate"


def test_normalisation_maps_synonyms_stems_and_drops_keys():
    assert signature("[INC-7] Alerting on checkout 5xx errors") == signature(
        "alert on checkout error"
    )
    assert signature("p99 slowness in search").concepts == {"latency"}
    assert signature("Add dashboards for ledger").action == "add"


def test_conflicting_actions_do_not_join():
    add = signature("add checkout error alert")
    remove = signature("remove checkout error alert")
    assert not alike(add, remove)
    assert alike(add, signature("checkout error alert"))  # no action stated: compatible


def test_a_theme_needs_two_incidents():
    same_incident = candidates(*CHECKOUT_ALERTS, incidents=["INC-1", "INC-1", "INC-1"])
    assert themes(same_incident) == []


def test_thousands_of_titles_group_quickly():
    services = [f"svc{n:04d}" for n in range(2000)]
    titles = [f"add alert for {s} error rate" for s in services for _ in range(2)]
    titles += [f"write runbook for {s} failover" for s in services]
    refs = [f"INC-{n}" for n in range(len(titles))]
    started = time.perf_counter()
    found = themes(candidates(*titles, incidents=refs))
    assert time.perf_counter() - started < 5
    assert len(found) == 2000  # each service's two alert items, nothing across services


def test_titles_naming_no_component_form_no_theme():
    """Raised IndexError (`components.most_common(1)[0][0]`) before the fix; the demo's
    Jira and Linear titles hit it, so /review and /api/v1/review answered 500."""
    same = "Write the postmortem"
    found = themes(
        [ThemeCandidate(1, "A-1", same, "INC-1"), ThemeCandidate(2, "B-2", same, "INC-2")]
    )
    assert found == []
