"""Decide what a question computes on one table (count, sum, average, min/max, top-N,
group-by); ``aggregate_leftover`` accounts for what is left of it."""

from __future__ import annotations

from lakelight.index.catalog import TableInfo
from lakelight.rag.aggregate_parse import COUNT_NOUNS, QUESTION_WORDS, Question
from lakelight.rag.aggregate_sql import Hop, Shape, Source
from lakelight.rag.linking import Mention, column_terms, person_name_columns
from lakelight.rag.plan_state import PlanState
from lakelight.rag.values import MEASURE_FLOOR, MEASURE_MARGIN
from lakelight.rag.words import STOPWORDS, fold

NUMERIC = ("integer", "float")
GROUPABLE = ("string", "integer", "boolean")
_SKIP = frozenset({"the", "a", "an", "each", "every", "all", "is", "are", "was", "were", "of"})
_LABEL_NAMES = ("name", "title", "label")
_UNITS = frozenset({"year", "month", "day", "hour"})
_MONEY_WORDS = frozenset({"value", "amount", "worth"})  # "the total value of": no column's name
_COUNT_SKIP = frozenset({"distinct", "different", "unique", "separate", "individual"})


def label_columns(table: TableInfo) -> list[str]:
    """The columns that name a row of ``table`` for people (name, title, first/last name)."""
    strings = [c.name for c in table.columns if c.type == "string"]
    if person := person_name_columns(table):
        return person
    for wanted in _LABEL_NAMES:
        exact = [c for c in strings if c.lower() == wanted]
        if exact:
            return exact
    named = [c for c in strings if "name" in c.lower()][:2]
    return named or strings[:1]


def _group_at(p: PlanState, pos: int) -> tuple[Source, list[Source]] | None:
    toks = p.q.toks
    while pos < len(toks) and toks[pos].norm in _SKIP:
        pos += 1
    for m in p.mentions:
        if m.start != pos or not p.free(m):
            continue
        src = m.src
        if src.path:  # a table two or three foreign keys away: "which region has most customers"
            labels = [_column_of(src.table, c, src.path) for c in label_columns(src.table)]
        elif src.column in p.links:
            hop = p.links[src.column]
            labels = [_column_of(hop.table, c, (hop,)) for c in label_columns(hop.table)]
        elif src.type in GROUPABLE:
            labels = [src]
        else:
            continue
        p.use(m.start, m.end)
        p.score += m.score
        if _second_group(p, m.end):
            p.ambiguous = True  # "by region and category": one grouping column only
            return None
        return src, labels
    return None


def _person_group(p: PlanState) -> tuple[Source, list[Source]] | None:
    """The one way the table's rows name a person: its own first and last name (keyed by one
    column), or a foreign key to a table that has them. None when there are none or several
    (a pitcher and a batter: "who" does not say which)."""
    found: list[tuple[Source, list[Source]]] = []
    own = person_name_columns(p.t)
    if own and len(p.t.primary_key) == 1:
        key = _column_of(p.t, p.t.primary_key[0], ())
        found.append((key, [_column_of(p.t, c, ()) for c in own]))
    for column, hop in p.links.items():
        if names := person_name_columns(hop.table):
            found.append(
                (_column_of(p.t, column, ()), [_column_of(hop.table, c, (hop,)) for c in names])
            )
    if len(found) != 1:
        return None
    p.score += 1.0
    return found[0]


def _own_rows(p: PlanState) -> tuple[Source, list[Source]] | None:
    """The table's own rows, by their one key column, named by their name if they have one
    (a customer's name, an order's number)."""
    if len(p.t.primary_key) != 1 or p.t.key_origin == "row_number":
        return None
    key = _column_of(p.t, p.t.primary_key[0], ())
    names = person_name_columns(p.t) or [
        c for c in label_columns(p.t) if any(n in c.lower() for n in _LABEL_NAMES)
    ]
    return key, [_column_of(p.t, c, ()) for c in names] or [key]


