"""API keys in the catalog's database: a name, the groups and scopes it carries, and only a
SHA-256 hash of the secret (keys are 256 random bits, so a fast hash is as safe as a slow one
and keeps every request's check cheap). The secret is shown once, when the key is made.

A live key once checked is kept in process beside the ``keys`` counter of ll_state, which
every create and revoke bumps in its own transaction (in any process): a request reads the
counter, and a revoke takes effect on the next one."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from lakelight.errors import (
    AuthenticationError,
    CatalogError,
    ConfigError,
    ConflictError,
    NotFoundError,
    first_line,
)
from lakelight.index.access import Access
from lakelight.index.catalog import bump, read_stamps, state

__all__ = ["KEY_PREFIX", "SCOPES", "ApiKey", "KeyStore", "parse_scopes"]

SCOPES = ("read", "ingest", "admin")
KEY_PREFIX = "llk_"
_NAME = re.compile(r"[\w.-]{1,100}")

metadata = sa.MetaData()
api_keys = sa.Table(
    "ll_api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
)


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    groups: tuple[str, ...]
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def access(self) -> Access:
        return Access(self.name, frozenset(self.groups), admin="admin" in self.scopes)

    def allows(self, scope: str) -> bool:
        """admin implies every scope; ingest implies read."""
        return (
            scope in self.scopes
            or "admin" in self.scopes
            or (scope == "read" and "ingest" in self.scopes)
        )

    def shown_once(self, secret: str) -> dict[str, Any]:
        """The body `lakelight keys create --json` prints and `POST /v1/keys` returns."""
        return {
            "name": self.name,
            "key": secret,
            "groups": list(self.groups),
            "scopes": list(self.scopes),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "groups": list(self.groups),
            "scopes": list(self.scopes),
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "revoked_at": self.revoked_at.isoformat(timespec="seconds")
            if self.revoked_at
            else None,
        }


def parse_scopes(text: str | Sequence[str] | None) -> list[str]:
    """ "read,ingest" → the scopes in SCOPES order; an unknown one is refused by name."""
    items = text.split(",") if isinstance(text, str) else list(text or [])
    scopes = {s.strip().lower() for s in items if s.strip()}
    unknown = sorted(scopes - set(SCOPES))
    if unknown:
        raise ConfigError(f"Unknown scope {unknown[0]!r}: the scopes are {', '.join(SCOPES)}")
    return [s for s in SCOPES if s in scopes] or ["read"]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_KEPT = 10_000  # live keys kept in process (all of them, for any real deployment)


class KeyStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._kept: dict[str, ApiKey] = {}  # hash → live key, valid while _stamp holds
        self._stamp = -1
        self._lock = threading.Lock()
        try:
            metadata.create_all(engine)
            state.create(engine, checkfirst=True)  # (a bare engine in tests has no catalog)
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot create the API key table: {first_line(exc)}") from exc

    def _row(self, row: Any) -> ApiKey:
        return ApiKey(
            row.name, tuple(row.groups), tuple(row.scopes), row.created_at, row.revoked_at
        )

    def create(self, name: str, groups: Sequence[str], scopes: Sequence[str]) -> tuple[ApiKey, str]:
        """A new key and its secret (shown once). A revoked key's name may be used again."""
        if not _NAME.fullmatch(name or ""):
            raise ConfigError(f"Key name {name!r}: use letters, digits, '.', '_' and '-' only")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(name, tuple(groups), tuple(scopes), _now())
        try:
            with self.engine.begin() as conn:
                old = conn.execute(sa.select(api_keys).where(api_keys.c.name == name)).first()
                if old is not None and old.revoked_at is None:
                    raise ConflictError(
                        f"A key named {name!r} exists: revoke it first or pick another name"
                    )
                if old is not None:
                    conn.execute(api_keys.delete().where(api_keys.c.id == old.id))
                bump(conn, "keys")
                conn.execute(
                    api_keys.insert().values(
                        name=name,
                        hash=_hash(secret),
                        groups=list(groups),
                        scopes=list(scopes),
                        created_at=key.created_at,
                    )
                )
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot store the key: {first_line(exc)}") from exc
        return key, secret

    def list(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(api_keys).order_by(api_keys.c.name)).all()
        return [self._row(r) for r in rows]

    def revoke(self, name: str) -> ApiKey:
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(api_keys).where(api_keys.c.name == name)).first()
            if row is None:
                raise NotFoundError(f"No key named {name!r}: `lakelight keys list` shows them")
            if row.revoked_at is None:
                conn.execute(
                    api_keys.update().where(api_keys.c.id == row.id).values(revoked_at=_now())
                )
                bump(conn, "keys")
            row = conn.execute(sa.select(api_keys).where(api_keys.c.id == row.id)).one()
        return self._row(row)

    def authenticate(self, secret: str | None) -> ApiKey:
        """The live key whose secret this is; 401 material otherwise."""
        if not secret:
            raise AuthenticationError("Missing API key: send `Authorization: Bearer KEY`")
        digest = _hash(secret)
        try:
            with self.engine.connect() as conn:
                stamp = read_stamps(conn).get("keys", 0)
                with self._lock:
                    if stamp != self._stamp:  # a key was made or revoked: check anew
                        self._kept, self._stamp = {}, stamp
                    kept = self._kept.get(digest)
                if kept is not None:
                    return kept
                row = conn.execute(sa.select(api_keys).where(api_keys.c.hash == digest)).first()
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot check the API key: {first_line(exc)}") from exc
        if row is None:
            raise AuthenticationError("Unknown API key")
        if row.revoked_at is not None:
            raise AuthenticationError("This API key was revoked")
        key = self._row(row)
        with self._lock:
            if self._stamp == stamp and len(self._kept) < _KEPT:  # (unknown keys never are)
                self._kept[digest] = key
        return key
