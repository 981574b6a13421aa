"""One error shape for every API failure: ``{"error": {"code": "...", "message": "..."}}``."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status_code: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers  # e.g. Retry-After on a 429


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


# What the OpenAPI schema promises for every failure (the app's `responses`): this shape, not FastAPI's
# default {"detail": [...]} that the handlers below never send.
RESPONSES: dict[int | str, dict] = {
    "4XX": {"model": ErrorBody, "description": "The request was refused; `error.code` says why."},
    "5XX": {"model": ErrorBody, "description": "The hub or its database failed; try again later."},
}


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for item in exc.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is not valid."


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        log.warning("request rejected", extra={"event": "api_error", "error_code": exc.code,
                                               "status_code": exc.status_code, "path": request.url.path})
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = _describe_validation(exc)
        log.warning("request rejected", extra={"event": "api_error", "error_code": "invalid_request",
                                               "status_code": 422, "path": request.url.path})
        return JSONResponse(error_body("invalid_request", message), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(SQLAlchemyError)
    async def _storage_error(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        log.error("database error", exc_info=exc, extra={"event": "store_failed", "path": request.url.path})
        return JSONResponse(
            error_body("store_unavailable", "We couldn't save or load your conversation just now. "
                       "Please try again in a moment."),
            status_code=503,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", extra={"event": "internal_error", "path": request.url.path})
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side. Please try again."), status_code=500
        )
