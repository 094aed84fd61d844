"""Run owners for tests: a live process other than this one, and one that has exited."""

from __future__ import annotations

import socket
import subprocess
import sys

HOST = socket.gethostname()
LIVE_ELSEWHERE = f"{HOST}:1"
"""A live process other than this one (pid 1 always runs)."""


def dead_owner() -> str:
    """The owner string of a process that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return f"{HOST}:{child.stdout.strip()}"
