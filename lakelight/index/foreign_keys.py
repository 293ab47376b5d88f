"""Foreign keys inferred where none are declared, over the whole catalog after each ingest (a new
table may be the target of older tables' columns, and the other way round).

A column links to a column of another table when both hold:

- names: the column's words, after its table's shared prefix and an optional key word (key, id,
  code, number), name the other table (singular or plural, abbreviations expanded:
  ``o_custkey`` → customer, ``artist_id`` → Artist), or equal the words of the other table's key
  (``Batting.playerID`` → ``People.playerID``);
- values: the target column is unique and non-null (the table's key, or a unique column by its
  profile), and every non-null value of the column is one of its values (an anti-join in SQL on
  the typed tables, stopped at the first stray value).

Names come first, so a ``total`` or ``quantity`` whose values happen to fall in an id range is
never tried; a table's own single-column key and links to its own table are left out. When two
equally good targets both hold the values, nothing is inferred. Declared keys win.

A table keyed by several columns (Teams by ``yearID`` and ``teamID``) is the target of a table
holding columns spelled as each of them, whose value tuples it holds (a few orphans allowed,
as above): ``Batting.teamID`` → ``Teams.teamID`` with ``yearID`` alongside.

A table keyed by a column of the same name as another table's key, in the same source or
folder, extends it one to one when its keys are all among the other's, are not counted up
from 1, and the two repeat few other columns (films and their reviews, both keyed by the
film's sparse ``ID``; not two seasons' statistics)."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.materialize import KEY_COLUMN, table_for
from lakelight.naming import entity_words, table_naming
from lakelight.records import Column, ForeignKey

__all__ = ["infer_foreign_keys", "update_foreign_keys"]

KEY_WORDS = frozenset({"key", "id", "code", "number"})
_LINKABLE = ("integer", "string")


@dataclass(frozen=True, slots=True)
class _Names:
    entity: tuple[str, ...]  # what one row of the table is: ("customer",)
    columns: dict[str, tuple[str, ...]]  # column → its words, prefix stripped


ORPHAN_SHARE = 0.05  # of a table's rows, for links spelled as the target key


@dataclass(frozen=True, slots=True)
class _Candidate:
    rank: tuple[int, int]  # (locality, name rule): lower is better
    target: TableInfo
    column: Column
    same_name: bool = False  # the column is spelled as the target's key (playerID, custkey)


def _names(table: TableInfo) -> _Names:
    naming: dict[str, Any] = table.naming or table_naming(
        table.name, [c.name for c in table.columns]
    )
    columns = {name: tuple(words) for name, words in naming["columns"].items()}
    return _Names(entity_words(naming["table"]), columns)


def _split(words: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """The entity a column names, and whether it ended in a key word."""
    if words and words[-1] in KEY_WORDS:
        return entity_words(words[:-1]), True
    return entity_words(words), False


def _single_key(table: TableInfo) -> Column | None:
    if len(table.primary_key) != 1 or table.key_origin not in ("primary_key", "id_column"):
        return None
    return next((c for c in table.columns if c.name == table.primary_key[0]), None)


def _locality(table: TableInfo, target: TableInfo) -> int:
    """0 same source, 1 same folder (CSV files are a source each), 2 anywhere."""
    if table.source == target.source:
        return 0
    return 1 if posixpath.dirname(table.source) == posixpath.dirname(target.source) else 2


def _unique(table: TableInfo, column: Column) -> bool | None:
    """Unique and non-null by the table's profile; None when it has no profile."""
    entry = (table.profile or {}).get(column.name)
    if entry is None:
        return None
    return table.row_count > 0 and entry["nulls"] == 0 and entry["distinct"] == table.row_count


def _targets(
    target: TableInfo, names: _Names, keyed: bool, words: tuple[str, ...]
) -> Iterator[Column]:
    """Columns of ``target`` a column naming it may point at: its key first, then unique
    columns (id-like ones only, when the column itself is id-like)."""
    key = _single_key(target)
    if key is not None:
        yield key
    for col in target.columns:
        if col is key or col.name == KEY_COLUMN or col.type not in _LINKABLE:
            continue
        own = names.columns.get(col.name, ())
        if not keyed or own == words or (own and own[-1] in KEY_WORDS):
            yield col


