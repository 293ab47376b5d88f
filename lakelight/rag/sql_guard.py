"""Every SQL statement lakelight runs for a question is parsed and checked here first.

``check_sql`` accepts exactly one read-only SELECT (CTEs and set operations allowed) over
allow-listed tables, with allow-listed functions, and clamps its LIMIT. ``run_select`` then runs
it on a read-only connection or transaction with a time limit, whatever the catalog database.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlglot import exp
from sqlglot.errors import SqlglotError

from lakelight.errors import CatalogError, QueryTimeoutError, UnsafeQueryError, first_line

__all__ = [
    "QueryResult",
    "check_sql",
    "run_select",
    "sql_dialect",
]

DEFAULT_MAX_ROWS = 1000
DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    sql: str  # the statement as it actually ran (checked, limit clamped)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Names a table reference may never have: the catalog's own tables and system catalogs.
_RESERVED_TABLE = re.compile(r"^(ll_|sqlite_|pg_|information_schema$|mysql$|performance_schema$)")

# Functions that touch files, the network, sessions, sequences or sleep, in any dialect.
_DENIED_FUNCTION = re.compile(
    r"^(pg_|lo_|dblink|sleep|benchmark|load_|readfile|writefile|read_|write_|copy|sys_|xp_|"
    r"query_to_|table_to_|cursor_to_|schema_to_|database_to_|set_config|current_setting|nextval|"
    r"setval|currval|lastval|get_lock|release_lock|is_used_lock|is_free_lock|zeroblob|randomblob|"
    r"fts3_|fts5|edit$|txid_|to_file|import|export|exec|system|shell|http|url)"
)

# Functions sqlglot models as typed expressions that read or write outside the query.
_DENIED_TYPED = frozenset({"ReadCSV", "ReadParquet", "ToFile", "NextValueFor"})

# Functions sqlglot does not model (parsed as Anonymous) that are still harmless.
_ALLOWED_ANONYMOUS = _words(
    """julianday unixepoch instr ltrim rtrim trim char hex unicode likely
    unlikely total ifnull nullif iif date_part to_char to_date to_timestamp age justify_days
    btrim split_part strpos position lpad rpad initcap reverse chr ascii md5 sign ceil
    ceiling floor trunc mod power sqrt exp ln log log10 pi degrees radians width_bucket
    date_format datediff timestampdiff str_to_date dayofweek dayofmonth dayofyear weekday
    week weekofyear quarter monthname dayname hour minute second microsecond makedate
    maketime last_day time_to_sec sec_to_time from_unixtime unix_timestamp locate field elt
    concat_ws substring_index mid octet_length bit_length char_length character_length
    regexp_like regexp_replace regexp_substr regexp_instr median mode stddev stddev_pop
    stddev_samp variance var_pop var_samp bool_and bool_or every string_agg array_agg
    json_extract json_array_length json_object_keys jsonb_extract_path_text"""
)

# Statement kinds that are never allowed anywhere in the tree (DML, DDL, session commands).
_DENIED_NODES: tuple[type[exp.Expr], ...] = tuple(
    cls
    for name in (
        "DML",
        "DDL",
        "Insert",
        "Update",
        "Delete",
        "Merge",
        "Create",
        "Drop",
        "Alter",
        "TruncateTable",
        "Command",
        "Pragma",
        "Attach",
        "Detach",
        "Set",
        "Use",
        "Transaction",
        "Commit",
        "Rollback",
        "Copy",
        "LoadData",
        "Into",
        "Lock",
        "Grant",
        "Revoke",
        "Analyze",
        "Describe",
        "Show",
        "SessionParameter",
    )
    if isinstance(cls := getattr(exp, name, None), type)
)

_SQLALCHEMY_TO_SQLGLOT = {"postgresql": "postgres", "mariadb": "mysql", "mssql": "tsql"}


def sql_dialect(name: str) -> str:
    """The sqlglot dialect for a SQLAlchemy dialect name (``postgresql`` → ``postgres``)."""
    return _SQLALCHEMY_TO_SQLGLOT.get(name, name)


def check_sql(
    sql: str, allowed_tables: Iterable[str], dialect: str, max_rows: int = DEFAULT_MAX_ROWS
) -> str:
    """The statement rendered for ``dialect`` with its LIMIT clamped to ``max_rows``, or
    UnsafeQueryError naming the first rule it breaks."""
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    dialect = sql_dialect(dialect)
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnsafeQueryError(f"The SQL could not be parsed: {reason[:200]}") from exc
    if len(statements) != 1:
        raise UnsafeQueryError(f"Exactly one statement is allowed, got {len(statements)}")
    tree = statements[0]
    while isinstance(tree, exp.Subquery) and not tree.args.get("alias"):
        tree = tree.this  # "(SELECT ...)" is the SELECT itself
    if not isinstance(tree, exp.Select | exp.SetOperation):
        raise UnsafeQueryError(f"Only SELECT statements are allowed, not {tree.key.upper()}")
    allowed = {t.lower() for t in allowed_tables}
    for node in tree.walk():
        _check_node(node, allowed)
    _clamp_limit(tree, max_rows)
    try:
        return tree.sql(dialect=dialect, comments=False)  # nothing hides in a comment
    except SqlglotError as exc:
        raise UnsafeQueryError(f"The SQL cannot be rendered for {dialect}: {exc}") from exc


def _check_node(node: exp.Expr, allowed: set[str]) -> None:
    if isinstance(node, _DENIED_NODES):
        raise UnsafeQueryError(f"{node.key.upper()} is not allowed in a read-only query")
    if node.args.get("locks"):
        raise UnsafeQueryError("Locking clauses (FOR UPDATE/SHARE) are not allowed")
    if isinstance(node, exp.Table):
        _check_table(node, allowed)
    elif isinstance(node, exp.Func):
        _check_function(node)


def _check_table(node: exp.Table, allowed: set[str]) -> None:
    if not isinstance(node.this, exp.Identifier):
        raise UnsafeQueryError("Table functions are not allowed in FROM")
    name = node.name.lower()
    if node.args.get("db") or node.args.get("catalog"):
        raise UnsafeQueryError(f"Qualified table names are not allowed: {node.sql()}")
    if name in _visible_ctes(node):
        return
    if _RESERVED_TABLE.match(name):
        raise UnsafeQueryError(f"Table {node.name!r} is internal and cannot be queried")
    if name not in allowed:
        raise UnsafeQueryError(f"Table {node.name!r} is not one you may query")


def _visible_ctes(node: exp.Expr) -> set[str]:
    """CTE names a table reference can see: all of an enclosing WITH from its main query, only
    the earlier ones from inside a CTE body (the CTE itself too when WITH is RECURSIVE)."""
    visible: set[str] = set()
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(child, exp.CTE) and isinstance(parent, exp.With):
            names = [c.alias_or_name.lower() for c in parent.expressions]
            index = next(i for i, c in enumerate(parent.expressions) if c is child)
            visible.update(names[: index + 1] if parent.args.get("recursive") else names[:index])
        else:
            with_ = parent.args.get("with_") or parent.args.get("with")
            if isinstance(with_, exp.With) and child is not with_:
                visible.update(c.alias_or_name.lower() for c in with_.expressions)
        child, parent = parent, parent.parent
    return visible


def _check_function(node: exp.Func) -> None:
    if isinstance(node, exp.Anonymous):
        name = str(node.name).lower()
        if _DENIED_FUNCTION.match(name) or name not in _ALLOWED_ANONYMOUS:
            raise UnsafeQueryError(f"Function {name}() is not allowed")
        return
    name = node.sql_name().lower()
    if type(node).__name__ in _DENIED_TYPED or _DENIED_FUNCTION.match(name):
        raise UnsafeQueryError(f"Function {name}() is not allowed")


def _clamp_limit(tree: exp.Expr, max_rows: int) -> None:
    limit = tree.args.get("limit")
    count: exp.Expr | None = None
    if isinstance(limit, exp.Limit):
        count = limit.expression
    elif isinstance(limit, exp.Fetch):
        count = limit.args.get("count")
    if isinstance(count, exp.Literal) and not count.is_string:
        try:
            if 0 <= int(count.this) <= max_rows:
                return
        except ValueError:
            pass
    tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))


# --- running a checked statement ---


def run_select(
    engine: Engine,
    sql: str,
    allowed_tables: Iterable[str],
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> QueryResult:
    """Check ``sql`` and run it read-only, stopping it after ``timeout_s`` seconds."""
    name = engine.dialect.name
    safe = check_sql(sql, allowed_tables, sql_dialect(name), max_rows)
    try:
        with engine.connect() as conn:
            with _read_only(conn, timeout_s) as prefix:
                result = conn.execute(sa.text(_escape_binds(prefix + safe)))
                columns = list(result.keys())
                rows = [tuple(r) for r in result.fetchmany(max_rows)]
            conn.rollback()
    except SQLAlchemyError as exc:
        if _is_timeout(exc):
            raise QueryTimeoutError(
                f"The query ran longer than {timeout_s:g}s and was stopped: narrow the question "
                "or raise the time limit"
            ) from exc
        raise CatalogError(f"The query failed: {first_line(exc)}") from exc
    return QueryResult(columns, rows, safe)


@contextmanager
def _read_only(conn: Connection, timeout_s: float) -> Iterator[str]:
    """Make ``conn`` read-only with a time limit for one statement; yields a prefix for it."""
    name = conn.dialect.name
    if name == "sqlite":
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        deadline = time.monotonic() + timeout_s
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        conn.exec_driver_sql("PRAGMA query_only = 1")
        try:
            yield ""
        finally:
            raw.set_progress_handler(None, 0)
            conn.exec_driver_sql("PRAGMA query_only = 0")  # the connection goes back to the pool
    elif name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout_s * 1000))}")
        yield ""
    elif name in ("mysql", "mariadb"):
        conn.exec_driver_sql("START TRANSACTION READ ONLY")
        if getattr(conn.dialect, "is_mariadb", False):
            yield f"SET STATEMENT max_statement_time={max(0.001, timeout_s):.3f} FOR "
        else:
            previous = conn.exec_driver_sql("SELECT @@SESSION.max_execution_time").scalar()
            conn.exec_driver_sql(
                f"SET SESSION max_execution_time = {max(1, int(timeout_s * 1000))}"
            )
            try:
                yield ""
            finally:
                conn.exec_driver_sql(f"SET SESSION max_execution_time = {int(previous or 0)}")
    else:
        yield ""  # no read-only switch known: the guard and the final rollback still hold


def _escape_binds(sql: str) -> str:
    """``text()`` reads ``:name`` as a bind parameter; a checked statement has none."""
    return sql.replace(":", "\\:")


def _is_timeout(exc: SQLAlchemyError) -> bool:
    orig = getattr(exc, "orig", None)
    text = str(orig or exc).lower()
    code = str(getattr(orig, "sqlstate", "") or getattr(orig, "pgcode", "") or "")
    errno = orig.args[0] if orig is not None and orig.args else None
    return (
        "interrupted" in text
        or code == "57014"  # PostgreSQL query_canceled
        or errno in (1969, 3024)  # MariaDB max_statement_time, MySQL max_execution_time
        or "statement timeout" in text
        or "maximum statement execution time" in text
    )
