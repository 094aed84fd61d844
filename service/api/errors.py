"""The one error shape, `{"error": {"code", "message", "param"?}}`, for every failure.

FastAPI's 422 validation answer becomes 400 `bad_parameter` naming the parameter (a bad
path id is 404); unknown paths, wrong methods and unexpected failures use the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api.schemas import ErrorCode, ErrorDetail, ErrorResponse
from service.metrics.query import BadParameter
from service.store.item_queries import InvalidPosition

log = logging.getLogger(__name__)

_CODES: dict[int, ErrorCode] = {
    400: "bad_parameter",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    """An answer other than success, raised anywhere below a route."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code: ErrorCode = code
        self.message = message
        self.param = param
        self.headers = dict(headers or {})


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


def unavailable(message: str) -> ApiError:
    return ApiError(503, "unavailable", message)


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorDetail(code=code, message=message, param=param))
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure through `error_response`."""

    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(
            exc.status, exc.code, exc.message, param=exc.param, headers=exc.headers
        )

    async def bad_parameter(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BadParameter)
        return error_response(400, "bad_parameter", exc.message, param=exc.param)

    async def bad_position(_: Request, exc: Exception) -> JSONResponse:
        return error_response(400, "bad_parameter", f"malformed cursor: {exc}", param="cursor")

    async def validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0]
        where = [str(part) for part in first.get("loc", ())]
        if where and where[0] == "path":
            return error_response(404, "not_found", "no such resource")
        param = where[-1] if len(where) > 1 else (where[0] if where else "request")
        return error_response(400, "bad_parameter", str(first.get("msg", "invalid")), param=param)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _CODES.get(exc.status_code) or (
            "bad_parameter" if 400 <= exc.status_code < 500 else "internal"
        )
        if exc.status_code == 404:
            message = f"no route for {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return error_response(exc.status_code, code, message, headers=exc.headers)

    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal", "internal error; see the server log")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(BadParameter, bad_parameter)
    app.add_exception_handler(InvalidPosition, bad_position)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal)
