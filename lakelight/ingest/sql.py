"""SQL connector: the tables of any SQLAlchemy URL, or one SELECT over it, read-only, in chunks.

What a caller can rely on:

- Tables: ``table=`` reads one table or view (``schema.name`` for another schema; a unique
  case-insensitive match is accepted). Without it, every base table of the URL's default schema
  is read, sorted by name; views are skipped (they repeat rows of their tables; name one with
  ``table=`` to read it) and so are SQLite's internal ``sqlite_*`` tables.
- ``query=``: one ``SELECT`` or ``WITH ... SELECT`` statement; the table is named ``table`` if
  given, else ``"query"``. :func:`ensure_select` rejects anything else before it runs. Its column
  types are inferred from the first chunk.
- Read-only: SQLite files open with ``mode=ro`` (a missing file is an error, never created) and
  ``PRAGMA query_only``; PostgreSQL and MySQL/MariaDB sessions start read-only transactions.
  Other backends rely on the query check alone. Connections are not pooled.
- Chunks of ``read_batch_size`` rows through server-side cursors where the driver has them.
  A table with a declared primary key is read in key order.
- Keys: declared primary key (``key_origin="primary_key"``), else a unique id-like column of the
  first chunk (``"id_column"``, also stored in ``schema.primary_key``), else the row number
  (``"row_number"``; stable only if the database returns rows in the same order). Tables without
  a declared key, and queries, read their first chunk once more to settle the schema.
- Values: Decimal -> float, date/time -> ISO string, binary -> ``"<binary N bytes>"``,
  JSON/arrays -> JSON text, other objects (UUID, intervals) -> ``str``; None stays None.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import suppress
from datetime import date, time
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import column, create_engine, event, inspect, select, table, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeEngine

from lakelight.config import Settings
from lakelight.errors import SourceError, first_line
from lakelight.ingest.keys import detect_key
from lakelight.ingest.rows import RecordBuilder, infer_columns
from lakelight.records import (
    Batch,
    Column,
    ColumnType,
    ForeignKey,
    Record,
    TableSchema,
    TableStream,
)

__all__ = ["SqlTable", "ensure_select", "open_sql", "read_only_engine"]

_READ_ONLY = {
    "postgresql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
    "mysql": "SET SESSION TRANSACTION READ ONLY",
    "mariadb": "SET SESSION TRANSACTION READ ONLY",
    "sqlite": "PRAGMA query_only = ON",
}
# Python module a driver needs -> the package that provides it.
_DRIVER_PACKAGES = {
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary]",
    "cx_Oracle": "oracledb",
}
# URL scheme whose dialect lives outside SQLAlchemy -> the package that provides it.
_DIALECT_PACKAGES = {
    "duckdb": "duckdb-engine", "snowflake": "snowflake-sqlalchemy",
    "bigquery": "sqlalchemy-bigquery", "redshift": "sqlalchemy-redshift",
    "trino": "trino[sqlalchemy]", "clickhouse": "clickhouse-sqlalchemy",
    "cockroachdb": "sqlalchemy-cockroachdb",
}  # fmt: skip
_CONNECT_TIMEOUT_S = 10
_MAX_LISTED = 20

# Words that only a writing statement (or SELECT ... INTO / FOR UPDATE) has; a word followed by
# "(" is a function (REPLACE(), MySQL's INSERT()), and one after "." a qualified name.
_WRITE_WORDS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "TRUNCATE", "DROP", "ALTER",
     "CREATE", "RENAME", "GRANT", "REVOKE", "INTO", "COPY", "CALL", "EXEC", "EXECUTE", "LOCK"}
)  # fmt: skip


def _lexer(hidden: str) -> re.Pattern[str]:
    """Tokens of a query; ``hidden`` matches what hides text (comments, strings, quoted names)
    and must agree with the database's own lexer, or a statement could slip past the check."""
    code = r"(?P<space>\s+)|(?P<word>[A-Za-z_][\w$]*)|(?P<semi>;)|(?P<open>\()|(?P<other>.)"
    return re.compile(f"{hidden}|{code}", re.S)


_LEXERS = {
    "postgresql": _lexer(
        r"(?P<comment>--[^\n]*|/\*.*?\*/)|(?P<string>[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'"
        r'|"(?:[^"]|"")*"|(?P<dollar>\$(?:[A-Za-z_]\w*)?\$).*?(?P=dollar))'
    ),
    "mysql": _lexer(  # "-- " needs a space; /*! ... */ and /*M! ... */ are executed
        r"(?P<comment>--(?=\s|$)[^\n]*|#[^\n]*|/\*(?!!|M!).*?\*/)"
        r"|(?P<string>'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`(?:[^`]|``)*`)"
    ),
    "default": _lexer(
        r"(?P<comment>--[^\n]*|/\*.*?\*/)"
        r"|(?P<string>'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|\[[^\]]*\])"
    ),
}


