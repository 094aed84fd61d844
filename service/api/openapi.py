"""The OpenAPI document and docs page: 400 in place of FastAPI's 422, behind read auth."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse

from service.api.deps import ReadAccess

OPENAPI_URL = "/openapi.json"
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
BAD_PARAMETER = {
    "description": "Bad parameter (`bad_parameter`, `param` names it)",
    "content": {"application/json": {"schema": ERROR_SCHEMA}},
}

router = APIRouter(dependencies=[ReadAccess], include_in_schema=False)


@router.get(OPENAPI_URL)
def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=OPENAPI_URL, title="followthrough API")


def install_openapi(app: FastAPI) -> None:
    """Replace `app.openapi` with a generator that documents 400 where FastAPI says 422."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = without_422(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def without_422(schema: dict[str, Any]) -> dict[str, Any]:
    """Swap every 422 response for a 400 in the error shape; drop the 422 schemas."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", BAD_PARAMETER)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema
