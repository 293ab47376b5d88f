"""Connectors: turn a source (file, folder, glob, fsspec URL, SQLAlchemy URL) into tables of
Records. ``open_source`` picks the connector by the source's kind."""

from __future__ import annotations

from lakelight.ingest.registry import Format, open_source

__all__ = ["Format", "open_source"]
