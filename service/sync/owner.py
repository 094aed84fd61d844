"""Which process owns a sync run, and whether it still lives.

Until the scheduler's leases arrive, this is how a run left `running` by a process that
died is told apart from one that is still going.
"""

from __future__ import annotations

import os
import socket


def current_owner() -> str:
    """This process as `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_other_live_process(owner: str | None) -> bool:
    """True when `owner` is another process that still runs, or one on another host (which
    cannot be checked from here, so it is presumed alive)."""
    if not owner or ":" not in owner:
        return False
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname():
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
