"""Load the Chinook music store (Django fixture of DATA.md) into any database with SQLAlchemy.

Table names come from the model names (``chinook.invoiceline`` -> ``InvoiceLine``). Each table
has an ``id`` primary key, the fixture's fields as columns, and a foreign key column
``<field>_id`` for every field naming another model (``support_rep`` and ``reports_to`` point at
``Employee``). A many-to-many field (a list in the fixture) becomes a link table
``<Table>_<field>``; the Chinook fixture has none, its playlist tracks are a model of their own.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from tests import data

TABLE_NAMES = {
    "album": "Album",
    "artist": "Artist",
    "customer": "Customer",
    "employee": "Employee",
    "genre": "Genre",
    "invoice": "Invoice",
    "invoiceline": "InvoiceLine",
    "mediatype": "MediaType",
    "playlist": "Playlist",
    "playlisttrack": "PlaylistTrack",
    "track": "Track",
}
_FK_TARGETS = {"support_rep": "employee", "reports_to": "employee"}
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_INSERT_CHUNK = 1000


@cache
def fixture() -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """The fixture's rows by model name (``artist``), each as (pk, fields)."""
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for item in json.loads(data.chinook_json().read_text(encoding="utf-8")):
        rows[item["model"].split(".", 1)[1]].append((item["pk"], item["fields"]))
    return dict(rows)


def table_name(model: str) -> str:
    return TABLE_NAMES.get(model, model.capitalize())


def _target(model_names: Iterable[str], field: str) -> str | None:
    target = _FK_TARGETS.get(field, field)
    if target in model_names:
        return target
    singular = field.removesuffix("s")
    return singular if singular in model_names else None


def _column_type(values: list[Any]) -> sa.types.TypeEngine[Any]:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return sa.Boolean()
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return sa.Integer()
    if present and all(isinstance(v, int | float) for v in present):
        return sa.Numeric(10, 2)
    if present and all(isinstance(v, str) and _TIMESTAMP.match(v) for v in present):
        return sa.DateTime()
    longest = max((len(str(v)) for v in present), default=1)
    return sa.String(max(64, longest * 2))


def _value(value: Any, type_: sa.types.TypeEngine[Any]) -> Any:
    if isinstance(type_, sa.DateTime) and isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    return value


def build_metadata() -> tuple[sa.MetaData, dict[str, list[dict[str, Any]]]]:
    """The Chinook tables, and the rows to insert into each (by table name)."""
    models = fixture()
    metadata = sa.MetaData()
    rows: dict[str, list[dict[str, Any]]] = {}
    for model, items in models.items():
        name = table_name(model)
        fields = sorted({f for _, values in items for f in values})
        columns: list[sa.Column[Any]] = [sa.Column("id", sa.Integer, primary_key=True)]
        names: dict[str, str] = {}
        types: dict[str, sa.types.TypeEngine[Any]] = {}
        links: list[tuple[str, str | None]] = []
        for field in fields:
            values = [v.get(field) for _, v in items]
            if any(isinstance(v, list) for v in values):
                links.append((field, _target(models, field)))
                continue
            target = _target(models, field)
            if target and all(v is None or isinstance(v, int) for v in values):
                names[field] = f"{field}_id"
                types[field] = sa.Integer()
                fk = sa.ForeignKey(f"{table_name(target)}.id")
                columns.append(sa.Column(names[field], sa.Integer, fk, nullable=True))
            else:
                names[field], types[field] = field, _column_type(values)
                columns.append(sa.Column(field, types[field], nullable=None in values))
        sa.Table(name, metadata, *columns)
        rows[name] = _ordered(
            [{"id": pk} | {names[f]: _value(v.get(f), types[f]) for f in names} for pk, v in items],
            [names[f] for f in names if _target(models, f) == model],
        )
        for field, target in links:
            link = f"{name}_{field}"
            other = f"{target or field}_id"
            link_fk = [sa.ForeignKey(f"{table_name(target)}.id")] if target else []
            sa.Table(
                link,
                metadata,
                sa.Column(f"{model}_id", sa.Integer, sa.ForeignKey(f"{name}.id"), primary_key=True),
                sa.Column(other, sa.Integer, *link_fk, primary_key=True),
            )
            rows[link] = [
                {f"{model}_id": pk, other: ref} for pk, v in items for ref in v.get(field) or []
            ]
    return metadata, rows


def _ordered(rows: list[dict[str, Any]], self_refs: list[str]) -> list[dict[str, Any]]:
    """Rows of a self-referencing table, each after the rows it points at."""
    if not self_refs:
        return rows
    done: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [r for r in pending if all(r[c] is None or r[c] in done for c in self_refs)]
        if not ready:
            raise ValueError("cycle in a self-referencing table")
        ordered += ready
        done |= {r["id"] for r in ready}
        pending = [r for r in pending if r["id"] not in done]
    return ordered


def expected_counts() -> dict[str, int]:
    """Rows each Chinook table holds once loaded."""
    return {name: len(rows) for name, rows in build_metadata()[1].items()}


def load_chinook(url: str) -> None:
    """Create the Chinook tables in the database at ``url`` and fill them (drop + create)."""
    metadata, rows = build_metadata()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            metadata.drop_all(conn)
            metadata.create_all(conn)
            for table in metadata.sorted_tables:
                table_rows = rows[table.name]
                for start in range(0, len(table_rows), _INSERT_CHUNK):
                    conn.execute(table.insert(), table_rows[start : start + _INSERT_CHUNK])
    finally:
        engine.dispose()
