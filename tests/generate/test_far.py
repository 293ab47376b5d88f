"""The ``far`` privacy lever on real Superstore rows: most kept rows lie beyond the target
share of the random rows' distance, so the quality report's DCR baseline protection reaches
it, while every row stays valid and new."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lakelight.generate.examples import load_rows
from lakelight.generate.far import FAR_SHARE
from lakelight.generate.job import quality_of
from lakelight.generate.privacy import LOW, Privacy
from lakelight.generate.synthesize import SynthRequest
from lakelight.generate.validate import Validators
from lakelight.guard.leakage import dcr_to_real
from lakelight.guard.pii import PiiDetector
from lakelight.index.catalog import Catalog
from tests.generate.conftest import make_synthesizer


def test_far_keeps_most_rows_beyond_the_target_distance(
    synth_lake: Catalog, detector: PiiDetector
) -> None:
    synthesizer = make_synthesizer(synth_lake, detector)
    table = next(t for t in synth_lake.list_tables() if t.name == "SampleSuperstore")
    truth = load_rows(synth_lake, table)
    runs = {}
    for name, privacy in (("low", LOW), ("far", Privacy(far=0.4))):
        chunks: list[pd.DataFrame] = []
        request = SynthRequest("SampleSuperstore", 600, seed=5, privacy=privacy)
        run = synthesizer.run(request, chunks.append)
        runs[name] = (run, pd.concat(chunks, ignore_index=True))
    (low, low_rows), (far, far_rows) = runs["low"], runs["far"]
    report = far.summary["privacy"]["far"]
    assert "far" not in low.summary["privacy"]
    threshold = report["threshold"]
    assert np.isclose(threshold, 0.4 * report["random_median"], rtol=1e-3)
    numeric, categorical = far.numeric, far.categorical
    share = (dcr_to_real(far_rows, truth, numeric, categorical) >= threshold - 1e-9).mean()
    plain = (dcr_to_real(low_rows, truth, numeric, categorical) >= threshold - 1e-9).mean()
    assert share >= FAR_SHARE - 0.02 and plain < 0.35  # the plain model keeps few rows there
    assert far.summary["blocked"]["by_reason"]["nearer than the privacy level keeps most rows"]
    quality = quality_of(far)
    assert quality is not None
    protection = quality["privacy"]["dcr_baseline_protection"]["score"]
    assert protection >= 0.38 and quality["privacy"]["exact_copies"] == 0
    assert quality["overall"] >= 0.75
    assert len(far_rows) == 600
    validators = Validators(far.plans, truth)
    assert all(reason is None for reason in validators.check(far_rows, set()))
