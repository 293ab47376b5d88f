"""Aggregate questions become checked SQL whose result equals the figure computed independently
with pandas (from the source data for Superstore and Chinook, from the ingested rows for logs),
on SQLite and PostgreSQL; questions SQL cannot answer get no plan."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from lakelight.index.catalog import Catalog
from lakelight.rag.aggregate import AggregatePlan, plan_aggregate
from lakelight.rag.sql_guard import check_sql, run_select
from lakelight.rag.values import ValueIndex
from tests import data
from tests.chinook import build_metadata
from tests.lake import build_lake
from tests.servers import server_database

SS = "SampleSuperstore"


@dataclass
class Frames:
    ss: pd.DataFrame
    ch: dict[str, pd.DataFrame]
    engine: sa.Engine

    def log(self, table: str) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql_table(table, conn)

    def named(self, table: str, ref: str, column: str) -> pd.DataFrame:
        """Chinook ``table`` with ``column`` of the table its ``<ref>_id`` points at."""
        target = self.ch[{"mediatype": "MediaType"}.get(ref, ref.capitalize())]
        right = target[["id", column]].rename(columns={"id": f"{ref}_id", column: "label"})
        return self.ch[table].merge(right, on=f"{ref}_id", how="left")


@dataclass
class Scalar:
    value: float


@dataclass
class Top:
    values: pd.Series  # label -> figure, for every group
    n: int
    descending: bool = True
    label: int = 0  # which result column holds the label


@dataclass
class Groups:
    values: pd.Series


Expect = Callable[[Frames], Scalar | Top | Groups]


def _ss(f: Frames, **eq: str) -> pd.DataFrame:
    df = f.ss
    for column, value in eq.items():
        df = df[df[column.replace("_", " ").replace("Sub Category", "Sub-Category")] == value]
    return df


def _msg(df: pd.DataFrame, text: str) -> pd.Series:
    return df["message"].fillna("").str.lower().str.contains(text, regex=False)


CASES: list[tuple[str, str | None, Expect]] = [
    # Sample Superstore
    ("What is the total Sales in the West region?", None,
     lambda f: Scalar(_ss(f, Region="West").Sales.sum())),
    ("Top 5 cities by total sales", None,
     lambda f: Top(f.ss.groupby("City").Sales.sum(), 5)),
    ("Which state had the most orders?", SS, lambda f: Top(f.ss.State.value_counts(), 1)),
    ("Sales by region", None, lambda f: Groups(f.ss.groupby("Region").Sales.sum())),
    ("What is the average discount for each segment?", None,
     lambda f: Groups(f.ss.groupby("Segment").Discount.mean())),
    ("How many orders over $1,000?", SS, lambda f: Scalar((f.ss.Sales > 1000).sum())),
    ("How many orders in California?", None, lambda f: Scalar(len(_ss(f, State="California")))),
    ("What is the average profit in the Furniture category?", None,
     lambda f: Scalar(_ss(f, Category="Furniture").Profit.mean())),
    ("Top 3 sub-categories by profit", None,
     lambda f: Top(f.ss.groupby("Sub-Category").Profit.sum(), 3)),
    ("What is the lowest profit in the Central region?", None,
     lambda f: Scalar(_ss(f, Region="Central").Profit.min())),
    ("How many different cities are there in Texas?", None,
     lambda f: Scalar(_ss(f, State="Texas").City.nunique())),
    ("Total sales for Technology in New York City", None,
     lambda f: Scalar(_ss(f, Category="Technology", City="New York City").Sales.sum())),
    ("How many orders have a discount of at least 20%?", None,
     lambda f: Scalar((f.ss.Discount >= 0.2).sum())),
    ("How many orders with quantity between 3 and 5?", SS,
     lambda f: Scalar(f.ss.Quantity.between(3, 5).sum())),
    ("Which region has the highest average profit?", None,
     lambda f: Top(f.ss.groupby("Region").Profit.mean(), 1)),
    ("How many units were sold in the East?", None,
     lambda f: Scalar(_ss(f, Region="East").Quantity.sum())),
    ("How many orders shipped by Second Class?", None,
     lambda f: Scalar(len(_ss(f, Ship_Mode="Second Class")))),
    (
        "How many orders were placed in Los Angeles and San Francisco?",
        None,
        lambda f: Scalar(f.ss.City.isin(["Los Angeles", "San Francisco"]).sum()),
    ),
    (
        "Which city in Texas has the highest sales?",
        None,
        lambda f: Top(_ss(f, State="Texas").groupby("City").Sales.sum(), 1),
    ),
    (
        "bottom 3 states by profit",
        None,
        lambda f: Top(f.ss.groupby("State").Profit.sum(), 3, descending=False),
    ),
    # Chinook
    ("How many customers are in Brazil?", None,
     lambda f: Scalar((f.ch["Customer"].country == "Brazil").sum())),
    ("What is the total of invoices billed to Germany?", None,
     lambda f: Scalar(f.ch["Invoice"].query("billingcountry == 'Germany'").total.sum())),
    ("How many tracks per genre?", None,
     lambda f: Groups(f.named("Track", "genre", "name").label.value_counts())),
    ("How many tracks in the Rock genre?", None,
     lambda f: Scalar((f.named("Track", "genre", "name").label == "Rock").sum())),
    ("Which artist has the most albums?", None,
     lambda f: Top(f.named("Album", "artist", "name").label.value_counts(), 1)),
    ("Which customer spent the most?", None,
     lambda f: Top(f.ch["Invoice"].groupby("customer_id").total.sum(), 1, label=2)),
    ("How many invoices in 2010?", None,
     lambda f: Scalar((f.ch["Invoice"].invoicedate.dt.year == 2010).sum())),
    ("How many employees were hired in 2003?", None,
     lambda f: Scalar((f.ch["Employee"].hiredate.dt.year == 2003).sum())),
    ("How many invoices between 2009-01-01 and 2009-03-31?", None,
     lambda f: Scalar(f.ch["Invoice"].invoicedate.between("2009-01-01", "2009-03-31").sum())),
    ("What is the most expensive track?", None,
     lambda f: Scalar(f.ch["Track"].unit_price.max())),
    ("How many invoices per year?", None,
     lambda f: Groups(f.ch["Invoice"].invoicedate.dt.year.astype(str).value_counts())),
    ("What is the most common genre?", None,
     lambda f: Top(f.named("Track", "genre", "name").label.value_counts(), 1)),
    ("How many distinct billing countries are there?", None,
     lambda f: Scalar(f.ch["Invoice"].billingcountry.nunique())),
    ("Count the customers per country", None,
     lambda f: Groups(f.ch["Customer"].country.value_counts())),
    ("Average invoice total by country", None,
     lambda f: Groups(f.ch["Invoice"].groupby("billingcountry").total.mean())),
    ("Which genre has the highest average track price?", None,
     lambda f: Top(f.named("Track", "genre", "name").groupby("label").unit_price.mean(), 1)),
    ("Which media type is most common?", None,
     lambda f: Top(f.named("Track", "mediatype", "name").label.value_counts(), 1)),
    ("How many albums by Guns N' Roses?", None,
     lambda f: Scalar((f.named("Album", "artist", "name").label == "Guns N' Roses").sum())),
    ("What was the average invoice total in February?", None,
     lambda f: Scalar(f.ch["Invoice"].query("invoicedate.dt.month == 2").total.mean())),
    # an aggregate word that is also a column ("total" of Invoice) yields to the measure
    # beside it; derived words ("priced"); a percent of a 0-1 column; quarters; month buckets
    ("What is our total profit across all orders?", None,
     lambda f: Scalar(f.ss.Profit.sum())),
    ("How many tracks are priced at 1.99?", None,
     lambda f: Scalar((f.ch["Track"].unit_price == 1.99).sum())),
    ("How many orders got a 20% discount?", None,
     lambda f: Scalar((f.ss.Discount == 0.2).sum())),
    ("How much did we invoice in the third quarter of 2010?", None,
     lambda f: Scalar(f.ch["Invoice"].query(
         "invoicedate >= '2010-07-01' and invoicedate < '2010-10-01'").total.sum())),
    ("Which month of 2009 had the most invoice revenue?", None,
     lambda f: Top(f.ch["Invoice"].query("invoicedate.dt.year == 2009")
                   .groupby(f.ch["Invoice"].invoicedate.dt.strftime("%Y-%m")).total.sum(), 1)),
    ("Which 3 states had the most sales?", None,
     lambda f: Top(f.ss.groupby("State").Sales.sum(), 3)),
    # "customers" only says whose cities: no table's customer key makes it a grouping
    ("In how many different California cities do we have customers?", None,
     lambda f: Scalar(f.ss[f.ss.State == "California"].City.nunique())),
    ("Which segment is the most profitable?", None,
     lambda f: Top(f.ss.groupby("Segment").Profit.sum(), 1)),
    # a sign is a comparison with zero; "used most often" is the most common value
    ("How many orders had a negative profit?", SS,
     lambda f: Scalar((f.ss.Profit < 0).sum())),
    ("How many orders made a positive profit in the West?", SS,
     lambda f: Scalar(((f.ss.Profit > 0) & (f.ss.Region == "West")).sum())),
    ("Which ship mode is used most often?", SS,
     lambda f: Top(f.ss["Ship Mode"].value_counts(), 1)),
    # a column of lists: a composer is one of a track's composers
    ("How many tracks did Robert Plant write?", None,
     lambda f: Scalar(f.ch["Track"].composer.fillna("").str.split(", ")
                      .apply(lambda names: "Robert Plant" in names).sum())),
    # a row of the table itself, named by its name: the invoice with the highest total
    ("Which invoice has the highest total?", None,
     lambda f: Top(f.ch["Invoice"].set_index("id").total, 1)),
    # fail2ban logs. Ingest labels events, so other auth logs have failed password and invalid
    # user events too: a question that names no table is ambiguous there, so these name it.
    ("Which IP had the most failed SSH logins?", None,
     lambda f: Top(f.log("sshd")[_msg(f.log("sshd"), "failed")].ip.value_counts(), 1)),
    ("How many log lines from sshd?", None, lambda f: Scalar(len(f.log("sshd")))),
    ("How many requests returned 404?", None,
     lambda f: Scalar((f.log("nginx_botsearch").status == 404).sum())),
    ("How many requests with status 404 since 2015?", None,
     lambda f: Scalar(f.log("nginx_botsearch").query("status == 404 and timestamp >= '2015'")
                      .shape[0])),
    ("How many error lines in sshd?", None,
     lambda f: Scalar((f.log("sshd").level == "error").sum())),
    ("How many failed password attempts for user root?", "sshd",
     lambda f: Scalar(
         (_msg(f.log("sshd"), "failed password") & (f.log("sshd").user.str.lower() == "root"))
         .sum()
     )),
    # sshd's "Invalid user X from ..." events; "Failed password for invalid user X" is a login
    ("Which user had the most invalid user attempts?", "sshd",
     lambda f: Top(f.log("sshd")[f.log("sshd").message.str.contains(
         r"^(?:input_userauth_request: )?[Ii]nvalid user |User not known", regex=True
     )].user.value_counts(), 1)),
    # "failed password" is a login event; "invalid user" then is words of its message
    ("How many failed password attempts were there for the invalid user ROOT?", "sshd",
     lambda f: Scalar((_msg(f.log("sshd"), "failed password for invalid user root")).sum())),
    # phrases as the messages write them: other word forms, skipped stop words, negations met
    ("How many times did sshd cut someone off for too many authentication failures?", None,
     lambda f: Scalar(_msg(f.log("sshd"), "too many authentication failures").sum())),
    ("How many SSH logins were refused because the user isn't listed in AllowUsers?", "sshd",
     lambda f: Scalar(_msg(f.log("sshd"), "not listed in allowusers").sum())),
    ("How many SSH logins were refused because the user is listed in DenyUsers?", "sshd",
     lambda f: Scalar(_msg(f.log("sshd"), "because listed in denyusers").sum())),
    # two words a value writes as one ("public key" for auth_method publickey)
    ("How many sshd logins used a public key?", None,
     lambda f: Scalar(((f.log("sshd").auth_method == "publickey")
                       & (f.log("sshd").event_action == "login")).sum())),
    # "which <column>": the one value the rows picked hold
    ("Which IP was turned away because it is listed in DenyUsers?", "sshd",
     lambda f: Top(f.log("sshd")[_msg(f.log("sshd"), "listed in denyusers")].ip.value_counts(),
                   1)),
    ("How many sshd lines per host?", None,
     lambda f: Groups(f.log("sshd").host.fillna("None").value_counts())),
    ("How many sshd log lines in the last 7 days?", None,
     lambda f: Scalar(
         (f.log("sshd").timestamp >= f.log("sshd").timestamp.max() - timedelta(days=7)).sum()
     )),
]  # fmt: skip

UNANSWERABLE = [
    ("average salary", SS),
    ("What is the average salary in the West region?", None),
    ("Which region has the highest average salary?", None),
    ("How much profit did we make from staplers?", SS),
    ("What is the total sales for the acme account?", SS),
    ("How many orders in Atlantis?", SS),
    ("What is the capital of France?", None),
    ("List the customers in Brazil", None),
    ("Who is the support rep of Luís Gonçalves?", None),
    ("how many rows", None),
    ("What is the total?", SS),
    ("How many tracks have no composer?", None),
    ("How many customers are not in Brazil?", None),
    ("How many orders weren't shipped by Second Class?", SS),
    ("What is the average number of tracks per album?", None),
    ("How many tracks are longer than 5 minutes?", None),
    ("What's the total profit per category in 2016?", None),
    ("What is the email of Luís Gonçalves?", None),
    ("profit by region and category", SS),
    ("average discount for each segment and region", SS),
    ("Which customers are from Brazil?", None),
    ("What is the total profit per customer?", SS),
    ("What is the average discount for each customer?", SS),
    # a negation no message writes is beyond these shapes, as on any table
    ("How many SSH logins were not refused?", "sshd"),
    ("How many sshd logins didn't fail?", "sshd"),
]

INJECTIONS = [
    "total sales; DROP TABLE samplesuperstore",
    "sales by region' OR 1=1 --",
    "How many customers are in Brazil'; DELETE FROM customer; --",
    "total sales where region = \"West\"; ATTACH DATABASE '/var/x' AS x",
    "How many tracks in the Rock genre UNION SELECT fields FROM ll_records",
    "How many customers are in Brazil) OR (1=1",
]


@pytest.fixture(scope="session")
def frames(lake: Catalog) -> Frames:
    with gzip.open(data.superstore_csv(), "rt", encoding="utf-8") as f:
        superstore = pd.read_csv(f)
    chinook = {name: pd.DataFrame(rows) for name, rows in build_metadata()[1].items()}
    return Frames(superstore, chinook, lake.engine)


@pytest.fixture(scope="session")
def lake_values(lake: Catalog) -> ValueIndex:
    return ValueIndex.build(lake.engine, lake.list_tables())


@pytest.fixture(scope="module")
def pg_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Catalog, ValueIndex]]:
    with server_database("postgresql") as url:
        catalog = build_lake(url, tmp_path_factory.mktemp("pg_lake"))
        try:
            yield catalog, ValueIndex.build(catalog.engine, catalog.list_tables())
        finally:
            catalog.close()


def _plan(catalog: Catalog, values: ValueIndex, question: str, table: str | None) -> AggregatePlan:
    plan = plan_aggregate(question, catalog.list_tables(), values, table=table)
    assert plan is not None, f"no plan for {question!r}"
    return plan


def _run(catalog: Catalog, plan: AggregatePlan) -> list[tuple[Any, ...]]:
    allowed = {t.sql_name for t in plan.tables}
    assert check_sql(plan.sql, allowed, catalog.engine.dialect.name) == plan.sql
    sample = run_select(catalog.engine, plan.sample_sql, allowed, max_rows=5)
    assert sample.columns == ["_key"] and len(sample.rows) <= 5
    return run_select(catalog.engine, plan.sql, allowed).rows


def _number(value: Any) -> float:
    return float(value)


def _compare(rows: list[tuple[Any, ...]], expected: Scalar | Top | Groups, note: str) -> None:
    if isinstance(expected, Scalar):
        assert len(rows) == 1, note
        assert _number(rows[0][-1]) == pytest.approx(float(expected.value), rel=1e-6), note
        return
    values = {str(k): float(v) for k, v in expected.values.items()}
    column = expected.label if isinstance(expected, Top) else 0
    got = [(str(r[column]), _number(r[-1])) for r in rows]
    for label, value in got:
        assert value == pytest.approx(values[label], rel=1e-6), f"{note}: {label}"
    if isinstance(expected, Groups):
        assert len(got) == len(values), note
        return
    ranked = sorted(values.values(), reverse=expected.descending)[: expected.n]
    assert [v for _, v in got] == pytest.approx(ranked, rel=1e-6), note


@pytest.mark.parametrize(("question", "table", "expect"), CASES, ids=[c[0] for c in CASES])
def test_aggregate_matches_independent_figure(
    lake: Catalog,
    lake_values: ValueIndex,
    frames: Frames,
    question: str,
    table: str | None,
    expect: Expect,
) -> None:
    plan = _plan(lake, lake_values, question, table)
    _compare(_run(lake, plan), expect(frames), f"{question} -> {plan.description}: {plan.sql}")


def test_aggregate_on_postgresql(pg_lake: tuple[Catalog, ValueIndex], frames: Frames) -> None:
    catalog, values = pg_lake
    for question, table, expect in CASES:
        plan = _plan(catalog, values, question, table)
        note = f"{question} -> {plan.description}: {plan.sql}"
        _compare(_run(catalog, plan), expect(frames), note)


@pytest.mark.parametrize(("question", "table"), UNANSWERABLE)
def test_unanswerable_questions_get_no_plan(
    lake: Catalog, lake_values: ValueIndex, question: str, table: str | None
) -> None:
    plan = plan_aggregate(question, lake.list_tables(), lake_values, table=table)
    assert plan is None, plan and plan.sql


def test_group_by_two_hops_away(lake: Catalog, lake_values: ValueIndex, frames: Frames) -> None:
    """Tracks per artist runs through albums: track → album → artist."""
    plan = plan_aggregate("Which artist has the most tracks?", lake.list_tables(), lake_values)
    assert plan is not None and plan.kind == "top"
    rows = run_select(lake.engine, plan.sql, {t.sql_name for t in plan.tables}).rows
    albums = frames.ch["Track"][["album_id"]].merge(
        frames.ch["Album"][["id", "artist_id"]].rename(columns={"id": "album_id"}), on="album_id"
    )
    counts = albums.merge(frames.ch["Artist"].rename(columns={"id": "artist_id"}), on="artist_id")[
        "name"
    ].value_counts()
    assert rows[0][0] == counts.index[0] and rows[0][-1] == counts.iloc[0]


@pytest.mark.parametrize("question", INJECTIONS)
def test_injection_in_the_question_never_reaches_sql(
    lake: Catalog, lake_values: ValueIndex, question: str
) -> None:
    plan = plan_aggregate(question, lake.list_tables(), lake_values)
    if plan is None:
        return
    allowed = {t.sql_name for t in plan.tables}
    for sql in (plan.sql, plan.sample_sql):
        assert check_sql(sql, allowed, "sqlite") == sql
        upper = sql.upper()
        for word in ("DROP", "DELETE", "ATTACH", "LL_RECORDS", "UNION", "1=1", "1 = 1"):
            assert word not in upper
    run_select(lake.engine, plan.sql, allowed)


def test_plan_describes_and_samples_the_rows_behind_the_figure(
    lake: Catalog, lake_values: ValueIndex, frames: Frames
) -> None:
    plan = _plan(lake, lake_values, "What is the total Sales in the West region?", None)
    assert plan.kind == "sum" and plan.measure == "Sales" and plan.table.name == SS
    assert plan.filters == [("Region", "in", ["West"])]
    assert plan.description == "total Sales where Region = 'West'"
    allowed = {plan.table.sql_name}
    keys = [r[0] for r in run_select(lake.engine, plan.sample_sql, allowed).rows]
    sql = f'SELECT "Region", "Sales" FROM {plan.table.sql_name} WHERE _key IN :keys'
    with lake.engine.connect() as conn:
        stmt = sa.text(sql).bindparams(sa.bindparam("keys", expanding=True))
        rows = conn.execute(stmt, {"keys": keys}).all()
    assert len(rows) == 5 and {r[0] for r in rows} == {"West"}
    top5 = sorted(_ss(frames, Region="West").Sales, reverse=True)[:5]
    assert sorted((r[1] for r in rows), reverse=True) == pytest.approx(top5)

    top = _plan(lake, lake_values, "Which IP had the most failed SSH logins?", None)
    assert top.kind == "top" and top.group_by == ["ip"] and top.table.name == "sshd"
    best = run_select(lake.engine, top.sql, {"sshd"}).rows[0][0]
    keys = [r[0] for r in run_select(lake.engine, top.sample_sql, {"sshd"}).rows]
    log = frames.log("sshd").set_index("_key").loc[keys]
    assert set(log.ip) == {best} and _msg(log, "failed").all()


def test_table_restriction_and_joins(lake: Catalog, lake_values: ValueIndex) -> None:
    tables = lake.list_tables()
    assert plan_aggregate("How many rows?", tables, lake_values, table="Genre") is not None
    restricted = plan_aggregate(
        "How many orders in California?", tables, lake_values, table="Invoice"
    )
    assert restricted is None  # no California in Invoice: never another table's figure
    plan = _plan(lake, lake_values, "How many tracks in the Rock genre?", None)
    assert plan.table.name == "Track" and {t.name for t in plan.tables} == {"Track", "Genre"}
    assert plan.filters == [("Genre.name", "in", ["Rock"])]


def test_value_index_resolves_names(lake: Catalog, lake_values: ValueIndex) -> None:
    from lakelight.rag.aggregate_parse import parse_question

    q = parse_question("sales in New York City for user root")
    found = {
        (m.start, m.end): {(r.table, r.column) for r in m.refs} for m in lake_values.matches(q)
    }
    assert ("samplesuperstore", "City") in found[(2, 5)]
    assert ("sshd", "user") in found[(7, 8)]
    assert lake_values.numeric_columns("nginx_botsearch", 404.0) == ["status"]
    assert lake_values.contains("sshd", "message", "failed password")
    assert not lake_values.contains("sshd", "message", "no such phrase anywhere")


def test_tables_that_explain_a_figure_equally_well_must_agree(tmp_path: Any) -> None:
    """Home runs per team and per player, from Superstore's real quantities: the total for a
    year is the same in both tables, so it is answered; the players' table with one season's
    quantities changed disagrees, and nothing is answered. A count of rows counts each table's
    own things and is never compared."""
    from lakelight.config import load_settings
    from lakelight.rag.aggregate_answer import AggregateAnswerer
    from tests.lake import ingest

    with gzip.open(data.superstore_csv(), "rt", encoding="utf-8") as f:
        sales = pd.read_csv(f).head(400)
    players = pd.DataFrame(
        {
            "playerID": [f"p{i:03d}" for i in range(len(sales))],
            "yearID": [2016 + i % 3 for i in range(len(sales))],
            "teamID": sales["Region"].str[:3].str.upper(),
            "HR": sales["Quantity"],
        }
    )
    teams = players.groupby(["yearID", "teamID"], as_index=False)["HR"].sum()
    expected = int(players[players.yearID == 2017]["HR"].sum())

    def answer(folder: str, batting: pd.DataFrame, question: str) -> str | None:
        home = tmp_path / folder
        home.mkdir()
        batting.to_csv(home / "Batting.csv", index=False)
        teams.to_csv(home / "Teams.csv", index=False)
        catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
        for name in ("Batting", "Teams"):
            ingest(catalog, str(home / f"{name}.csv"), home)
        answerer = AggregateAnswerer(load_settings(home=home), catalog)
        found = answerer.answer(question, catalog.list_tables(), lambda: None, {})
        catalog.close()
        return found.text if found is not None else None

    question = "How many home runs were hit in 2017 in total?"
    agreed = answer("same", players, question)
    assert agreed is not None and f"{expected:,}" in agreed
    changed = players.assign(HR=players.HR.where(players.yearID != 2017, players.HR + 1))
    assert answer("differ", changed, question) is None
    assert answer("rows", players, "How many rows are there for 2017?") is None


def test_a_period_outside_the_data_has_no_figure(lake: Catalog, lake_values: ValueIndex) -> None:
    tables = lake.list_tables()
    outside = plan_aggregate("How many invoices were there in 2031?", tables, lake_values)
    assert outside is not None and outside.outside is not None
    # the data's range, as a reader would write it
    assert outside.outside == "Invoice has invoicedate from 2007-01-01 to 2011-12-22"
    before = plan_aggregate("What was the total invoiced before 2005?", tables, lake_values)
    assert before is not None and before.outside is not None
    inside = plan_aggregate("How many invoices were there in 2010?", tables, lake_values)
    assert inside is not None and inside.outside is None
    # a quantity compared is no period: none of the invoices is that large, and that is a 0
    large = plan_aggregate("How many invoices had a total over 5000?", tables, lake_values)
    assert large is not None and large.outside is None


def test_tables_that_tie_go_to_the_one_the_question_means(tmp_path: Any) -> None:
    """Batting and Pitching both hold HR (hit, and allowed) of real Superstore quantities, so
    both explain "home runs in 2017" equally and their figures differ: the verb decides, by
    the real embedding model, and without it nothing is answered."""
    from lakelight.config import load_settings
    from lakelight.index.embedder import get_embedder
    from lakelight.rag.aggregate_answer import AggregateAnswerer
    from tests.lake import ingest

    with gzip.open(data.superstore_csv(), "rt", encoding="utf-8") as f:
        sales = pd.read_csv(f).head(300)
    home = tmp_path / "lake"
    home.mkdir()
    for name, column in (("Batting", "Quantity"), ("Pitching", "Postal Code")):
        pd.DataFrame(
            {
                "playerID": [f"p{i:03d}" for i in range(len(sales))],
                "yearID": [2016 + i % 3 for i in range(len(sales))],
                "HR": sales[column] % 7,
            }
        ).to_csv(home / f"{name}.csv", index=False)
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
    for name in ("Batting", "Pitching"):
        ingest(catalog, str(home / f"{name}.csv"), home)
    settings = load_settings(home=home)
    embed = get_embedder(settings).embed
    try:
        for question, table in (
            ("How many home runs did the players hit in 2017?", "Batting"),
            ("How many home runs did the pitchers give up in 2017?", "Pitching"),
        ):
            found = AggregateAnswerer(settings, catalog, embed).answer(
                question, catalog.list_tables(), lambda: None, {}
            )
            assert found is not None and found.citations, question
            assert {c.table for c in found.citations} == {table}, (question, found.text)
        blind = AggregateAnswerer(settings, catalog).answer(
            "How many home runs did the players hit in 2017?", catalog.list_tables(),
            lambda: None, {},
        )  # fmt: skip
        assert blind is None
    finally:
        catalog.close()


def test_keys_of_two_columns_and_measures_named_by_meaning(tmp_path: Any) -> None:
    """Real Lahman rows: Salaries and Batting reach Teams by season and team together, so a
    team's name answers "which team" and filters a payroll, which the embedding model reads
    as salary (the column named by no word of the question)."""
    from lakelight.config import load_settings
    from lakelight.index.embedder import get_embedder
    from lakelight.index.foreign_keys import update_foreign_keys
    from lakelight.rag.aggregate_answer import AggregateAnswerer
    from tests.lake import ingest

    home = tmp_path / "lahman"
    home.mkdir()
    frames = {n: pd.read_csv(data.lahman_csv(n)) for n in ("Teams", "Salaries", "Batting")}
    frames["Teams"] = frames["Teams"][frames["Teams"].yearID.isin([2015, 2016])]
    frames["Teams"] = frames["Teams"][["yearID", "teamID", "name", "W", "HR"]]
    frames["Salaries"] = frames["Salaries"][frames["Salaries"].yearID.isin([2015, 2016])]
    frames["Batting"] = frames["Batting"][frames["Batting"].yearID.isin([2015, 2016])]
    frames["Batting"] = frames["Batting"][["playerID", "yearID", "teamID", "AB"]]
    for name, frame in frames.items():
        frame.to_csv(home / f"{name}.csv", index=False)
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
    for name in frames:
        ingest(catalog, str(home / f"{name}.csv"), home)
    update_foreign_keys(catalog)
    settings = load_settings(home=home)
    answerer = AggregateAnswerer(settings, catalog, get_embedder(settings).embed)

    def ask(question: str) -> str:
        found = answerer.answer(question, catalog.list_tables(), lambda: None, {})
        assert found is not None, question
        return found.text

    salaries, teams = frames["Salaries"], frames["Teams"]
    boston = salaries[(salaries.teamID == "BOS") & (salaries.yearID == 2016)].salary.sum()
    try:
        assert f"{int(boston):,}" in ask(
            "What was the total payroll of the Boston Red Sox in 2016?"
        )
        per_team = salaries[salaries.yearID == 2015].groupby("teamID").salary.sum()
        richest = teams[(teams.yearID == 2015) & (teams.teamID == per_team.idxmax())].name.item()
        assert richest in ask("Which team had the highest total payroll in 2015?")
        batting = frames["Batting"]
        player = batting[batting.yearID == 2016].groupby("playerID").teamID.nunique()
        one = player[player == 1].index[0]  # a player of one team that season
        code = batting[(batting.playerID == one) & (batting.yearID == 2016)].teamID.iloc[0]
        team = teams[(teams.yearID == 2016) & (teams.teamID == code)].name.item()
        assert team in ask(f"Which team did {one} play for in 2016?")
    finally:
        catalog.close()


def test_a_question_its_words_plan_never_calls_the_model(lake: Catalog) -> None:
    """Measures and log events by meaning are tried only where spelling leaves a need: the
    embedding model (a cold load of seconds in a shell) is not called for these."""
    from lakelight.config import load_settings
    from lakelight.rag.aggregate_answer import AggregateAnswerer

    calls: list[list[str]] = []

    def embed(texts: list[str]) -> Any:
        calls.append(texts)
        raise AssertionError(f"the model was asked to embed {texts}")

    answerer = AggregateAnswerer(load_settings(), lake, embed)
    for question in (
        "What is the total profit in Texas?",
        "What was the total invoiced in 2010?",
        "What were the total sales in the West region?",  # "sales" counts no log's events
    ):
        assert answerer.answer(question, lake.list_tables(), lambda: None, {}) is not None
    assert calls == []
