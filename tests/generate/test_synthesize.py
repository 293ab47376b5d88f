"""Synthesis runs on real tables: conditions honoured, joint structure kept, PII replaced,
near-copies blocked, bad requests refused with one clear line, and nothing loops forever."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lakelight.config import load_settings
from lakelight.errors import SynthesisError
from lakelight.generate.examples import load_rows
from lakelight.generate.job import generate
from lakelight.generate.synthesize import Synthesizer, SynthRequest
from lakelight.guard.pii import PiiDetector
from lakelight.index.catalog import Catalog
from tests import data
from tests.generate.conftest import make_synthesizer, small_catalog


def rows_of(synthesizer: Synthesizer, request: SynthRequest) -> tuple[pd.DataFrame, dict]:
    chunks: list[pd.DataFrame] = []
    run = synthesizer.run(request, chunks.append)
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
    return frame, run.summary


def real(catalog: Catalog, name: str) -> pd.DataFrame:
    table = next(t for t in catalog.list_tables() if t.name.casefold() == name.casefold())
    return load_rows(catalog, table)


def test_minority_class_boost_honours_the_condition_and_its_structure(
    synthesizer: Synthesizer, synth_lake: Catalog
) -> None:
    rows, summary = rows_of(synthesizer, SynthRequest("Default", 3000, ["default=Yes"]))
    truth = real(synth_lake, "Default")
    defaulters = truth[truth["default"]]
    assert len(rows) == 3000 and summary["generated"] == 3000
    assert rows["default"].eq(True).all()
    assert summary["examples"] == {"rows": len(defaulters), "chosen_by": "conditions"}
    # the minority class's own distribution, not the table's: defaulters carry high balances
    assert (
        abs(rows["balance"].median() - defaulters["balance"].median())
        < 0.1 * defaulters["balance"].median()
    )
    assert rows["balance"].median() > 2 * truth["balance"].median()
    # joint structure: students have lower incomes among defaulters too
    by_student = rows.groupby("student")["income"].median()
    assert by_student[True] < 0.7 * by_student[False]
    # within the real ranges, no exact copies of a real row
    assert rows["balance"].between(truth["balance"].min(), truth["balance"].max()).all()
    merged = rows.merge(truth, on=["default", "student", "balance", "income"], how="inner")
    assert merged.empty
    assert summary["valid"] == summary["candidates"] - summary["rejected"]["total"]
    assert summary["valid"] - summary["blocked"]["total"] >= summary["generated"]


def test_derived_columns_stay_consistent(synthesizer: Synthesizer, synth_lake: Catalog) -> None:
    rows, summary = rows_of(synthesizer, SynthRequest("SampleSuperstore", 2000, seed=3))
    truth = real(synth_lake, "SampleSuperstore")
    kinds = {p["name"]: p["kind"] for p in summary["plan"]}
    assert kinds["Country"] == "constant" and kinds["Sales"] == "numeric"
    assert kinds["State"] == "derived" and kinds["Category"] == "derived"
    real_places = set(zip(truth["City"], truth["State"], truth["Region"], strict=True))
    made = set(zip(rows["City"], rows["State"], rows["Region"], strict=True))
    assert made <= real_places  # never "Seattle, Texas"
    real_cats = set(zip(truth["Sub-Category"], truth["Category"], strict=True))
    assert set(zip(rows["Sub-Category"], rows["Category"], strict=True)) <= real_cats
    assert (rows["Quantity"] == rows["Quantity"].round()).all()
    # discounts hurt profit in the real data; the synthetic rows keep the sign of that trend
    real_corr = truth["Discount"].corr(truth["Profit"], method="spearman")
    made_corr = rows["Discount"].corr(rows["Profit"].astype(float), method="spearman")
    assert real_corr < -0.2 and made_corr < -0.2


def test_pii_columns_get_fakes_never_real_values(
    synthesizer: Synthesizer, synth_lake: Catalog
) -> None:
    rows, summary = rows_of(synthesizer, SynthRequest("Customer", 200, seed=1))
    truth = real(synth_lake, "Customer")
    kinds = {p["name"]: p for p in summary["plan"]}
    for column in ("email", "firstname", "lastname", "phone"):
        assert kinds[column]["kind"] == "pii", kinds[column]
        assert not set(rows[column].dropna()) & set(truth[column].dropna())
    assert rows["email"].str.match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$").all()
    assert rows["firstname"].str.split().str.len().eq(1).all()  # a first name, not a full one
    assert kinds["id"]["kind"] == "key"
    assert not set(rows["id"]) & set(truth["id"]) and rows["id"].is_unique
    # 59 customers are few, but the cities that repeat tell that a city has one country
    assert kinds["country"]["kind"] == "derived" and kinds["country"]["parent"] == "city"
    real_places = set(zip(truth["city"], truth["country"], strict=True))
    assert set(zip(rows["city"], rows["country"], strict=True)) <= real_places
    assert kinds["postalcode"]["kind"] == "identifier"  # "T6G 2C7", "12227-000": new ones
    assert not set(rows["postalcode"].dropna()) & set(truth["postalcode"].dropna())


def test_names_of_things_are_made_new(synthesizer: Synthesizer, synth_lake: Catalog) -> None:
    for table, column in (("Album", "title"), ("Genre", "name")):
        rows, summary = rows_of(synthesizer, SynthRequest(table, 20, seed=4))
        truth = set(real(synth_lake, table)[column])
        assert {p["name"]: p["kind"] for p in summary["plan"]}[column] == "text"
        assert len(rows) == 20 and not set(rows[column]) & truth
        assert rows[column].str.len().gt(1).all()


def test_bad_requests_are_refused_with_the_fix(synthesizer: Synthesizer) -> None:
    with pytest.raises(SynthesisError, match=r"Unknown table 'nope'.*Default"):
        rows_of(synthesizer, SynthRequest("nope", 10))
    with pytest.raises(SynthesisError, match=r"Unknown column 'colour'.*balance"):
        rows_of(synthesizer, SynthRequest("Default", 10, ["colour=red"]))
    with pytest.raises(SynthesisError, match="is not a valid boolean"):
        rows_of(synthesizer, SynthRequest("Default", 10, ["student=Maybe"]))
    with pytest.raises(SynthesisError, match=r"No row has balance>100000.*run from 0"):
        rows_of(synthesizer, SynthRequest("Default", 10, ["balance>100000"]))
    with pytest.raises(SynthesisError, match=r"No row has Region=Atlantis.*West"):
        rows_of(synthesizer, SynthRequest("SampleSuperstore", 10, ["Region=Atlantis"]))
    with pytest.raises(SynthesisError, match=r"above the limit.*LAKELIGHT_SYNTH_MAX_ROWS"):
        rows_of(synthesizer, SynthRequest("Default", 10_000_000))
    with pytest.raises(SynthesisError, match="Cannot read condition"):
        rows_of(synthesizer, SynthRequest("Default", 10, ["balance"]))
    rows, summary = rows_of(synthesizer, SynthRequest("Default", 0))
    assert rows.empty and summary["generated"] == 0


def test_rare_condition_uses_the_conditioned_table_model(
    synthesizer: Synthesizer, synth_lake: Catalog
) -> None:
    truth = real(synth_lake, "SampleSuperstore")
    rare = truth["Sub-Category"].value_counts()
    city = truth[truth["Sub-Category"] == rare.index[-1]]["City"].value_counts().index[0]
    rows, summary = rows_of(
        synthesizer, SynthRequest("SampleSuperstore", 300, [f"City={city}", "Discount>=0"])
    )
    assert rows["City"].eq(city).all() and len(rows) == 300
    assert set(rows["State"]) <= set(truth[truth["City"] == city]["State"])
    if summary["examples"]["rows"] < 30:
        assert any("match" in w for w in summary["warnings"])


def test_one_row_table_stops_with_a_warning_instead_of_looping(
    tmp_path: Path, detector: PiiDetector
) -> None:
    catalog = small_catalog(tmp_path / "one", "city,amount\nLisbon,12.5\n", "single")
    rows, summary = rows_of(make_synthesizer(catalog, detector), SynthRequest("single", 50))
    # every candidate would copy the only real row: all are blocked, and the run says so
    assert rows.empty and summary["generated"] == 0
    assert summary["blocked"]["by_reason"]
    assert any("made 0 of 50" in w for w in summary["warnings"])


def test_free_text_table_without_llm_makes_new_text(tmp_path: Path, detector: PiiDetector) -> None:
    truth = real_text_rows()
    csv = "note\n" + "\n".join(f'"{t}"' for t in truth)
    catalog = small_catalog(tmp_path / "text", csv, "notes")
    rows, summary = rows_of(make_synthesizer(catalog, detector), SynthRequest("notes", 40))
    assert summary["plan"][0]["kind"] == "text"
    assert len(rows) == 40 and rows["note"].str.len().gt(0).all()
    assert summary["text"]["note"]["markov"] >= 40 and summary["text"]["note"]["llm"] == 0
    assert not set(rows["note"]) & set(truth)


def real_text_rows() -> list[str]:
    """Real free text: the messages of fail2ban's sshd log."""
    from tests import data

    lines = (data.fail2ban_logs() / "sshd").read_text(errors="replace").splitlines()
    texts = sorted({" ".join(line.split()[5:]).replace('"', "'") for line in lines})
    return [t for t in texts if len(t.split()) >= 5 and not t.startswith("#")][:200]


