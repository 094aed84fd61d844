"""Who holds a source's lease: one name per runner, readable by an operator.

`host:pid:tag` says which machine and process ran a sync; the random tag keeps two runners
in one process (or a reused pid) apart, since the lease, not the name, decides who may write.
"""

from __future__ import annotations

import os
import secrets
import socket


def new_owner() -> str:
    """A fresh owner name for this process: `host:pid:tag`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