def _column_of(table: TableInfo, column: str, path: tuple[Hop, ...]) -> Source:
    return Source(column, next(c.type for c in table.columns if c.name == column), table, path)


def _second_group(p: PlanState, pos: int) -> bool:
    """Another grouping column follows: "by region and category", "by region and by segment"."""
    toks = p.q.toks
    if pos >= len(toks) or toks[pos].norm not in ("and", "then"):
        return False
    pos += 1
    while pos < len(toks) and toks[pos].norm in (*_SKIP, "by", "per", "each"):
        pos += 1
    return _groupable_at(p, pos)


def _groupable_at(p: PlanState, pos: int) -> bool:
    toks = p.q.toks
    while pos < len(toks) and toks[pos].norm in _SKIP:
        pos += 1
    return any(
        m.start == pos and (m.src.type in GROUPABLE or m.src.column in p.links) and p.free(m)
        for m in p.mentions
    )


def _measure(
    p: PlanState, positions: list[int], kinds: tuple[str, ...], key: Source | None
) -> Mention | None:
    for pos in positions:
        for after, before in ((5, 0), (0, 3)):
            m = p.near(pos, kinds, after=after, before=before, free=False, ids=False)
            if m is not None and _agg_word_alone(m, pos) and after > 1:
                # "total sales" on a table with a `total` column: the word next to the
                # aggregate word is what it sums; the word doing both is the last resort
                m = p.near(pos + 1, kinds, after=after - 1, free=False, ids=False) or m
            if m is not None and m.src != key and not p.id_like(m.src):
                return m
    return _meant_measure(p, positions, kinds, key)


def _meant_measure(
    p: PlanState, positions: list[int], kinds: tuple[str, ...], key: Source | None
) -> Mention | None:
    """The word right after an aggregate word, when it names no column, may mean one: "total
    payroll" sums salary. Only a clear winner among the table's own measures (the embedding
    model decides; it loads only for such a word)."""
    if not p.by_meaning:
        return None
    columns = [
        c.name
        for c in p.t.columns
        if c.type in kinds
        and (key is None or c.name != key.column)
        and not p.id_like(p.own(c.name))
    ]
    # a name of letters only ("HR", "SO") says nothing an embedding can read
    terms = {c: column_terms(p.t, c) for c in columns}
    described = [(c, t) for c, t in terms.items() if any(len(w) >= 4 for w in t)]
    if not described:
        return None
    for pos in positions:
        i = pos + 1
        if i >= len(p.q.toks) or i in p.explained or i in p.used:
            continue
        tok = p.q.toks[i]
        if tok.kind != "word" or len(tok.norm) < 4 or tok.norm in STOPWORDS | QUESTION_WORDS:
            continue
        if tok.norm in p.other_columns or tok.norm in p.other_tables:
            continue  # another table spells it ("total profit"): that table's to compute
        found = p.values.meant(
            tok.norm, [" ".join(terms) for _, terms in described], MEASURE_MARGIN, MEASURE_FLOOR
        )
        if found is not None:
            p.explained.add(i)
            return Mention(i, i + 1, p.own(described[found][0]), 0.7)
    return None


def _agg_word_alone(m: Mention, pos: int) -> bool:
    return (m.start, m.end) == (pos, pos + 1)


def _measure_score(p: PlanState, m: Mention) -> float:
    """A column named only by an aggregate word ("total" for SUM(total)) explains one word
    where a measure beside the aggregate word explains two: half credit."""
    agg_positions = {i for found in p.aggs.values() for i in found}
    alone = any(_agg_word_alone(m, pos) for pos in agg_positions)
    return m.score - 0.5 if alone else m.score


