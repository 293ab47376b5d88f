"""The SQL guard: one read-only SELECT over allow-listed tables, limited, run with a time limit,
on SQLite and on the running PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lakelight.errors import CatalogError, QueryTimeoutError, UnsafeQueryError
from lakelight.index.catalog import Catalog
from lakelight.rag.sql_guard import (
    _read_only,
    check_sql,
    run_select,
    sql_dialect,
)
from tests.servers import server_database

ALLOWED = {"sales", "genre"}
SLOW_CTE = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c"


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE sales",
        "DELETE FROM sales",
        "INSERT INTO sales VALUES (1)",
        "UPDATE sales SET amount = 0",
        "CREATE TABLE x AS SELECT * FROM sales",
        "ALTER TABLE sales ADD COLUMN y INT",
        "ATTACH DATABASE '/var/x.db' AS x",
        "PRAGMA query_only = 0",
        "VACUUM",
        "SELECT 1; DROP TABLE sales",
        "SELECT * FROM sales; SELECT * FROM genre",
        "SELECT * FROM ll_records",
        "SELECT * FROM sales JOIN ll_tables ON 1 = 1",
        "SELECT * FROM sqlite_master",
        'SELECT * FROM "LL_RECORDS"',
        "SELECT * FROM main.sales",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM pg_catalog.pg_user",
        "SELECT * FROM secrets",
        "SELECT (SELECT fields FROM ll_records LIMIT 1) FROM sales",
        "SELECT * FROM sales WHERE amount IN (SELECT vid FROM ll_records)",
        "WITH ll_records AS (SELECT * FROM ll_records) SELECT * FROM ll_records",
        "WITH a AS (SELECT * FROM secrets), secrets AS (SELECT 1) SELECT * FROM a",
        "SELECT * FROM pragma_table_info('sales')",
        "SELECT * FROM generate_series(1, 10)",
        "SELECT load_extension('/var/evil.so')",
        "SELECT readfile('/etc/passwd')",
        "SELECT writefile('/var/x', 'y')",
        "SELECT pg_sleep(10)",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT lo_import('/etc/passwd')",
        "SELECT dblink('host=evil', 'SELECT 1')",
        "SELECT sleep(10) FROM sales",
        "SELECT benchmark(1000000, md5('x'))",
        "SELECT printf('%.*c', 2000000000, 'x')",
        "SELECT randomblob(1000000000)",
        'SELECT "pg_sleep"(5)',
        "SELECT * FROM sales UNION ALL SELECT vid, fields FROM ll_records",
        "(SELECT * FROM ll_records)",
        "EXPLAIN SELECT * FROM sales",
        "VALUES (1)",
        "SELECT query_to_xml('DELETE FROM sales', true, true, '')",
        "SELECT set_config('statement_timeout', '0', false)",
        "SELECT nextval('seq')",
        "SELECT * INTO new_table FROM sales",
        "SELECT * FROM sales FOR UPDATE",
        "SELEC * FROM sales",
        "",
    ],
)
def test_guard_rejects(sql: str) -> None:
    with pytest.raises(UnsafeQueryError) as info:
        check_sql(sql, ALLOWED, "sqlite")
    message = str(info.value)
    assert message and "\n" not in message


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_guard_rejects_in_other_dialects(dialect: str) -> None:
    for sql in ("SELECT pg_sleep(5)", "SELECT * FROM ll_runs", "COPY sales TO '/var/x'"):
        with pytest.raises(UnsafeQueryError):
            check_sql(sql, ALLOWED, dialect)


def test_guard_enforces_the_row_limit() -> None:
    assert check_sql("SELECT * FROM sales", ALLOWED, "sqlite", 50).endswith("LIMIT 50")
    assert check_sql("SELECT * FROM sales LIMIT 99999", ALLOWED, "sqlite", 50).endswith("LIMIT 50")
    assert check_sql("SELECT * FROM sales LIMIT 7", ALLOWED, "sqlite", 50).endswith("LIMIT 7")
    assert check_sql("SELECT * FROM sales LIMIT -1", ALLOWED, "sqlite", 50).endswith("LIMIT 50")
    union = check_sql("SELECT 1 UNION SELECT 2", ALLOWED, "sqlite", 50)
    assert union.endswith("LIMIT 50")
    fetch = check_sql("SELECT * FROM sales FETCH FIRST 5000 ROWS ONLY", ALLOWED, "postgres", 9)
    assert "5000" not in fetch and "9" in fetch


def test_guard_accepts_read_only_selects() -> None:
    accepted = [
        'SELECT "Region", SUM(amount) FROM sales GROUP BY "Region" ORDER BY 2 DESC',
        "WITH top AS (SELECT * FROM sales) SELECT COUNT(*) FROM top",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) "
        "SELECT * FROM c",
        "SELECT name FROM genre UNION SELECT region FROM sales",
        "SELECT * FROM (SELECT * FROM sales) AS s WHERE s.amount > (SELECT AVG(amount) FROM sales)",
        "SELECT LOWER(name), COALESCE(x, 0), CAST(y AS INTEGER), STRFTIME('%Y', d), "
        "ROUND(AVG(z), 2) FROM sales GROUP BY 1, 2, 3, 4",
        "SELECT julianday(d) - julianday('2020-01-01') FROM sales",
        "SELECT * FROM sales -- ; DROP TABLE sales",
    ]
    for sql in accepted:
        assert check_sql(sql, ALLOWED, "sqlite").startswith(("SELECT", "WITH"))


def test_guard_drops_comments() -> None:
    sql = "SELECT /* a */ 1 FROM sales -- */; DROP TABLE sales"
    assert check_sql(sql, ALLOWED, "postgresql") == "SELECT 1 FROM sales LIMIT 1000"


def test_guard_renders_for_the_dialect() -> None:
    sql = 'SELECT "Sub-Category", COUNT(*) FROM sales GROUP BY "Sub-Category"'
    assert '"Sub-Category"' in check_sql(sql, ALLOWED, "postgresql")
    mysql = sql.replace('"', "`")
    assert check_sql(mysql, ALLOWED, "mysql") == mysql + " LIMIT 1000"
    assert sql_dialect("postgresql") == "postgres" and sql_dialect("mariadb") == "mysql"


@pytest.fixture
def small(tmp_path: Path) -> Iterator[sa.Engine]:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.db'}", tmp_path)
    with catalog.begin() as conn:
        conn.exec_driver_sql('CREATE TABLE sales ("Region" TEXT, amount REAL)')
        conn.exec_driver_sql(
            "INSERT INTO sales VALUES ('West', 10), ('East', 5), ('West', 2.5), ('a:b', 1)"
        )
    yield catalog.engine
    catalog.close()


def test_run_select_on_sqlite(small: sa.Engine) -> None:
    result = run_select(
        small,
        'SELECT "Region", SUM(amount) AS total FROM sales WHERE "Region" <> \'a:b\' '
        'GROUP BY "Region" ORDER BY total DESC',
        {"sales"},
    )
    assert result.columns == ["Region", "total"]
    assert result.rows == [("West", 12.5), ("East", 5.0)]
    assert result.sql.endswith("LIMIT 1000")
    assert len(run_select(small, "SELECT * FROM sales", {"sales"}, max_rows=2).rows) == 2
    with pytest.raises(UnsafeQueryError):
        run_select(small, "SELECT * FROM ll_records", {"sales"})
    with pytest.raises(CatalogError, match="no such column"):
        run_select(small, "SELECT nope FROM sales", {"sales"})


def test_slow_query_times_out_quickly_on_sqlite(small: sa.Engine) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match=r"longer than 0\.3s"):
        run_select(small, SLOW_CTE, set(), timeout_s=0.3)
    assert time.monotonic() - started < 2.0
    # the pooled connection is usable and writable again afterwards
    assert run_select(small, "SELECT COUNT(*) FROM sales", {"sales"}).rows == [(4,)]
    with small.begin() as conn:
        conn.exec_driver_sql("INSERT INTO sales VALUES ('South', 1)")
    assert run_select(small, "SELECT COUNT(*) FROM sales", {"sales"}).rows == [(5,)]


def test_sqlite_connection_is_read_only_while_a_query_runs(small: sa.Engine) -> None:
    with (
        small.connect() as conn,
        _read_only(conn, 1.0),
        pytest.raises(sa.exc.OperationalError, match=r"readonly|read-only|query_only"),
    ):
        conn.exec_driver_sql("DELETE FROM sales")


def test_guard_and_limits_on_postgresql() -> None:
    with server_database("postgresql") as url:
        catalog = Catalog(url)
        try:
            with catalog.begin() as conn:
                conn.exec_driver_sql('CREATE TABLE sales ("Region" TEXT, amount FLOAT)')
                conn.execute(
                    sa.text("INSERT INTO sales VALUES ('West', 10), ('East', 5), ('a\\:b%', 2.5)")
                )
            engine = catalog.engine
            rows = run_select(
                engine,
                'SELECT "Region", amount FROM sales WHERE "Region" LIKE \'%:%\' '
                "OR amount > 6 ORDER BY amount",
                {"sales"},
            ).rows
            assert rows == [("a:b%", 2.5), ("West", 10.0)]
            with pytest.raises(UnsafeQueryError):
                run_select(engine, "SELECT * FROM ll_records", {"sales"})
            with pytest.raises(UnsafeQueryError):
                run_select(engine, "SELECT * FROM sales; DROP TABLE sales", {"sales"})
            started = time.monotonic()
            with pytest.raises(QueryTimeoutError):
                run_select(engine, SLOW_CTE, set(), timeout_s=0.3)
            assert time.monotonic() - started < 3.0
            with (
                engine.connect() as conn,
                _read_only(conn, 1.0),
                pytest.raises(sa.exc.InternalError, match=r"read-only"),
            ):
                conn.exec_driver_sql("DELETE FROM sales")
            assert run_select(engine, "SELECT COUNT(*) FROM sales", {"sales"}).rows == [(3,)]
        finally:
            catalog.close()
