"""Messiness on real tables: spellings the data itself holds are found (and different places
are not taken for typos), outliers and empty cells are injected at the real rates and within
the real ranges, what was injected is reported, and the report compares empty cells real vs
synthetic per column and stratum."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from lakelight.config import load_settings
from lakelight.generate.examples import load_rows
from lakelight.generate.job import quality_of
from lakelight.generate.messiness import Messiness, misspellings
from lakelight.generate.plan import ColumnPlan
from lakelight.generate.report_html import render_html
from lakelight.generate.synthesize import SynthRequest, SynthRun
from lakelight.guard.pii import PiiDetector
from lakelight.index.catalog import Catalog
from tests import data
from tests.generate.conftest import make_synthesizer
from tests.lake import ingest


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return pd.read_csv(data.lahman_csv("People"))


@pytest.fixture(scope="module")
def teams_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    home = tmp_path_factory.mktemp("teams")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
    ingest(catalog, str(data.lahman_csv("Teams")), home)
    yield catalog
    catalog.close()


@pytest.fixture(scope="module")
def messy(teams_lake: Catalog, detector: PiiDetector) -> tuple[SynthRun, pd.DataFrame]:
    synthesizer = make_synthesizer(teams_lake, detector, load_settings(llm_backend="none"))
    request = SynthRequest("Teams", 1500, seed=5, privacy="low", messiness=True)
    kept: list[pd.DataFrame] = []
    run = synthesizer.run(request, kept.append)
    run.summary["quality"] = quality_of(run)
    return run, pd.concat(kept, ignore_index=True)


def test_misspellings_are_the_data_s_own(people: pd.DataFrame) -> None:
    cities = misspellings(people["birthCity"])
    assert cities["Toa Baja"] == {"Toabaja": 1}  # the same letters, spaced otherwise
    assert "Whitehall" in cities["White Hall"]
    assert misspellings(people["birthState"])["La Habana"] == {"La Habnaa": 1}  # a swap
    variants = {v for found in cities.values() for v in found}
    assert not variants & {"Bolton", "Hamden", "Pittsburg", "Boston"}  # other places
    assert misspellings(pd.Series(["a", "b", None])) == {}


def test_injected_spellings_follow_the_real_rate(people: pd.DataFrame) -> None:
    plans = [ColumnPlan("birthCity", "categorical", "string")]
    messiness = Messiness.fit(people, plans, [], noise=True)
    rate = messiness.variant_rates["birthCity"]
    assert 0 < rate < 0.01
    common = list(messiness.variants["birthCity"])
    frame = pd.DataFrame({"birthCity": np.resize(common, 200_000)})
    out = messiness.inject(frame, np.random.default_rng(0))
    variants = {v for found in messiness.variants["birthCity"].values() for v in found}
    assert out["birthCity"].isin(variants).mean() == pytest.approx(rate, rel=0.05)
    assert messiness.injected["misspellings"]["birthCity"] == out["birthCity"].isin(variants).sum()
    clean = Messiness.fit(people, plans, [], noise=False)
    tidy = clean.inject(frame, np.random.default_rng(0))  # nulls only, at the real share
    assert not tidy["birthCity"].isin(variants).any() and set(clean.injected) == {"nulls"}
    assert tidy["birthCity"].isna().mean() == pytest.approx(
        people["birthCity"].isna().mean(), abs=1e-5
    )


def test_outliers_and_nulls_at_the_real_rates(
    messy: tuple[SynthRun, pd.DataFrame], teams_lake: Catalog
) -> None:
    run, rows = messy
    table = teams_lake.list_tables()[0]
    truth = load_rows(teams_lake, table)
    report = run.summary["messiness"]
    assert report["noise"] is True
    outliers = report["injected"]["outliers"]
    assert outliers and sum(outliers.values()) > 20
    for column in outliers:
        values = pd.to_numeric(rows[column], errors="coerce").dropna()
        real = pd.to_numeric(truth[column], errors="coerce").dropna()
        assert values.between(real.min(), real.max()).all()  # within the real range
        q1, q3 = real.quantile([0.25, 0.75])
        far = ((values < q1 - 3 * (q3 - q1)) | (values > q3 + 3 * (q3 - q1))).mean()
        # the real rate over all rows output, up to rounding: what a round's cut took is made
        # up on the rows it kept
        assert far >= report["real_rates"]["outliers"][column] - 3 / len(values)
    # null shares where the run can set them (not its strata) are at least the real ones
    strata = run.summary["stratified_by"]
    for column, share in report["real_rates"]["nulls"].items():
        if column not in strata and share > 0.05:
            assert rows[column].isna().mean() >= share - 0.05, column
    assert len(rows) == 1500 and run.summary["quality"]["privacy"]["exact_copies"] == 0


def test_the_report_compares_empty_cells_per_stratum(messy: tuple[SynthRun, pd.DataFrame]) -> None:
    run, rows = messy
    missing = run.summary["quality"]["missing"]
    strata = run.summary["stratified_by"]
    assert strata and missing["total_rows"] > len(missing["rows"]) > 10
    gaps = [abs(r["real"] - r["synthetic"]) for r in missing["rows"]]
    assert all(a >= b - 1e-3 for a, b in itertools.pairwise(gaps))  # largest first
    assert missing["worst_gap"] == pytest.approx(gaps[0], abs=1e-3)
    assert {r["stratum"] for r in missing["rows"]} - {"all"}  # stratum rows, not only totals
    whole = {r["column"]: r for r in missing["rows"] if r["stratum"] == "all"}
    for column, row in whole.items():
        assert row["synthetic"] == pytest.approx(rows[column].isna().mean(), abs=1e-4)
    page = render_html(
        run.summary["quality"],
        run.examples[run.numeric + run.categorical],
        rows[run.numeric + run.categorical],
        run.numeric,
        run.categorical,
        title="Teams",
        messiness=run.summary["messiness"],
    )
    assert "Missing values and messiness" in page and "cells injected" in page


def test_plain_runs_inject_no_noise(teams_lake: Catalog, detector: PiiDetector) -> None:
    synthesizer = make_synthesizer(teams_lake, detector)
    run = synthesizer.run(SynthRequest("Teams", 300, seed=2, privacy="low"), lambda _: None)
    assert run.summary["messiness"]["noise"] is False
    assert set(run.summary["messiness"]["injected"]) <= {"nulls"}


def test_noise_a_check_refuses_is_taken_back(people: pd.DataFrame) -> None:
    plans = [ColumnPlan("birthCity", "categorical", "string")]
    messiness = Messiness.fit(people, plans, [], noise=True)
    common = list(messiness.variants["birthCity"])
    frame = pd.DataFrame({"birthCity": np.resize(common, 50_000)})
    refused = messiness.top_up(
        frame, np.random.default_rng(0), lambda before, after: np.zeros(len(after), dtype=bool)
    )
    assert refused.equals(frame) and "birthCity" not in messiness.injected.get("misspellings", {})
    # what is output counts: the next rows make up the rate over all of them
    kept = messiness.top_up(
        frame, np.random.default_rng(0), lambda before, after: np.ones(len(after), dtype=bool)
    )
    variants = {v for found in messiness.variants["birthCity"].values() for v in found}
    rate = messiness.variant_rates["birthCity"]
    assert kept["birthCity"].isin(variants).sum() == round(rate * 100_000)
    assert messiness.output["birthCity"] == [round(rate * 100_000), 100_000]
