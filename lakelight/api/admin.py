"""Admin routes: API keys and who may read each source, the HTTP twins of `lakelight keys`
and `lakelight sources grant`. Every one needs the ``admin`` scope."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from lakelight.api.auth import require
from lakelight.api.models import (
    ErrorBody,
    GrantRequest,
    GrantResult,
    KeyBody,
    KeyCreated,
    KeyRequest,
)
from lakelight.api.routes import workspace_of
from lakelight.index.access import parse_groups
from lakelight.index.api_keys import ApiKey

__all__ = ["admin_router"]

admin_router = APIRouter(
    tags=["admin"],
    responses={s: {"model": ErrorBody} for s in (400, 401, 403, 404, 409, 413, 422, 429)},
)
admin = require("admin")


@admin_router.post("/v1/keys", status_code=201, response_model=KeyCreated)
def create_key(body: KeyRequest, request: Request, _: ApiKey = Depends(admin)) -> dict[str, Any]:
    """A new key; the key itself is in this response only (only its hash is stored)."""
    key, secret = workspace_of(request).create_key(body.name, body.groups, body.scopes)
    return key.shown_once(secret)


@admin_router.get("/v1/keys", response_model=list[KeyBody])
def list_keys(request: Request, _: ApiKey = Depends(admin)) -> list[dict[str, Any]]:
    """Every key: name, groups, scopes, when made or revoked (never the key)."""
    return [k.as_dict() for k in workspace_of(request).keys.list()]


@admin_router.delete("/v1/keys/{name}", status_code=204)
def revoke_key(name: str, request: Request, _: ApiKey = Depends(admin)) -> Response:
    """Revoke a key: requests with it get 401 from now on."""
    workspace_of(request).keys.revoke(name)
    return Response(status_code=204)


@admin_router.post("/v1/sources/grant", response_model=GrantResult)
def grant(body: GrantRequest, request: Request, _: ApiKey = Depends(admin)) -> dict[str, Any]:
    """Set the groups that may read a source (a URI or an fnmatch pattern; [] opens it to
    every key). Cached answers computed under the old grants are dropped."""
    groups = parse_groups(body.groups)
    return {"changed": workspace_of(request).grant(body.source, groups), "groups": groups}
