"""Parquet: column types from the Arrow schema, rows read in batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from lakelight.config import Settings
from lakelight.errors import SourceError, first_line
from lakelight.ingest.json_table import flatten
from lakelight.ingest.row_table import SAMPLE_ROWS, Row, RowTable
from lakelight.ingest.source_file import SourceFile
from lakelight.records import Column, ColumnType


class ParquetTable(RowTable):
    """Parquet read in batches of ``read_batch_size`` rows, so memory stays bounded. Struct
    columns are flattened to dotted names like JSON objects; lists and maps become JSON text."""

    def __init__(self, source: str, table: str, file: SourceFile, settings: Settings):
        import pyarrow.parquet as pq

        self.source, self.table, self.file, self.settings = source, table, file, settings
        if not file.head:  # an empty file: no columns, no rows
            self._init_schema([], [], [])
            return
        try:
            with file.open_bytes() as f:
                meta = pq.ParquetFile(f)
                arrow_schema = meta.schema_arrow
                first = next(meta.iter_batches(batch_size=SAMPLE_ROWS), None)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others
            raise SourceError(
                f"{file.path}: not a readable Parquet file ({first_line(exc)})"
            ) from exc
        columns = _arrow_columns(list(arrow_schema))
        sample = [_parquet_row(r) for r in first.to_pylist()] if first is not None else []
        self._init_schema([c.name for c in columns], sample, columns)

    def rows(self) -> Iterator[Row]:
        import pyarrow.parquet as pq

        if not self.file.head:
            return
        n = 0
        with self.file.open_bytes() as f:
            try:
                for batch in pq.ParquetFile(f).iter_batches(
                    batch_size=self.settings.read_batch_size
                ):
                    for row in batch.to_pylist():
                        n += 1
                        yield _parquet_row(row), f"{self.file.label}:row {n}"
            except Exception as exc:
                raise SourceError(
                    f"{self.file.path}: Parquet data unreadable after row {n} ({first_line(exc)})"
                ) from exc


def _parquet_row(row: dict[str, Any]) -> dict[str, Any]:
    flat = flatten(row)
    return {k: str(v) if isinstance(v, timedelta) else v for k, v in flat.items()}


def _arrow_columns(fields: list[Any], prefix: str = "", depth: int = 0) -> list[Column]:
    """Columns of an Arrow schema, struct fields expanded the way ``flatten`` expands rows."""
    import pyarrow.types as pt

    columns: list[Column] = []
    for field in fields:
        name = f"{prefix}{field.name}"
        if pt.is_struct(field.type) and depth < 2:
            children = [field.type.field(i) for i in range(field.type.num_fields)]
            columns += _arrow_columns(children, f"{name}.", depth + 1)
        else:
            columns.append(Column(name, _arrow_type(field.type)))
    return columns


def _arrow_type(t: Any) -> ColumnType:
    import pyarrow.types as pt

    if pt.is_boolean(t):
        return "boolean"
    if pt.is_integer(t):
        return "integer"
    if pt.is_floating(t) or pt.is_decimal(t):
        return "float"
    if pt.is_timestamp(t) or pt.is_date(t):
        return "datetime"
    return "string"  # text, binary, time of day, durations, lists, maps, deep structs
