"""The catalog: sources, tables (schema + profile), records, ingest runs, in any SQLAlchemy
database. It is the truth; the vector and keyword indexes are rebuilt from it when they lag."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from lakelight.errors import CatalogError, first_line
from lakelight.index.materialize import create_table, table_for, typed_rows
from lakelight.records import Column, ForeignKey, Record, TableSchema

metadata = sa.MetaData()

sources = sa.Table(
    "ll_sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uri", sa.String(2000), nullable=False, unique=True),
    sa.Column("groups", sa.JSON),  # groups that may read it; none or [] → every caller
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

tables = sa.Table(
    "ll_tables",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source_id", sa.ForeignKey("ll_sources.id"), nullable=False),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("sql_name", sa.String(63), nullable=False, unique=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("key_origin", sa.String(20), nullable=False),
    sa.Column("primary_key", sa.JSON, nullable=False),
    sa.Column("columns", sa.JSON, nullable=False),
    sa.Column("foreign_keys", sa.JSON),
    sa.Column("profile", sa.JSON),
    sa.Column("naming", sa.JSON),  # lakelight.naming.table_naming: the words of its names
    sa.Column("row_count", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("source_id", "name"),
)

records = sa.Table(
    "ll_records",
    metadata,
    # vid: the integer id FAISS and the keyword index know the record by; a changed record
    # gets a new vid, so both indexes see it as one removal and one addition.
    sa.Column("vid", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("table_id", sa.ForeignKey("ll_tables.id"), nullable=False),
    sa.Column("key", sa.String(1000), nullable=False),
    sa.Column("rid", sa.String(24), nullable=False, unique=True),
    sa.Column("hash", sa.String(40), nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.UniqueConstraint("table_id", "key"),
    sqlite_autoincrement=True,  # vids are never reused, so a stale index entry cannot alias
)

runs = sa.Table(
    "ll_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(2000), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("counts", sa.JSON),
    sa.Column("rejected", sa.JSON),
    sa.Column("error", sa.Text),
)

state = sa.Table(
    "ll_state",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


_STAMPS = "SELECT name, value FROM ll_state"  # a few rows; read on every served request


def bump(conn: Connection, name: str) -> None:
    """Add one to the counter ``name`` in ll_state (made at 1), in ``conn``'s transaction.
    The counters: ``generation`` (rows or grants changed), ``tables`` (any table's or
    source's entry), ``keys`` (API keys), ``ratings`` (feedback): whoever caches what they
    cover compares the counter, read in one query (``read_stamps``), with the one it kept."""
    more = state.update().where(state.c.name == name).values(value=state.c.value + 1)
    updated = conn.execute(more)
    if updated.rowcount == 0:
        conn.execute(state.insert().values(name=name, value=1))


def read_stamps(conn: Connection) -> dict[str, int]:
    """Every counter of ll_state (an absent one has never been bumped: 0)."""
    return {str(name): int(value) for name, value in conn.exec_driver_sql(_STAMPS)}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class TableInfo:
    id: int
    source: str
    name: str
    sql_name: str
    kind: str
    key_origin: str
    primary_key: list[str]
    columns: list[Column]
    profile: dict[str, Any] | None
    row_count: int
    foreign_keys: list[ForeignKey]
    naming: dict[str, Any] | None = None
    groups: tuple[str, ...] = ()  # its source's readers (lakelight.index.access); () → all
    updated_at: datetime | None = None  # its last change: schema, rows, profile or keys

    def as_dict(self) -> dict[str, Any]:
        """The shape `lakelight tables --json` and `GET /v1/tables` return."""
        return {
            "source": self.source,
            "table": self.name,
            "sql_table": self.sql_name,
            "kind": self.kind,
            "groups": list(self.groups),
            "rows": self.row_count,
            "key": self.primary_key or self.key_origin,
            "columns": self.profile or {c.name: {"type": c.type} for c in self.columns},
            "foreign_keys": [
                {
                    "column": fk.column,
                    "table": fk.table,
                    "ref_column": fk.ref_column,
                    "origin": fk.origin,
                    "source": fk.ref_source or self.source,
                }
                for fk in self.foreign_keys
            ],
        }


@dataclass(frozen=True, slots=True)
class StoredRecord:
    vid: int
    rid: str
    source: str
    table: str
    key: str
    fields: dict[str, Any]


class Catalog:
    def __init__(self, url: str, home: Path | None = None):
        if url.startswith("sqlite:///") and home is not None:
            home.mkdir(parents=True, exist_ok=True)
        try:
            # a served workspace reads from many threads at once: connections kept open
            # rather than opened per request beyond the default five (a SQLite file
            # reopened under load stalled readers for seconds)
            pool = {"pool_size": 20, "max_overflow": 20} if _file_sqlite(url) else {}
            self.engine: Engine = sa.create_engine(url, future=True, **pool)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            metadata.create_all(self.engine)
            add_missing_columns(self.engine)
        except SQLAlchemyError as exc:
            raise CatalogError(
                f"Cannot open the catalog at {_safe(url)}: {first_line(exc)}"
            ) from exc
        except ImportError as exc:
            raise CatalogError(f"Catalog driver missing for {_safe(url)}: {exc}") from exc
        self.url = url
        self._tables: tuple[tuple[int, int], list[TableInfo]] | None = None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise CatalogError(f"Catalog operation failed: {first_line(exc)}") from exc

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise CatalogError(f"Catalog operation failed: {first_line(exc)}") from exc

    # --- generation: bumped on every committed change, so indexes know when they lag ---

    def generation(self, conn: Connection | None = None) -> int:
        if conn is None:
            with self.connect() as c:
                return self.generation(c)
        value = conn.execute(sa.select(state.c.value).where(state.c.name == "generation")).scalar()
        return int(value or 0)

    def _bump(self, conn: Connection) -> None:
        bump(conn, "generation")

    def stamps(self) -> dict[str, int]:
        """The counters of ll_state (see ``bump``), in one small read."""
        with self.connect() as conn:
            return read_stamps(conn)

    # --- sources and tables ---

    def ensure_table(
        self, schema: TableSchema, groups: Sequence[str] | None = None
    ) -> tuple[TableInfo, bool]:
        """The catalog entry for a table, created or updated to ``schema``. The flag says the
        columns changed, so its materialized SQL table was rebuilt empty. ``groups`` (who may
        read the source) is set before any row is written; None keeps what the source has."""
        cols = [{"name": c.name, "type": c.type} for c in schema.columns]
        declared = [fk_row(f) for f in schema.foreign_keys]
        now = _now()
        with self.begin() as conn:
            sid = conn.execute(
                sa.select(sources.c.id).where(sources.c.uri == schema.source)
            ).scalar()
            if sid is None:
                sid = conn.execute(
                    sources.insert().values(
                        uri=schema.source, groups=list(groups or []), created_at=now, updated_at=now
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            else:
                values: dict[str, Any] = {"updated_at": now}
                if groups is not None:
                    values["groups"] = list(groups)
                conn.execute(sources.update().where(sources.c.id == sid).values(**values))
            row = conn.execute(
                sa.select(tables).where(tables.c.source_id == sid, tables.c.name == schema.table)
            ).first()
            rebuilt = row is None or row.columns != cols
            fks = declared + (_kept_inferred(row.foreign_keys, schema) if row is not None else [])
            if row is None:
                sql_name = self._free_sql_name(conn, schema.table)
                tid = conn.execute(
                    tables.insert().values(
                        source_id=sid,
                        name=schema.table,
                        sql_name=sql_name,
                        kind=schema.kind,
                        key_origin=schema.key_origin,
                        primary_key=schema.primary_key,
                        columns=cols,
                        foreign_keys=fks,
                        row_count=0,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            else:
                tid, sql_name = row.id, row.sql_name
                conn.execute(
                    tables.update()
                    .where(tables.c.id == tid)
                    .values(
                        kind=schema.kind,
                        key_origin=schema.key_origin,
                        primary_key=schema.primary_key,
                        columns=cols,
                        foreign_keys=fks,
                        updated_at=now,
                    )
                )
            if rebuilt:
                create_table(conn, sql_name, schema.columns)
            bump(conn, "tables")
        info = self.table_info(tid)
        return info, rebuilt

    def _free_sql_name(self, conn: Connection, name: str) -> str:
        base = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:50] or "t"
        if base[0].isdigit() or base.startswith("ll_"):
            base = f"t_{base}"
        taken = set(conn.execute(sa.select(tables.c.sql_name)).scalars())
        taken |= set(sa.inspect(conn).get_table_names())
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        return candidate

    def set_groups(self, pattern: str, groups: Sequence[str]) -> list[str]:
        """Set who may read the sources whose URI is ``pattern`` or matches it (fnmatch: a
        folder's files are one source each); returns the URIs changed."""
        with self.begin() as conn:
            uris = list(conn.execute(sa.select(sources.c.uri)).scalars())
            hit = [u for u in uris if u == pattern] or [
                u for u in uris if fnmatch.fnmatchcase(u, pattern)
            ]
            if hit:
                conn.execute(
                    sources.update().where(sources.c.uri.in_(hit)).values(groups=list(groups))
                )
                self._bump(conn)  # caches keyed by generation drop what they knew
                bump(conn, "tables")
        return hit

    def _info(self, row: Any, source: str) -> TableInfo:
        return TableInfo(
            id=row.id,
            source=source,
            name=row.name,
            sql_name=row.sql_name,
            kind=row.kind,
            key_origin=row.key_origin,
            primary_key=list(row.primary_key or []),
            columns=[Column(c["name"], c["type"]) for c in row.columns],
            profile=row.profile,
            row_count=row.row_count,
            foreign_keys=[ForeignKey.from_row(f) for f in row.foreign_keys or []],
            naming=row.naming,
            groups=tuple(row.groups or ()),
            updated_at=row.updated_at,
        )

    def table_info(self, table_id: int) -> TableInfo:
        with self.connect() as conn:
            row = conn.execute(
                sa.select(tables, sources.c.uri, sources.c.groups)
                .join(sources, sources.c.id == tables.c.source_id)
                .where(tables.c.id == table_id)
            ).one()
        return self._info(row, row.uri)

    def list_tables(self, stamps: Mapping[str, int] | None = None) -> list[TableInfo]:
        """Every table's entry; read again only when the ``generation`` or ``tables``
        counter moved (``stamps``: as just read by ``stamps()``, None: read them here).
        The counters are read before the entries, so a change between the two reads is
        seen as a change by the next call."""
        key = None if stamps is None else (stamps.get("generation", 0), stamps.get("tables", 0))
        kept = self._tables
        if key is not None and kept is not None and kept[0] == key:
            return list(kept[1])
        with self.connect() as conn:
            if key is None:
                now = read_stamps(conn)
                key = (now.get("generation", 0), now.get("tables", 0))
                if kept is not None and kept[0] == key:
                    return list(kept[1])
            rows = conn.execute(
                sa.select(tables, sources.c.uri, sources.c.groups)
                .join(sources, sources.c.id == tables.c.source_id)
                .order_by(sources.c.uri, tables.c.name)
            ).all()
        found = [self._info(r, r.uri) for r in rows]
        self._tables = (key, found)
        return list(found)

    def list_sources(self) -> list[dict[str, Any]]:
        with self.connect() as conn:
            rows = conn.execute(
                sa.select(
                    sources.c.uri,
                    sources.c.groups,
                    sources.c.updated_at,
                    sa.func.count(tables.c.id).label("tables"),
                    sa.func.coalesce(sa.func.sum(tables.c.row_count), 0).label("rows"),
                )
                .join(tables, tables.c.source_id == sources.c.id, isouter=True)
                .group_by(sources.c.id)
                .order_by(sources.c.uri)
            ).all()
        return [
            {
                "source": r.uri,
                "groups": list(r.groups or []),
                "tables": r.tables,
                "rows": int(r.rows),
                "updated_at": r.updated_at,
            }
            for r in rows
        ]

    # --- records ---

    def existing(self, table_id: int) -> dict[str, tuple[int, str]]:
        """key → (vid, content hash) of every record the table holds now."""
        with self.connect() as conn:
            result = conn.execute(
                sa.select(records.c.key, records.c.vid, records.c.hash).where(
                    records.c.table_id == table_id
                )
            )
            return {key: (vid, h) for key, vid, h in result}

    def write(
        self,
        table: TableInfo,
        upserts: Sequence[Record],
        removed_vids: Sequence[int],
        removed_keys: Sequence[str],
    ) -> list[tuple[int, str]]:
        """In one transaction: drop the old versions, insert ``upserts`` (new vids), mirror it all
        in the materialized table. Returns (vid, text) of the inserted records."""
        mat = table_for(table.sql_name, table.columns)
        with self.begin() as conn:
            for chunk in _chunks(removed_vids, 500):
                conn.execute(records.delete().where(records.c.vid.in_(chunk)))
            for chunk in _chunks(removed_keys, 500):
                conn.execute(mat.delete().where(mat.c["_key"].in_(chunk)))
            inserted: list[tuple[int, str]] = []
            if upserts:
                rows = [
                    {
                        "table_id": table.id,
                        "key": r.key,
                        "rid": r.id,
                        "hash": r.hash,
                        "fields": json.dumps(r.fields, ensure_ascii=False, default=str),
                        "text": r.text,
                    }
                    for r in upserts
                ]
                conn.execute(records.insert(), rows)
                keys = [r.key for r in upserts]
                vids: dict[str, int] = {}
                for chunk in _chunks(keys, 500):
                    result = conn.execute(
                        sa.select(records.c.key, records.c.vid).where(
                            records.c.table_id == table.id, records.c.key.in_(chunk)
                        )
                    )
                    vids.update({key: vid for key, vid in result})
                inserted = [(vids[r.key], r.text) for r in upserts]
                conn.execute(mat.insert(), typed_rows(upserts, table.columns))
            self._bump(conn)
        return inserted

    def rematerialize(self, table: TableInfo) -> None:
        """Refill a rebuilt materialized table from the stored records."""
        mat = table_for(table.sql_name, table.columns)
        with self.begin() as conn:
            conn.execute(mat.delete())
            result = conn.execute(
                sa.select(records.c.key, records.c.fields).where(records.c.table_id == table.id)
            )
            batch: list[Record] = []
            for key, fields in result:
                batch.append(Record(table.source, table.name, key, json.loads(fields), ""))
                if len(batch) >= 2000:
                    conn.execute(mat.insert(), typed_rows(batch, table.columns))
                    batch = []
            if batch:
                conn.execute(mat.insert(), typed_rows(batch, table.columns))

    def set_profile(
        self,
        table_id: int,
        profile: dict[str, Any],
        row_count: int,
        naming: dict[str, Any] | None = None,
    ) -> None:
        values: dict[str, Any] = {"profile": profile, "row_count": row_count, "updated_at": _now()}
        if naming is not None:
            values["naming"] = naming
        with self.begin() as conn:
            conn.execute(tables.update().where(tables.c.id == table_id).values(**values))
            bump(conn, "tables")

    def set_inferred_foreign_keys(self, table_id: int, inferred: Sequence[ForeignKey]) -> None:
        """Replace the table's inferred foreign keys; declared ones stay as they are."""
        with self.begin() as conn:
            stored = conn.execute(
                sa.select(tables.c.foreign_keys).where(tables.c.id == table_id)
            ).scalar()
            declared = [f for f in stored or [] if len(f) < 4 or f[3] == "declared"]
            rows = declared + [fk_row(f) for f in inferred]
            if rows != (stored or []):
                update = tables.update().where(tables.c.id == table_id)
                conn.execute(update.values(foreign_keys=rows, updated_at=_now()))
                bump(conn, "tables")

    def all_vids(self) -> set[int]:
        with self.connect() as conn:
            return set(conn.execute(sa.select(records.c.vid)).scalars())

    def texts(self, vids: Iterable[int]) -> Iterator[tuple[int, str]]:
        with self.connect() as conn:
            for chunk in _chunks(sorted(vids), 1000):
                yield from conn.execute(
                    sa.select(records.c.vid, records.c.text).where(records.c.vid.in_(chunk))
                )

    def fetch(self, vids: Sequence[int]) -> dict[int, StoredRecord]:
        out: dict[int, StoredRecord] = {}
        with self.connect() as conn:
            for chunk in _chunks(list(vids), 500):
                rows = conn.execute(
                    sa.select(
                        records.c.vid,
                        records.c.rid,
                        records.c.key,
                        records.c.fields,
                        tables.c.name,
                        sources.c.uri,
                    )
                    .join(tables, tables.c.id == records.c.table_id)
                    .join(sources, sources.c.id == tables.c.source_id)
                    .where(records.c.vid.in_(chunk))
                )
                for r in rows:
                    out[r.vid] = StoredRecord(
                        r.vid, r.rid, r.uri, r.name, r.key, json.loads(r.fields)
                    )
        return out

    def records_by_keys(self, table: TableInfo, keys: Sequence[str]) -> list[StoredRecord]:
        """Stored records of one table by key, in the order of ``keys``."""
        found: dict[str, StoredRecord] = {}
        with self.connect() as conn:
            for chunk in _chunks(list(keys), 500):
                rows = conn.execute(
                    sa.select(records.c.vid, records.c.rid, records.c.key, records.c.fields).where(
                        records.c.table_id == table.id, records.c.key.in_(chunk)
                    )
                )
                for r in rows:
                    found[r.key] = StoredRecord(
                        r.vid, r.rid, table.source, table.name, r.key, json.loads(r.fields)
                    )
        return [found[k] for k in keys if k in found]

    def vids_of_records(self, rids: Sequence[str]) -> dict[str, int]:
        """record id → vid of the records that exist now (others are left out)."""
        out: dict[str, int] = {}
        with self.connect() as conn:
            for chunk in _chunks(list(rids), 500):
                rows = conn.execute(
                    sa.select(records.c.rid, records.c.vid).where(records.c.rid.in_(chunk))
                )
                out.update({rid: vid for rid, vid in rows})
        return out

    def vids_of_tables(self, table_ids: Sequence[int]) -> list[int]:
        with self.connect() as conn:
            return list(
                conn.execute(
                    sa.select(records.c.vid).where(records.c.table_id.in_(list(table_ids)))
                ).scalars()
            )

    # --- runs ---

    def start_run(self, source: str) -> int:
        with self.begin() as conn:
            return int(
                conn.execute(
                    runs.insert().values(source=source, started_at=_now(), status="running")
                ).inserted_primary_key[0]  # type: ignore[index]
            )

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: dict[str, int],
        rejected: dict[str, Any],
        error: str | None = None,
    ) -> None:
        with self.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(
                    finished_at=_now(), status=status, counts=counts, rejected=rejected, error=error
                )
            )

    def list_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.connect() as conn:
            rows = conn.execute(sa.select(runs).order_by(runs.c.id.desc()).limit(limit)).all()
        return [dict(r._mapping) for r in rows]


