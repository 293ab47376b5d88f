"""The SQL connector on SQLite files, a real PostgreSQL and a real MariaDB server.

Each server gets a database of its own for the session (created, filled with Chinook, dropped).
The servers are expected to be running: an unreachable one fails the tests that need it.
Their admin URLs can be overridden with LAKELIGHT_TEST_PG_URL and LAKELIGHT_TEST_MYSQL_URL
(read at import time, as conftest clears LAKELIGHT_* for every test).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lakelight.config import Settings, load_settings
from lakelight.errors import SourceError
from lakelight.ingest.registry import open_source
from lakelight.ingest.sql import ensure_select, open_sql, read_only_engine
from lakelight.records import Record, TableStream
from tests import data
from tests.chinook import TABLE_NAMES, expected_counts, fixture, load_chinook
from tests.servers import server_database

BACKENDS = ["sqlite", "postgresql", "mariadb"]


def settings(**overrides: Any) -> Settings:
    return load_settings(**overrides)


def read_all(stream: TableStream) -> tuple[list[Record], list[Any], int]:
    records, rejected, batches = [], [], 0
    for batch in stream.batches():
        records += batch.records
        rejected += batch.rejected
        batches += 1
    return records, rejected, batches


def only(streams: Iterator[TableStream]) -> TableStream:
    (stream,) = list(streams)
    return stream


# --- databases ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with server_database("postgresql") as url:
        load_chinook(url)
        yield url


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    with server_database("mariadb") as url:
        load_chinook(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("chinook") / "chinook.db"
    load_chinook(f"sqlite:///{path}")
    return f"sqlite:///{path}"


@pytest.fixture(params=BACKENDS)
def chinook_url(request: pytest.FixtureRequest) -> str:
    fixture_name = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mariadb": "mysql_url"}
    url: str = request.getfixturevalue(fixture_name[request.param])
    return url


@pytest.fixture
def odd_db(tmp_path: Path) -> Path:
    """A SQLite file with the shapes Chinook lacks: no primary key, untyped columns, binary,
    booleans, NUL bytes, a view."""
    path = tmp_path / "odd.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE events (event_id TEXT NOT NULL UNIQUE, kind TEXT, at DATETIME);
            INSERT INTO events VALUES ('e-1', 'login', '2024-01-02 03:04:05'),
                                      ('e-2', 'logout', '2024-01-02 04:00:00'),
                                      ('e-3', 'login', NULL);
            CREATE TABLE notes (body TEXT);
            INSERT INTO notes VALUES ('first'), ('second'), ('third');
            CREATE TABLE loose (a, b);
            INSERT INTO loose VALUES (1, 'x'), (2, 'y');
            CREATE TABLE items (
                id INTEGER PRIMARY KEY, price NUMERIC(10, 2), active BOOLEAN, photo BLOB,
                label TEXT
            );
            CREATE VIEW active_items AS SELECT id, label FROM items WHERE active;
            """
        )
        conn.executemany(
            "INSERT INTO items VALUES (?, ?, ?, ?, ?)",
            [
                (1, 9.99, 1, b"\x89PNG" + bytes(96), "lamp"),
                (2, None, 0, None, "bad\x00label"),
                (3, 0.5, 1, None, "x" * 200),
                (4, 12, 0, None, None),
            ],
        )
    return path


def quote(url: str, name: str) -> str:
    """A table name quoted the way the URL's database wants it."""
    return sa.create_engine(url).dialect.identifier_preparer.quote(name)


# --- reading tables ----------------------------------------------------------------------------


def test_all_tables_of_chinook(chinook_url: str) -> None:
    streams = list(open_sql(chinook_url, settings()))
    assert {s.schema.table for s in streams} == set(expected_counts())
    for stream in streams:
        records, rejected, _ = read_all(stream)
        assert (stream.schema.table, len(records)) == (
            stream.schema.table,
            expected_counts()[stream.schema.table],
        )
        assert rejected == []
        assert stream.schema.primary_key == ["id"]
        assert stream.schema.key_origin == "primary_key"
        assert [r.key for r in records[:3]] == ["1", "2", "3"]  # read in key order
        if stream.schema.table == "Customer":
            first = records[0]
            assert first.fields["firstname"] == "Luís"
            assert first.fields["email"] == "luisg@embraer.com.br"
            assert first.fields["support_rep_id"] == 3
            assert first.text.startswith("Customer")
            assert "firstname: Luís" in first.text
        if stream.schema.table == "Invoice":
            assert records[0].fields["total"] == pytest.approx(1.98)
            assert isinstance(records[0].fields["total"], float)
            assert str(records[0].fields["invoicedate"]).startswith("2007-01-01")
            assert records[0].fields["billingstate"] is None