class _Lookup:
    """The catalog's tables by the entity they hold and by the words of their key column, so
    each column looks up its candidates instead of scanning every table."""

    def __init__(self, tables: list[TableInfo]):
        self.names = {t.id: _names(t) for t in tables}
        self.by_entity: defaultdict[tuple[str, ...], list[TableInfo]] = defaultdict(list)
        self.by_key: defaultdict[tuple[str, ...], list[tuple[TableInfo, Column]]] = defaultdict(
            list
        )
        for t in tables:
            self.by_entity[self.names[t.id].entity].append(t)
            key = _single_key(t)
            if key is not None:
                self.by_key[self.names[t.id].columns.get(key.name, ())].append((t, key))

    def candidates(self, table: TableInfo, column: Column) -> list[_Candidate]:
        """Ranked targets for ``column``, each (table, column) once, of the column's type."""
        words = self.names[table.id].columns.get(column.name, ())
        stem, keyed = _split(words)
        if not stem:
            return []  # a bare "id" or "key" names nothing
        found: list[_Candidate] = []
        for target, key in self.by_key.get(words, []):  # playerID → People.playerID
            if target.id != table.id:
                found.append(_Candidate((_locality(table, target), 1), target, key, True))
        for start in range(len(stem) if keyed else 1):
            rule = 0 if start == 0 else 2  # customer_id → customer; ship_to_customer_id too
            for target in self.by_entity.get(stem[start:], []):
                if target.id == table.id:
                    continue
                place = _locality(table, target)
                for col in _targets(target, self.names[target.id], keyed, words):
                    same = self.names[target.id].columns.get(col.name) == words
                    found.append(_Candidate((place, rule), target, col, same))
        seen: set[tuple[int, str]] = set()
        out: list[_Candidate] = []
        for cand in sorted(found, key=lambda c: c.rank):
            if cand.column.type == column.type and (cand.target.id, cand.column.name) not in seen:
                seen.add((cand.target.id, cand.column.name))
                out.append(cand)
        return out


