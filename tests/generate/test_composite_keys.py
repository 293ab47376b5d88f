"""Lahman's Teams, keyed by (yearID, teamID): the parts of a composite key that repeat alone
are attributes the model makes from the real values, never fresh values past the real range;
a one-column key is still made fresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from lakelight.generate.examples import load_rows
from lakelight.generate.plan import plan_columns
from lakelight.generate.privacy import LOW
from lakelight.generate.synthesize import SynthRequest
from lakelight.guard.pii import PiiDetector
from lakelight.index.catalog import Catalog
from tests import data
from tests.generate.conftest import make_synthesizer
from tests.lake import ingest


@pytest.fixture(scope="module")
def teams_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    home: Path = tmp_path_factory.mktemp("teams-lake")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
    ingest(catalog, str(data.lahman_csv("Teams")), home)
    yield catalog
    catalog.close()


def test_repeating_key_parts_are_modelled_and_stay_real(
    teams_lake: Catalog, detector: PiiDetector
) -> None:
    table = next(t for t in teams_lake.list_tables() if t.name == "Teams")
    assert set(table.primary_key) == {"yearID", "teamID"}  # the detected composite key
    truth = load_rows(teams_lake, table)
    plans = {p.name: p for p in plan_columns(table, truth, {})}
    assert plans["yearID"].kind == "numeric"  # a year, though its name ends like a code's
    assert plans["teamID"].kind in ("categorical", "derived")
    chunks: list[pd.DataFrame] = []
    run = make_synthesizer(teams_lake, detector).run(
        SynthRequest("Teams", 300, seed=3, privacy=LOW), chunks.append
    )
    rows = pd.concat(chunks, ignore_index=True)
    assert run.summary["generated"] == 300
    assert rows["yearID"].between(truth["yearID"].min(), truth["yearID"].max()).all()
    assert rows["yearID"].nunique() > 50  # spread over the real seasons, not one value
    assert set(rows["teamID"]) <= set(truth["teamID"])
    # home runs rose over the seasons: the year keeps its relation to the numbers
    real_rho = truth["yearID"].corr(truth["HR"], method="spearman")
    made_rho = rows["yearID"].astype(float).corr(rows["HR"].astype(float), method="spearman")
    assert real_rho > 0.5 and made_rho > real_rho - 0.2


def test_a_one_column_key_is_still_made_fresh(synth_lake: Catalog, detector: PiiDetector) -> None:
    table = next(t for t in synth_lake.list_tables() if t.name == "Customer")
    truth = load_rows(synth_lake, table)
    plans = {p.name: p for p in plan_columns(table, truth, {})}
    assert [p.name for p in plans.values() if p.kind == "key"] == list(table.primary_key)