def ensure_select(query: str, dialect: str = "default") -> str:
    """The query without trailing semicolons if it is one read-only SELECT (or WITH ... SELECT),
    else a SourceError saying why. ``dialect`` is a SQLAlchemy dialect name."""
    family = "mysql" if dialect in ("mysql", "mariadb") else dialect
    lexer = _LEXERS.get(family, _LEXERS["default"])
    tokens = [
        (m.lastgroup if m.lastgroup != "dollar" else "string", m.group(), m.start())
        for m in lexer.finditer(query)
    ]
    tokens = [t for t in tokens if t[0] not in ("space", "comment")]
    end = len(query)
    while tokens and tokens[-1][0] == "semi":
        end = tokens.pop()[2]
    if not tokens:
        raise SourceError("The query is empty: give one SELECT statement")
    if any(kind == "semi" for kind, _, _ in tokens):
        raise SourceError("The query must be a single SELECT statement, not several")
    first = next((t for t in tokens if t[0] != "open"), tokens[0])[1]
    if first.upper() not in ("SELECT", "WITH"):
        raise SourceError(f"Only a SELECT query can be read (or WITH ... SELECT), not {first}")
    for i, (kind, word, _) in enumerate(tokens):
        if kind != "word" or word.upper() not in _WRITE_WORDS:
            continue
        after = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        before = tokens[i - 1][1] if i else ""
        if after != "(" and before != ".":
            raise SourceError(
                f"The query must only read: {word.upper()} is not allowed "
                "(quote a column of that name)"
            )
    return query[:end].rstrip()


def read_only_engine(url: str) -> Engine:
    """An engine whose every connection is read-only where the backend allows it (see module
    docstring); bad URLs, unknown dialects and missing drivers raise SourceError."""
    parsed = _parse_url(url)
    kwargs: dict[str, Any] = {"poolclass": NullPool}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed, kwargs["creator"] = _sqlite_read_only(parsed)
    try:
        libpq = backend == "postgresql" and parsed.get_driver_name() in ("psycopg", "psycopg2")
        if libpq and "connect_timeout" not in parsed.query:
            kwargs["connect_args"] = {"connect_timeout": _CONNECT_TIMEOUT_S}
        engine = create_engine(parsed, **kwargs)
    except sa_exc.NoSuchModuleError as exc:
        package = _DIALECT_PACKAGES.get(backend)
        hint = f": install {package}" if package else ""
        raise SourceError(f"No SQLAlchemy dialect for '{parsed.drivername}://'{hint}") from exc
    except ImportError as exc:
        module = (exc.name or str(exc)).split(".")[0]
        package = _DRIVER_PACKAGES.get(module, module)
        raise SourceError(
            f"The driver for '{parsed.drivername}://' is not installed: install {package}"
        ) from exc
    except sa_exc.ArgumentError as exc:
        raise SourceError(f"Invalid database URL {_mask(parsed)}: {first_line(exc)}") from exc
    if engine.dialect.is_async:
        raise SourceError(
            f"'{parsed.drivername}' is an async driver: use a synchronous one "
            "(e.g. postgresql+psycopg, mysql+pymysql)"
        )
    statement = _READ_ONLY.get(engine.dialect.name)
    if statement:
        event.listen(engine, "connect", _on_connect(statement))
    return engine


def open_sql(
    url: str, settings: Settings, *, table: str | None = None, query: str | None = None
) -> Iterator[TableStream]:
    """The tables to read from ``url``: one table, every table, or one query's result.

    Connecting, finding the table and checking (and running) the query happen now, so their
    errors raise here; each table's schema is settled as the iterator reaches it."""
    engine = read_only_engine(url)
    source = _mask(make_url(url))
    if query is not None:
        statement = ensure_select(query, engine.dialect.name)
        stream = SqlTable(
            engine, TableSchema(source, table or "query", []), _text(statement), settings
        )
        stream.settle()
        return iter([stream])
    with _connect(engine, source) as conn:
        inspector = inspect(conn)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", sa_exc.SAWarning)  # unknown column types
                found = _find_tables(inspector, source, table)
                specs = [
                    (schema, name, list(inspector.get_columns(name, schema=schema)),
                     inspector.get_pk_constraint(name, schema=schema)["constrained_columns"],
                     _foreign_keys(inspector, name, schema))
                    for schema, name in found
                ]  # fmt: skip
        except sa_exc.SQLAlchemyError as exc:
            raise SourceError(f"Cannot list the tables of {source}: {first_line(exc)}") from exc
    return _table_streams(engine, source, specs, settings)


