"""One ingest run: stream each table's records into the catalog and both indexes, incrementally.

Unchanged rows (same key, same content hash) cost nothing; changed rows are re-embedded; rows
gone from the source are removed once the table was read to its end. Each batch commits on its
own, so a killed run keeps what it finished and the next run completes the rest."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lakelight.errors import LakelightError
from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.foreign_keys import update_foreign_keys
from lakelight.index.indexes import Indexes
from lakelight.index.materialize import index_few_valued
from lakelight.index.profile import profile_table
from lakelight.naming import table_naming
from lakelight.records import Record, Rejected, TableStream

MAX_REJECTS_KEPT = 100
_NUMBER = re.compile(r"\d+(\.\d+)?")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


@dataclass
class TableReport:
    source: str
    table: str
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: int = 0
    comments_skipped: int = 0
    error: str | None = None
    rejects: list[Rejected] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def reject(self, items: Iterable[Rejected]) -> None:
        for item in items:
            self.rejected += 1
            self.reasons[reason_kind(item.reason)] += 1
            if len(self.rejects) < MAX_REJECTS_KEPT:
                self.rejects.append(item)


@dataclass
class IngestReport:
    source: str
    run_id: int
    tables: list[TableReport] = field(default_factory=list)
    error: str | None = None

    COUNTS = ("read", "new", "changed", "unchanged", "removed", "rejected")

    @property
    def counts(self) -> dict[str, int]:
        return {name: sum(getattr(t, name) for t in self.tables) for name in self.COUNTS}

    @property
    def ok(self) -> bool:
        return self.error is None and all(t.error is None for t in self.tables)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "run": self.run_id,
            "ok": self.ok,
            "error": self.error,
            **self.counts,
            "tables": [
                {
                    "table": t.table,
                    **{name: getattr(t, name) for name in self.COUNTS},
                    "error": t.error,
                    "reasons": dict(t.reasons),
                    "rejects": [{"at": r.location, "reason": r.reason} for r in t.rejects[:20]],
                }
                for t in self.tables
            ],
        }


def reason_kind(reason: str) -> str:
    """Group reasons for counting: numbers and quoted values become placeholders."""
    return _QUOTED.sub("'…'", _NUMBER.sub("N", reason))


Progress = Callable[[str, int], None]


def run_ingest(
    source: str,
    streams: Iterable[TableStream],
    catalog: Catalog,
    indexes: Indexes,
    progress: Progress | None = None,
    groups: Sequence[str] | None = None,
) -> IngestReport:
    """``groups``: who may read the source's tables (set before their first row is written);
    None keeps what a re-ingested source has, [] opens it to every caller."""
    with indexes.writing():
        return _run(source, streams, catalog, indexes, progress, groups)


def _run(
    source: str,
    streams: Iterable[TableStream],
    catalog: Catalog,
    indexes: Indexes,
    progress: Progress | None,
    groups: Sequence[str] | None,
) -> IngestReport:
    report = IngestReport(source, catalog.start_run(source))
    status = "failed"
    try:
        indexes.sync()  # repair what an earlier killed run left behind
        for stream in streams:
            report.tables.append(_ingest_table(stream, catalog, indexes, progress, groups))
        update_foreign_keys(catalog)  # over the whole catalog: old tables may link to new ones
        status = "ok" if report.ok else "partial"
    except LakelightError as exc:
        report.error = str(exc)
        raise
    finally:
        indexes.save()
        rejected = {
            t.table: {
                "reasons": dict(t.reasons),
                "first": [[r.location, r.reason] for r in t.rejects],
            }
            for t in report.tables
            if t.rejected
        }
        catalog.finish_run(report.run_id, status, report.counts, rejected, report.error)
    return report


def _ingest_table(
    stream: TableStream,
    catalog: Catalog,
    indexes: Indexes,
    progress: Progress | None,
    groups: Sequence[str] | None,
) -> TableReport:
    schema = stream.schema
    report = TableReport(schema.source, schema.table)
    if error := getattr(stream, "error", None):
        report.error = error  # the connector could not open this table; the catalog is untouched
        return report
    table, rebuilt = catalog.ensure_table(schema, groups)
    existing = catalog.existing(table.id)
    seen: set[str] = set()
    try:
        for batch in stream.batches():
            report.reject(batch.rejected)
            upserts: list[Record] = []
            replaced_vids: list[int] = []
            for rec in batch.records:
                report.read += 1
                if rec.key in seen:
                    report.reject([Rejected(rec.key, f"duplicate key {rec.key!r} in one run")])
                    continue
                seen.add(rec.key)
                old = existing.get(rec.key)
                if old is None:
                    report.new += 1
                elif old[1] != rec.hash:
                    report.changed += 1
                    replaced_vids.append(old[0])
                else:
                    report.unchanged += 1
                    continue
                upserts.append(rec)
            replaced_keys = [r.key for r in upserts if r.key in existing]
            inserted = catalog.write(table, upserts, replaced_vids, replaced_keys)
            indexes.remove(replaced_vids)
            indexes.add(inserted)
            if progress:
                progress(schema.table, report.read)
    except LakelightError as exc:
        report.error = str(exc)  # what was committed stays; nothing is swept on a partial read
    else:
        gone = [k for k in existing if k not in seen]
        if gone:
            gone_vids = [existing[k][0] for k in gone]
            catalog.write(table, [], gone_vids, gone)
            indexes.remove(gone_vids)
            report.removed = len(gone)
    if rebuilt and report.unchanged:
        catalog.rematerialize(table)
    report.comments_skipped = int(getattr(stream, "comments_skipped", 0))
    describe_table(catalog, table)
    return report


def describe_table(catalog: Catalog, table: TableInfo) -> None:
    """Store what questions need to know of a table: its column profile and its names' words."""
    with catalog.connect() as conn:
        profile, rows = profile_table(conn, table.sql_name, table.columns)
    with catalog.begin() as conn:
        index_few_valued(conn, table.sql_name, table.columns, profile, rows)
    naming = table_naming(table.name, [c.name for c in table.columns])
    catalog.set_profile(table.id, profile, rows, naming)
