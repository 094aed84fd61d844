"""Building blocks of `Connector.check`: a reachability probe and one-request findings.

The probe resolves the host and opens a TCP connection before any HTTP request, so an
unreachable tracker is reported as exactly that (no such host, connection refused, no
answer) rather than as whatever the HTTP client made of it after its retries.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

from connectors.base import Finding
from connectors.errors import ConnectorError

REACH = "reach"
AUTH = "auth"
CONNECT_TIMEOUT_SECONDS = 5.0
DEFAULT_PORTS = {"http": 80, "https": 443}


def reach(url: str, *, timeout: float = CONNECT_TIMEOUT_SECONDS) -> Finding:
    """Whether `url`'s host resolves and accepts a TCP connection (skipped, and said so,
    when the environment routes the request through a proxy)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 443)
    where = f"{host}:{port}"
    if parts.scheme in getproxies() and not proxy_bypass(host):
        return Finding(REACH, True, f"{where} is reached through the configured proxy")
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return Finding(REACH, False, f"cannot resolve host {host!r} (DNS: {error.strerror})")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        return Finding(
            REACH, False, f"connection refused by {where}: check the url and that the tracker is up"
        )
    except TimeoutError:
        return Finding(REACH, False, f"no answer from {where} within {timeout:g}s (a firewall?)")
    except OSError as error:
        return Finding(REACH, False, f"cannot connect to {where}: {error.strerror or error}")
    return Finding(REACH, True, f"{where} accepts connections")


def attempt(subject: str, action: Callable[[], str]) -> Finding:
    """Run one check request: its description on success, the classified tracker error
    (which names what is at fault and why) on failure."""
    try:
        return Finding(subject, True, action())
    except ConnectorError as error:
        return Finding(subject, False, str(error))