def test_column_types_come_from_the_database(chinook_url: str) -> None:
    track = only(open_sql(chinook_url, settings(), table="Track"))
    types = {c.name: c.type for c in track.schema.columns}
    assert types["id"] == types["milliseconds"] == types["album_id"] == "integer"
    assert types["unit_price"] == "float"
    assert types["name"] == types["composer"] == "string"
    employee = only(open_sql(chinook_url, settings(), table="Employee"))
    assert employee.schema.column("birthdate").type == "datetime"  # type: ignore[union-attr]


def test_source_hides_the_password(pg_url: str) -> None:
    url = sa.make_url(pg_url).set(password="s3cret").render_as_string(hide_password=False)
    stream = only(open_sql(url, settings(), table="Genre"))  # trust auth ignores the password
    assert "s3cret" not in stream.schema.source
    assert "***" in stream.schema.source
    assert all("s3cret" not in r.text for r in read_all(stream)[0])


def test_registry_routes_sql_urls(sqlite_url: str) -> None:
    stream = only(open_source(sqlite_url, settings(), table="MediaType"))
    assert len(read_all(stream)[0]) == 5


def test_table_name_case_insensitive_and_views(odd_db: Path) -> None:
    url = f"sqlite:///{odd_db}"
    assert {s.schema.table for s in open_sql(url, settings())} == {
        "events",
        "items",
        "loose",
        "notes",
    }  # views are skipped unless named
    view = only(open_sql(url, settings(), table="active_items"))
    assert [r.fields["label"] for r in read_all(view)[0]] == ["lamp", "x" * 200]
    assert only(open_sql(url, settings(), table="EVENTS")).schema.table == "events"


def test_table_without_primary_key_uses_an_id_column(odd_db: Path) -> None:
    events = only(open_sql(f"sqlite:///{odd_db}", settings(), table="events"))
    assert (events.schema.key_origin, events.schema.primary_key) == ("id_column", ["event_id"])
    assert events.schema.column("at").type == "datetime"  # type: ignore[union-attr]
    assert [r.key for r in read_all(events)[0]] == ["e-1", "e-2", "e-3"]

    notes = only(open_sql(f"sqlite:///{odd_db}", settings(), table="notes"))
    assert (notes.schema.key_origin, notes.schema.primary_key) == ("row_number", [])
    assert [r.key for r in read_all(notes)[0]] == ["1", "2", "3"]


def test_untyped_columns_are_inferred(odd_db: Path) -> None:
    loose = only(open_sql(f"sqlite:///{odd_db}", settings(), table="loose"))
    assert [(c.name, c.type) for c in loose.schema.columns] == [("a", "integer"), ("b", "string")]


def test_values_binary_decimal_boolean_and_bad_cells(odd_db: Path) -> None:
    items = only(open_sql(f"sqlite:///{odd_db}", settings(max_cell_bytes=100), table="items"))
    types = {c.name: c.type for c in items.schema.columns}
    assert types == {
        "id": "integer",
        "price": "float",
        "active": "boolean",
        "photo": "string",
        "label": "string",
    }
    records, rejected, _ = read_all(items)
    by_key = {r.key: r.fields for r in records}
    assert by_key["1"] == {
        "id": 1,
        "price": 9.99,
        "active": True,
        "photo": "<binary 100 bytes>",
        "label": "lamp",
    }
    assert by_key["4"]["active"] is False and by_key["4"]["label"] is None
    assert by_key["4"]["price"] == 12
    assert sorted(by_key) == ["1", "4"]  # neighbours of the bad rows are kept
    reasons = {r.location: r.reason for r in rejected}
    assert "NUL" in reasons["items row 2"]
    assert "cell limit" in reasons["items row 3"]


# --- queries ----------------------------------------------------------------------------------


def test_query_with_a_join(chinook_url: str) -> None:
    track, album = quote(chinook_url, "Track"), quote(chinook_url, "Album")
    query = (
        f"SELECT t.id AS track_id, t.name AS track, a.title AS album, t.unit_price "
        f"FROM {track} t JOIN {album} a ON a.id = t.album_id "
        f"WHERE a.title LIKE 'For Those%' ORDER BY t.id;"
    )
    stream = only(open_sql(chinook_url, settings(), query=query))
    assert stream.schema.table == "query"
    assert [(c.name, c.type) for c in stream.schema.columns] == [
        ("track_id", "integer"),
        ("track", "string"),
        ("album", "string"),
        ("unit_price", "float"),
    ]
    assert (stream.schema.key_origin, stream.schema.primary_key) == ("id_column", ["track_id"])
    records, rejected, _ = read_all(stream)
    expected = [pk for pk, f in fixture()["track"] if f["album"] == 1]
    assert [r.key for r in records] == [str(pk) for pk in expected]
    assert records[0].fields["album"] == "For Those About To Rock We Salute You"
    assert rejected == []