def _count_target(p: PlanState, start: int) -> tuple[str, Mention | None]:
    """What "how many <noun>" counts: rows, the sum of a numeric column, or distinct values."""
    toks = p.q.toks
    for i in range(start, min(start + 3, len(toks))):
        tok = toks[i]
        if tok.norm in _COUNT_SKIP or (tok.norm in STOPWORDS and tok.norm not in COUNT_NOUNS):
            continue
        if i in p.table_span:
            p.score += 1.0  # "how many tracks" on Track
            return "count", None
        if i not in p.explained and i not in p.used and tok.norm in p.other_tables:
            return "invalid", None  # "how many orders" asked of the customer table
        if i in p.used:
            continue  # a value before the noun: "how many California cities"
        if tok.norm in COUNT_NOUNS or tok.kind != "word":
            return "count", None
        for m in p.mentions:
            if m.start == i and p.free(m) and m.score >= 0.8:
                if m.src.type in NUMERIC and not p.id_like(m.src):
                    return "sum", m
                return "distinct", m
        if i not in p.explained and len(tok.norm) >= 3:
            if p.names_row:  # "how many strikeouts did <one player> have": not his rows
                return "invalid", None
            per = i + 1 < len(toks) and toks[i + 1].norm == "per"  # "beats per minute": a rate
            if not per and tok.raw.lower() != tok.norm and p.rows_meant(tok.norm):
                p.score += 1.0  # "how many movies" of a table named omdb, by its rows
                p.strict = True  # then every other word must be explained
                p.use(i, i + 1)
                return "count", None
            p.score -= 3.0  # what is counted is the question's point: this table lacks it
        return "count", None
    return "count", None


def _asks_which(q: Question) -> bool:
    return bool(q.toks) and q.toks[0].norm in ("which", "what", "who")


def _count_start(p: PlanState, k: int) -> int:
    """The token after "how many", "number of", "count of" or "count"."""
    toks = p.q.toks
    two_words = toks[k].norm in ("how", "number") or (
        k + 1 < len(toks) and toks[k + 1].norm == "of"
    )
    return k + 2 if two_words else k + 1


def resolve_shape(p: PlanState) -> Shape | None:
    q = p.q
    kind, limit, descending = "", None, True
    group: tuple[Source, list[Source]] | None = None
    own: tuple[Source, list[Source]] | None = None
    bucket: str | None = None
    if q.top:
        group = _group_at(p, q.top[2])
        if group is None:
            return None
        kind, limit, descending = "top", q.top[0], q.top[1]
    elif q.most_common and (group := _group_at(p, q.most_common[1])) is not None:
        kind, limit, descending = "top", 1, q.most_common[0]
    elif q.most_common and not _asks_which(q):
        return None
    elif q.superlative and _asks_which(q):
        group = _group_at(p, 1)
        if group is None and q.toks[0].norm == "who":
            group = _person_group(p)  # "who hit the most home runs": the rows' person
        if group is None and 1 in p.table_span:
            group = own = _own_rows(p)  # "which order has the highest total price": a row
        unit = q.toks[1].norm if len(q.toks) > 1 else ""
        if group is None and unit in _UNITS and (src := p.datetime_column()) is not None:
            group, bucket = (src, []), unit  # "which month brought in the most revenue"
            p.use(1, 2)
            p.score += 1.0
        if group is not None:
            kind, limit, descending = "top", 1, q.superlative[0]
    if group is None and q.bucket:
        src = p.datetime_column()
        if src is not None:
            group, bucket, kind = (src, []), q.bucket, "group"
        elif (column := p.named_column(q.bucket, GROUPABLE)) is not None:
            group, kind = (column, [column]), "group"  # "per year" with a Year column
            p.score += 1.0
        else:
            return None
    if group is None:
        for n, pos in enumerate(q.groups):
            if (group := _group_at(p, pos)) is not None:
                kind = "group"
                if any(_groupable_at(p, other) for other in q.groups[n + 1 :]):
                    return None  # "sales by region and profit by segment"
                break
    if p.ambiguous:
        return None
    if group is not None:
        shape = _keyed(p, kind, group, bucket, limit, descending)
        if shape is not None and own is not None and shape.measure is None:
            return None  # a row's own count is 1: "which customer spent the most" joins
        return shape
    if q.asks_which_value() and not any(p.aggs.values()) and not q.superlative:
        return _which(p)
    return _scalar(p)


