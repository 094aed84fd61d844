"""Faults every fake tracker can inject, shaped at the HTTP layer: what the client receives
instead of (or made from) the normal answer.

Each fake's HTTP face takes a queued `Fault` from its `Traffic` and calls `deliver`; the
transport faults (a stalled answer, a connection closed with no answer) need the app to be
served by `connectors.testing.serve`, which hands the app a way to abort the connection.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import NamedTuple

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

ABORT = "followthrough.testing.abort"
"""Scope key of the callable that drops the request's connection without an answer."""


class FaultAction(StrEnum):
    """What a queued fault does to the request it matches."""

    ANSWER = "answer"
    """Answer with the fault's own status, headers and body (the tracker's error shape
    when no body is given)."""
    STALL = "stall"
    """Answer normally, after holding the answer back for `seconds` of real time."""
    RESET = "reset"
    """Close the connection without sending a byte of the answer."""
    TRUNCATE = "truncate"
    """Answer normally with the body cut in half (incomplete JSON, consistent length)."""
    REPLAY = "replay"
    """Answer with an earlier answer to a matching request: its page token repeats."""


class Answer(NamedTuple):
    """An HTTP answer before it is sent."""

    status: int
    body: bytes
    media: str | None
    headers: dict[str, str]


def deliver(action: FaultAction | None, answer: Answer, *, seconds: float = 0.0) -> Response:
    """The response a fault's `action` makes of `answer` (the normal or injected one)."""
    if action is FaultAction.STALL:
        return Stalled(answer, seconds)
    if action is FaultAction.RESET:
        return Reset()
    if action is FaultAction.TRUNCATE:
        answer = answer._replace(body=answer.body[: len(answer.body) // 2])
    return Response(answer.body, answer.status, answer.headers, media_type=answer.media)


def recorded_status(action: FaultAction | None, answer: Answer) -> int:
    """The status the request log shows: 0 when no answer was sent."""
    return 0 if action is FaultAction.RESET else answer.status


def huge_json(size: int) -> str:
    """A valid JSON object of about `size` bytes: one long string, no page in sight."""
    return '{"padding": "' + "x" * max(0, size - 15) + '"}'


class Stalled(Response):
    """A response sent only after `seconds` of real time (the client may have given up)."""

    def __init__(self, answer: Answer, seconds: float) -> None:
        super().__init__(answer.body, answer.status, answer.headers, media_type=answer.media)
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(self.seconds)
        await super().__call__(scope, receive, send)


class Reset(Response):
    """No response at all: the connection is dropped, as a crashed proxy would."""

    def __init__(self) -> None:
        super().__init__(b"", 500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        abort = scope.get(ABORT)
        if abort is None:
            raise RuntimeError("a reset fault needs the app served by connectors.testing.serve")
        abort()


def abortable(app: ASGIApp) -> ASGIApp:
    """`app`, given a scope entry that drops the connection (uvicorn's transport) unanswered.

    Uvicorn's `send` is a method of the request cycle that owns the transport; after the
    abort the wrapper yields to the loop so uvicorn sees the disconnect before it would
    complain that no response started.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        aborted: list[bool] = []

        def abort() -> None:
            aborted.append(True)
            if transport is not None:
                transport.abort()

        scope[ABORT] = abort
        await app(scope, receive, send)
        if aborted:
            for _ in range(3):
                await asyncio.sleep(0)

    return wrapped
