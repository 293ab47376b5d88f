"""A count noun no table spells ("ballplayers" of a table named ``bio``) means the table whose
rows the vector index returns for it, with the real embedding model and index; then every
other word of the question must be explained. Expectations come from pandas."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from lakelight.config import load_settings
from lakelight.workspace import Workspace
from tests import data

ROWS = 300


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return pd.read_csv(data.lahman_csv("People")).head(ROWS)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, people: pd.DataFrame) -> Iterator[Workspace]:
    home = tmp_path_factory.mktemp("rowsmeant")
    teams = pd.read_csv(data.lahman_csv("Teams")).tail(ROWS)
    people.to_csv(home / "bio.csv", index=False)  # a name that says nothing of its rows
    teams.to_csv(home / "Teams.csv", index=False)
    workspace = Workspace(load_settings(home=str(home / "ws"), llm_backend="none"))
    workspace.ingest(str(home / "bio.csv"))
    workspace.ingest(str(home / "Teams.csv"))
    yield workspace
    workspace.close()


@pytest.mark.e2e
def test_a_noun_no_table_spells_counts_the_rows_it_means(ws: Workspace, people) -> None:
    answer = ws.ask("How many ballplayers weigh more than 220 pounds?", use_llm=False)
    assert answer.route == "aggregate", answer.answer
    assert f"{(people.weight > 220).sum():,}" in answer.answer and "bio" in answer.answer


@pytest.mark.e2e
def test_a_guessed_noun_leaves_no_word_unexplained(ws: Workspace) -> None:
    """What "shutouts" are, no column says: no figure, rather than every ballplayer counted."""
    answer = ws.ask("How many ballplayers threw shutouts and weigh over 220?", use_llm=False)
    assert answer.route != "aggregate", answer.answer