def test_query_names_its_table_and_handles_odd_results(sqlite_url: str) -> None:
    named = only(open_sql(sqlite_url, settings(), table="genres", query='SELECT * FROM "Genre"'))
    assert named.schema.table == "genres"
    assert len(read_all(named)[0]) == 25

    empty = only(open_sql(sqlite_url, settings(), query='SELECT id, name FROM "Genre" WHERE 0'))
    assert [c.name for c in empty.schema.columns] == ["id", "name"]
    assert read_all(empty) == ([], [], 0)

    twice = only(
        open_sql(
            sqlite_url,
            settings(),
            query='SELECT g.id, m.id, \'12:30\' AS t FROM "Genre" g JOIN "MediaType" m '
            "ON m.id = g.id",
        )
    )
    records = read_all(twice)[0]
    assert list(records[0].fields) == ["id", "id_2", "t"]
    assert records[0].fields["t"] == "12:30"  # not taken for a bind parameter


def test_movies_db_table_and_limit_query() -> None:
    url = f"sqlite:///{data.movies_db()}"
    omdb = only(open_sql(url, settings(read_batch_size=5000), table="omdb"))
    records, rejected, batches = read_all(omdb)
    assert (len(records), rejected, batches) == (17472, [], 4)
    assert omdb.schema.column("Runtime").type == "float"  # type: ignore[union-attr]

    query = (
        "SELECT o.ID AS movie_id, o.Title, o.Year, t.Meter FROM omdb o "
        "JOIN tomatoes t ON t.ID = o.ID ORDER BY o.ID LIMIT 300"
    )
    stream = only(open_sql(url, settings(read_batch_size=128), query=query))
    records, _, batches = read_all(stream)
    assert (len(records), batches, stream.schema.key_origin) == (300, 3, "id_column")
    assert len({r.key for r in records}) == 300


# --- chunks -----------------------------------------------------------------------------------


def test_small_batches_read_every_row_once(chinook_url: str) -> None:
    stream = only(open_sql(chinook_url, settings(read_batch_size=100), table="PlaylistTrack"))
    sizes, keys = [], []
    for batch in stream.batches():
        sizes.append(len(batch.records))
        keys += [r.key for r in batch.records]
    assert len(sizes) == 88 and max(sizes) == 100 and sizes[-1] == 15
    assert len(keys) == len(set(keys)) == 8715


def test_stopping_early_releases_the_connection(chinook_url: str) -> None:
    stream = only(open_sql(chinook_url, settings(read_batch_size=10), table="PlaylistTrack"))
    batches = stream.batches()
    assert isinstance(batches, Generator)
    assert len(next(batches).records) == 10
    batches.close()
    assert len(read_all(stream)[0]) == 8715  # and the stream can be read again


# --- read-only --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "write",
    [
        sa.delete(sa.table("Genre")),
        sa.insert(sa.table("Genre", sa.column("id"), sa.column("name"))).values(id=99, name="x"),
        sa.text("CREATE TABLE lakelight_intruder (a INTEGER)"),
    ],
    ids=["delete", "insert", "create"],
)
def test_connections_are_read_only(chinook_url: str, write: Any) -> None:
    with read_only_engine(chinook_url).connect() as conn:
        with pytest.raises(sa.exc.DBAPIError, match=r"(?i)read.?only"):
            conn.execute(write)
        conn.rollback()
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(sa.table("Genre"))).scalar() == 25
        )


def test_writing_queries_are_rejected_before_they_run(chinook_url: str) -> None:
    genre = quote(chinook_url, "Genre")
    for query, message in [
        (f"DROP TABLE {genre}", "Only a SELECT"),
        (f"SELECT 1; DROP TABLE {genre}", "single SELECT"),
        (f"DELETE FROM {genre}", "Only a SELECT"),
        (f"WITH d AS (DELETE FROM {genre} RETURNING *) SELECT * FROM d", "DELETE is not allowed"),
        (f"SELECT * INTO lakelight_copy FROM {genre}", "INTO is not allowed"),
    ]:
        with pytest.raises(SourceError, match=message):
            open_sql(chinook_url, settings(), query=query)
    assert len(read_all(only(open_sql(chinook_url, settings(), table="Genre")))[0]) == 25


@pytest.mark.parametrize(
    "query",
    [
        "SELECT 1",
        "  select 1 ;; ",
        "-- a comment; DROP TABLE x\nSELECT 1 /* ; INSERT */",
        "(SELECT 1) UNION (SELECT 2)",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "SELECT REPLACE(name, 'a', 'b'), ';' AS semi, '--' AS dashes, \"update\" FROM t",
        "SELECT t.delete FROM t",
    ],
)
def test_ensure_select_accepts_reads(query: str) -> None:
    assert ensure_select(query).strip() == query.strip().rstrip(" ;")


