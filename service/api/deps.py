"""Dependencies the routes declare: the app's services, a session per request, and auth.

Auth (CONTRACT §5): with read tokens configured every route but the probes needs a read or
admin token; a presented token must always be valid; writes need an admin token. The API
and `/metrics` take `Authorization: Bearer <token>`; dashboard pages (`PageAccess`) also take
HTTP Basic with any user name and the token as password, so a browser can sign in without
JavaScript. Every comparison with a configured token runs in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from sqlalchemy.orm import Session

from service.api.errors import ApiError, forbidden, unauthorized
from service.api.services import Services
from service.config import ApiSettings

PAGE_CHALLENGE = 'Basic realm="followthrough", charset="UTF-8"'
"""What a 401 on a dashboard page asks for, so a browser shows its sign-in prompt."""


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


class MalformedAuthorization(ValueError):
    """An Authorization header that is present but not in a scheme the route accepts."""


def token_from_header(header: str | None, *, basic: bool = False) -> str | None:
    """The token an Authorization header presents: `Bearer <token>`, or with `basic` also
    `Basic base64(user:token)` (any user name). None when no header came."""
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if basic and scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise MalformedAuthorization(
                "the Basic credentials are not base64 of user:token"
            ) from None
        _user, colon, password = decoded.partition(":")
        if colon and password:
            return password
    accepted = "'Bearer <token>' or HTTP Basic" if basic else "'Bearer <token>'"
    raise MalformedAuthorization(f"the Authorization header must be {accepted}")


def matches(token: str, candidates: Sequence[SecretStr]) -> bool:
    """Whether `token` is one of `candidates`, comparing every one in constant time."""
    presented = token.encode()
    found = False
    for candidate in candidates:
        secret = candidate.get_secret_value().encode()
        found |= bool(secret) and hmac.compare_digest(presented, secret)
    return found


def is_known(token: str, api: ApiSettings) -> bool:
    """Whether `token` is a configured read or admin token (both lists always compared)."""
    return matches(token, api.read_tokens) | matches(token, api.admin_tokens)


def token_identity(token: str) -> str:
    """A stable, non-reversible name for a token, for rate-limit keys: never the token."""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:16]


def check_read(api: ApiSettings, token: str | None) -> None:
    """The read rule: open when no read tokens are configured, but a token sent must be
    valid (a read or an admin token)."""
    if token is None:
        if api.read_tokens:
            raise unauthorized("a bearer token is required")
        return
    if not is_known(token, api):
        raise unauthorized("unknown token")


def check_admin(api: ApiSettings, token: str | None) -> None:
    """The write rule: an admin token, and never when none is configured."""
    is_admin = token is not None and matches(token, api.admin_tokens)
    if token is not None and not is_admin and not matches(token, api.read_tokens):
        raise unauthorized("unknown token")
    if not api.admin_tokens:
        raise forbidden("writes are disabled: no admin token is configured")
    if token is None:
        raise unauthorized("an admin bearer token is required")
    if not is_admin:
        raise forbidden("this needs an admin token; a read token was sent")


def _bearer_token(request: Request) -> str | None:
    try:
        return token_from_header(request.headers.get("authorization"))
    except MalformedAuthorization as error:
        raise unauthorized(str(error)) from None


def require_read(request: Request, services: ServicesDep, _: Credentials) -> None:
    """API reads and `/metrics`: the read rule with a bearer token."""
    check_read(services.settings.api, _bearer_token(request))


def require_admin(request: Request, services: ServicesDep, _: Credentials) -> None:
    """API writes: the write rule with a bearer token."""
    check_admin(services.settings.api, _bearer_token(request))


def require_page_read(request: Request, services: ServicesDep) -> None:
    """Dashboard pages: the read rule with a bearer token or HTTP Basic (token as the
    password); a 401 carries a Basic challenge so a browser prompts for it."""
    try:
        try:
            token = token_from_header(request.headers.get("authorization"), basic=True)
        except MalformedAuthorization as error:
            raise unauthorized(str(error)) from None
        check_read(services.settings.api, token)
    except ApiError as error:
        if error.status == 401:
            error.headers["WWW-Authenticate"] = PAGE_CHALLENGE
        raise


ReadAccess = Depends(require_read)
AdminAccess = Depends(require_admin)
PageAccess = Depends(require_page_read)
