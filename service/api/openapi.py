"""The OpenAPI document and docs page, behind read auth (bearer, or Basic as on pages).

The docs page is Swagger UI served from the vendored `swagger_ui_bundle` package, so it
works with no network at run time (no CDN).

FastAPI's document is completed to say what the app really answers: 400 in the error shape
where FastAPI says 422; 401 on every secured operation and 403 on writes; 429 with
`Retry-After` on every rate-limited operation; and the configured source names as the
values `source` and `{name}` accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from swagger_ui_bundle import swagger_ui_path

from service.api.deps import PageAccess
from service.api.errors import not_found
from service.api.ratelimit import EXEMPT_PATHS

OPENAPI_URL = "/openapi.json"
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
ERROR_CONTENT = {"application/json": {"schema": ERROR_SCHEMA}}
BAD_PARAMETER = {
    "description": "Bad parameter (`bad_parameter`, `param` names it)",
    "content": ERROR_CONTENT,
}
UNAUTHORIZED = {
    "description": "Missing or unknown token (`unauthorized`)",
    "content": ERROR_CONTENT,
}
FORBIDDEN = {
    "description": "A read token on a write, or no admin token configured (`forbidden`)",
    "content": ERROR_CONTENT,
}
RATE_LIMITED = {
    "description": "Over this client's rate limit (`rate_limited`)",
    "headers": {
        "Retry-After": {
            "description": "Whole seconds until the next request is allowed",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": ERROR_CONTENT,
}
READ_METHODS = frozenset({"get", "head"})
SOURCE_PARAMETERS = frozenset({("query", "source"), ("path", "name")})

SWAGGER_ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}

router = APIRouter(dependencies=[PageAccess], include_in_schema=False)


@router.get(OPENAPI_URL)
def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="followthrough API",
        swagger_js_url="/docs/swagger-ui-bundle.js",
        swagger_css_url="/docs/swagger-ui.css",
        swagger_favicon_url="data:,",
    )


@router.get("/docs/{asset}")
def docs_asset(asset: str) -> FileResponse:
    """Swagger UI's script and stylesheet, from the installed bundle."""
    media_type = SWAGGER_ASSETS.get(asset)
    if media_type is None:
        raise not_found(f"no docs asset {asset!r}")
    return FileResponse(Path(str(swagger_ui_path / asset)), media_type=media_type)


def install_openapi(app: FastAPI, *, sources: Sequence[str], rate_limited: bool) -> None:
    """Replace `app.openapi` with a generator of the completed document (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema = without_422(schema)
            app.openapi_schema = with_answers(schema, sources, rate_limited=rate_limited)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def without_422(schema: dict[str, Any]) -> dict[str, Any]:
    """Swap every 422 response for a 400 in the error shape; drop the 422 schemas."""
    for _, _, operation in _operations(schema):
        responses = operation.get("responses", {})
        if responses.pop("422", None) is not None:
            responses.setdefault("400", BAD_PARAMETER)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


def with_answers(
    schema: dict[str, Any], sources: Sequence[str], *, rate_limited: bool
) -> dict[str, Any]:
    """Document the auth and rate-limit answers and the configured source names."""
    for path, method, operation in _operations(schema):
        responses = operation.setdefault("responses", {})
        if operation.get("security"):
            responses.setdefault("401", UNAUTHORIZED)
            if method not in READ_METHODS:
                responses.setdefault("403", FORBIDDEN)
        if rate_limited and path not in EXEMPT_PATHS:
            responses.setdefault("429", RATE_LIMITED)
        for parameter in operation.get("parameters", []):
            if sources and (parameter.get("in"), parameter.get("name")) in SOURCE_PARAMETERS:
                _allow_only(parameter, list(sources))
    return schema


def _allow_only(parameter: dict[str, Any], values: list[str]) -> None:
    """Restrict a string parameter (possibly optional: `anyOf` with null) to `values`."""
    schema = parameter.get("schema", {})
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "string":
            option["enum"] = values


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, path_item in schema.get("paths", {}).items()
        for method, operation in path_item.items()
        if isinstance(operation, dict)
    ]
