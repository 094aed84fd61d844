"""Dependencies the routes declare: the app's services, a session per request, and auth.

Auth (CONTRACT §5): with read tokens configured every API route needs a bearer read or
admin token; a presented token must always be valid; writes need an admin token.
Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from sqlalchemy.orm import Session

from service.api.errors import forbidden, unauthorized
from service.api.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """A session for one request; reads only, so nothing is committed."""
    with services.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="A read or admin token from the config")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]


def _presented(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    """The bearer token sent, None when no Authorization header came; 401 when malformed."""
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    if "authorization" in request.headers:
        raise unauthorized("the Authorization header must be 'Bearer <token>'")
    return None


def _matches(token: str, candidates: Sequence[SecretStr]) -> bool:
    """Whether `token` is one of `candidates`, comparing every one in constant time."""
    presented = token.encode()
    found = False
    for candidate in candidates:
        secret = candidate.get_secret_value().encode()
        found |= bool(secret) and hmac.compare_digest(presented, secret)
    return found


def require_read(request: Request, services: ServicesDep, credentials: Credentials) -> None:
    """Reads: open when no read tokens are configured, but a token sent must be valid."""
    api = services.settings.api
    token = _presented(request, credentials)
    if token is None:
        if api.read_tokens:
            raise unauthorized("a bearer token is required")
        return
    if not (_matches(token, api.read_tokens) | _matches(token, api.admin_tokens)):
        raise unauthorized("unknown token")


def require_admin(request: Request, services: ServicesDep, credentials: Credentials) -> None:
    """Writes: an admin token, and never when none is configured."""
    api = services.settings.api
    token = _presented(request, credentials)
    is_admin = token is not None and _matches(token, api.admin_tokens)
    if token is not None and not is_admin and not _matches(token, api.read_tokens):
        raise unauthorized("unknown token")
    if not api.admin_tokens:
        raise forbidden("writes are disabled: no admin token is configured")
    if token is None:
        raise unauthorized("an admin bearer token is required")
    if not is_admin:
        raise forbidden("this needs an admin token; a read token was sent")


ReadAccess = Depends(require_read)
AdminAccess = Depends(require_admin)
