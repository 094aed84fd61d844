"""Lease owner names: host and process, and distinct for every runner."""

from __future__ import annotations

import os
import socket

from service.sync.owner import new_owner


def test_an_owner_names_this_host_and_process():
    host, pid, tag = new_owner().rsplit(":", 2)
    assert (host, pid) == (socket.gethostname(), str(os.getpid()))
    assert tag


def test_two_runners_in_one_process_get_different_owners():
    assert new_owner() != new_owner()