def fk_row(fk: ForeignKey) -> list[Any]:
    """A foreign key as ll_tables stores it: declared ones as [column, table, ref_column], as
    before origins were kept; inferred ones add "inferred" and the target's source, and a key
    of several columns its other [column, ref_column] pairs."""
    if fk.origin == "declared" and fk.ref_source is None and not fk.also:
        return [fk.column, fk.table, fk.ref_column]
    row = [fk.column, fk.table, fk.ref_column, fk.origin, fk.ref_source]
    return row + [[list(pair) for pair in fk.also]] if fk.also else row


def _kept_inferred(stored: list[list[Any]] | None, schema: TableSchema) -> list[list[Any]]:
    """Inferred foreign keys that survive a re-ingest until inference runs again: their column
    still exists and no declared key took it."""
    names = {c.name for c in schema.columns}
    taken = {f.column for f in schema.foreign_keys}
    return [
        f
        for f in stored or []
        if len(f) >= 4 and f[3] == "inferred" and f[0] in names and f[0] not in taken
    ]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def add_missing_columns(engine: Engine, tables_of: sa.MetaData | None = None) -> None:
    """Columns added to lakelight's own tables (the catalog's, or ``tables_of``) after a
    workspace was made: added in place, empty, so an older workspace keeps working and
    fills them on its next ingest."""
    inspector = sa.inspect(engine)
    with engine.begin() as conn:
        for table in (tables_of or metadata).sorted_tables:
            have = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(
                        sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                    )


def _file_sqlite(url: str) -> bool:
    return url.startswith("sqlite:///") and ":memory:" not in url and "mode=memory" not in url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _safe(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid URL>"
