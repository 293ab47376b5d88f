"""Plain data shapes passed between layers. No I/O here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ColumnType = Literal["integer", "float", "boolean", "datetime", "string"]
TableKind = Literal["table", "log"]


def record_id(source: str, table: str, key: str) -> str:
    """Stable id of a record: the same source, table and key always give the same id."""
    digest = hashlib.sha1(f"{source}\x1f{table}\x1f{key}".encode(), usedforsecurity=False)
    return digest.hexdigest()[:24]


def content_hash(fields: dict[str, Any]) -> str:
    """Hash of a record's fields, used to tell changed rows from unchanged ones."""
    blob = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(blob.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType


FkOrigin = Literal["declared", "inferred"]


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """``column`` of this table holds keys of ``table`` (its ``ref_column``). ``declared`` by
    the source, or ``inferred`` from names and values (lakelight.index.foreign_keys);
    ``ref_source`` names the target's source when it is not this table's (a folder of CSV
    files is one source per file). ``also``: the other (column, ref_column) pairs of a key of
    several columns (``teamID`` → ``Teams.teamID`` with ``yearID`` → ``Teams.yearID``)."""

    column: str
    table: str
    ref_column: str
    origin: FkOrigin = "declared"
    ref_source: str | None = None
    also: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_row(cls, row: list[Any]) -> ForeignKey:
        """A foreign key as ll_tables stores it (see ``lakelight.index.catalog.fk_row``)."""
        origin: FkOrigin = row[3] if len(row) > 3 else "declared"
        source = row[4] if len(row) > 4 else None
        also = tuple((str(a), str(b)) for a, b in row[5]) if len(row) > 5 else ()
        return cls(row[0], row[1], row[2], origin, source, also)


@dataclass(slots=True)
class TableSchema:
    """What a connector knows about one table before its rows are read."""

    source: str
    table: str
    columns: list[Column]
    primary_key: list[str] = field(default_factory=list)
    kind: TableKind = "table"
    key_origin: Literal["primary_key", "id_column", "row_number", "file_line"] = "row_number"
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(slots=True)
class Record:
    """One row or log entry: its key within the table, its fields, and the text to embed."""

    source: str
    table: str
    key: str
    fields: dict[str, Any]
    text: str

    @property
    def id(self) -> str:
        return record_id(self.source, self.table, self.key)

    @property
    def hash(self) -> str:
        return content_hash(self.fields)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that could not be ingested, with where it was and why."""

    location: str
    reason: str


@dataclass(slots=True)
class Batch:
    records: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a record and how well it matched."""

    record_id: str
    source: str
    table: str
    key: str
    score: float
    row: dict[str, Any]
    similarity: float | None = None  # cosine of query and record, when the vector side found it
    keyword_rank: int | None = None  # 1-based rank in the keyword ranking, when it found it
    moved: int = 0  # places ratings of similar questions moved it (lakelight.index.feedback)

    def as_dict(self) -> dict[str, Any]:
        """The shape `lakelight search --json` and `POST /v1/search` return."""
        return {
            "source": self.source,
            "table": self.table,
            "key": self.key,
            "score": self.score,
            "row": self.row,
        }


class TableStream(Protocol):
    """A table a connector can read: its schema up front, then its rows in batches."""

    schema: TableSchema

    def batches(self) -> Iterator[Batch]: ...


@dataclass(frozen=True, slots=True)
class Citation:
    """A row an answer rests on, as retrieved or joined: never made up."""

    source: str
    table: str
    key: str
    row: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "table": self.table, "key": self.key, "row": self.row}
