"""Keys of tables that declare none: id and code columns, table-named keys, composite keys, on
real rows (OpenFlights airports, Chinook as TPC-H tables)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lakelight.config import load_settings
from lakelight.ingest import open_source
from lakelight.ingest.keys import is_id_name
from lakelight.records import Record, TableStream
from tests import data, warehouse
from tests.ingest import read


def airports(drop: tuple[str, ...] = (), rename: dict[str, str] | None = None) -> list[dict]:
    with data.airports_csv().open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = rename or {}
    return [{names.get(k, k): v for k, v in r.items() if k not in drop} for r in rows]


def load(path: Path, rows: list[dict[str, Any]]) -> tuple[TableStream, list[Record]]:
    warehouse.write_csv(path, rows)
    (stream,) = open_source(str(path), load_settings())
    records, rejected = read(stream)
    assert rejected == []
    return stream, records


def key(stream: TableStream) -> tuple[str, list[str]]:
    return stream.schema.key_origin, stream.schema.primary_key


@pytest.mark.parametrize(
    ("name", "prefix", "expected"),
    [
        ("c_custkey", "c_", True),
        ("n_nationkey", "n_", True),
        ("tailnum", "", True),
        ("iata_code", "", True),
        ("ProductNumber", "", True),
        ("imdbID", "", True),
        ("Order ID", "", True),
        ("Phone Number", "", False),
        ("Postal Code", "", False),
        ("postcode", "", False),
        ("liquid", "", False),  # a word, not "liqu" + "id"
        ("c_name", "c_", False),
        ("IATA", "", False),  # a code by its values, not its name
    ],
)
def test_id_names(name: str, prefix: str, expected: bool) -> None:
    assert is_id_name(name, prefix) is expected


def test_table_named_id_is_the_key(tmp_path: Path) -> None:
    """Airports are keyed by AirportID, not by ICAO or IATA codes, also unique."""
    stream, records = load(tmp_path / "airports.csv", airports())
    assert key(stream) == ("id_column", ["AirportID"])
    assert records[0].key == "3356"


def test_code_column_is_the_key(tmp_path: Path) -> None:
    """Without AirportID, the IATA code: unique, non-null, upper-case codes."""
    stream, records = load(tmp_path / "airports.csv", airports(drop=("AirportID",)))
    assert key(stream) == ("id_column", ["IATA"])
    assert [r.key for r in records[:3]] == ["ABE", "ABI", "ABL"]


def test_id_named_code_beats_code_values(tmp_path: Path) -> None:
    rows = airports(drop=("AirportID",), rename={"ICAO": "icao_code"})
    rows = [r for r in rows if r["icao_code"]]
    stream, _ = load(tmp_path / "airports.csv", rows)
    assert key(stream) == ("id_column", ["icao_code"])


def test_a_repeating_code_column_is_not_a_key(tmp_path: Path) -> None:
    """Country and Type are code-like but repeat; no id column: row numbers."""
    rows = [{"Code": r["Country"][:2].upper(), "Type": r["Type"].upper()} for r in airports()]
    stream, records = load(tmp_path / "kinds.csv", rows)
    assert key(stream) == ("row_number", [])
    assert records[-1].key == str(len(rows))


def test_names_are_not_codes(tmp_path: Path) -> None:
    """TPC-H customer without c_custkey: Customer#000000001 is a name, not a key."""
    rows = [{k: v for k, v in r.items() if k != "c_custkey"} for r in tpch("customer")]
    assert len({r["c_name"] for r in rows}) == len(rows)
    stream, _ = load(tmp_path / "customer.csv", rows)
    assert key(stream) == ("row_number", [])


def tpch(table: str) -> list[dict[str, Any]]:
    return warehouse.tpch_tables()[table]


def test_prefixed_key_named_for_its_table_wins(tmp_path: Path) -> None:
    """In the first 10 orders o_custkey is unique too, and it comes first; o_orderkey is the
    one named for orders."""
    rows = [{"o_custkey": r["o_custkey"], **r} for r in tpch("orders")[:10]]
    assert len({r["o_custkey"] for r in rows}) == 10
    stream, records = load(tmp_path / "orders.csv", rows)
    assert key(stream) == ("id_column", ["o_orderkey"])
    assert [r.key for r in records[:2]] == ["1", "2"]


def test_composite_key_of_two_id_columns(tmp_path: Path) -> None:
    """lineitem: no column is unique; l_orderkey + l_linenumber is (as is l_orderkey +
    l_partkey, but l_linenumber is named for the table)."""
    stream, records = load(tmp_path / "lineitem.csv", tpch("lineitem"))
    assert key(stream) == ("id_column", ["l_orderkey", "l_linenumber"])
    assert [r.key for r in records[:3]] == ["1/1", "1/2", "2/1"]
    assert len({r.key for r in records}) == len(records) == 2240


def test_composite_key_repeating_after_the_sample_keeps_the_row(tmp_path: Path) -> None:
    rows = tpch("lineitem")
    rows.append(dict(rows[1], l_quantity=5))  # order 1, line 2 again, after the sample
    stream, records = load(tmp_path / "lineitem.csv", rows)
    assert key(stream) == ("id_column", ["l_orderkey", "l_linenumber"])
    late = records[-1]
    assert late.fields["l_quantity"] == 5 and late.key.startswith("1/2#")
    assert records[1].key == "1/2"


def test_sql_table_without_primary_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = sa.create_engine(url)
    rows = tpch("lineitem")[:300]
    table = sa.Table(
        "lineitem",
        sa.MetaData(),
        *(sa.Column(c, sa.Integer) for c in ("l_orderkey", "l_linenumber")),
    )
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [{c.name: r[c.name] for c in table.c} for r in rows])
    engine.dispose()
    (stream,) = open_source(url, load_settings())
    assert key(stream) == ("id_column", ["l_orderkey", "l_linenumber"])
