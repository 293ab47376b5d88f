"""Which sources a remote caller (the HTTP API) may ask the server to ingest. Local files only
under ``LAKELIGHT_INGEST_ROOTS`` (none by default: file ingest over HTTP is off), judged after
every symlink and ``..`` is resolved, file by file as the connector would read them; SQL and
object-storage URLs only when ``LAKELIGHT_INGEST_URL_ALLOW`` names them. So no caller reads the
server's own files (``/etc/passwd``, the workspace) through an ingest."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

import sqlalchemy as sa

from lakelight.config import Settings
from lakelight.errors import AccessDeniedError, SourceError
from lakelight.ingest.paths import expand_source
from lakelight.ingest.registry import is_sql_url

__all__ = ["check_remote_source"]

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def check_remote_source(source: str, settings: Settings, *, sql: bool = False) -> None:
    """Raise AccessDeniedError unless a remote caller may ingest ``source``."""
    source = (source or "").strip()
    if not source:
        raise SourceError("No source given: pass a path under an ingest root, or an allowed URL")
    if "::" in source or "\x00" in source:
        raise AccessDeniedError("Chained or NUL-bearing sources cannot be ingested over HTTP")
    if sql or is_sql_url(source):
        _check_sql(source, settings)
    elif _SCHEME.match(source) and not source.lower().startswith("file://"):
        _check_allowed_url(source, settings)
    else:
        _check_files(source.removeprefix("file://"), settings)


def _check_allowed_url(url: str, settings: Settings) -> None:
    if any(part == ".." for part in re.split(r"[/\\]", url)):
        raise AccessDeniedError("A URL with '..' cannot be ingested over HTTP")
    if not any(fnmatch.fnmatchcase(url, p) for p in settings.ingest_url_allow):
        raise AccessDeniedError(
            "This URL is not in LAKELIGHT_INGEST_URL_ALLOW: an admin must allow it first"
        )


def _check_sql(url: str, settings: Settings) -> None:
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise SourceError("Not a valid SQLAlchemy URL") from exc
    if parsed.get_backend_name() in ("sqlite", "duckdb"):
        # a database in a file is a file: the ingest roots decide, not the URL allow-list
        if not parsed.database or parsed.database == ":memory:":
            raise AccessDeniedError("An in-memory database cannot be ingested over HTTP")
        _check_files(parsed.database, settings, expand=False)
        return
    _check_allowed_url(url, settings)


def _roots(settings: Settings) -> list[Path]:
    if not settings.ingest_roots:
        raise AccessDeniedError(
            "File ingest over HTTP is off: an admin names the folders callers may read in "
            "LAKELIGHT_INGEST_ROOTS"
        )
    return [Path(os.path.realpath(r)) for r in settings.ingest_roots]


def _check_files(path: str, settings: Settings, *, expand: bool = True) -> None:
    roots = _roots(settings)
    if not os.path.isabs(path):
        raise AccessDeniedError("Give an absolute path under one of LAKELIGHT_INGEST_ROOTS")
    if not _inside(Path(os.path.realpath(_literal_prefix(path))), roots):
        raise AccessDeniedError("That path is outside LAKELIGHT_INGEST_ROOTS")
    if not expand:
        return
    _, _, files = expand_source(path)  # the files the connector would read
    for file in files:
        if not _inside(Path(os.path.realpath(file)), roots):
            raise AccessDeniedError(
                "That source reaches outside LAKELIGHT_INGEST_ROOTS (through a symlink)"
            )


def _literal_prefix(path: str) -> str:
    """The part of a glob before its first wildcard (a folder the glob lies in)."""
    cut = re.split(r"[*?\[]", path, maxsplit=1)[0]
    return cut if cut == path else (os.path.dirname(cut) or "/")


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)
