"""The files connector on object storage: s3:// URLs against moto's S3 server on loopback.

s3fs is configured the way a user configures it, through the environment only:
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_DEFAULT_REGION`` plus an endpoint in
``AWS_ENDPOINT_URL_S3`` (read by botocore whenever a client is made), ``AWS_ENDPOINT_URL``
(the same for every AWS service) or ``FSSPEC_S3_ENDPOINT_URL`` (read by fsspec once, when it is
imported: fine for a user who sets it before starting lakelight, so it is tested in a fresh
process).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import s3fs
from moto.server import ThreadedMotoServer

from lakelight.config import load_settings
from lakelight.errors import SourceError
from lakelight.ingest import open_source
from lakelight.records import TableStream
from tests import data
from tests.ingest import read

BUCKET = "lakelight-test"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "FSSPEC_S3_ENDPOINT_URL")


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """moto's S3 on a free loopback port, for the whole session."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _csv_gz(text: str) -> bytes:
    return gzip.compress(text.encode())


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=2)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def bucket(endpoint: str) -> str:
    """One bucket with a small data lake under ``lake/`` (uploaded with an explicit endpoint:
    this is test setup, not the configuration under test)."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    objects = {
        "lake/customers.csv": b"customer_id,name,city\nC1,Ann,Oslo\nC2,Bob,Rome\nC3,Cy,Lima\n",
        "lake/orders.csv.gz": _csv_gz("order_id,customer_id,total\n1,C1,9.5\n2,C2,3\n3,C1,12\n"),
        "lake/stock.parquet": _parquet(
            pa.table({"sku": ["A", "B", "C", "D", "E"], "qty": [1, 2, None, 4, 5]})
        ),
        "lake/events.jsonl": "\n".join(
            json.dumps({"event": e, "user": {"id": n}}) for n, e in enumerate(["in", "out"], 1)
        ).encode()
        + b"\n{broken\n",
        "lake/_SUCCESS": b"",
        "lake/.hidden.csv": b"a\n1\n",
        "parts/part-0.csv": b"region,amount\nNorth,1\nSouth,2\n",
        "parts/part-1.csv": b"region,amount\nEast,3.5\n",
        "superstore/SampleSuperstore.csv.gz": data.superstore_csv().read_bytes(),
    }
    for key, body in objects.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body)
    return BUCKET


def _clean_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AWS_", "FSSPEC_S3")):
            monkeypatch.delenv(name)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def s3_env(endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The environment a user sets: credentials, region and ``AWS_ENDPOINT_URL_S3``.
    s3fs caches filesystem instances, so the cache is cleared around each test."""
    _clean_aws_environment(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    s3fs.S3FileSystem.clear_instance_cache()
    yield bucket
    s3fs.S3FileSystem.clear_instance_cache()


def tables(source: str, **options: Any) -> list[TableStream]:
    return list(open_source(source, load_settings(), **options))


def source_error(source: str) -> str:
    with pytest.raises(SourceError) as info:
        for stream in tables(source):
            read(stream)
    message = str(info.value)
    assert message and "\n" not in message, message
    return message


# --- reading --------------------------------------------------------------------------------


def test_prefix_reads_every_file_as_a_table(s3_env: str) -> None:
    found = {s.schema.table: s for s in tables(f"s3://{s3_env}/lake/")}
    assert set(found) == {"customers", "orders", "stock", "events"}  # no _SUCCESS, no .hidden
    assert found["customers"].schema.source == f"s3://{s3_env}/lake/customers.csv"

    customers, rejected = read(found["customers"])
    assert rejected == []
    assert found["customers"].schema.key_origin == "id_column"
    assert [(r.key, r.fields["city"]) for r in customers] == [
        ("C1", "Oslo"),
        ("C2", "Rome"),
        ("C3", "Lima"),
    ]

    orders, _ = read(found["orders"])  # gzip inferred from the name
    assert [r.fields["total"] for r in orders] == [9.5, 3.0, 12.0]
    assert {c.name: c.type for c in found["orders"].schema.columns}["total"] == "float"

    stock, _ = read(found["stock"])  # parquet in several row groups
    assert [r.fields["qty"] for r in stock] == [1, 2, None, 4, 5]

    events, bad = read(found["events"])
    assert [r.fields for r in events] == [
        {"event": "in", "user.id": 1},
        {"event": "out", "user.id": 2},
    ]
    assert [r.location for r in bad] == ["events.jsonl:3"]


def test_prefix_without_trailing_slash(s3_env: str) -> None:
    assert len(tables(f"s3://{s3_env}/lake")) == 4


def test_glob(s3_env: str) -> None:
    assert [s.schema.table for s in tables(f"s3://{s3_env}/lake/*.csv")] == ["customers"]
    assert sorted(s.schema.table for s in tables(f"s3://{s3_env}/lake/*.csv*")) == [
        "customers",
        "orders",
    ]


def test_single_object(s3_env: str) -> None:
    (stream,) = tables(f"s3://{s3_env}/lake/orders.csv.gz")
    records, _ = read(stream)
    assert [r.key for r in records] == ["1", "2", "3"]


def test_parts_merged_into_one_table(s3_env: str) -> None:
    (stream,) = tables(f"s3://{s3_env}/parts/*.csv", table="sales")
    records, rejected = read(stream)
    assert rejected == [] and stream.schema.table == "sales"
    assert [r.fields["amount"] for r in records] == [1.0, 2.0, 3.5]
    assert len({r.key for r in records}) == 3


def test_real_gzipped_csv_streamed_from_s3(s3_env: str) -> None:
    (stream,) = tables(f"s3://{s3_env}/superstore/SampleSuperstore.csv.gz")
    records, rejected = read(stream)
    assert len(records) == 9994 and rejected == []
    assert records[0].fields["Sales"] == pytest.approx(261.96)
    assert records[-1].key == "9994"


# --- errors ---------------------------------------------------------------------------------


def test_missing_key(s3_env: str) -> None:
    url = f"s3://{s3_env}/lake/nope.csv"
    assert url in source_error(url)


def test_missing_prefix(s3_env: str) -> None:
    url = f"s3://{s3_env}/no-such-prefix/"
    assert "no-such-prefix" in source_error(url)


def test_missing_bucket(s3_env: str) -> None:
    url = "s3://no-such-bucket-lakelight/data.csv"
    assert "no-such-bucket-lakelight" in source_error(url)


def test_glob_matching_nothing(s3_env: str) -> None:
    assert "match" in source_error(f"s3://{s3_env}/lake/*.xlsx").lower()


# --- configuration through the environment only, as a user sets it --------------------------


_SCRIPT = textwrap.dedent(
    """
    import sys
    from lakelight.config import load_settings
    from lakelight.ingest import open_source

    for stream in open_source(sys.argv[1], load_settings()):
        count = sum(len(batch.records) for batch in stream.batches())
        print(stream.schema.table, count)
    """
)


@pytest.mark.parametrize("variable", ENDPOINT_VARIABLES)
def test_endpoint_from_the_environment_of_a_new_process(
    endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """What a user does: export the variables, then run lakelight."""
    _clean_aws_environment(monkeypatch)
    monkeypatch.setenv(variable, endpoint)
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, f"s3://{bucket}/lake/"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(result.stdout.split("\n")) == sorted(
        ["", "customers 3", "events 2", "orders 3", "stock 5"]
    )
