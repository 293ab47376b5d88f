"""What a served request keeps in process (checked keys, the table list, the ratings' state)
is keyed on ll_state's counters, so a change made through another Workspace over the same
catalog (another process: the CLI, another worker) is seen by the next request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lakelight.config import load_settings
from lakelight.errors import AuthenticationError, NothingIngestedError
from lakelight.index.access import Access
from lakelight.workspace import Workspace
from tests.api.conftest import sales_csv

SUPPORT = Access("sam", frozenset({"support"}))


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Workspace, Workspace]]:
    settings = load_settings(home=str(tmp_path / "ws"), llm_backend="none")
    first = Workspace(settings)
    first.ingest(str(sales_csv(tmp_path / "sales.csv", 60)), table="sales")
    second = Workspace(settings)
    yield first, second
    first.close()
    second.close()


def test_a_key_revoked_elsewhere_is_refused_on_the_next_check(
    two: tuple[Workspace, Workspace],
) -> None:
    served, cli = two
    _, secret = served.create_key("temp", "support")
    assert served.keys.authenticate(secret).name == "temp"
    assert served.keys.authenticate(secret).name == "temp"  # (now kept in process)
    cli.keys.revoke("temp")
    with pytest.raises(AuthenticationError, match="revoked"):
        served.keys.authenticate(secret)
    _, again = cli.create_key("temp", "hr")  # the name made anew, with other groups
    assert served.keys.authenticate(again).groups == ("hr",)
    with pytest.raises(AuthenticationError, match="Unknown"):
        served.keys.authenticate(secret)


def test_a_grant_and_a_profile_made_elsewhere_are_in_the_next_table_list(
    two: tuple[Workspace, Workspace],
) -> None:
    served, cli = two
    (table,) = served.readable_tables(SUPPORT)
    (source,) = [s["source"] for s in served.sources()]
    cli.grant(source, ["hr"])
    with pytest.raises(NothingIngestedError):
        served.readable_tables(SUPPORT)  # closed to support at once
    cli.grant(source, ["support"])
    assert [t.id for t in served.readable_tables(SUPPORT)] == [table.id]
    cli.catalog.set_profile(table.id, {}, 999)
    (listed,) = served.readable_tables(SUPPORT)
    assert listed.row_count == 999


def test_a_rating_made_elsewhere_drops_the_cached_answer(
    two: tuple[Workspace, Workspace],
) -> None:
    served, cli = two
    question = "How many rows are in the Consumer segment?"
    first = served.ask(question, use_llm=False, access=SUPPORT, keep=True)
    assert served.cached_answer(question, use_llm=False, access=SUPPORT) is not None
    served.feedback.flush()
    cli.rate(first.answer_id or "", -1, None, access=SUPPORT)
    assert served.cached_answer(question, use_llm=False, access=SUPPORT) is None
