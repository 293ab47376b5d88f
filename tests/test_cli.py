"""The CLI face: flags in, one library call, formatted output; errors are one line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from lakelight.cli import app
from tests import data

runner = CliRunner()


def small_csv(path: Path, n: int = 60) -> Path:
    import gzip

    with gzip.open(data.superstore_csv(), "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f))[: n + 1]
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def test_ingest_search_sources_tables(tmp_path: Path) -> None:
    src = small_csv(tmp_path / "stores.csv")
    result = runner.invoke(app, ["ingest", str(src), "--table", "stores", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["new"] == 60 and report["ok"] is True

    result = runner.invoke(app, ["search", "Henderson Kentucky bookcases", "--k", "3", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    assert set(hits[0]) == {"source", "table", "key", "score", "row"}
    assert hits[0]["table"] == "stores" and hits[0]["row"]["City"] == "Henderson"

    result = runner.invoke(app, ["search", "Henderson", "--table", "nope", "--json"])
    assert json.loads(result.stdout) == []

    sources = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)
    assert sources[0]["source"] == str(src) and sources[0]["rows"] == 60
    tables = json.loads(runner.invoke(app, ["tables", "--json"]).stdout)
    assert tables[0]["table"] == "stores" and tables[0]["columns"]["Sales"]["type"] == "float"
    assert tables[0]["columns"]["Region"]["distinct"] >= 1

    human = runner.invoke(app, ["search", "Henderson", "--k", "1"])
    assert human.exit_code == 0 and "Henderson" in human.stdout


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "No such file" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1

    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 1 and "Nothing ingested yet" in result.stderr

    result = runner.invoke(app, ["ingest", "sqlite:///" + str(tmp_path / "missing.db")])
    assert result.exit_code == 1 and "Error:" in result.stderr


def test_rejected_rows_are_reported_and_exit_ok(tmp_path: Path) -> None:
    src = tmp_path / "ragged.csv"
    src.write_text("id,name,amount\n1,ann,3.5\n2,bob\n3,cy,4.0,extra\n4,dee,1.0\n")
    result = runner.invoke(app, ["ingest", str(src)])
    assert result.exit_code == 0, result.output
    assert "2 rejected" in result.stdout
    assert "expected 3" in result.stderr


def test_synth_writes_rows_summary_and_report(tmp_path: Path) -> None:
    import pandas as pd

    src = tmp_path / "default.csv"
    pd.read_csv(data.islp_csv("Default")).iloc[:800].to_csv(src, index=False)
    assert runner.invoke(app, ["ingest", str(src), "--table", "default"]).exit_code == 0

    out, report = tmp_path / "boost.csv", tmp_path / "boost.html"
    args = ["synth", "--table", "default", "--n", "300", "--where", "student=Yes"]
    result = runner.invoke(app, [*args, "--out", str(out), "--report", str(report), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["generated"] == 300 and summary["requested"] == 300
    assert set(summary["rejected"]) == {"total", "by_reason"}
    assert summary["blocked"]["total"] == sum(summary["blocked"]["by_reason"].values())
    assert 0 < summary["quality"]["overall"] <= 1
    rows = pd.read_csv(out)
    assert len(rows) == 300 and rows["student"].all()
    assert "<html" in report.read_text(encoding="utf-8").lower()

    # without --out the rows are CSV on stdout and the summary goes to stderr
    result = runner.invoke(app, ["synth", "--table", "default", "--n", "5", "--like", "student"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "default,student,balance,income"
    assert len(result.stdout.splitlines()) == 6 and "Made 5 of 5 rows" in result.stderr

    result = runner.invoke(app, ["synth", "--table", "default", "--n", "400", "--label", "student"])
    assert result.exit_code == 0, result.output
    assert "Downstream (student, macro_f1): trained on synthetic" in result.stderr

    result = runner.invoke(app, ["synth", "--table", "default", "--n", "5", "--where", "x=1"])
    assert result.exit_code == 1 and "Unknown column 'x'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

    result = runner.invoke(app, ["synth", "--table", "default", "--n", "300", "--privacy", "low"])
    assert result.exit_code == 0, result.output
    assert "Privacy low: DCR baseline protection" in result.stderr
    for level in ("low (this run)", "balanced", "high"):
        assert level in result.stderr
    args = ["synth", "--table", "default", "--n", "100", "--messiness", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    messiness = json.loads(result.stdout)["messiness"]
    assert messiness["noise"] is True and set(messiness) >= {"real_rates", "injected"}
    result = runner.invoke(app, ["synth", "--table", "default", "--n", "5", "--privacy", "max"])
    assert result.exit_code == 1
    assert "privacy must be low, balanced, high or a number from 0 to 1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_tables_show_declared_and_inferred_foreign_keys(tmp_path: Path) -> None:
    """Chinook from SQLite (declared keys) and TPC-H CSV files (inferred) in the workspace."""
    from lakelight.config import load_settings
    from lakelight.index.catalog import Catalog
    from lakelight.index.foreign_keys import update_foreign_keys
    from tests.chinook import load_chinook
    from tests.lake import ingest
    from tests.warehouse import tpch_csvs

    settings = load_settings()
    catalog = Catalog(settings.catalog, settings.home)
    load_chinook(f"sqlite:///{tmp_path / 'chinook.db'}")
    ingest(catalog, f"sqlite:///{tmp_path / 'chinook.db'}", tmp_path)
    tpch = tpch_csvs(tmp_path / "tpch")
    for name in ("orders", "customer"):
        ingest(catalog, str(tpch / f"{name}.csv"), tmp_path)
    update_foreign_keys(catalog)
    catalog.close()

    result = runner.invoke(app, ["tables", "--json"])
    assert result.exit_code == 0, result.output
    by_name = {t["table"]: t for t in json.loads(result.stdout)}
    assert by_name["Album"]["foreign_keys"] == [
        {
            "column": "artist_id",
            "table": "Artist",
            "ref_column": "id",
            "origin": "declared",
            "source": by_name["Album"]["source"],
        }
    ]
    assert by_name["orders"]["foreign_keys"] == [
        {
            "column": "o_custkey",
            "table": "customer",
            "ref_column": "c_custkey",
            "origin": "inferred",
            "source": str(tpch / "customer.csv"),
        }
    ]
    assert by_name["orders"]["key"] == ["o_orderkey"]

    human = runner.invoke(app, ["tables"]).stdout
    assert "artist_id → Artist.id (declared)" in human
    assert f"o_custkey → customer.c_custkey in {tpch / 'customer.csv'} (inferred)" in human
