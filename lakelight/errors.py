"""The one exception hierarchy users see.

    LakelightError                 anything the user can act on; the CLI prints its message
    ├── ConfigError                a setting is missing or invalid
    ├── SourceError                a source cannot be opened or read (file, URL, database)
    │   └── UnsupportedFormatError the format is unknown or cannot be detected
    ├── CatalogError               the catalog database failed or is inconsistent
    ├── IndexStoreError            the vector or keyword index cannot be read or written
    └── EmbedderError              the embedding model cannot be loaded or run

Programmer mistakes raise ValueError/TypeError instead, so they never pass as user errors.
"""

from __future__ import annotations


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