class SqlTable:
    """One table or query result of a database: its schema, then its rows in batches."""

    def __init__(
        self, engine: Engine, schema: TableSchema, statement: Executable, settings: Settings
    ) -> None:
        self.engine, self.schema, self._statement = engine, schema, statement
        if schema.primary_key:
            schema.key_origin = "primary_key"
        self._batch_size, self._max_cell_bytes = settings.read_batch_size, settings.max_cell_bytes
        self._what = f"Reading table '{schema.table}'" if schema.columns else "The query"

    def settle(
        self, untyped: frozenset[str] = frozenset(), texts: frozenset[str] = frozenset()
    ) -> None:
        """Type the untyped columns (all of a query's), find a key when none is declared, and
        type as datetime the text columns that hold only dates (SQLite has no date type:
        its dates are TEXT), from the first chunk."""
        if self.schema.primary_key and self.schema.columns and not untyped and not texts:
            return
        chunks = self._chunks()
        try:
            names, rows = next(chunks, ([], []))
        finally:
            chunks.close()
        if untyped or not self.schema.columns:
            inferred = {c.name: c for c in infer_columns(names, rows)}
            self.schema.columns = [
                inferred[c.name] if c.name in untyped else c for c in self.schema.columns
            ] or list(inferred.values())
        if texts:
            dated = {c.name for c in infer_columns(names, rows) if c.type == "datetime"}
            self.schema.columns = [
                Column(c.name, "datetime") if c.name in texts and c.name in dated else c
                for c in self.schema.columns
            ]
        if not self.schema.primary_key:
            key, origin = detect_key(self.schema.columns, rows, table=self.schema.table)
            self.schema.primary_key, self.schema.key_origin = key, origin  # type: ignore[assignment]

    def batches(self) -> Iterator[Batch]:
        schema = self.schema
        builder = RecordBuilder(schema, schema.primary_key, self._max_cell_bytes)
        position = 0
        for _, rows in self._chunks():
            if not rows:
                continue
            batch = Batch()
            for row in rows:
                position += 1
                out = builder.build(row, position, f"{schema.table} row {position}")
                if isinstance(out, Record):
                    batch.records.append(out)
                else:
                    batch.rejected.append(out)
            yield batch

    def _chunks(self) -> Generator[tuple[list[str], list[dict[str, Any]]]]:
        """Rows as dicts, a chunk at a time; one empty chunk when there are none."""
        types = {c.name: c.type for c in self.schema.columns}
        with _connect(self.engine, self.schema.source) as conn:
            try:
                result = conn.execution_options(
                    stream_results=True, max_row_buffer=self._batch_size
                ).execute(self._statement)
                names = _unique(list(result.keys()))
                kinds = [types.get(n) for n in names]
                empty = True
                for part in result.partitions(self._batch_size):
                    empty = False
                    yield (
                        names,
                        [dict(zip(names, map(_plain, row, kinds), strict=True)) for row in part],
                    )
                if empty:
                    yield names, []
            except GeneratorExit:
                # Stopped early: drop the connection, as closing the cursor would read every
                # remaining row; pymysql's unbuffered result is told so, or it tries when freed.
                raw = getattr(getattr(result, "cursor", None), "_result", None)
                if getattr(raw, "unbuffered_active", False):
                    raw.unbuffered_active = False  # type: ignore[union-attr]
                with suppress(sa_exc.SQLAlchemyError):
                    conn.invalidate()
                raise
            except sa_exc.SQLAlchemyError as exc:
                raise SourceError(
                    f"{self._what} on {self.schema.source} failed: {first_line(exc)}"
                ) from exc


def _table_streams(
    engine: Engine,
    source: str,
    specs: list[tuple[str | None, str, list[Any], list[str], list[ForeignKey]]],
    settings: Settings,
) -> Iterator[TableStream]:
    for schema, name, reflected, pk, fks in specs:
        types = {c["name"]: _column_type(c["type"]) for c in reflected}
        columns = [Column(n, t or "string") for n, t in types.items()]
        untyped = frozenset(n for n, t in types.items() if t is None)
        texts = frozenset(n for n, t in types.items() if t == "string")
        label = f"{schema}.{name}" if schema else name
        selected: list[Any] = [column(c.name) for c in columns]
        statement = select(*selected).select_from(table(name, schema=schema))
        ordered = statement.order_by(*(column(k) for k in pk))
        described = TableSchema(source, label, columns, pk, foreign_keys=fks)
        stream = SqlTable(engine, described, ordered, settings)
        stream.settle(untyped, texts)
        yield stream


