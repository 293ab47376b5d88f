"""The column planner: which generator makes each column, decided from the column's type, its
values across the table and its PII flag, as Gretel's planner does.

    key          the table's key: fresh values that no real row has
    pii          a PII column (names, emails, phones, addresses…): realistic Faker values
    numeric      numbers and datetimes: the statistical model (Gaussian copula)
    categorical  categories, booleans, codes: the statistical model
    derived      a category another one determines (City → State): looked up from the
                 examples' pairs, so the combination is real
    identifier   order numbers, SKUs, codes without spaces: new values in the real format
    text         free text, and near-unique names (titles): the LLM, few-shot
    constant     one value in every example (or fixed by an = condition)
    empty        no value in any example
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

from lakelight.generate.frames import labels
from lakelight.index.catalog import TableInfo
from lakelight.index.materialize import KEY_COLUMN
from lakelight.naming import column_words

Kind = Literal[
    "key", "pii", "numeric", "categorical", "derived", "identifier", "text", "constant", "empty"
]

# Integer columns with these names are codes, not quantities: never interpolated.
_CODE_NAME = re.compile(r"(zip|postal|post_?code|code|phone|fax|_id$|^id$|id$|number$|_no$)", re.I)
_TIME_WORDS = {"year", "years", "month", "season"}
_ID_LIKE = re.compile(r"^[\w.:/#-]+$")
TEXT_MIN_WORDS = 4.0  # mean words per value above which a varied string column is free text
NAMES_SHARE = 0.9  # a string column this nearly unique holds names of things, made new
DERIVED_PURITY = 0.97  # share of rows whose value the determining column's value predicts
MIN_REPEATED_PARENTS = 5  # parent values seen twice or more needed to judge a dependency


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    name: str
    kind: Kind
    type: str  # the column's catalog type
    pii_type: str | None = None
    parent: str | None = None  # for derived columns: the column that determines it
    why: str = ""

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


def key_columns(table: TableInfo) -> list[str]:
    if table.key_origin in ("primary_key", "id_column"):
        return list(table.primary_key)
    return []


def _fresh_keys(table: TableInfo, sample: pd.DataFrame) -> set[str]:
    """The key columns made fresh: a one-column key, and the parts of a composite key that
    are unique alone. A part that repeats (the year and the team of a team's season) is an
    attribute like any other: made fresh it would leave the real range and the real values
    (years after the last real one), losing its shape and every relation it has."""
    keys = key_columns(table)
    if len(keys) < 2:
        return set(keys)
    fresh = set()
    for name in keys:
        present = sample[name].dropna() if name in sample else pd.Series(dtype=object)
        if present.astype(str).is_unique:
            fresh.add(name)
    return fresh


def plan_columns(
    table: TableInfo,
    sample: pd.DataFrame,
    pii_types: Mapping[str, str],
    fixed: Sequence[str] = (),
) -> list[ColumnPlan]:
    """A plan for every column of ``table``; ``sample`` is a sample of the whole table (not
    just the examples), so the plan does not change with the conditions."""
    keys = _fresh_keys(table, sample)
    plans: dict[str, ColumnPlan] = {}
    for col in table.columns:
        if col.name == KEY_COLUMN:
            continue
        values = sample[col.name] if col.name in sample else pd.Series(dtype=object)
        present = values.dropna()
        distinct = present.astype(str).nunique()
        share = distinct / max(len(present), 1)
        if col.name in fixed:
            plans[col.name] = ColumnPlan(col.name, "constant", col.type, why="fixed by condition")
        elif col.name in keys:
            plans[col.name] = ColumnPlan(col.name, "key", col.type, why="table key")
        elif present.empty:
            plans[col.name] = ColumnPlan(col.name, "empty", col.type, why="no values")
        elif col.name in pii_types:
            plans[col.name] = ColumnPlan(
                col.name, "pii", col.type, pii_types[col.name], why=f"{pii_types[col.name]} values"
            )
        elif distinct == 1 and len(present) > 1:
            plans[col.name] = ColumnPlan(col.name, "constant", col.type, why="one value")
        elif col.type in ("float", "datetime") or (
            col.type == "integer" and (not _CODE_NAME.search(col.name) or _counts_time(col.name))
        ):
            plans[col.name] = ColumnPlan(col.name, "numeric", col.type)
        elif col.type == "string" and share >= 0.5 and distinct > 20:
            words = present.astype(str).str.split().str.len().mean()
            texts = present.astype(str)
            if words >= TEXT_MIN_WORDS:
                plans[col.name] = ColumnPlan(
                    col.name, "text", col.type, why=f"{words:.1f} words per value"
                )
            elif _codes(texts):
                plans[col.name] = ColumnPlan(
                    col.name, "identifier", col.type, why=f"{share:.0%} distinct codes"
                )
            elif share >= NAMES_SHARE:  # titles, names of things: new ones, not real ones
                plans[col.name] = ColumnPlan(
                    col.name, "text", col.type, why=f"{share:.0%} distinct names"
                )
            else:
                plans[col.name] = ColumnPlan(col.name, "categorical", col.type)
        else:
            plans[col.name] = ColumnPlan(col.name, "categorical", col.type)
    _mark_derived(plans, sample)
    return [plans[c.name] for c in table.columns if c.name in plans]


def _counts_time(name: str) -> bool:
    """A year or a month is an ordered quantity even when its name ends like a code's
    (``yearID``): its neighbours are near in time, so it is interpolated and correlated."""
    return bool(_TIME_WORDS & set(column_words(name)))


def _codes(texts: pd.Series) -> bool:
    """Order numbers, SKUs, postal codes: short values of a token or three, mostly holding
    digits, nearly all without other punctuation than - . : / #."""
    short = texts.str.split().str.len().le(3).mean() > 0.9 and texts.str.len().mean() <= 24
    return bool(
        short
        and texts.str.replace(" ", "", regex=False).str.match(_ID_LIKE).mean() > 0.9
        and texts.str.contains(r"\d").mean() > 0.5
    )


def _mark_derived(plans: dict[str, ColumnPlan], sample: pd.DataFrame) -> None:
    """A categorical column is derived when a more varied categorical column (a root) almost
    always predicts its value: postal code → city → state, product → category."""
    cats = [p.name for p in plans.values() if p.kind == "categorical"]
    if len(sample) < 10 or len(cats) < 2:
        return
    as_text = {c: labels(sample[c]) for c in cats}
    cardinality = {c: as_text[c].nunique() for c in cats}
    roots: list[str] = []
    for name in sorted(cats, key=lambda c: -cardinality[c]):
        parent = next(
            (
                r
                for r in roots
                if cardinality[name] < cardinality[r]
                and _purity(as_text[r], as_text[name]) >= DERIVED_PURITY
            ),
            None,
        )
        if parent is None:
            roots.append(name)
        else:
            old = plans[name]
            plans[name] = ColumnPlan(
                name, "derived", old.type, parent=parent, why=f"determined by {parent}"
            )


def _purity(parent: pd.Series, child: pd.Series) -> float:
    """Share of rows whose child value is the most common one for their parent value, over
    parent values seen at least twice (a value seen once predicts anything); 0 when too few
    rows repeat a parent value to tell."""
    pairs = pd.DataFrame({"p": parent.to_numpy(), "c": child.to_numpy()})
    repeated = pairs[pairs["p"].map(pairs["p"].value_counts()) >= 2]
    # a few repeated parent values already tell: by chance each would have one child value
    # with odds of about 1 in the child's value count
    if repeated["p"].nunique() < MIN_REPEATED_PARENTS or len(repeated) < 0.05 * len(pairs):
        return 0.0
    top = repeated.groupby(["p", "c"]).size().groupby(level=0).max().sum()
    return float(top) / len(repeated)
