"""The privacy setting on real tables: its levers keep rows further from the real ones, a level
is calibrated on the table it runs on, every level keeps rows valid and never copies a row, and
a bad setting is refused with the values it takes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from lakelight.config import load_settings
from lakelight.errors import ConfigError
from lakelight.generate.copula import GaussianCopula
from lakelight.generate.examples import load_rows
from lakelight.generate.job import generate
from lakelight.generate.privacy import (
    LOW,
    Pilot,
    Privacy,
    Target,
    choose,
    privacy_of,
    target_of,
)
from lakelight.generate.report_html import render_html
from lakelight.generate.synthesize import Synthesizer, SynthRequest, SynthRun
from lakelight.generate.validate import Validators
from lakelight.guard.leakage import dcr_to_real
from lakelight.guard.pii import PiiDetector
from lakelight.index.catalog import Catalog
from tests.generate.conftest import make_synthesizer


def real(catalog: Catalog, name: str) -> pd.DataFrame:
    table = next(t for t in catalog.list_tables() if t.name.casefold() == name.casefold())
    return load_rows(catalog, table)


def made(synthesizer: Synthesizer, request: SynthRequest) -> tuple[SynthRun, pd.DataFrame]:
    chunks: list[pd.DataFrame] = []
    run = synthesizer.run(request, chunks.append)
    return run, pd.concat(chunks, ignore_index=True)


@pytest.fixture(scope="module")
def module_synthesizer(synth_lake: Catalog, detector: PiiDetector) -> Synthesizer:
    return make_synthesizer(synth_lake, detector)


@pytest.fixture(scope="module")
def default_balanced(module_synthesizer: Synthesizer) -> tuple[SynthRun, list[pd.DataFrame]]:
    """One calibrated run on Default: its trade-off table holds every level."""
    return generate(module_synthesizer, SynthRequest("Default", 800, seed=1), keep_rows=True)


def test_levels_numbers_and_bad_values() -> None:
    assert target_of("balanced") == Target("balanced", 0.30, 0.90)
    assert target_of(" HIGH ") == Target("high", 0.45, 0.85)
    assert target_of("0.35") == Target("0.35", 0.35, 0.85)
    assert target_of(0) == target_of("low")
    assert privacy_of("low") == LOW and privacy_of(Privacy(spread=1.0)).spread == 1.0
    assert privacy_of("high").dcr_quantile > privacy_of("balanced").dcr_quantile
    for bad in ("max", "1.5", "-0.1", "nan", ""):
        with pytest.raises(ConfigError, match="low, balanced, high or a number from 0 to 1"):
            target_of(bad)
    with pytest.raises(ConfigError, match="synth_privacy"):
        load_settings(synth_privacy="extreme")
    assert load_settings().synth_privacy == "balanced"


def test_choose_keeps_the_mildest_recipe_that_reaches_the_target() -> None:
    target = Target("balanced", 0.30, 0.90)
    mild, enough, strong = Privacy(rare=20), Privacy(spread=1.0), Privacy(spread=2.0)
    pilots = [Pilot(mild, 0.95, 0.2), Pilot(enough, 0.92, 0.31), Pilot(strong, 0.86, 0.5)]
    assert choose(target, pilots) == (pilots[1], True)
    # none reaches it: the most protective of acceptable quality, flagged as not reached
    short = [Pilot(mild, 0.95, 0.05), Pilot(enough, 0.91, 0.08), Pilot(strong, 0.7, 0.3)]
    assert choose(target, short) == (short[1], False)
    assert choose(target, [Pilot(strong, 0.7, 0.2), Pilot(mild, 0.8, 0.1)])[0].privacy == mild
    # the plain model is already far but scores below the floor: levers cannot help
    plain = [Pilot(LOW, 0.88, 0.33), Pilot(mild, 0.87, 0.34), Pilot(strong, 0.8, 0.5)]
    assert choose(target, plain) == (plain[0], False)


def test_rare_categories_are_generalized_but_keep_their_shares(synth_lake: Catalog) -> None:
    frame = real(synth_lake, "SampleSuperstore")
    counts = frame["City"].value_counts()
    rare = set(counts[counts < 50].index)
    assert len(rare) > 100  # Superstore has hundreds of cities with few orders
    plain = GaussianCopula(["Sales"], ["City"], seed=3).fit(frame)
    merged = GaussianCopula(["Sales"], ["City"], seed=3, privacy=Privacy(rare=50)).fit(frame)
    a, b = plain.sample(20_000), merged.sample(20_000)
    assert set(b["City"]) <= set(counts.index)
    share = frame["City"].isin(rare).mean()
    assert abs(b["City"].isin(rare).mean() - share) < 0.02
    assert b["City"].isin(rare).sum() > 0 and b["City"][b["City"].isin(rare)].nunique() > 50
    # the rare ones share one slot of the model; a condition on one still holds
    assert set(merged.marginals["City"].rare) == rare  # type: ignore[union-attr]
    assert not plain.marginals["City"].rare  # type: ignore[union-attr]
    city = sorted(rare)[0]
    assert (merged.sample(50, {"City": city})["City"] == city).all()
    assert len(a) == len(b)


def test_spread_and_shrink_move_rows_away_from_real_ones(
    module_synthesizer: Synthesizer, synth_lake: Catalog
) -> None:
    truth = real(synth_lake, "Default")
    numeric, categorical = ["balance", "income"], ["default", "student"]
    _, low = made(module_synthesizer, SynthRequest("Default", 1500, seed=2, privacy=LOW))
    far = Privacy(spread=1.0, shrink=0.4, rare=50)
    _, spread = made(module_synthesizer, SynthRequest("Default", 1500, seed=2, privacy=far))
    d_low = np.median(dcr_to_real(low, truth, numeric, categorical))
    d_spread = np.median(dcr_to_real(spread, truth, numeric, categorical))
    assert d_spread > 1.2 * d_low
    # wider, not shifted: the tails fill, the middle stays
    assert spread["balance"].std() > low["balance"].std()
    assert abs(spread["balance"].median() - low["balance"].median()) < 0.15 * low["balance"].std()
    r_low = low["balance"].corr(low["income"])
    r_far = spread["balance"].corr(spread["income"])
    assert abs(r_far) < abs(r_low)


def test_a_higher_threshold_blocks_more_and_keeps_rows_valid(
    module_synthesizer: Synthesizer, synth_lake: Catalog
) -> None:
    truth = real(synth_lake, "SampleSuperstore")
    runs: dict[str, Any] = {}
    for name, privacy in (("low", LOW), ("strict", Privacy(rare=20, dcr_quantile=0.45))):
        runs[name] = made(
            module_synthesizer, SynthRequest("SampleSuperstore", 600, seed=4, privacy=privacy)
        )
    (low_run, _), (strict_run, strict_rows) = runs["low"], runs["strict"]
    assert strict_run.summary["leakage"]["threshold"] > 5 * low_run.summary["leakage"]["threshold"]
    assert strict_run.summary["blocked"]["total"] > low_run.summary["blocked"]["total"] + 50
    assert strict_run.summary["privacy"] == {
        "levers": {**LOW.as_dict(), "rare": 20, "dcr_quantile": 0.45}
    }
    numeric, categorical = strict_run.numeric, strict_run.categorical
    threshold = strict_run.summary["leakage"]["threshold"]
    dcr = dcr_to_real(strict_rows, truth, numeric, categorical)
    assert dcr.min() >= threshold - 1e-6  # nothing closer than the raised threshold got out
    validators = Validators(strict_run.plans, truth)
    assert all(reason is None for reason in validators.check(strict_rows, set()))


def test_balanced_is_calibrated_on_the_table_and_reports_every_level(
    default_balanced: tuple[SynthRun, list[pd.DataFrame]], synth_lake: Catalog
) -> None:
    run, kept = default_balanced
    privacy = run.summary["privacy"]
    assert privacy["level"] == "balanced"
    assert privacy["target"] == {"protection": 0.30, "quality": 0.90}
    table = {row["level"]: row for row in privacy["tradeoff"]}
    assert list(table) == ["low", "balanced", "high"]
    assert table["low"]["levers"] == LOW.as_dict()
    assert table["low"]["protection"] < table["balanced"]["protection"]
    assert table["balanced"]["protection"] < table["high"]["protection"]
    assert table["low"]["quality"] > table["high"]["quality"] >= 0.80
    assert privacy["levers"] == table["balanced"]["levers"]
    # Default's two numbers leave little room: DCR protection of 0.30 is not reached, and the
    # run says so instead of giving up quality
    assert not table["balanced"]["reached"] and privacy["met_in_pilot"] is False
    assert any("privacy balanced" in w for w in run.summary["warnings"])
    quality = run.summary["quality"]
    assert quality["overall"] >= 0.90 and quality["privacy"]["exact_copies"] == 0
    rows = pd.concat(kept, ignore_index=True)
    assert len(rows) == 800
    validators = Validators(run.plans, real(synth_lake, "Default"))
    assert all(reason is None for reason in validators.check(rows, set()))


@pytest.mark.parametrize("level", ["low", "high"])
def test_each_level_keeps_rows_valid_and_new(
    level: str,
    default_balanced: tuple[SynthRun, list[pd.DataFrame]],
    module_synthesizer: Synthesizer,
    synth_lake: Catalog,
) -> None:
    table = {row["level"]: row for row in default_balanced[0].summary["privacy"]["tradeoff"]}
    privacy = Privacy(**table[level]["levers"])
    run, rows = made(module_synthesizer, SynthRequest("Default", 800, seed=1, privacy=privacy))
    truth = real(synth_lake, "Default")
    assert len(rows) == 800
    assert rows.merge(truth, how="inner").empty  # no exact copy of a real row
    validators = Validators(run.plans, truth)
    assert all(reason is None for reason in validators.check(rows, set()))
    assert rows["balance"].between(truth["balance"].min(), truth["balance"].max()).all()


def test_the_html_report_shows_the_level_and_its_tradeoff(
    default_balanced: tuple[SynthRun, list[pd.DataFrame]],
) -> None:
    run, kept = default_balanced
    rows = pd.concat(kept, ignore_index=True)[run.numeric + run.categorical]
    truth = run.examples[run.numeric + run.categorical]
    page = render_html(
        run.summary["quality"],
        truth,
        rows,
        run.numeric,
        run.categorical,
        title="Default",
        privacy=run.summary["privacy"],
    )
    section = page[page.index("<h2>Privacy level</h2>") : page.index("<h2>Column shapes</h2>")]
    assert "Level <b>balanced</b>" in section and "not reached on this table" in section
    assert section.count("<tr>") == 4  # header, low, balanced, high
    assert "balanced (this run)" in section and "dcr_quantile" in section
    without = render_html(
        run.summary["quality"], truth, rows, run.numeric, run.categorical, title="Default"
    )
    assert "Privacy level" not in without


def test_a_recipe_kept_short_of_the_target_is_measured_at_the_run_s_size(
    module_synthesizer: Synthesizer,
) -> None:
    """Default reaches no protection target; the pilots' 1,000 rows rated the most protective
    acceptable recipe above what 5,000 rows make, so the choice is measured again at the run's
    size and the run keeps the quality floor."""
    run, _ = generate(module_synthesizer, SynthRequest("Default", 5000, seed=1))
    privacy = run.summary["privacy"]
    assert privacy["met_in_pilot"] is False
    assert privacy["levers"] in privacy["confirmed_at_run_size"]
    assert LOW.as_dict() not in privacy["confirmed_at_run_size"]  # the fallback of every level
    table = {row["level"]: row for row in privacy["tradeoff"]}
    quality = run.summary["quality"]["overall"]
    assert quality >= 0.90
    assert table["balanced"]["quality"] == pytest.approx(quality, abs=1e-6)  # the same rows
    assert table["high"]["quality"] >= 0.85
    assert table["low"]["quality"] >= quality
