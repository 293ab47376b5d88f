"""The files connector: CSV, Parquet and JSON from a file, a folder or a glob, compressed or not.

Behaviour is checked strictly (which rows come out, with which keys, types and values; which
rows are rejected and where); messages loosely (key words only). Every user-facing error must be
a one-line ``SourceError``.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakelight.config import Settings, load_settings
from lakelight.errors import SourceError
from lakelight.ingest import open_source
from lakelight.ingest.files import BrokenTable
from lakelight.records import Record, Rejected, TableStream
from tests import data
from tests.ingest import read

# --- helpers ------------------------------------------------------------------------------


def settings(**overrides: Any) -> Settings:
    return load_settings(**overrides)


def tables(source: Path | str, **kwargs: Any) -> list[TableStream]:
    options = {k: kwargs.pop(k) for k in ("table", "format") if k in kwargs}
    return list(open_source(str(source), settings(**kwargs), **options))


def only(source: Path | str, **kwargs: Any) -> TableStream:
    (stream,) = tables(source, **kwargs)
    return stream


def load(source: Path | str, **kwargs: Any) -> tuple[TableStream, list[Record], list[Rejected]]:
    stream = only(source, **kwargs)
    records, rejected = read(stream)
    return stream, records, rejected


def types(stream: TableStream) -> dict[str, str]:
    return {c.name: c.type for c in stream.schema.columns}


def source_error(source: Path | str, **kwargs: Any) -> SourceError:
    """Open and read everything; the SourceError raised on the way (one line)."""
    with pytest.raises(SourceError) as info:
        for stream in tables(source, **kwargs):
            read(stream)
    message = str(info.value)
    assert message.strip() and "\n" not in message, message
    return info.value


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# --- Sample Superstore: a real gzipped CSV ----------------------------------------------------


@pytest.fixture(scope="module")
def superstore() -> tuple[TableStream, list[Record], list[Rejected]]:
    stream = only(data.superstore_csv())
    records, rejected = read(stream)
    return stream, records, rejected


def test_superstore_rows_columns_and_types(superstore: Any) -> None:
    stream, records, rejected = superstore
    assert len(records) == 9994
    assert rejected == []
    assert stream.schema.table == "SampleSuperstore"
    assert stream.schema.kind == "table"
    columns = types(stream)
    assert len(columns) == 13
    assert list(columns)[:3] == ["Ship Mode", "Segment", "Country"]
    assert columns["Sales"] == "float"
    assert columns["Profit"] == "float"
    assert columns["Discount"] == "float"
    assert columns["Quantity"] == "integer"
    assert columns["City"] == "string"


def test_superstore_keys_are_row_numbers(superstore: Any) -> None:
    stream, records, _ = superstore
    assert stream.schema.key_origin == "row_number"  # Postal Code repeats: not a key
    assert [r.key for r in records] == [str(n) for n in range(1, 9995)]
    assert len({r.id for r in records}) == 9994


def test_superstore_first_row_values(superstore: Any) -> None:
    _, records, _ = superstore
    first = records[0].fields
    assert first["Ship Mode"] == "Second Class"
    assert first["Segment"] == "Consumer"
    assert first["City"] == "Henderson"
    assert first["State"] == "Kentucky"
    assert first["Sub-Category"] == "Bookcases"
    assert first["Sales"] == pytest.approx(261.96)
    assert first["Quantity"] == 2 and isinstance(first["Quantity"], int)
    assert first["Discount"] == 0
    assert first["Profit"] == pytest.approx(41.9136)
    assert "Henderson" in records[0].text and records[0].text.startswith("SampleSuperstore")


def test_superstore_batches_follow_read_batch_size() -> None:
    stream = only(data.superstore_csv(), read_batch_size=1000)
    sizes = [len(b.records) for b in stream.batches()]
    assert sum(sizes) == 9994
    assert max(sizes) == 1000 and len(sizes) == 10


# --- CSV dialects and encodings ---------------------------------------------------------------


def test_semicolon_cp1252_with_accents(tmp_path: Path) -> None:
    text = (
        "Nom;Ville;Montant\r\n"
        "José;Zürich;12\r\n"
        "Françoise;Besançon;€ 3\r\n"
        "Anaïs;Orléans;7\r\n"
        "Øystein;Tromsø;5\r\n"
    )
    stream, records, rejected = load(write(tmp_path / "clients.csv", text, "cp1252"))
    assert rejected == []
    assert list(types(stream)) == ["Nom", "Ville", "Montant"]
    assert [r.fields["Nom"] for r in records] == ["José", "Françoise", "Anaïs", "Øystein"]
    assert [r.fields["Ville"] for r in records] == ["Zürich", "Besançon", "Orléans", "Tromsø"]
    assert records[1].fields["Montant"] == "€ 3"


def test_latin1_german(tmp_path: Path) -> None:
    text = "name,stadt,punkte\nJürgen,München,3\nÄnne,Köln,4\nGroß,Düsseldorf,5\n"
    _, records, _ = load(write(tmp_path / "leute.csv", text, "latin-1"))
    assert [r.fields["stadt"] for r in records] == ["München", "Köln", "Düsseldorf"]
    assert records[2].fields["name"] == "Groß"


def test_cp1250_polish(tmp_path: Path) -> None:
    text = "miasto,nazwisko\nŁódź,Wiśniewski\nKraków,Wójcik\nGdańsk,Kamińska\nŻyrardów,Błaszczyk\n"
    _, records, _ = load(write(tmp_path / "miasta.csv", text, "cp1250"))
    assert [r.fields["miasto"] for r in records] == ["Łódź", "Kraków", "Gdańsk", "Żyrardów"]


def test_cp1251_cyrillic(tmp_path: Path) -> None:
    text = "имя,город\nИван,Москва\nПётр,Санкт-Петербург\nАнна,Казань\n"
    _, records, _ = load(write(tmp_path / "people.csv", text, "cp1251"))
    assert [r.fields["город"] for r in records] == ["Москва", "Санкт-Петербург", "Казань"]


def test_utf8_with_bom(tmp_path: Path) -> None:
    stream, records, _ = load(write(tmp_path / "bom.csv", "id,name\n1,Zoë\n2,Renée\n", "utf-8-sig"))
    assert list(types(stream)) == ["id", "name"]  # no BOM glued to the first name
    assert records[0].fields == {"id": 1, "name": "Zoë"}


def test_mostly_utf8_file_with_a_late_cp1252_row(tmp_path: Path) -> None:
    """A file valid UTF-8 for far more than the sample, then one legacy-encoded row."""
    rows = "".join(f"{n},name {n},Paris\n" for n in range(1, 20_001))
    body = b"id,name,city\n" + rows.encode() + "20001,Café Noël,Montréal\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(body)
    _, records, rejected = load(path)
    assert rejected == [] and len(records) == 20_001
    assert records[-1].fields == {"id": 20001, "name": "Café Noël", "city": "Montréal"}


def test_utf16_without_bom_is_decoded(tmp_path: Path) -> None:
    text = "name,city,visits\nAnn,Paris,3\nBörje,Malmö,4\nChloé,Lyon,5\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        path = write(tmp_path / f"{encoding}.csv", text, encoding)
        stream, records, rejected = load(path)
        assert rejected == []
        assert list(types(stream)) == ["name", "city", "visits"], encoding
        assert [r.fields["city"] for r in records] == ["Paris", "Malmö", "Lyon"]
        assert records[1].fields["visits"] == 4


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    path = write(tmp_path / "excel.csv", "a\tb\n1\tÅsa\n", "utf-16")
    _, records, _ = load(path)
    assert records[0].fields == {"a": 1, "b": "Åsa"}


def test_tab_separated(tmp_path: Path) -> None:
    text = "sku\tdescription\tprice\nA1\tRed chair, oak\t19.5\nB2\tBlue table; pine\t120\n"
    for name in ("items.tsv", "items.csv", "items.txt"):
        stream, records, rejected = load(write(tmp_path / name, text))
        assert rejected == []
        assert types(stream) == {"sku": "string", "description": "string", "price": "float"}
        assert records[0].fields["description"] == "Red chair, oak"
        assert records[1].fields["price"] == 120.0


def test_pipe_separated(tmp_path: Path) -> None:
    text = "id|name|score\n1|Ann|3.5\n2|Bob|4\n3|Cy|5\n"
    stream, records, _ = load(write(tmp_path / "scores.psv.txt", text))
    assert types(stream) == {"id": "integer", "name": "string", "score": "float"}
    assert records[2].fields == {"id": 3, "name": "Cy", "score": 5.0}


def test_headerless_numeric_csv(tmp_path: Path) -> None:
    text = "1,2.5,3\n4,5.5,6\n7,8.5,9\n"
    stream, records, _ = load(write(tmp_path / "numbers.csv", text))
    assert types(stream) == {"column_1": "integer", "column_2": "float", "column_3": "integer"}
    assert len(records) == 3  # the first row is data, not a header
    assert records[0].fields == {"column_1": 1, "column_2": 2.5, "column_3": 3}


def test_headerless_rows_with_a_text_column(tmp_path: Path) -> None:
    text = "1,Alice,3.5\n2,Bob,4.5\n3,Carol,5.5\n"
    stream, records, _ = load(write(tmp_path / "people.csv", text))
    assert list(types(stream)) == ["column_1", "column_2", "column_3"]
    assert records[0].fields["column_2"] == "Alice"


def test_header_of_an_all_text_table(tmp_path: Path) -> None:
    """With only text columns, distinct names that never reappear below are a header."""
    text = "name,city\nAlice,Paris\nBob,London\nCarol,Paris\n"
    stream, records, _ = load(write(tmp_path / "people.csv", text))
    assert list(types(stream)) == ["name", "city"]
    assert [r.fields["name"] for r in records] == ["Alice", "Bob", "Carol"]


def test_all_text_rows_whose_first_row_repeats_below_have_no_header(tmp_path: Path) -> None:
    text = "Alice,Paris\nBob,London\nCarol,Paris\n"
    stream, records, _ = load(write(tmp_path / "people.csv", text))
    assert list(types(stream)) == ["column_1", "column_2"]
    assert [r.fields["column_1"] for r in records] == ["Alice", "Bob", "Carol"]


@pytest.mark.parametrize(
    "header",
    [
        "No,name,amount",  # "No" (a number column) is also a boolean word
        ",name,amount",  # pandas index column: the first header cell is empty
        "id,Name,Amount (EUR)",
    ],
)
def test_header_detected_over_typed_columns(tmp_path: Path, header: str) -> None:
    text = f"{header}\n1,Ann,3.5\n2,Bob,4.25\n3,Cy,1\n"
    stream, records, _ = load(write(tmp_path / "t.csv", text))
    names = list(types(stream))
    assert names[1].lower() == "name"
    assert len(records) == 3
    assert records[0].fields[names[2]] == 3.5


def test_header_only_csv(tmp_path: Path) -> None:
    stream, records, rejected = load(write(tmp_path / "empty_table.csv", "id,name,amount\n"))
    assert list(types(stream)) == ["id", "name", "amount"]
    assert records == [] and rejected == []


def test_empty_files_give_zero_records(tmp_path: Path) -> None:
    for name in ("empty.csv", "empty.json", "empty.jsonl", "empty.txt", "empty", "empty.parquet"):
        path = tmp_path / name
        path.write_bytes(b"")
        records, rejected = read(only(path))
        assert records == [] and rejected == [], name
    gz = tmp_path / "empty.csv.gz"
    gz.write_bytes(gzip.compress(b""))
    assert read(only(gz)) == ([], [])


def test_blank_lines_and_trailing_delimiters(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,3\n\n4,5,6,\n\n"
    _, records, rejected = load(write(tmp_path / "t.csv", text))
    assert rejected == []
    assert [r.fields for r in records] == [{"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}]


# --- bad rows are rejected one by one; their neighbours are kept ------------------------------


def test_ragged_rows_rejected_with_field_counts(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n"
    stream, records, rejected = load(write(tmp_path / "ragged.csv", text))
    assert [r.fields["a"] for r in records] == [1, 10]
    assert len(rejected) == 2
    short, long = rejected
    assert short.location == "ragged.csv:3" and long.location == "ragged.csv:4"
    assert "2" in short.reason and "3" in short.reason and "field" in short.reason
    assert "4" in long.reason and "3" in long.reason and "field" in long.reason
    # keys are data-row numbers: a bad row does not shift the keys of the rows after it
    assert [r.key for r in records] == ["1", "4"]
    assert types(stream)["a"] == "integer"


def test_quoted_fields_with_newlines_and_delimiters(tmp_path: Path) -> None:
    text = (
        "id,note,amount\n"
        '1,"line one\nline two, with a comma",3.5\n'
        '2,"say ""hi""; then go",4\n'
        "3,plain,5\n"
        "4,oops,6,7\n"
    )
    _, records, rejected = load(write(tmp_path / "notes.csv", text))
    assert [r.fields["id"] for r in records] == [1, 2, 3]
    assert records[0].fields["note"] == "line one\nline two, with a comma"
    assert records[1].fields["note"] == 'say "hi"; then go'
    assert records[2].fields["amount"] == 5.0
    (bad,) = rejected
    assert bad.location == "notes.csv:6"  # physical line, counting the embedded newline


def test_nul_byte_rejects_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,name\n1,Ann\n2,B\x00ob\n3,Cy\n")
    _, records, rejected = load(path)
    assert [r.fields["name"] for r in records] == ["Ann", "Cy"]
    (bad,) = rejected
    assert bad.location == "nul.csv:3" and "NUL" in bad.reason


def test_five_megabyte_cell_is_rejected(tmp_path: Path) -> None:
    big = "x" * (5 * 1024 * 1024)
    path = write(tmp_path / "big.csv", f"id,blob\n1,small\n2,{big}\n3,tiny\n")
    _, records, rejected = load(path)
    assert [r.fields["blob"] for r in records] == ["small", "tiny"]
    (bad,) = rejected
    assert bad.location == "big.csv:3"
    assert "limit" in bad.reason and "blob" in bad.reason


def test_max_cell_bytes_setting(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", f"id,text\n1,{'a' * 40}\n2,{'b' * 200}\n3,ok\n")
    _, records, rejected = load(path, max_cell_bytes=100)
    assert [r.fields["id"] for r in records] == [1, 3]
    (bad,) = rejected
    assert "limit" in bad.reason and "text" in bad.reason


def test_unbalanced_quote_does_not_swallow_the_rest_of_the_file(tmp_path: Path) -> None:
    rows = [f"{n},name {n},{n}.5" for n in range(1, 201)]
    rows[9] = '10,"broken name,10.5'  # the quote is never closed
    _, records, rejected = load(write(tmp_path / "q.csv", "id,name,score\n" + "\n".join(rows)))
    assert [r.fields["id"] for r in records] == [n for n in range(1, 201) if n != 10]
    (bad,) = rejected
    assert bad.location == "q.csv:11" and "quote" in bad.reason


# --- errors --------------------------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "sales.csv"
    error = source_error(path)
    assert str(path) in str(error)


def test_glob_matching_nothing(tmp_path: Path) -> None:
    error = source_error(tmp_path / "*.csv")
    assert "match" in str(error).lower()


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "lake").mkdir()
    assert "no files" in str(source_error(tmp_path / "lake")).lower()


def test_binary_garbage_is_a_source_error(tmp_path: Path) -> None:
    rng = random.Random(7)
    for name in ("blob", "blob.bin", "garbage.csv", "garbage.json", "garbage.log"):
        path = tmp_path / name
        path.write_bytes(bytes(rng.randrange(256) for _ in range(20_000)))
        error = source_error(path)
        assert name in str(error)


def test_random_bytes_without_nul_are_not_read_as_text(tmp_path: Path) -> None:
    rng = random.Random(11)
    path = tmp_path / "noise.csv"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(5_000)))
    error = source_error(path)
    assert "noise.csv" in str(error)


def test_corrupt_compressed_file(tmp_path: Path) -> None:
    rng = random.Random(3)
    body = "".join(f"{rng.random()},{rng.random()}\n" for _ in range(50_000))
    blob = gzip.compress(("a,b\n" + body).encode())
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(blob[: len(blob) // 2])  # the sample reads fine, the rest is cut off
    assert "broken.csv.gz" in str(source_error(path))
    fake = tmp_path / "fake.csv.gz"
    fake.write_bytes(b"a,b\n1,2\n")  # not gzip at all
    source_error(fake)


def test_unknown_format_option(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "a\n1\n")
    with pytest.raises(SourceError) as info:
        tables(path, format="xlsx")
    assert "xlsx" in str(info.value)


# --- compression ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        (".gz", gzip.compress),
        (".bz2", bz2.compress),
        (".xz", lzma.compress),
        (".zst", lambda b: __import__("zstandard").ZstdCompressor().compress(b)),
    ],
)
def test_compressed_csv(tmp_path: Path, suffix: str, compress: Any) -> None:
    body = "order_id\tregion\ttotal\n" + "".join(f"{n}\tNorth\t{n * 1.5}\n" for n in range(1, 51))
    path = tmp_path / f"orders.tsv{suffix}"
    path.write_bytes(compress(body.encode()))
    stream, records, rejected = load(path)
    assert stream.schema.table == "orders"
    assert types(stream) == {"order_id": "integer", "region": "string", "total": "float"}
    assert len(records) == 50 and rejected == []
    assert records[-1].fields == {"order_id": 50, "region": "North", "total": 75.0}


# --- keys -------------------------------------------------------------------------------------


def test_unique_id_column_is_the_key(tmp_path: Path) -> None:
    text = "order_id,customer,total\nA-17,Ann,3\nB-02,Bob,4\nC-99,Cy,5\n"
    stream, records, _ = load(write(tmp_path / "orders.csv", text))
    assert stream.schema.key_origin == "id_column"
    assert [r.key for r in records] == ["A-17", "B-02", "C-99"]


def test_repeating_id_column_is_not_the_key(tmp_path: Path) -> None:
    text = "order_id,item\n1,pen\n1,ink\n2,pad\n"
    stream, records, _ = load(write(tmp_path / "lines.csv", text))
    assert stream.schema.key_origin == "row_number"
    assert [r.key for r in records] == ["1", "2", "3"]


def test_id_repeating_after_the_sample_keeps_the_row(tmp_path: Path) -> None:
    rows = [f"{n},item {n}" for n in range(1, 1501)]
    rows[1299] = "7,late duplicate"
    stream, records, rejected = load(write(tmp_path / "o.csv", "order_id,item\n" + "\n".join(rows)))
    assert stream.schema.key_origin == "id_column"
    assert rejected == [] and len(records) == 1500
    keys = [r.key for r in records]
    assert len(set(keys)) == 1500
    assert keys[6] == "7"
    late = records[1299]
    assert late.fields["item"] == "late duplicate" and late.key != "7" and "7" in late.key


# --- Parquet ----------------------------------------------------------------------------------


def _parquet_table(rows: int) -> pa.Table:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return pa.table(
        {
            "id": pa.array(range(1, rows + 1), pa.int64()),
            "price": pa.array([None if n % 10 == 0 else n * 0.5 for n in range(rows)]),
            "active": pa.array([None if n % 7 == 0 else n % 2 == 0 for n in range(rows)]),
            "seen_at": pa.array(
                [start + timedelta(hours=n) for n in range(rows)], pa.timestamp("us", tz="UTC")
            ),
            "day": pa.array([date(2024, 1, 1) + timedelta(days=n % 30) for n in range(rows)]),
            "label": pa.array([None if n % 5 == 0 else f"item {n}" for n in range(rows)]),
        }
    )


def test_parquet_row_groups_streamed_in_small_batches(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(_parquet_table(1000), path, row_group_size=150)
    assert pq.ParquetFile(path).num_row_groups == 7
    stream = only(path, read_batch_size=64)
    assert types(stream) == {
        "id": "integer",
        "price": "float",
        "active": "boolean",
        "seen_at": "datetime",
        "day": "datetime",
        "label": "string",
    }
    assert stream.schema.key_origin == "id_column"
    sizes, records = [], []
    for batch in stream.batches():
        assert batch.rejected == []
        sizes.append(len(batch.records))
        records += batch.records
    assert max(sizes) <= 64 and sum(sizes) == 1000
    assert [r.fields["id"] for r in records] == list(range(1, 1001))
    assert len({r.key for r in records}) == 1000
    first, second = records[0].fields, records[1].fields
    assert first["price"] is None and first["active"] is None and first["label"] is None
    assert second["price"] == 0.5 and second["active"] is False and second["label"] == "item 1"
    assert records[2].fields["active"] is True
    assert datetime.fromisoformat(second["seen_at"]) == datetime(2024, 1, 1, 1, tzinfo=UTC)
    assert date.fromisoformat(second["day"]) == date(2024, 1, 2)


def test_parquet_nested_columns_are_flattened(tmp_path: Path) -> None:
    table = pa.table(
        {
            "name": ["Ann", "Bob"],
            "address": [{"city": "Oslo", "zip": "0150"}, {"city": "Bergen", "zip": None}],
            "tags": [["a", "b"], []],
        }
    )
    path = tmp_path / "people.parquet"
    pq.write_table(table, path)
    stream, records, rejected = load(path)
    assert rejected == []
    assert types(stream) == {
        "name": "string",
        "address.city": "string",
        "address.zip": "string",
        "tags": "string",
    }
    assert records[0].fields == {
        "name": "Ann",
        "address.city": "Oslo",
        "address.zip": "0150",
        "tags": '["a", "b"]',
    }
    assert records[1].fields["address.zip"] is None


def test_truncated_parquet_is_a_source_error(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(_parquet_table(500), good)
    blob = good.read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(blob[: len(blob) // 2])
    assert "cut.parquet" in str(source_error(cut))
    cut_no_ext = tmp_path / "cut_data"
    cut_no_ext.write_bytes(blob[: len(blob) // 2])  # starts with PAR1: still parquet
    assert "parquet" in str(source_error(cut_no_ext)).lower()


def test_random_bytes_named_parquet_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "noise.parquet"
    path.write_bytes(os.urandom(4096))
    assert "noise.parquet" in str(source_error(path))


# --- JSON -------------------------------------------------------------------------------------


def test_json_array(tmp_path: Path) -> None:
    rows = [
        {"id": 1, "name": "Ann", "score": 3.5, "ok": True},
        {"id": 2, "name": "Bob", "score": None, "ok": False},
        {"id": 3, "name": "Cy", "score": 4, "ok": True, "extra": "late column"},
    ]
    path = write(tmp_path / "people.json", json.dumps(rows, indent=2))
    stream, records, rejected = load(path)
    assert rejected == []
    assert types(stream) == {
        "id": "integer",
        "name": "string",
        "score": "float",
        "ok": "boolean",
        "extra": "string",
    }
    assert stream.schema.key_origin == "id_column"
    assert [r.key for r in records] == ["1", "2", "3"]
    assert records[1].fields == {
        "id": 2,
        "name": "Bob",
        "score": None,
        "ok": False,
        "extra": None,
    }
    assert records[2].fields["extra"] == "late column"


def test_json_object_holding_an_array(tmp_path: Path) -> None:
    doc = {
        "generated": "2024-05-01",
        "count": 2,
        "errors": [],
        "tags": ["x", "y"],
        "results": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 5}],
    }
    _, records, rejected = load(write(tmp_path / "api.json", json.dumps(doc)))
    assert rejected == []
    assert [r.fields for r in records] == [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 5}]


def test_single_json_object_is_one_record(tmp_path: Path) -> None:
    _, records, _ = load(write(tmp_path / "one.json", '{"a": 1, "b": {"c": "x"}}'))
    assert [r.fields for r in records] == [{"a": 1, "b.c": "x"}]


def test_json_lines_with_a_malformed_line(tmp_path: Path) -> None:
    lines = [
        '{"id": 1, "msg": "first"}',
        '{"id": 2, "msg": "second"}',
        '{"id": 3, "msg": "third"',  # truncated
        "",
        '{"id": 4, "msg": "fourth"}',
        "[1, 2]",
    ]
    for name in ("events.jsonl", "events.ndjson", "events.json", "events"):
        stream, records, rejected = load(write(tmp_path / name, "\n".join(lines) + "\n"))
        assert [r.fields["id"] for r in records] == [1, 2, 4], name
        assert records[2].fields["msg"] == "fourth"
        assert [r.location for r in rejected] == [f"{name}:3", f"{name}:6"]
        assert "JSON" in rejected[0].reason
        assert types(stream) == {"id": "integer", "msg": "string"}


def test_json_lines_whose_first_line_is_malformed(tmp_path: Path) -> None:
    text = '{"id": 1, "msg": \n{"id": 2, "msg": "b"}\n{"id": 3, "msg": "c"}\n'
    for name in ("first_bad.jsonl", "first_bad.json"):
        _, records, rejected = load(write(tmp_path / name, text))
        assert [r.fields["id"] for r in records] == [2, 3], name
        assert [r.location for r in rejected] == [f"{name}:1"]


def test_nested_json_is_flattened_to_dotted_names(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "user": {"name": "Ann", "address": {"city": "Oslo", "geo": {"lat": 59.9}}}},
        {"id": 2, "user": {"name": "Bob", "address": {"city": "Rome"}}, "tags": ["a", "b"]},
    ]
    path = write(tmp_path / "users.jsonl", "\n".join(json.dumps(x) for x in lines))
    stream, records, _ = load(path)
    names = list(types(stream))
    assert "user.name" in names and "user.address.city" in names and "tags" in names
    assert records[0].fields["user.address.city"] == "Oslo"
    assert records[1].fields["user.name"] == "Bob"
    assert json.loads(records[1].fields["tags"]) == ["a", "b"]
    deep = [n for n in names if n.startswith("user.address.geo")]
    assert deep and records[0].fields[deep[0]] in (59.9, '{"lat": 59.9}')


def test_invalid_json_document_is_a_source_error(tmp_path: Path) -> None:
    error = source_error(write(tmp_path / "bad.json", '[{"a": 1},\n {"a": 2,,}]'))
    assert "bad.json" in str(error) and "JSON" in str(error)


# --- logs (the detail is tested in test_logs.py) -----------------------------------------------


def test_log_file_becomes_a_log_table(tmp_path: Path) -> None:
    lines = [
        "Jan 12 10:01:02 web1 sshd[411]: Accepted publickey for ann from 10.0.0.5 port 2222",
        "Jan 12 10:01:09 web1 sshd[412]: Failed password for root from 10.0.0.9 port 2223",
        "Jan 12 10:02:00 web1 CRON[500]: (root) CMD (run-parts /etc/cron.hourly)",
    ]
    for name in ("auth.log", "auth"):
        stream, records, _ = load(write(tmp_path / name, "\n".join(lines) + "\n"))
        assert stream.schema.kind == "log", name
        assert len(records) == 3
        assert "Failed password" in records[1].text


# --- folders, globs and merged tables --------------------------------------------------------


def _lake(root: Path) -> Path:
    write(root / "customers.csv", "customer_id,name\nC1,Ann\nC2,Bob\n")
    write(root / "events.jsonl", '{"event": "login", "n": 1}\n{"event": "logout", "n": 2}\n')
    pq.write_table(pa.table({"sku": ["A", "B", "C"], "qty": [1, 2, 3]}), root / "stock.parquet")
    (root / "broken.parquet").write_bytes(b"PAR1" + os.urandom(300))
    (root / "archive").mkdir()
    (root / "archive" / "old_orders.csv.gz").write_bytes(
        gzip.compress(b"order_id,total\n1,9.5\n2,3\n")
    )
    # not data: hidden files and the markers/side files data-lake writers leave
    write(root / ".DS_Store", "junk")
    write(root / "_SUCCESS", "")
    write(root / "archive" / "._old_orders.csv.gz", "junk")
    return root


def test_folder_of_mixed_files(tmp_path: Path) -> None:
    found = {s.schema.table: s for s in tables(_lake(tmp_path / "lake"))}
    assert set(found) == {"customers", "events", "stock", "broken", "old_orders"}
    broken = found.pop("broken")
    assert isinstance(broken, BrokenTable)
    assert "broken.parquet" in broken.error and "\n" not in broken.error
    with pytest.raises(SourceError):
        read(broken)
    counts = {name: len(read(s)[0]) for name, s in found.items()}
    assert counts == {"customers": 2, "events": 2, "stock": 3, "old_orders": 2}
    assert read(found["stock"])[0][2].fields == {"sku": "C", "qty": 3}


def test_folder_tables_with_the_same_file_name_get_distinct_names(tmp_path: Path) -> None:
    write(tmp_path / "lake" / "2023" / "sales.csv", "id,total\n1,5\n")
    write(tmp_path / "lake" / "2024" / "sales.csv", "id,total\n1,7\n")
    found = tables(tmp_path / "lake")
    names = [s.schema.table for s in found]
    assert len(set(names)) == 2
    assert all("sales" in n for n in names)


def test_glob(tmp_path: Path) -> None:
    lake = _lake(tmp_path / "lake")
    assert [s.schema.table for s in tables(f"{lake}/*.csv")] == ["customers"]
    assert sorted(s.schema.table for s in tables(f"{lake}/**/*.csv*")) == [
        "customers",
        "old_orders",
    ]
    assert [s.schema.table for s in tables(f"{lake}/st*")] == ["stock"]


def test_table_option_merges_parts_into_one_table(tmp_path: Path) -> None:
    parts = tmp_path / "sales"
    write(parts / "part-0001.csv", "region,amount\nNorth,1\nSouth,2\n")
    write(parts / "part-0002.csv", "region,amount\nEast,3\nWest,4.5\n")
    write(parts / "part-0003.csv", "amount,region,note\n5,North,late\n")
    (stream,) = tables(f"{parts}/*.csv", table="sales")
    assert stream.schema.table == "sales"
    assert types(stream) == {"region": "string", "amount": "float", "note": "string"}
    records, rejected = read(stream)
    assert rejected == []
    assert [r.fields["amount"] for r in records] == [1, 2, 3, 4.5, 5]
    assert all(isinstance(r.fields["amount"], float) for r in records)
    assert records[4].fields == {"region": "North", "amount": 5.0, "note": "late"}
    assert records[0].fields["note"] is None
    assert len({r.key for r in records}) == 5 and len({r.id for r in records}) == 5
    assert {r.table for r in records} == {"sales"}
    # a folder with table= is the same merged table
    (folder,) = tables(parts, table="sales")
    assert [r.key for r in read(folder)[0]] == [r.key for r in records]


def test_merged_parts_keyed_by_an_id_unique_across_parts(tmp_path: Path) -> None:
    parts = tmp_path / "orders"
    write(parts / "day1.csv", "order_id,total\n1,10\n2,20\n")
    write(parts / "day2.csv", "order_id,total\n3,31.5\n4,40\n")
    (stream,) = tables(parts, table="orders")
    assert stream.schema.key_origin == "id_column"
    records, _ = read(stream)
    assert [r.key for r in records] == ["1", "2", "3", "4"]
    assert records[2].fields == {"order_id": 3, "total": 31.5}


def test_merged_parts_with_an_id_repeating_across_parts(tmp_path: Path) -> None:
    parts = tmp_path / "orders"
    write(parts / "day1.csv", "order_id,total\n1,10\n2,20\n3,30\n")
    write(parts / "day2.csv", "order_id,total\n3,31\n4,40\n")  # order 3 again, amended
    (stream,) = tables(parts, table="orders")
    records, rejected = read(stream)
    assert rejected == [] and len(records) == 5
    assert [r.fields["total"] for r in records] == [10, 20, 30, 31, 40]
    assert len({r.key for r in records}) == 5


def test_table_option_on_one_file_renames_it(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "a\n1\n")
    assert only(path, table="renamed").schema.table == "renamed"


# --- more shapes ------------------------------------------------------------------------------


def test_compressed_file_whose_name_does_not_say_so(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(gzip.compress(b"id,city\n1,Oslo\n2,Rome\n"))
    _, records, _ = load(path)
    assert [r.fields["city"] for r in records] == ["Oslo", "Rome"]


def test_utf8_file_with_a_few_legacy_bytes(tmp_path: Path) -> None:
    body = "name,city\nZoë,Malmö\nRenée,Genève\nÅsa,Århus\n".encode() + "José,Besançon\n".encode(
        "cp1252"
    )
    path = tmp_path / "mixed.csv"
    path.write_bytes(body)
    _, records, _ = load(path)
    assert [r.fields["city"] for r in records] == ["Malmö", "Genève", "Århus", "Besançon"]
    assert records[3].fields["name"] == "José"


def test_headerless_width_is_the_usual_one(tmp_path: Path) -> None:
    stream, records, rejected = load(write(tmp_path / "n.csv", "1,2,3\n4,5,6,7\n8,9,10\n"))
    assert list(types(stream)) == ["column_1", "column_2", "column_3"]
    assert [r.fields["column_1"] for r in records] == [1, 8]
    assert [r.location for r in rejected] == ["n.csv:2"]


def test_runaway_quoted_field_is_cut_at_the_limit(tmp_path: Path) -> None:
    rows = [f"{n},name {n},{'x' * 40}" for n in range(1, 40_001)]  # about 2 MB
    rows[4] = '5,"never closed,' + "x" * 40
    path = write(tmp_path / "runaway.csv", "id,name,note\n" + "\n".join(rows) + "\n")
    _, records, rejected = load(path, max_cell_bytes=1000)
    assert len(records) == 39_999
    (bad,) = rejected
    assert bad.location == "runaway.csv:6" and "quote" in bad.reason
    assert records[4].fields["id"] == 6


def test_whitespace_only_file(tmp_path: Path) -> None:
    for name in ("blank.csv", "blank.json", "blank.jsonl"):
        assert read(only(write(tmp_path / name, "\n  \n\n"))) == ([], [])


def test_json_document_that_is_not_an_object(tmp_path: Path) -> None:
    _, records, rejected = load(write(tmp_path / "scalar.json", '"just a string"'))
    assert records == []
    assert len(rejected) == 1 and "object" in rejected[0].reason
    _, records, _ = load(write(tmp_path / "mixed.json", '[{"a": 1}, 2, {"a": 3}]'))
    assert [r.fields["a"] for r in records] == [1, 3]
    assert [r.key for r in records] == ["1", "3"]


def test_merged_parts_with_the_same_file_name_in_several_folders(tmp_path: Path) -> None:
    write(tmp_path / "sales" / "2023" / "part-0.csv", "region,amount\nNorth,1\nSouth,2\n")
    write(tmp_path / "sales" / "2024" / "part-0.csv", "region,amount\nEast,3\nWest,4\n")
    (stream,) = tables(tmp_path / "sales", table="sales")
    records, _ = read(stream)
    assert [r.fields["amount"] for r in records] == [1, 2, 3, 4]
    assert len({r.key for r in records}) == 4
    assert all(r.key.startswith(("2023/part-0.csv:", "2024/part-0.csv:")) for r in records)


def test_merged_parquet_parts(tmp_path: Path) -> None:
    folder = tmp_path / "events"
    folder.mkdir()
    pq.write_table(pa.table({"n": [1, 2], "v": [1, 2]}), folder / "a.parquet")
    pq.write_table(pa.table({"n": [3], "v": [2.5], "w": ["x"]}), folder / "b.parquet")
    (stream,) = tables(folder, table="events")
    assert types(stream) == {"n": "integer", "v": "float", "w": "string"}
    records, _ = read(stream)
    assert [r.fields for r in records] == [
        {"n": 1, "v": 1, "w": None},
        {"n": 2, "v": 2, "w": None},
        {"n": 3, "v": 2.5, "w": "x"},
    ]
    assert stream.schema.key_origin == "row_number"
