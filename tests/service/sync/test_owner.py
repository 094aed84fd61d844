"""Run owners: this process, live others, dead ones and other hosts."""

from __future__ import annotations

import os

from service.sync.owner import current_owner, is_other_live_process
from tests.support.owners import HOST, LIVE_ELSEWHERE, dead_owner


def test_the_current_owner_names_this_host_and_process():
    assert current_owner() == f"{HOST}:{os.getpid()}"


def test_this_process_is_not_another_live_process():
    assert not is_other_live_process(current_owner())


def test_a_live_process_on_this_host_is_alive():
    assert is_other_live_process(LIVE_ELSEWHERE)


def test_a_process_that_exited_is_not_alive():
    assert not is_other_live_process(dead_owner())


def test_a_process_on_another_host_is_presumed_alive():
    assert is_other_live_process("some-other-host:4242")


def test_a_missing_or_garbled_owner_is_not_alive():
    assert not is_other_live_process(None)
    assert not is_other_live_process("no-pid-here")
    assert not is_other_live_process(f"{HOST}:not-a-pid")