def test_streamed_output_and_report(
    tmp_path: Path, synth_lake: Catalog, detector: PiiDetector
) -> None:
    settings = load_settings(llm_backend="none", synth_chunk_rows=5000)
    synthesizer = make_synthesizer(synth_lake, detector, settings)
    out, report = tmp_path / "out" / "rows.jsonl", tmp_path / "report.html"
    run, _ = generate(synthesizer, SynthRequest("Default", 12_000), out=out, report=report)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12_000 and run.summary["generated"] == 12_000
    assert set(json.loads(lines[0])) == {"default", "student", "balance", "income"}
    quality = run.summary["quality"]
    assert quality["overall"] > 0.85 and quality["privacy"]["exact_copies"] == 0
    assert "<svg" in report.read_text() or "data:image/png;base64" in report.read_text()
    assert not list(out.parent.glob(".*part"))
    with pytest.raises(SynthesisError, match=r"must end in \.csv or \.jsonl"):
        generate(synthesizer, SynthRequest("Default", 5), out=tmp_path / "rows.xlsx")


def test_same_seed_same_rows(synthesizer: Synthesizer) -> None:
    a, _ = rows_of(synthesizer, SynthRequest("Default", 200, seed=7))
    b, _ = rows_of(synthesizer, SynthRequest("Default", 200, seed=7))
    c, _ = rows_of(synthesizer, SynthRequest("Default", 200, seed=8))
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["balance"].to_numpy(), c["balance"].to_numpy())


def test_same_run_on_a_postgresql_catalog(tmp_path: Path, detector: PiiDetector) -> None:
    from tests.lake import ingest
    from tests.servers import server_database

    with server_database("postgresql") as url:
        catalog = Catalog(url, tmp_path)
        try:
            ingest(catalog, str(data.superstore_csv()), tmp_path)
            synthesizer = make_synthesizer(catalog, detector)
            rows, summary = rows_of(
                synthesizer, SynthRequest("SampleSuperstore", 500, ["region=west", "Discount<0.3"])
            )
            assert len(rows) == 500 and rows["Region"].eq("West").all()
            assert rows["Discount"].lt(0.3).all()
            assert summary["examples"]["chosen_by"] == "conditions"
        finally:
            catalog.close()
