"""Lookup questions: pick the rows and columns that answer, follow keys to linked tables, and
say the answer extractively. Everything cited is a row that was actually retrieved or joined."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import sqlalchemy as sa

from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.materialize import KEY_COLUMN, table_for
from lakelight.rag.entities import KeyRef, key_references, normalize_numbers
from lakelight.rag.linking import acronym_at, column_terms, person_name_columns, table_form
from lakelight.rag.meaning import ColumnMeanings
from lakelight.rag.words import (
    STOPWORDS,
    content_words,
    fold,
    numbers,
    stem,
    stems,
    value_text,
    words,
)

# "what is the X of …", "what's their X", "which X …": the attribute a question asks for.
_ASKED = re.compile(
    r"\b(?:what|which)(?:'s|\s+is|\s+was|\s+are|\s+were)?\s+(?:the\s+|their\s+|its\s+|his\s+|her\s+)?"
    r"((?:[\w-]+\s+){0,2}?[\w-]+)\s+(?:of|for|does|did|do|is|was|has|had|in|on|at)\b"
    r"|\b(?:the|their|its|his|her)\s+((?:[\w-]+\s+){0,2}?[\w-]+)\s+(?:of|for)\b",
    re.IGNORECASE,
)
_GENERIC = frozenset(
    "thing kind type name number amount one row record entry customer order item person".split()
)
_DISPLAY_HINTS = ("name", "title", "label", "email", "description", "message")


@dataclass
class Evidence:
    """One row behind an answer, with the columns of it the answer uses."""

    source: str
    table: str
    key: str
    row: dict[str, Any]
    columns: list[str] = field(default_factory=list)


@dataclass
class LookupAnswer:
    text: str
    evidence: list[Evidence]
    facts: list[str]  # values the answer must contain (checked against any LLM phrasing)


def column_words(table: TableInfo, name: str) -> set[str]:
    """The words a column means (prefix stripped, abbreviations expanded), less key words."""
    return {
        w
        for w in column_terms(table, name)
        if w not in ("id", "key", "no", "nr", "pk", "fk") and w not in STOPWORDS
    }


def table_words(table: TableInfo) -> set[str]:
    return set(table_form(table)[0])


def _joined_pairs(question: str) -> set[str]:
    """Adjacent word pairs run together, so "unit price" meets a column named unitprice."""
    ws = [stem(w) for w in content_words(question)]
    return {a + b for a, b in pairwise(ws)}


def asked_columns(question: str, table: TableInfo, row: dict[str, Any]) -> list[str]:
    """Columns the question names and does not already give the value of."""
    qwords = {s for w in content_words(question) for s in stems(w)}
    spoken = words(question)
    capitalized = frozenset(fold(w) for m in _PROPER.finditer(question) for w in words(m.group(0)))
    folded_q = fold(normalize_numbers(question))  # "order 10,080" states key 10080
    scored: list[tuple[float, str]] = []
    for name in (c.name for c in table.columns):
        cw = column_words(table, name)
        named = cw <= qwords or {stem(w) for w in cw} <= qwords
        if any(acronym_at(spoken, i, name, capitalized) for i in range(len(spoken))):
            scored.append((2, name))  # "home runs" for HR: as strong as a two-word name
            continue
        if not cw or not (named or (len(cw) == 1 and next(iter(cw)) in _joined_pairs(question))):
            continue
        value = value_text(row.get(name))
        if value and fold(value) in folded_q:
            continue  # the question states this value: it identifies the row, not asks about it
        scored.append((len(cw), name))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [name for score, name in scored if score == best]


def asked_attribute(question: str) -> list[str]:
    """Content words of the attribute a question asks for, if it has that shape."""
    for match in _ASKED.finditer(question):
        phrase = match.group(1) or match.group(2) or ""
        found = [w for w in content_words(phrase) if w not in _GENERIC]
        if found:
            return found
    return []


def row_match(question: str, row: dict[str, Any]) -> int:
    """How many of the question's content words appear among the row's values."""
    qwords = {stem(w) for w in content_words(question)}
    vwords: set[str] = set()
    for value in row.values():
        text = value_text(value)
        if len(text) <= 300:
            vwords.update(stem(w) for w in words(text))
    return len(qwords & vwords)


def _whole_cell(question: str, row: dict[str, Any]) -> int:
    """The words of the longest text cell the question holds whole (0: none)."""
    folded = f" {' '.join(words(question))} "
    best = 0
    for value in row.values():
        if isinstance(value, str) and 3 <= len(value) <= 200 and any(c.isalpha() for c in value):
            cell = " ".join(words(value))
            if cell and f" {cell} " in folded:
                best = max(best, len(cell.split()))
    return best


def _by_linked_words(
    question: str, ranked: list[Evidence], tables: list[TableInfo], catalog: Catalog, named: int
) -> list[Evidence]:
    """Among the leading rows that tie on their own words, the one whose linked rows (one
    key away) hold most of the question's other words comes first."""
    if len(ranked) < 2 or named:
        return ranked

    def own(e: Evidence) -> tuple[int, int]:
        return row_match(question, e.row), _whole_cell(question, e.row)

    tied = [e for e in ranked[:8] if own(e) == own(ranked[0])]
    if len(tied) < 2:
        return ranked
    qwords = {stem(w) for w in content_words(question)}

    def linked(e: Evidence) -> int:
        table = find_table(tables, e.table, e.source)
        if table is None:
            return 0
        mine = {stem(w) for v in e.row.values() for w in words(value_text(v)[:300])}
        found: set[str] = set()
        for column, link in links(table, tables).items():
            if (joined := follow(catalog, link, e.row, column)) is not None:
                text = describe(link.target, joined[1])
                found |= {stem(w) for w in words(text)}
        return len((qwords - mine) & found)

    scores = {id(e): linked(e) for e in tied}
    if len(set(scores.values())) < 2:
        return ranked
    first = sorted(tied, key=lambda e: -scores[id(e)])
    return first + [e for e in ranked if id(e) not in scores]


