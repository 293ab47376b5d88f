"""What CSV, JSON and Parquet tables share: a schema from sampled rows, then rows turned into
Records in batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from lakelight.config import Settings
from lakelight.ingest.keys import detect_key
from lakelight.ingest.rows import RecordBuilder, infer_columns
from lakelight.ingest.source_file import SourceFile
from lakelight.records import Batch, Column, Rejected, TableSchema

SAMPLE_ROWS = 1000

Row = tuple[dict[str, Any] | Rejected, str]


class RowTable:
    """Shared by CSV, JSON and Parquet: sample rows → schema → records in batches."""

    source: str
    table: str
    file: SourceFile
    settings: Settings
    schema: TableSchema
    _builder: RecordBuilder
    sample: list[dict[str, Any]]

    def _init_schema(
        self, names: Sequence[str], sample: Sequence[dict[str, Any]], types: list[Column] | None
    ) -> None:
        columns = types or infer_columns(names, sample)
        key, origin = detect_key(columns, sample, table=self.table)
        self.sample = list(sample)
        self.schema = TableSchema(self.source, self.table, columns, key, "table", origin)  # type: ignore[arg-type]
        self._builder = RecordBuilder(self.schema, key, self.settings.max_cell_bytes)

    def rows(self) -> Iterator[Row]:
        raise NotImplementedError

    def batches(self) -> Iterator[Batch]:
        rows = ((row, location, "", 0) for row, location in self.rows())
        return build_batches(rows, self._builder, self.settings.read_batch_size)


def build_batches(
    rows: Iterable[tuple[dict[str, Any] | Rejected, str, str, int]],
    builder: RecordBuilder,
    size: int,
) -> Iterator[Batch]:
    """Rows → records. Each row, rejected or not, takes a position, so one bad row does not
    shift the row-number keys of the rows after it. ``prefix`` + its per-file ``number``
    replaces a row-number key (merged tables)."""
    batch = Batch()
    for position, (row, location, prefix, number) in enumerate(rows, 1):
        if isinstance(row, Rejected):
            batch.rejected.append(row)
        else:
            built = builder.build(row, position, location)
            if isinstance(built, Rejected):
                batch.rejected.append(built)
            else:
                if prefix and not builder.key_columns:
                    built.key = f"{prefix}{number}"
                batch.records.append(built)
        if len(batch.records) + len(batch.rejected) >= size:
            yield batch
            batch = Batch()
    if batch.records or batch.rejected:
        yield batch
