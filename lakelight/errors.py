"""The one exception hierarchy users see.

    LakelightError                 anything the user can act on; the CLI prints its message
    ├── ConfigError                a setting is missing or invalid
    ├── SourceError                a source cannot be opened or read (file, URL, database)
    │   └── UnsupportedFormatError the format is unknown or cannot be detected
    ├── CatalogError               the catalog database failed or is inconsistent
    ├── IndexStoreError            the vector or keyword index cannot be read or written
    ├── EmbedderError              the embedding model cannot be loaded or run
    ├── QuestionError              a question is empty, too long or names an unknown table
    ├── NothingIngestedError       there is no data to answer from yet
    ├── UnsafeQueryError           a SQL statement failed the SELECT-only check
    ├── SynthesisError             a synth request cannot be met: unknown table or column,
    │                              a condition no row satisfies, n out of bounds
    ├── GuardBlocked               the guard refused to let something leave (PII, near-copy)
    ├── AuthenticationError        no API key, or an unknown or revoked one
    ├── AccessDeniedError          the caller may not read this source or do this
    ├── NotFoundError              no job, answer or key by that id or name
    ├── ConflictError              the name is taken (an API key's)
    └── BackendError               the LLM backend failed (bad request, auth, bad answer)
        ├── BackendUnavailableError no LLM can answer now: none configured, server down or
        │                          timed out or overloaded, local model missing
        └── UnknownBackendError    LAKELIGHT_LLM_BACKEND names no registered backend

Programmer mistakes raise ValueError/TypeError instead, so they never pass as user errors.
"""

from __future__ import annotations

from typing import Any


def first_line(exc: BaseException) -> str:
    """The first line of an error's own message (a database driver's, under SQLAlchemy's
    wrapper), for one-line messages to the user."""
    orig = getattr(exc, "orig", None) or exc
    args: tuple[Any, ...] = getattr(orig, "args", ())
    if len(args) == 2 and isinstance(args[0], int):  # pymysql: (code, message)
        message = f"{args[1]} (error {args[0]})"
    else:
        message = str(orig)
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


class LakelightError(Exception):
    """Base of every error whose message is meant for the user."""


class ConfigError(LakelightError):
    """A setting is missing or invalid; the message names the setting."""


class SourceError(LakelightError):
    """A source cannot be opened or read; the message names the source and the problem."""


class UnsupportedFormatError(SourceError):
    """The source's format is unknown or could not be detected."""


class CatalogError(LakelightError):
    """The catalog database cannot be reached or a statement on it failed."""


class IndexStoreError(LakelightError):
    """The FAISS or keyword index cannot be read or written."""


class EmbedderError(LakelightError):
    """The embedding model cannot be loaded or run."""


class QuestionError(LakelightError):
    """A question cannot be asked as given: empty, too long, or naming an unknown table."""


class NothingIngestedError(LakelightError):
    """The workspace holds no data yet."""


class UnsafeQueryError(LakelightError):
    """A statement was refused before it ran; the message says which rule it broke."""


class QueryTimeoutError(LakelightError):
    """A checked statement ran longer than its time limit and was stopped."""


class SynthesisError(LakelightError):
    """A synthesis request cannot be met as given; the message says what to change."""


class GuardBlocked(LakelightError):
    """The guard refused to let a value or record leave; the message says why, never what."""


class AuthenticationError(LakelightError):
    """The request carries no API key, or one that is unknown or revoked."""


class AccessDeniedError(LakelightError):
    """The caller's key lacks the scope, or its groups may not read the source; the message
    names only what the caller named."""


class NotFoundError(LakelightError):
    """No job, answer or key has the id or name given."""


class ConflictError(LakelightError):
    """The name given is already taken."""


class BackendError(LakelightError):
    """The LLM backend failed: the message names the backend (or server URL) and the fix."""


class BackendUnavailableError(BackendError):
    """No LLM can answer right now (none configured, server unreachable, timed out or
    overloaded, local model missing); callers may fall back to extractive answers."""


class UnknownBackendError(BackendError):
    """The LLM backend name is not registered; the message lists the known names."""
