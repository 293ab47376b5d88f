"""Pick the connector for a source: SQLAlchemy URLs go to ``sql``, everything else to ``files``
(which hands log files to ``logs``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from lakelight.config import Settings
from lakelight.errors import SourceError
from lakelight.records import TableStream

Format = Literal["csv", "parquet", "json", "log", "sql"]

_SQL_SCHEMES = re.compile(
    r"^(sqlite|postgresql|postgres|mysql|mariadb|mssql|oracle|duckdb|snowflake|bigquery|"
    r"redshift|trino|clickhouse|cockroachdb)(\+[\w-]+)?://",
    re.IGNORECASE,
)


def is_sql_url(source: str) -> bool:
    return bool(_SQL_SCHEMES.match(source))


def open_source(
    source: str,
    settings: Settings,
    *,
    table: str | None = None,
    query: str | None = None,
    format: Format | None = None,
) -> Iterator[TableStream]:
    """The tables a source holds, each ready to stream its records."""
    if not source or not source.strip():
        raise SourceError("No source given: pass a path, folder, glob, URL or SQLAlchemy URL")
    if format == "sql" or is_sql_url(source):
        from lakelight.ingest.sql import open_sql

        return open_sql(source, settings, table=table, query=query)
    if query:
        raise SourceError("--query applies to SQL sources only (a SQLAlchemy URL)")
    from lakelight.ingest.files import open_files

    return open_files(source, settings, table=table, format=format)
