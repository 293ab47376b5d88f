"""Free text from the real local model, and whole rows from a capable model (scripted)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from lakelight.config import load_settings
from lakelight.generate.synthesize import Synthesizer, SynthRequest
from lakelight.guard.pii import PiiDetector
from lakelight.index.catalog import Catalog
from lakelight.llm import ChatBackend
from tests.generate.conftest import make_synthesizer, small_catalog
from tests.generate.test_synthesize import real_text_rows, rows_of
from tests.llm.fakes import FakeBackend


def synthesizer_with(catalog: Catalog, detector: PiiDetector, backend: ChatBackend) -> Synthesizer:
    settings = load_settings(llm_backend="none", synth_llm_calls=10, synth_shots=8)
    return make_synthesizer(catalog, detector, settings, backend)


@pytest.mark.e2e
def test_local_model_writes_new_free_text(
    tmp_path: Path, detector: PiiDetector, local_llm: ChatBackend
) -> None:
    truth = real_text_rows()
    csv = "host,note\n" + "\n".join(f'h{i % 3},"{t}"' for i, t in enumerate(truth))
    catalog = small_catalog(tmp_path / "llm", csv, "events")
    rows, summary = rows_of(
        synthesizer_with(catalog, detector, local_llm), SynthRequest("events", 12, seed=2)
    )
    assert {p["name"]: p["kind"] for p in summary["plan"]}["note"] == "text"
    assert summary["text"]["note"]["llm"] >= 1  # some values came from the model
    assert len(rows) == 12 and rows["note"].str.strip().str.len().gt(0).all()
    assert not set(rows["note"]) & set(truth)  # never a verbatim real message
    assert set(rows["host"]) <= {"h0", "h1", "h2"}


def test_capable_model_writes_whole_rows_that_are_validated(
    synth_lake: Catalog, detector: PiiDetector
) -> None:
    good = [
        {"default": False, "student": True, "balance": 812.5, "income": 20345.1},
        {"default": True, "student": False, "balance": 1950.0, "income": 41000.0},
    ]
    bad = [
        {"default": False, "student": False, "balance": -50.0, "income": 30000.0},  # range
        {"default": "maybe", "student": False, "balance": 10.0, "income": 30000.0},  # domain
    ]
    reply = "\n".join(json.dumps(r) for r in [*good, *bad]) + '\nnot json\n{"x": 1}'
    fake = FakeBackend(capable=True, default_reply=reply)
    chunks: list[pd.DataFrame] = []
    # privacy "low": this is about validating the model's rows; at "balanced" the raised
    # near-copy threshold also (rightly) blocks one of the two hand-written rows
    run = synthesizer_with(synth_lake, detector, fake).run(
        SynthRequest("Default", 4, mode="llm", seed=1, privacy="low"), chunks.append
    )
    rows = pd.concat(chunks)
    assert run.summary["mode"] == "llm" and fake.history[0].kind == "complete"
    assert "balance" in (fake.history[0].prompt or "")
    assert rows["balance"].between(0, 3000).all() and set(rows["default"]) <= {True, False}
    reasons = run.summary["rejected"]["by_reason"]
    assert reasons.get("balance: outside the real range", 0) >= 1
    assert reasons.get("default: value never seen", 0) >= 1
    # the same reply every time: after the first two, the rest are duplicates
    assert run.summary["generated"] == 2 and run.summary["warnings"]
