"""One error body for every failure, ``{"error": {"type", "message"}}``, and one table that
maps lakelight's error families to statuses (most specific first). Bad input never gets a
500: the library's errors are the user's, validation is a 422, unknown routes a 404."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lakelight import errors as e

__all__ = ["RateLimited", "error_response", "install_handlers", "status_of"]


class RateLimited(Exception):
    """A key made more requests than LAKELIGHT_API_RATE_LIMIT allows (429)."""

    def __init__(self, retry_after: int):
        super().__init__(f"Rate limit exceeded: retry in {retry_after} s")
        self.retry_after = retry_after


# most specific first: the first family an error belongs to gives its status
STATUSES: list[tuple[type[e.LakelightError], int]] = [
    (e.AuthenticationError, 401),
    (e.AccessDeniedError, 403),
    (e.NotFoundError, 404),
    (e.ConflictError, 409),
    (e.NothingIngestedError, 409),
    (e.GuardBlocked, 422),
    (e.BackendUnavailableError, 503),
    (e.UnknownBackendError, 503),
    (e.BackendError, 503),
    (e.QueryTimeoutError, 503),
    (e.CatalogError, 503),
    (e.IndexStoreError, 503),
    (e.EmbedderError, 503),
    (e.QuestionError, 400),
    (e.UnsafeQueryError, 400),
    (e.SynthesisError, 400),
    (e.SourceError, 400),
    (e.ConfigError, 400),
    (e.LakelightError, 400),
]


def status_of(exc: e.LakelightError) -> int:
    return next(status for family, status in STATUSES if isinstance(exc, family))


def type_of(exc: BaseException) -> str:
    """``NothingIngestedError`` → ``nothing_ingested``."""
    name = type(exc).__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_response(
    status: int, type_: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"type": type_, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(e.LakelightError)
    async def lakelight_error(request: Request, exc: e.LakelightError) -> JSONResponse:
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return error_response(status, type_of(exc), str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(_problem(err) for err in exc.errors()[:5])
        return error_response(422, "invalid_request", problems or "Invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, kind, str(exc.detail), _headers(exc))

    @app.exception_handler(RateLimited)
    async def limited(request: Request, exc: RateLimited) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)}
        return error_response(429, "rate_limited", str(exc), headers)


def _headers(exc: StarletteHTTPException) -> dict[str, str] | None:
    return dict(exc.headers) if exc.headers else None


def _problem(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
    return f"{where}: {err.get('msg', 'invalid')}"