def _foreign_keys(inspector: Any, name: str, schema: str | None) -> list[ForeignKey]:
    """Foreign keys as declared; one of several columns keeps its other pairs in ``also``."""
    found = []
    for fk in inspector.get_foreign_keys(name, schema=schema):
        cols, refs = fk.get("constrained_columns") or [], fk.get("referred_columns") or []
        if cols and len(cols) == len(refs) and fk.get("referred_table"):
            also = tuple(zip(cols[1:], refs[1:], strict=False))
            found.append(ForeignKey(cols[0], fk["referred_table"], refs[0], also=also))
    return found


def _find_tables(inspector: Any, source: str, wanted: str | None) -> list[tuple[str | None, str]]:
    names = sorted(n for n in inspector.get_table_names() if not n.startswith("sqlite_"))
    if wanted is None:
        return [(None, n) for n in names]
    everything = names + sorted(inspector.get_view_names())
    if wanted in everything:
        return [(None, wanted)]
    folded = [n for n in everything if n.lower() == wanted.lower()]
    if len(folded) == 1:
        return [(None, folded[0])]
    schema, _, name = wanted.rpartition(".")
    if schema and schema in inspector.get_schema_names():
        in_schema = inspector.get_table_names(schema=schema) + inspector.get_view_names(schema)
        if name in in_schema:
            return [(schema, name)]
    listed = ", ".join(names[:_MAX_LISTED]) or "none"
    more = f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else ""
    raise SourceError(f"No table '{wanted}' in {source}; its tables: {listed}{more}")


def _column_type(sqltype: TypeEngine[Any]) -> ColumnType | None:
    """The records type of a SQLAlchemy type, by the Python type it holds; None if unknown."""
    try:
        python = sqltype.python_type
    except NotImplementedError:
        return None
    if python is object:  # NullType (untyped SQLite columns), JSON, MONEY, unknown types
        return None
    if issubclass(python, bool):
        return "boolean"
    if issubclass(python, int):
        return "integer"
    if issubclass(python, float | Decimal):
        return "float"
    return "datetime" if issubclass(python, date) else "string"


def _plain(value: Any, kind: ColumnType | None) -> Any:
    """A value as the record layer takes it (see module docstring)."""
    if value is None or isinstance(value, str | float | Decimal | date | time):
        return value
    if isinstance(value, int):
        return bool(value) if kind == "boolean" and value in (0, 1) else value
    if isinstance(value, bytes | bytearray | memoryview):
        size = value.nbytes if isinstance(value, memoryview) else len(value)
        return f"<binary {size} bytes>"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def _unique(names: Sequence[str]) -> list[str]:
    """Result column names made unique (``SELECT a.id, b.id`` -> ``id``, ``id_2``)."""
    out: list[str] = []
    for name in names:
        out.append(next(c for n in count(1) if (c := f"{name}_{n}" if n > 1 else name) not in out))
    return out


def _text(statement: str) -> Executable:
    # Colons are escaped so ':name' is not a bind parameter; text() doubles '%' where needed.
    return text(statement.replace(":", "\\:"))


def _connect(engine: Engine, source: str) -> Connection:
    try:
        return engine.connect()
    except sa_exc.SQLAlchemyError as exc:
        raise SourceError(f"Cannot connect to {source}: {first_line(exc)}") from exc


def _on_connect(statement: str) -> Callable[[Any, Any], None]:
    def set_read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()
        dbapi_connection.commit()

    return set_read_only


def _sqlite_read_only(url: URL) -> tuple[URL, Callable[[], sqlite3.Connection]]:
    database = url.database or ""
    if database in ("", ":memory:") or "mode=memory" in database:
        raise SourceError("An in-memory SQLite database has no tables to read: give a file path")
    path = Path(database.removeprefix("file:").split("?", 1)[0]).expanduser().resolve()
    if not path.is_file():
        raise SourceError(f"No such database file: {path}")
    uri = f"file:{quote(str(path))}?mode=ro"

    def creator() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    return URL.create("sqlite+pysqlite", database=str(path)), creator


def _parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except (sa_exc.ArgumentError, ValueError) as exc:
        shown = url.split("@")[-1] if "@" in url else url
        raise SourceError(f"Not a valid SQLAlchemy URL: ...{shown}") from exc


def _mask(url: URL) -> str:
    return url.render_as_string(hide_password=True)