def _which(p: PlanState) -> Shape | None:
    """ "Which client was rate limited when requesting /index.php": the one value of the
    named column the rows the rest of the question picks hold (a plural, "which customers
    are from Brazil", asks for rows: a lookup)."""
    noun = p.q.toks[1]
    if fold(noun.raw) != noun.norm or (group := _group_at(p, 1)) is None:
        return None
    key, labels = group
    return Shape("which", "count", p.t, None, key, labels, limit=1)


def _keyed(
    p: PlanState,
    kind: str,
    group: tuple[Source, list[Source]],
    bucket: str | None,
    limit: int | None,
    descending: bool,
) -> Shape | None:
    q, aggs = p.q, p.aggs
    key, labels = group
    positions = [i for k in ("avg", "sum", "max", "min") for i in aggs[k]]
    positions += ([q.superlative[1]] if q.superlative else []) + q.groups
    if not any(aggs.values()) and kind == "group":
        positions += [m.start for m in p.mentions if m.src.type in NUMERIC and p.free(m)]
    m = _measure(p, positions, NUMERIC, key)
    agg = "avg" if aggs["avg"] else "sum"
    if aggs["count"] and aggs["avg"]:
        return None  # "average number of tracks per album": an aggregate of aggregates
    if aggs["count"]:
        agg, m = _count_target(p, _count_start(p, aggs["count"][0]))
        if agg == "invalid":
            return None
    elif m is None:
        if aggs["avg"] or aggs["sum"]:
            return None  # "highest average salary" with no salary column
        word = q.toks[q.superlative[1]].norm if q.superlative else ""
        if (
            kind == "top"
            and word not in ("most", "least", "fewest", "top", "bottom")
            and not (q.top or q.most_common)
        ):
            return None
        agg, m = "count", None
        if q.superlative:
            agg, m = _count_target(p, q.superlative[1] + 1)
            if agg == "invalid":
                return None
    if m is not None:
        p.use(m.start, m.end)
        p.score += _measure_score(p, m)
    measure = m.src if m is not None else None
    if agg == "distinct" and measure == key:
        return None
    return Shape(kind, agg, p.t, measure, key, labels, bucket, descending, limit)


def _scalar(p: PlanState) -> Shape | None:
    aggs = p.aggs
    if aggs["avg"]:
        m = _measure(p, aggs["avg"], NUMERIC, None)
        agg = "avg"
    elif aggs["count"]:
        agg, m = _count_target(p, _count_start(p, aggs["count"][0]))
        if agg == "invalid":
            return None
        if p.q.distinct and m is None:
            return None
    elif aggs["sum"]:
        m = _measure(p, aggs["sum"], NUMERIC, None)
        agg = "sum"
        at = aggs["sum"][0]
        said = p.q.toks[at].norm == "how" or (
            at + 1 < len(p.q.toks) and p.q.toks[at + 1].norm in _MONEY_WORDS
        )
        if m is None and said and (src := p.money_column()):
            # "how much did we invoice", "the total value of orders": the one money column
            p.use(at + 1, at + 2)
            return Shape("sum", "sum", p.t, src)
    elif aggs["max"] or aggs["min"]:
        first_max = aggs["max"][0] if aggs["max"] else len(p.q.toks)
        first_min = aggs["min"][0] if aggs["min"] else len(p.q.toks)
        agg = "max" if first_max <= first_min else "min"
        m = _measure(p, aggs[agg], (*NUMERIC, "datetime"), None)
    else:
        return None
    if agg != "count" and m is None:
        return None
    if m is not None:
        p.use(m.start, m.end)
        p.score += _measure_score(p, m)
    return Shape(agg, agg, p.t, m.src if m is not None else None)
