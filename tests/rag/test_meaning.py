"""Columns named by meaning, with the real embedding model: a people table in one naming style
(camelCase with a shared word, as Lahman's People) and questions that name none of its columns
by spelling."""

from __future__ import annotations

from typing import Any

import pytest

from lakelight.config import load_settings
from lakelight.index.catalog import TableInfo
from lakelight.index.embedder import get_embedder
from lakelight.rag.lookup import typed_columns
from lakelight.rag.meaning import ColumnMeanings
from lakelight.records import Column

COLUMNS = {
    "playerID": "string",
    "birthCountry": "string",
    "birthCity": "string",
    "deathCountry": "string",
    "deathCity": "string",
    "nameFirst": "string",
    "nameLast": "string",
    "weight": "integer",
    "height": "integer",
    "bats": "string",
}
ROW: dict[str, Any] = {
    "playerID": "darviyu01",
    "birthCountry": "Japan",
    "birthCity": "Habikino",
    "deathCountry": "USA",  # made up, so a death column holds a value too
    "deathCity": "Dallas",
    "nameFirst": "Yu",
    "nameLast": "Darvish",
    "weight": 220,
    "height": 77,
    "bats": "R",
}


def table(table_id: int, name: str, key: list[str], columns: dict[str, str]) -> TableInfo:
    return TableInfo(
        id=table_id,
        source=f"{name.lower()}.csv",
        name=name,
        sql_name=name.lower(),
        kind="table",
        key_origin="primary_key",
        primary_key=key,
        columns=[Column(n, t) for n, t in columns.items()],  # type: ignore[arg-type]
        profile=None,
        row_count=1,
        foreign_keys=[],
    )


PEOPLE = table(1, "People", ["playerID"], COLUMNS)


@pytest.fixture(scope="module")
def meanings() -> ColumnMeanings:
    return ColumnMeanings(get_embedder(load_settings()).embed)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("question", "column"),
    [
        ("How tall is Yu Darvish?", "height"),
        ("How much does Yu Darvish weigh?", "weight"),
        ("What country was Yu Darvish born in?", "birthCountry"),
        ("In which country did Yu Darvish die?", "deathCountry"),
    ],
)
def test_a_column_named_by_meaning(meanings: ColumnMeanings, question: str, column: str) -> None:
    assert meanings.asked(question, PEOPLE, ROW) == [column]


@pytest.mark.e2e
def test_words_that_name_the_row_or_nothing_name_no_column(meanings: ColumnMeanings) -> None:
    assert meanings.asked("Tell me about Yu Darvish", PEOPLE, ROW) == []
    assert meanings.asked("What is Yu Darvish's favourite colour?", PEOPLE, ROW) == []
    # the key and the name columns are never the asked-for value
    assert meanings.asked("What is the player id of Yu Darvish?", PEOPLE, ROW) == []


@pytest.mark.e2e
def test_where_asks_for_the_narrowest_place_closest_in_meaning(meanings: ColumnMeanings) -> None:
    assert typed_columns("where", "Where was Yu Darvish born?", PEOPLE, ROW, meanings) == [
        "birthCity"
    ]
    assert typed_columns("where", "Where did Yu Darvish die?", PEOPLE, ROW, meanings) == [
        "deathCity"
    ]
    no_city = {**ROW, "birthCity": None}
    assert typed_columns("where", "Where was Yu Darvish born?", PEOPLE, no_city, meanings) == [
        "birthCountry"
    ]


@pytest.mark.e2e
def test_a_compound_word_names_the_column_it_ends_with(meanings: ColumnMeanings) -> None:
    teams = table(
        2,
        "Teams",
        ["yearID", "teamID"],
        {
            "yearID": "integer",
            "teamID": "string",
            "name": "string",
            "park": "string",
            "attendance": "integer",
            "lgID": "string",
        },
    )
    row = {
        "yearID": 2016,
        "teamID": "CHN",
        "name": "Chicago Cubs",
        "park": "Wrigley Field",
        "attendance": 3232420,
        "lgID": "NL",
    }
    question = "What was the Chicago Cubs' home ballpark in 2016?"
    assert meanings.asked(question, teams, row) == ["park"]


@pytest.mark.e2e
def test_the_table_named_in_the_question_names_no_column(meanings: ColumnMeanings) -> None:
    """ "invoice 250" says which row; "shipping cost" is no column of it (InvoiceDate would
    match "invoice" itself)."""
    invoices = table(
        3,
        "Invoice",
        ["InvoiceId"],
        {
            "InvoiceId": "integer",
            "InvoiceDate": "datetime",
            "BillingCity": "string",
            "Total": "float",
        },
    )
    row = {"InvoiceId": 250, "InvoiceDate": "2011-12-31", "BillingCity": "Oslo", "Total": 1.98}
    assert meanings.asked("What was the shipping cost on invoice 250?", invoices, row) == []
    assert meanings.asked("In which town was invoice 250 billed?", invoices, row) == ["BillingCity"]