class _Values:
    """The SQL checks, on the typed tables of one connection; answers are cached per run."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._unique: dict[tuple[int, str], bool] = {}

    def unique(self, table: TableInfo, column: Column) -> bool:
        cached = self._unique.get((table.id, column.name))
        if cached is None:
            cached = _unique(table, column)
            if cached is None:
                c = table_for(table.sql_name, table.columns).c[column.name]
                rows, present, distinct = self.conn.execute(
                    sa.select(sa.func.count(), sa.func.count(c), sa.func.count(sa.distinct(c)))
                ).one()
                cached = bool(rows) and rows == present == distinct
            self._unique[(table.id, column.name)] = cached
        return cached

    def tuples_contained(
        self, table: TableInfo, pairs: list[tuple[Column, Column]], target: TableInfo
    ) -> bool:
        """Some row with every column set, and at most ORPHAN_SHARE of the rows holding a
        value tuple ``target`` lacks (its key: the tuples are unique there)."""
        mine = table_for(table.sql_name, table.columns)
        theirs = table_for(target.sql_name, target.columns)
        src = [mine.c[c.name] for c, _ in pairs]
        dst = [theirs.c[r.name] for _, r in pairs]
        present = sa.and_(*(c.is_not(None) for c in src))
        if self.conn.execute(sa.select(src[0]).where(present).limit(1)).first() is None:
            return False
        allowed = int(ORPHAN_SHARE * table.row_count)
        on = sa.and_(*(d == s for s, d in zip(src, dst, strict=True)))
        stray = (
            sa.select(sa.literal(1))
            .select_from(mine.outerjoin(theirs, on))
            .where(present, dst[0].is_(None))
            .limit(allowed + 1)
        )
        return len(self.conn.execute(stray).all()) <= allowed

    def contained(
        self, table: TableInfo, column: Column, target: TableInfo, ref: Column, orphans: float = 0.0
    ) -> bool:
        """Some non-null value, and at most ``orphans`` (a share of the rows) outside
        ``target.ref``: an anti-join stopped at the first stray value past that. A LEFT JOIN
        rather than ``NOT EXISTS``: SQLite builds an automatic index for a join but rescans the
        target per row for a correlated subquery (PostgreSQL plans both as a hash anti-join)."""
        if not _within_range(table, column, target, ref, orphans > 0):
            return False
        mine = table_for(table.sql_name, table.columns)
        theirs = table_for(target.sql_name, target.columns)
        src, dst = mine.c[column.name], theirs.c[ref.name]
        if self.conn.execute(sa.select(src).where(src.is_not(None)).limit(1)).first() is None:
            return False
        allowed = int(orphans * table.row_count)
        stray = (
            sa.select(sa.literal(1))
            .select_from(mine.outerjoin(theirs, dst == src))
            .where(src.is_not(None), dst.is_(None))
            .limit(allowed + 1)
        )
        return len(self.conn.execute(stray).all()) <= allowed


def _within_range(
    table: TableInfo, column: Column, target: TableInfo, ref: Column, loose: bool = False
) -> bool:
    """What the profiles already rule out: more distinct values than the target has rows, or
    numbers outside its range (unless ``loose``: a few orphans may lie outside it)."""
    mine: dict[str, Any] = (table.profile or {}).get(column.name) or {}
    theirs: dict[str, Any] = (target.profile or {}).get(ref.name) or {}
    if not mine or not theirs:
        return True
    if mine["distinct"] == 0 or (mine["distinct"] > theirs["distinct"] and not loose):
        return False
    if loose:
        return True
    if column.type == "integer" and None not in (mine.get("min"), theirs.get("min")):
        return bool(theirs["min"] <= mine["min"] and mine["max"] <= theirs["max"])
    return True


def infer_foreign_keys(catalog: Catalog) -> dict[int, list[ForeignKey]]:
    """Table id → the foreign keys its names and values show, for every table of the catalog
    (declared ones not repeated)."""
    tables = [t for t in catalog.list_tables() if t.kind == "table" and t.row_count > 0]
    lookup = _Lookup(tables)
    out: dict[int, list[ForeignKey]] = {}
    with catalog.connect() as conn:
        values = _Values(conn)
        for table in tables:
            declared = {f.column for f in table.foreign_keys if f.origin == "declared"}
            own = _single_key(table)
            inferred: list[ForeignKey] = []
            for column in table.columns:
                if (
                    column.name in declared
                    or column.name == KEY_COLUMN
                    or (own is not None and column.name == own.name)
                    or column.type not in _LINKABLE
                ):
                    continue
                found = _link(table, column, lookup.candidates(table, column), values)
                if found is not None:
                    inferred.append(found)
            taken = declared | {f.column for f in inferred}
            if own is not None and own.name not in taken:
                shared = _shared_key(table, own, tables, values)
                if shared is not None:
                    inferred.append(shared)
                    taken.add(own.name)
            linked = {f.table for f in table.foreign_keys if f.origin == "declared"}
            composite = _composite_link(table, tables, lookup, values, linked)
            if composite is not None and composite.column not in taken:
                inferred.append(composite)
            out[table.id] = inferred
    return out


def _shared_key(
    table: TableInfo, key: Column, tables: list[TableInfo], values: _Values
) -> ForeignKey | None:
    """A table that extends another of its source or folder one to one: both keyed by a column
    of the same name whose values this table's all are in the other's (a film's reviews keyed
    by the film's ``ID``). Keys counted up from 1 coincide by chance (every table's ``id``), so the
    values must be sparse; when both hold the same keys, the table of fewer columns points at
    the other."""
    if not _sparse(table, key):
        return None
    found: list[tuple[TableInfo, Column]] = []
    for other in tables:
        ref = _single_key(other)
        if (
            other.id == table.id
            or _locality(table, other) > 1
            or ref is None
            or ref.name.lower() != key.name.lower()
            or ref.type != key.type
            or other.row_count < table.row_count
        ):
            continue
        if other.row_count == table.row_count and (len(other.columns), other.name) < (
            len(table.columns),
            table.name,
        ):
            continue  # the same keys: the wider table is the one extended
        if _alike(table, other, key.name):
            continue  # tables of one kind (two seasons' stats) share keys but extend nothing
        if values.unique(other, ref) and values.contained(table, key, other, ref):
            found.append((other, ref))
    if len(found) != 1:
        return None
    target, ref = found[0]
    source = None if target.source == table.source else target.source
    return ForeignKey(key.name, target.name, ref.name, "inferred", source)


SHARED_COLUMNS = 0.25  # of the narrower table's other columns, for an extension table


def _alike(table: TableInfo, other: TableInfo, key: str) -> bool:
    """The two tables repeat each other's columns: more than SHARED_COLUMNS of them."""
    mine = {c.name.lower() for c in table.columns} - {key.lower(), KEY_COLUMN}
    theirs = {c.name.lower() for c in other.columns} - {key.lower(), KEY_COLUMN}
    return len(mine & theirs) > SHARED_COLUMNS * max(1, min(len(mine), len(theirs)))


