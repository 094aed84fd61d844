"""Schemathesis over the live app's own `/openapi.json`: every operation, a bounded number of
generated requests each (valid and invalid), against a small seeded mirror and with an
admin token. No 5xx, every status documented, every body matching its schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from connectors.item import ItemState, ItemType
from service.sync.runner import SyncRunner
from tests.service.api.conftest import ADMIN, READ, bearer
from tests.support import scripted
from tests.support.readside import T0, Mirror, item
from tests.support.scripted import CONNECTORS

EXAMPLES = 25  # per operation and mode: the whole file stays well under a minute on SQLite
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,  # each secured operation also refuses a request without the token
]


@pytest.fixture
def other_tracker() -> Iterator[scripted.ScriptedTracker]:
    """A tracker behind source `other`, so a triggered sync of it has something to read."""
    scripted.TRACKERS["other"] = scripted.ScriptedTracker()
    yield scripted.TRACKERS["other"]
    scripted.TRACKERS.pop("other", None)


@pytest.fixture
def api_schema(make_client, sessions, clock, tracker, other_tracker):
    """The schema the app serves, bound to that app, over a mirror with items of every
    state, owners, due dates, incidents, types and removals, and a finished sync run."""
    client = make_client(read_tokens=[READ], admin_tokens=[ADMIN], rate_limit="off")
    for _ in range(3):
        tracker.create()
        tracker.tick()
    SyncRunner(sessions, clock, CONNECTORS).sync(client.app.state.services.settings.sources[0])
    other = Mirror(sessions, source="other")
    states, types = list(ItemState), list(ItemType)
    other.put(
        *[
            item(
                n,
                state=states[n % len(states)],
                owners=(f"owner-{n % 3}",) if n % 4 else (),
                due_date=date(2026, 2, 1) + timedelta(days=7 * n) if n % 2 else None,
                incident=f"INC-{n % 4}" if n % 3 else None,
                type=types[n % len(types)] if n % 5 else None,
                labels=("incident-action",),
                resolved_at=T0 + timedelta(days=n + 5) if n % 5 == 0 else None,
            )
            for n in range(1, 13)
        ],
        at=T0 + timedelta(days=20),
    )
    other.remove(["id-7"], at=T0 + timedelta(days=30))
    return schemathesis.openapi.from_asgi("/openapi.json", client.app, headers=bearer(ADMIN))


def operations(schema: BaseSchema) -> list[APIOperation]:
    return [result.ok() for result in schema.get_all_operations()]


def _has_inputs(operation: APIOperation) -> bool:
    raw = operation.definition.raw
    return bool(raw.get("parameters") or raw.get("security"))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_its_schema_says(api_schema, subtests, mode):
    """Valid and invalid requests alike: no 5xx, only documented statuses, headers and
    bodies as documented (errors in the error shape), and auth never ignored. Operations
    come from the schema, so operations added later are covered too."""
    found = operations(api_schema)
    assert len(found) >= 10
    for operation in found:
        if mode == GenerationMode.NEGATIVE and not _has_inputs(operation):
            continue  # the probes take nothing, so nothing can be made invalid
        with subtests.test(operation.label):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            )
            def answers_as_documented(case: Case) -> None:
                case.call_and_validate(headers=bearer(ADMIN), checks=CHECKS)

            answers_as_documented()