def display_columns(table: TableInfo) -> list[str]:
    """The columns that name a row of this table (first/last name, title, name…)."""
    strings = [c.name for c in table.columns if c.type == "string"]
    named = [c for c in strings if any(h in fold(c) for h in _DISPLAY_HINTS[:3])]
    if named:
        return person_name_columns(table) or named[:1]  # a person is first and last name
    return []


def describe(table: TableInfo, row: dict[str, Any]) -> str:
    parts = [value_text(row.get(c)) for c in display_columns(table)]
    return " ".join(p for p in parts if p) or table.name


def rows_where(
    catalog: Catalog,
    table: TableInfo,
    column: str,
    value: Any,
    limit: int = 50,
    also: dict[str, Any] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """(key, fields) of the rows whose ``column`` equals ``value`` (and each ``also`` column
    its value), found via the typed table."""
    mat = table_for(table.sql_name, table.columns)
    wanted = [mat.c[column] == value, *(mat.c[c] == v for c, v in (also or {}).items())]
    with catalog.connect() as conn:
        keys = list(
            conn.execute(sa.select(mat.c[KEY_COLUMN]).where(*wanted).limit(limit)).scalars()
        )
    return rows_by_key(catalog, table, keys)


def rows_by_key(
    catalog: Catalog, table: TableInfo, keys: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    return [(r.key, r.fields) for r in catalog.records_by_keys(table, keys)]


def find_table(tables: list[TableInfo], name: str, source: str | None = None) -> TableInfo | None:
    same = [t for t in tables if t.name.lower() == name.lower() or t.sql_name == name.lower()]
    if source is not None:
        same = [t for t in same if t.source == source] or same
    return same[0] if same else None


@dataclass(frozen=True)
class Link:
    """A column's values are keys of ``target`` (its ``ref`` column, or its record key);
    ``also``: the other (column, ref) pairs of a key of several columns."""

    target: TableInfo
    ref: str | None = None
    also: tuple[tuple[str, str], ...] = ()


def links(table: TableInfo, tables: list[TableInfo]) -> dict[str, Link]:
    """Column → the table it points at: declared or inferred foreign keys, else a column named
    for another table and a key word (``artist_id``, ``o_custkey``) when that table is keyed."""
    out: dict[str, Link] = {}
    for fk in table.foreign_keys:
        target = find_table(tables, fk.table, fk.ref_source or table.source)
        if target is not None:
            out[fk.column] = Link(target, fk.ref_column, fk.also)
    by_word = {table_form(t)[1]: t for t in tables if t.source == table.source}
    for col in table.columns:
        ws = column_terms(table, col.name)
        if col.name in out or len(ws) < 2 or ws[-1] not in ("id", "key"):
            continue
        target = by_word.get("".join(ws[:-1]))
        if target is not None and target.id != table.id and target.key_origin != "row_number":
            out[col.name] = Link(target)
    return out


def follow(
    catalog: Catalog, link: Link, row: dict[str, Any], column: str
) -> tuple[str, dict[str, Any]] | None:
    """The row of ``link.target`` that ``row``'s ``column`` points at (with the row's other
    columns of a key of several)."""
    value = row.get(column)
    if value is None:
        return None
    if link.ref is not None and any(c.name == link.ref for c in link.target.columns):
        also = {ref: row.get(mine) for mine, ref in link.also}
        found = rows_where(catalog, link.target, link.ref, value, limit=1, also=also)
    else:
        found = rows_by_key(catalog, link.target, [value_text(value)])
    return found[0] if found else None


MAX_HOPS = 3


def _stated(question: str, value: Any) -> bool:
    """The question already gives ``value``: an answer of it would tell nothing."""
    text = value_text(value)
    if not text:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return any(abs(n - float(value)) < 1e-9 for n in numbers(question))
    return len(text) >= 2 and fold(text) in fold(question)


def _asks_which_table(question: str, table: TableInfo) -> bool:
    """The question asks "which/what <table>": "which invoice does line 2 belong to"."""
    found = re.match(r"\W*(?:which|what)\s+([\w\s]+)", question, re.I)
    return found is not None and table_words(table) <= set(content_words(found.group(1))[:2])


def _reachable(
    table: TableInfo, tables: list[TableInfo]
) -> list[tuple[TableInfo, list[tuple[str, Link]]]]:
    """The tables ``table``'s foreign keys reach in one to three hops, nearest first, each
    with its path of (column, link)."""
    frontier: list[tuple[TableInfo, list[tuple[str, Link]]]] = [(table, [])]
    seen = {table.id}
    out: list[tuple[TableInfo, list[tuple[str, Link]]]] = []
    for _ in range(MAX_HOPS):
        reached: list[tuple[TableInfo, list[tuple[str, Link]]]] = []
        for here, path in frontier:
            for column, link in links(here, tables).items():
                if link.target.id in seen:
                    continue
                seen.add(link.target.id)
                reached.append((link.target, [*path, (column, link)]))
        out += reached
        frontier = reached
    return out


def _chain(
    question: str,
    table: TableInfo,
    best: Evidence,
    tables: list[TableInfo],
    catalog: Catalog,
    meant: frozenset[int] = frozenset(),
    reachable: list[tuple[TableInfo, list[tuple[str, Link]]]] | None = None,
) -> tuple[LookupAnswer, bool] | None:
    """A table the question names that the best row reaches through foreign keys, one to
    three hops away ("which region is customer 42 in": customer → nation → region). The flag
    says the answer goes beyond naming the next row: a column the question names, or a
    farther table. ``meant``: ids of tables the question names by meaning ("country" for
    ``nation``); ``reachable``: ``_reachable(table, tables)`` when the caller has it."""
    qwords = set(content_words(question))
    source_words = [column_words(table, c.name) for c in table.columns]
    best_found: tuple[tuple[bool, int], TableInfo, list[tuple[str, Link]], list[str]] | None = None
    for there, path in _reachable(table, tables) if reachable is None else reachable:
        hops = len(path)
        own = table_words(there)
        # the question must name the table, or the key that leads to it ("support rep"):
        # the last hop's key, since a key named earlier leads to a nearer table
        key, before = path[-1][0], path[-2][1].target if len(path) > 1 else table
        named = own <= qwords or bool((cw := column_words(before, key)) and cw <= qwords)
        if not named and there.id not in meant:
            continue
        onward = links(there, tables)  # a key pointing further is no answer: follow it
        asked = [
            c.name
            for c in there.columns
            if c.name not in onward
            and (cw := column_words(there, c.name))
            and cw <= qwords
            and not cw <= own
            and cw not in source_words  # "the customer with email x": x's column
        ]
        if (
            hops == 1
            and not asked
            and _stated(question, best.row.get(key))
            and not _asks_which_table(question, there)
        ):
            continue  # "units of part 450 ...": the question gives that row, asks for no more
        # a column the question names beats a table it names; farther beats nearer
        rank = (bool(asked), hops)
        if best_found is None or rank > best_found[0]:
            best_found = (rank, there, path, asked)
    if best_found is None:
        return None
    found = _walk(table, best, best_found[2], best_found[3], catalog)
    if found is None:
        return None
    (has_columns, hops) = best_found[0]
    return found, has_columns or hops > 1


def _walk(
    table: TableInfo,
    best: Evidence,
    path: list[tuple[str, Link]],
    asked: list[str],
    catalog: Catalog,
) -> LookupAnswer | None:
    evidence = [best]
    row: dict[str, Any] = best.row
    best.columns = [path[0][0]]
    for column, link in path:
        found = follow(catalog, link, row, column)
        if found is None:
            return None
        key, row = found
        evidence.append(Evidence(link.target.source, link.target.name, key, row))
        evidence[-2].columns = list(dict.fromkeys([*evidence[-2].columns, column]))
    last, target = evidence[-1], path[-1][1].target
    last.columns = asked or display_columns(target)
    facts = [value_text(row.get(c)) for c in last.columns if value_text(row.get(c))]
    if not facts:
        return None
    subject = describe(table, best.row)
    subject = f" ({subject})" if subject != table.name else ""
    what = " and ".join(_label(target, c) for c in asked) if asked else target.name
    route = " → ".join(f"{e.table} {e.key}" for e in evidence[1:])
    text = (
        f"For {best.table} {best.key}{subject}, the {what} is {', '.join(facts)} "
        f"({route}) [{len(evidence)}]."
    )
    return LookupAnswer(text, evidence, facts)


def answer_lookup(
    question: str,
    hits: list[Evidence],
    tables: list[TableInfo],
    catalog: Catalog,
    named: list[Evidence] | None = None,
    meanings: ColumnMeanings | None = None,
) -> LookupAnswer | None:
    """The extractive answer from the best-matching row, or None when the question asks for an
    attribute that no retrieved table has (the data does not hold the answer). ``named``: rows
    the question names by key (``referenced_rows``), found first. ``meanings`` links columns
    the question names by meaning when none is named by spelling."""
    named = referenced_rows(question, tables, catalog) if named is None else named
    hits = named + hits
    if not hits:
        return None
    # rows named by key come first; then the rows holding most of the question's words; then
    # a row with a cell the question spells whole ("Iron Man", not "Iron Man/Children of the
    # Grave"); then one whose linked rows hold the rest ("Stairway to Heaven" on album "IV")
    order = sorted(
        range(len(hits)),
        key=lambda i: (
            i >= len(named),
            -row_match(question, hits[i].row),
            -_whole_cell(question, hits[i].row),
        ),
    )
    ranked = _by_linked_words(question, [hits[i] for i in order], tables, catalog, len(named))
    best = ranked[0]
    table = find_table(tables, best.table, best.source)
    if table is None:
        return None
    names = [c.name for c in table.columns]
    asked = asked_columns(question, table, best.row)
    linked = links(table, tables)
    if _names_another_table(question, table, linked, tables):
        return None  # "the most recent Superstore order", answered from a log: not asked
    attribute = asked_attribute(question)
    wh = _wh_word(question)
    if wh in ("who", "whose") and not any(c in linked for c in asked):
        asked = []  # "whose email is x?" asks for the row's name, not a column
        if display_columns(table):
            best.columns = display_columns(table)
            name = describe(table, best.row)
            return LookupAnswer(f"{name} ({best.table} {best.key}) [1].", [best], [name])
    if not asked:
        # a linked table the question names ("which employee supports them?")
        qwords = set(content_words(question))
        asked = [
            c
            for c, link in linked.items()
            if table_words(link.target) <= qwords
            and (not _stated(question, best.row.get(c)) or _asks_which_table(question, link.target))
        ][:1]  # (not the order "line 5 of order 12,039" names the row by)
    if (not asked or all(c in linked for c in asked)) and _names_found(question, hits, tables):
        # the asked-for value may sit in a table the keys reach: "the country of the
        # customer of invoice 98", "the region of customer 42"
        chained = _chain(question, table, best, tables, catalog)
        if chained is not None and (not asked or chained[1]):
            return chained[0]
    if not asked:
        asked = typed_columns(wh, question, table, best.row, meanings)
    if not asked and (best in named or _names_row(question, best.row)):
        # the value may sit in rows that point at this one: "deGrom's ERA in 2018" is a
        # column of the pitching rows whose playerID is deGrom's (only for a row the
        # question names: "home runs in 2019 in total" names no player)
        child = _referencing_value(question, table, tables, best, catalog)
        if child is not None:
            return child
    if not asked and meanings is not None:
        asked = meanings.asked(question, table, best.row)
        if not asked and _names_found(question, hits, tables):
            # a linked table named by meaning: "which country is customer 42 in" (nation)
            reachable = _reachable(table, tables)
            meant = meanings.tables(question, table, best.row, [t for t, _ in reachable])
            chained = (
                _chain(question, table, best, tables, catalog, meant, reachable) if meant else None
            )
            if chained is not None:
                return chained[0]
    if not _names_found(question, hits, tables):
        return None  # a name in the question that no retrieved row holds ("Hans Gruber")

    if not asked:
        # a table linked to this row may be what is asked ("albums of AC/DC")
        back = _referencing(question, table, tables, best, catalog)
        if back is not None:
            return back
        if not _IMPERATIVE.match(question) or (
            attribute and not _attribute_known(attribute, table, tables)
        ):
            return None  # a question whose asked-for value no column holds
        shown = [c for c in names if value_text(best.row.get(c))][:8]
        best.columns = shown
        summary = "; ".join(f"{c}: {value_text(best.row[c])}" for c in shown)
        return LookupAnswer(
            f"The closest matching row is {best.table} {best.key}: {summary} [1].",
            [best],
            [],
        )

    if all(c not in linked and _stated(question, best.row.get(c)) for c in asked):
        return None  # "the shipping cost of the order worth 603.92" is not its 603.92 sales

    evidence = [best]
    best.columns = list(asked)
    parts: list[str] = []
    facts: list[str] = []
    for col in asked:
        value = best.row.get(col)
        link = linked.get(col)
        if (
            link is not None
            and value is not None
            and (joined := follow(catalog, link, best.row, col))
        ):
            target = link.target
            key, row = joined
            evidence.append(Evidence(target.source, target.name, key, row, display_columns(target)))
            name = describe(target, row)
            parts.append(
                f"the {_label(table, col)} is {name} ({target.name} {key}) [{len(evidence)}]"
            )
            facts.append(name)
            continue
        text = value_text(value) if value is not None else "empty"
        parts.append(f"the {_label(table, col)} is {text} [1]")
        facts.append(text)
    if all(f == "empty" for f in facts):
        return None  # the row holds no such value: the data does not say
    subject = describe(table, best.row)
    subject = f" ({subject})" if subject != table.name else ""
    return LookupAnswer(
        f"For {best.table} {best.key}{subject}, " + "; ".join(parts) + ".", evidence, facts
    )


_WH = re.compile(r"^\W*(who|whose|whom|what|which|when|where|how\s+much|how\s+many|how)\b", re.I)
_WHEN_HINTS = ("date", "time", "timestamp", "day", "year", "when", "at")
# most specific first: "where" asks for the narrowest place the row holds
_WHERE_HINTS = ("address", "city", "location", "place", "state", "region", "country")
_MONEY_HINTS = ("total", "amount", "price", "cost", "sales", "value", "sum", "revenue", "paid")


def _wh_word(question: str) -> str | None:
    match = _WH.match(question)
    if match is None:
        return None
    wh = " ".join(match.group(1).lower().split())
    if wh in ("what", "which") and re.match(r"\s*(time|date|day|year)\b", question[match.end() :]):
        return "when"
    return wh


def typed_columns(
    wh: str | None,
    question: str,
    table: TableInfo,
    row: dict[str, Any] | None = None,
    meanings: ColumnMeanings | None = None,
) -> list[str]:
    """When no column is named, the question word can still point at one: "when" a date,
    "where" a place (the most specific one the row holds: a city before its country), "how
    much" an amount. Among several, the one closest in meaning to the question's other words
    ("where was she born": the birth city, not the death city)."""
    hints: tuple[str, ...]
    types: tuple[str, ...]
    if wh == "when":
        hints, types = _WHEN_HINTS, ("datetime", "string")
    elif wh == "where":
        hints, types = _WHERE_HINTS, ("string",)
    elif wh == "how much":
        hints, types = _MONEY_HINTS, ("float", "integer")
    elif wh == "how many":
        return _count_column(question, table, row, meanings)
    else:
        return []
    qstems = {s for s in stems(question) if len(s) >= 3}

    def hint_rank(name: str) -> int:
        return min(i for i, h in enumerate(hints) if h in fold(name))

    candidates = sorted(
        (
            c.name
            for c in table.columns
            if c.type in types
            and any(h in fold(c.name) for h in hints)
            and (row is None or value_text(row.get(c.name)))
        ),
        key=hint_rank,
    )
    # prefer a candidate sharing a word with the question ("hired" → hiredate)
    sharing = [c for c in candidates if any(s in fold(c) for s in qstems)]
    if sharing or meanings is None or row is None or len(candidates) < 2:
        return (sharing or candidates)[:1]
    ranked = meanings.rank(question, table, row, candidates)
    if not ranked:
        return candidates[:1]
    top = ranked[0][0]
    close = {c for score, c in ranked if score >= top - 0.05}
    return [next(c for c in candidates if c in close)]  # the most specific of the closest


def _count_column(
    question: str,
    table: TableInfo,
    row: dict[str, Any] | None,
    meanings: ColumnMeanings | None,
) -> list[str]:
    """ "How many units were on line 5": the row's count, an integer column that is no key,
    the one nearest in meaning to the question's words if it is near enough (a player's
    birth year is no answer to "how many home runs")."""
    if row is None or meanings is None:
        return []
    keys = {*table.primary_key, *(f.column for f in table.foreign_keys)}
    candidates = [
        c.name
        for c in table.columns
        if c.type == "integer" and c.name not in keys and value_text(row.get(c.name))
    ]
    ranked = meanings.rank(question, table, row, candidates) if candidates else []
    if not ranked or ranked[0][0] < COUNT_FLOOR:
        return []
    counted = re.search(r"\bhow\s+many\s+([\w-]+)", question, re.I)
    noun = counted.group(1) if counted else ""
    if meanings.similarity(noun, table, ranked[0][1]) < COUNTED_FLOOR:
        return []  # "how many beats per minute": beats are not milliseconds
    return [ranked[0][1]]


# how near a count column's words must be to "how many <words>": "unit"/"quantity" 0.58,
# "home run"/"birth year" 0.21; and the thing counted alone: "unit"/"available quantity"
# 0.42, "beat"/"millisecond" 0.26 (where "minute" is 0.58 from it)
COUNT_FLOOR = 0.5
COUNTED_FLOOR = 0.4

_IMPERATIVE = re.compile(r"^\W*(show|list|find|give|get|display|search|look|fetch)\b", re.I)
# a capitalized word, or a quoted name (a quote mark is no apostrophe: "what's", "Ruth's")
_PROPER = re.compile(r"(?<=[\w,;:] )[A-Z][\w'-]+|(?<!\w)['\"“]([^'\"”]{2,60})['\"”](?!\w)")


def _names_another_table(
    question: str, table: TableInfo, linked: dict[str, Link], tables: list[TableInfo]
) -> bool:
    """The question calls a table by its name ("Superstore") and the row is from a table it
    neither is nor links to."""
    proper = {fold(m.group(0)) for m in _PROPER.finditer(question) if not m.group(1)}
    named = [t for t in tables if (w := table_words(t)) and w <= proper]
    if not named or any(t.id == table.id for t in named):
        return False
    near = {link.target.id for link in linked.values()}
    near |= {
        t.id for t in named if any(lk.target.id == table.id for lk in links(t, tables).values())
    }
    return not any(t.id in near for t in named)


def _names_row(question: str, row: dict[str, Any]) -> bool:
    """A capitalized name of the question (not its first word) is among the row's values."""
    names = [m.group(0) if not m.group(1) else m.group(1) for m in _PROPER.finditer(question)]
    held = {fold(w) for v in row.values() for w in words(value_text(v)[:300])}
    return any(fold(w) in held for n in names for w in words(n) if w not in STOPWORDS)


def _names_found(question: str, hits: list[Evidence], tables: list[TableInfo]) -> bool:
    """Every capitalized name (not starting the question) is in some retrieved row."""
    names = [m.group(0) if not m.group(1) else m.group(1) for m in _PROPER.finditer(question)]
    if not names:
        return True
    known = [fold(value_text(v)[:300]) for h in hits for v in h.row.values()]
    known += [fold(t.name) + " " + " ".join(fold(c.name) for c in t.columns) for t in tables]
    haystack = " ".join(known)
    return all(w in haystack for n in names for w in words(n) if w not in STOPWORDS)


def referenced_rows(question: str, tables: list[TableInfo], catalog: Catalog) -> list[Evidence]:
    """Rows a question names by table and key: "invoice #100", "order 12,345", "line 3 of
    order 12,345" (see ``entities``)."""
    return named_rows(question, tables, catalog)[0]


def named_rows(
    question: str, tables: list[TableInfo], catalog: Catalog
) -> tuple[list[Evidence], list[KeyRef]]:
    """``referenced_rows``, and the keys the question names that no row has ("order
    99,999" when orders stop at 60,000)."""
    found: list[Evidence] = []
    missing: list[KeyRef] = []
    for ref in key_references(question, tables):
        rows = rows_by_key(catalog, ref.table, [ref.key])
        found += [Evidence(ref.table.source, ref.table.name, key, row) for key, row in rows]
        if not rows:
            missing.append(ref)
    return found, missing


def holds_written(ref: KeyRef, hits: list[Evidence]) -> bool:
    """Some row holds the key as the question writes it, in any cell: then the question
    may name that row by another column ("Customer#000000137" is also a name)."""
    parts = [fold(p) for p in ref.written if p]
    return any(
        all(any(p in fold(value_text(v)) for v in h.row.values()) for p in parts) for h in hits
    )


def _label(table: TableInfo, column: str) -> str:
    ws = [w for w in column_terms(table, column) if w not in ("id", "key")]
    return " ".join(ws) or column


def _attribute_known(attribute: list[str], table: TableInfo, tables: list[TableInfo]) -> bool:
    """Whether the asked-for words name a column or table anywhere in the catalog."""
    known: set[str] = set()
    for t in tables:
        known.update(table_words(t))
        for c in t.columns:
            known.update(column_words(t, c.name))
    return any(w in known for w in attribute if w not in STOPWORDS)


def _pointing_rows(
    table: TableInfo,
    candidates: list[TableInfo],
    tables: list[TableInfo],
    best: Evidence,
    catalog: Catalog,
) -> Iterator[tuple[TableInfo, dict[str, Link], list[tuple[str, dict[str, Any]]]]]:
    """For each table of ``candidates`` with a key pointing at ``table``: the table, its
    links, and its rows that point at the best row (tables with none are skipped)."""
    for other in candidates:
        if other.id == table.id:
            continue
        other_links = links(other, tables)
        for column, link in other_links.items():
            if link.target.id != table.id:
                continue
            value = best.row.get(link.ref) if link.ref in best.row else None
            if value is None:
                value = _typed_key(best.key, other, column)
            rows = rows_where(catalog, other, column, value)
            if rows:
                yield other, other_links, rows


def _referencing(
    question: str, table: TableInfo, tables: list[TableInfo], best: Evidence, catalog: Catalog
) -> LookupAnswer | None:
    """Rows of another table that point at the best row, when the question names that table."""
    qwords = set(content_words(question))
    named = [t for t in tables if table_words(t) <= qwords]
    for other, _, rows in _pointing_rows(table, named, tables, best, catalog):
        evidence = [best]
        names = []
        for key, row in rows[:20]:
            evidence.append(Evidence(other.source, other.name, key, row, display_columns(other)))
            names.append(f"{describe(other, row)} [{len(evidence)}]")
        subject = describe(table, best.row)
        more = " (the first 20)" if len(rows) > 20 else ""
        text = f"{other.name} rows for {subject}{more}: " + "; ".join(names) + "."
        return LookupAnswer(text, evidence, [])
    return None


def _referencing_value(
    question: str, table: TableInfo, tables: list[TableInfo], best: Evidence, catalog: Catalog
) -> LookupAnswer | None:
    """The asked-for column of the rows that point at the best row, narrowed to those holding
    the question's other values ("in 2018"): a player's statistics of one season, an order's
    line items of one product. Only a column the question names by spelling counts here."""
    for other, other_links, rows in _pointing_rows(table, tables, tables, best, catalog):
        asked = [c for c in asked_columns(question, other, rows[0][1]) if c not in other_links]
        if not asked:
            continue
        rows = _narrowed(question, rows, asked)
        evidence = [best]
        parts: list[str] = []
        facts: list[str] = []
        for key, row in rows[:5]:
            evidence.append(Evidence(other.source, other.name, key, row, list(asked)))
            for col in asked:
                text = value_text(row.get(col)) or "empty"
                parts.append(
                    f"{other.name} {key}: the {_label(other, col)} is {text} [{len(evidence)}]"
                )
                facts.append(text)
        if all(f == "empty" for f in facts):
            continue
        more = f" (and {len(rows) - 5} more rows)" if len(rows) > 5 else ""
        subject = describe(table, best.row)
        subject = f" ({subject})" if subject != table.name else ""
        return LookupAnswer(
            f"For {best.table} {best.key}{subject}, " + "; ".join(parts) + f"{more}.",
            evidence,
            facts,
        )
    return None


def _narrowed(
    question: str, rows: list[tuple[str, dict[str, Any]]], asked: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """The rows holding most of the question's numbers and words among their other values;
    all of them when none holds any."""
    qwords = {fold(w) for w in content_words(question)}

    def held(row: dict[str, Any]) -> int:
        values = {fold(value_text(v)) for c, v in row.items() if c not in asked}
        return len(qwords & values)

    best = max(held(r) for _, r in rows)
    return [(k, r) for k, r in rows if held(r) == best] if best else rows


def _typed_key(key: str, table: TableInfo, column: str) -> Any:
    col = next((c for c in table.columns if c.name == column), None)
    if col is not None and col.type == "integer" and key.lstrip("-").isdigit():
        return int(key)
    return key