def _sparse(table: TableInfo, key: Column) -> bool:
    """Keys no counter made: strings, or integers spread far wider than the row count."""
    if key.type != "integer":
        return True
    entry = (table.profile or {}).get(key.name) or {}
    low, high = entry.get("min"), entry.get("max")
    if low is None or high is None:
        return False
    return float(high) - float(low) + 1 > 2 * max(table.row_count, 1)


def _link(
    table: TableInfo, column: Column, candidates: list[_Candidate], values: _Values
) -> ForeignKey | None:
    """The best-ranked candidate holding the column's values; None when two tables tie."""
    passed: list[_Candidate] = []
    for cand in candidates:
        if passed and cand.rank != passed[0].rank:
            break
        if any(p.target.id == cand.target.id for p in passed):
            continue  # its key already holds the values: the table's other columns are moot
        # a column spelled exactly as another table's key (playerID → People.playerID) may
        # hold a few values that table lacks, as real extracts do (salaries of players with
        # no profile row); a link found by the entity's name alone must hold every value
        orphans = ORPHAN_SHARE if cand.same_name else 0.0
        if values.unique(cand.target, cand.column) and values.contained(
            table, column, cand.target, cand.column, orphans
        ):
            passed.append(cand)
    if len(passed) != 1:
        return None
    target, ref = passed[0].target, passed[0].column
    source = None if target.source == table.source else target.source
    return ForeignKey(column.name, target.name, ref.name, "inferred", source)


def _composite_link(
    table: TableInfo,
    tables: list[TableInfo],
    lookup: _Lookup,
    values: _Values,
    linked: set[str],
) -> ForeignKey | None:
    """The one table keyed by several columns that ``table`` holds columns spelled as, with
    their value tuples; the column naming it (``teamID`` for Teams) leads, else its last.
    Tables ``linked`` already (a declared key) are left out."""
    mine = lookup.names[table.id].columns
    by_words = {words: c for c in table.columns if (words := mine.get(c.name))}
    found: list[ForeignKey] = []
    for target in tables:
        key = target.primary_key
        if (
            target.id == table.id
            or target.name in linked
            or len(key) < 2
            or target.key_origin == "row_number"
        ):
            continue
        theirs = lookup.names[target.id].columns
        refs = [next(c for c in target.columns if c.name == k) for k in key]
        pairs = [(by_words.get(theirs.get(r.name, ())), r) for r in refs]
        if any(c is None or c.type != r.type for c, r in pairs) or set(table.primary_key) == set(
            c.name for c, _ in pairs if c is not None
        ):
            continue  # not every key column is here, or the same key: one row each side
        matched = [(c, r) for c, r in pairs if c is not None]
        entity = lookup.names[target.id].entity
        lead = next((p for p in matched if _split(mine[p[0].name])[0] == entity), matched[-1])
        if values.tuples_contained(table, matched, target):
            source = None if target.source == table.source else target.source
            also = tuple((c.name, r.name) for c, r in matched if (c, r) != lead)
            found.append(
                ForeignKey(lead[0].name, target.name, lead[1].name, "inferred", source, also)
            )
    return found[0] if len(found) == 1 else None


def update_foreign_keys(catalog: Catalog) -> int:
    """Infer over the whole catalog and store what changed; returns how many are inferred."""
    inferred = infer_foreign_keys(catalog)
    for table_id, fks in inferred.items():
        catalog.set_inferred_foreign_keys(table_id, fks)
    return sum(len(f) for f in inferred.values())
