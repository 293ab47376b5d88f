"""Bearer keys: every route but /healthz names the scope it needs. A missing, unknown or
revoked key is a 401, a key without the scope a 403; each key is rate-limited."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lakelight.errors import AccessDeniedError, AuthenticationError
from lakelight.index.api_keys import ApiKey

__all__ = ["require"]

_bearer = HTTPBearer(auto_error=False, description="An API key from `lakelight keys create`.")


def require(scope: str) -> Callable[..., ApiKey]:
    """A dependency: the caller's key, which must carry ``scope`` (admin carries all)."""

    def caller(
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
