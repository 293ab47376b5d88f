"""Shared by the connector tests."""

from __future__ import annotations

from lakelight.records import Record, Rejected, TableStream


def read(stream: TableStream) -> tuple[list[Record], list[Rejected]]:
    """Every record and rejected row of a stream, all batches drained."""
    records: list[Record] = []
    rejected: list[Rejected] = []
    for batch in stream.batches():
        records += batch.records
        rejected += batch.rejected
    return records, rejected