@pytest.mark.parametrize(
    ("query", "dialect", "message"),
    [
        ("", "sqlite", "empty"),
        ("  ;  -- nothing", "sqlite", "empty"),
        ("UPDATE t SET a = 1", "sqlite", "not UPDATE"),
        ("PRAGMA writable_schema = 1", "sqlite", "not PRAGMA"),
        ("ATTACH DATABASE 'x.db' AS x", "sqlite", "not ATTACH"),
        ("SELECT 1; SELECT 2", "sqlite", "single"),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "sqlite", "INSERT"),
        ("SELECT * FROM t FOR UPDATE", "postgresql", "UPDATE"),
        ("SELECT $$;$$; DROP TABLE t", "postgresql", "single"),
        ("SELECT E'\\';' ; DROP TABLE t", "postgresql", "single"),
        ("SELECT 1--1 INTO OUTFILE '/var/x'", "mysql", "INTO"),
        ("SELECT 1 /*! INTO OUTFILE '/var/x' */", "mariadb", "INTO"),
        ("SELECT 'it\\'s' ; DROP TABLE t", "mysql", "single"),
        ("SELECT 1 # comment\n; DROP TABLE t", "mysql", "single"),
    ],
)
def test_ensure_select_rejects(query: str, dialect: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as err:
        ensure_select(query, dialect)
    assert "\n" not in str(err.value)


# --- bad inputs -------------------------------------------------------------------------------


def _one_line(err: pytest.ExceptionInfo[SourceError]) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://postgres@127.0.0.1:1/test", "mysql+pymysql://root@127.0.0.1:1/test"],
)
def test_cannot_connect(url: str) -> None:
    with pytest.raises(SourceError, match="Cannot connect to") as err:
        open_sql(url, settings())
    assert "127.0.0.1:1" in _one_line(err)
    assert err.value.__cause__ is not None


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    for url in (f"sqlite:///{missing}", f"sqlite+pysqlite:///file:{missing}?mode=rwc&uri=true"):
        with pytest.raises(SourceError, match="No such database file") as err:
            open_sql(url, settings())
        assert str(missing) in _one_line(err)
    assert not missing.exists()
    with pytest.raises(SourceError, match="in-memory"):
        open_sql("sqlite://", settings())


def test_sqlite_file_is_left_untouched(sqlite_url: str) -> None:
    path = Path(sa.make_url(sqlite_url).database or "")
    before = (path.stat().st_mtime_ns, path.read_bytes())
    for stream in open_sql(sqlite_url, settings()):
        read_all(stream)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_unknown_table_lists_the_tables(chinook_url: str) -> None:
    with pytest.raises(SourceError, match="No table 'Nope'") as err:
        open_sql(chinook_url, settings(), table="Nope")
    message = _one_line(err)
    assert all(name in message for name in TABLE_NAMES.values())


def test_failing_query_reports_the_database_message(chinook_url: str) -> None:
    genre = quote(chinook_url, "Genre")
    for query, words in [
        (f"SELECT * FROM {genre} WHERE id = = 1", "syntax"),
        (f"SELECT no_such_column FROM {genre}", "no_such_column"),
    ]:
        with pytest.raises(SourceError, match=r"The query on .* failed: ") as err:
            open_sql(chinook_url, settings(), query=query)
        assert words in _one_line(err).lower()
        assert err.value.__cause__ is not None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuchdb://host/db", "No SQLAlchemy dialect"),
        ("duckdb:///x.duckdb", "install duckdb-engine"),
        ("mysql+mysqldb://root@127.0.0.1/test", "install mysqlclient"),
        ("postgresql+psycopg2://postgres@127.0.0.1/test", "install psycopg2-binary"),
        ("postgresql+asyncpg://postgres@127.0.0.1/test", "async"),
        ("sqlite:::not a url", "Not a valid SQLAlchemy URL"),
    ],
)
def test_unusable_urls(url: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as err:
        open_sql(url, settings())
    _one_line(err)


def test_text_columns_holding_only_dates_are_datetimes(tmp_path: Path) -> None:
    """SQLite has no date type: dates are TEXT. Those become datetime; codes that look like
    numbers (zip codes, phone numbers) and text with a stray non-date stay strings."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE orders (id INTEGER PRIMARY KEY, placed TEXT, zip TEXT, note TEXT);
            INSERT INTO orders VALUES (1, '2009-01-01 00:00:00', '02134', '2009-01-01'),
                                      (2, '2009-02-11 13:05:00', '90210', 'call first'),
                                      (3, NULL, '10001', NULL);
            """
        )
    orders = only(open_sql(f"sqlite:///{path}", settings(), table="orders"))
    types = {c.name: c.type for c in orders.schema.columns}
    assert types == {"id": "integer", "placed": "datetime", "zip": "string", "note": "string"}
    (batch,) = list(orders.batches())
    assert batch.records[0].fields["zip"] == "02134"
