"""Bearer keys: every route but /healthz names the scope it needs. A missing, unknown or
revoked key is a 401, a key without the scope a 403; each key is rate-limited. The check is
one small catalog read, made on the event loop: as a plain ``def`` FastAPI would run it on a
worker thread of its own, a hop that cost a served request more than the check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lakelight.errors import AccessDeniedError, AuthenticationError
from lakelight.index.api_keys import ApiKey

__all__ = ["require"]

_bearer = HTTPBearer(auto_error=False, description="An API key from `lakelight keys create`.")


def require(scope: str) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency: the caller's key, which must carry ``scope`` (admin carries all)."""

    async def caller(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ) -> ApiKey:
        if credentials is None:
            header = request.headers.get("authorization")
            if header:
                raise AuthenticationError("Malformed Authorization header: use `Bearer KEY`")
        state = request.app.state
        key = state.workspace.keys.authenticate(credentials.credentials if credentials else None)
        request.state.key_name = key.name
        state.limiter.hit(key.name)
        if not key.allows(scope):
            raise AccessDeniedError(f"This key lacks the {scope!r} scope")
        return key

    return caller
