"""Several files read as one table (a partitioned data-lake table), with unique keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lakelight.config import Settings
from lakelight.ingest.keys import detect_key
from lakelight.ingest.row_table import RowTable, build_batches
from lakelight.ingest.rows import RecordBuilder
from lakelight.records import Batch, Column, ColumnType, TableSchema, TableStream

MERGED_SAMPLE_ROWS = 50_000


def _widen(a: ColumnType, b: ColumnType) -> ColumnType:
    """The type both parts' values fit: integer and float widen to float, other mixes to string."""
    if a == b:
        return a
    return "float" if {a, b} == {"integer", "float"} else "string"


class MergedTable:
    """Several files read as one table. Columns are the union of the parts' (types widened
    where parts disagree); the key is an id column unique over all parts' samples, else each
    row is keyed by its file and row number, so keys stay unique and stable when a part is
    added."""

    def __init__(self, table: str, parts: list[tuple[str, TableStream]], settings: Settings):
        self.parts = parts
        first = parts[0][1].schema
        types: dict[str, ColumnType] = {}
        for _, part in parts:
            for col in part.schema.columns:
                types[col.name] = _widen(types.get(col.name, col.type), col.type)
        columns = [Column(name, type_) for name, type_ in types.items()]
        self._batch_size = settings.read_batch_size
        self._builder: RecordBuilder | None = None
        row_parts = [part for _, part in parts if isinstance(part, RowTable)]
        key: list[str] = []
        origin: str = first.key_origin
        if len(row_parts) == len(parts):
            sample: list[dict[str, Any]] = []
            for part in row_parts:
                sample += part.sample[: MERGED_SAMPLE_ROWS - len(sample)]
            key, origin = detect_key(columns, sample, table=table)
        self.schema = TableSchema(first.source, table, columns, key, first.kind, origin)  # type: ignore[arg-type]
        if len(row_parts) == len(parts):
            self._builder = RecordBuilder(self.schema, key, settings.max_cell_bytes)

    def batches(self) -> Iterator[Batch]:
        if self._builder is not None:
            rows = (
                (row, location, f"{label}:", number)
                for label, part in self.parts
                for number, (row, location) in enumerate(part.rows(), 1)  # type: ignore[attr-defined]
            )
            yield from build_batches(rows, self._builder, self._batch_size)
            return
        for label, part in self.parts:  # log files: keys are file:line already
            for batch in part.batches():
                for rec in batch.records:
                    rec.fields = {c.name: rec.fields.get(c.name) for c in self.schema.columns}
                    if part.schema.key_origin == "row_number":
                        rec.key = f"{label}:{rec.key}"
                yield batch
