"""The quality report as one self-contained HTML page: inline CSS, plots as inline base64 PNG
drawn by matplotlib's Agg canvas (no pyplot, no global backend switch), no script and no
external URL. Every value from the data or the report is escaped: row text is untrusted."""

from __future__ import annotations

import base64
import hashlib
import html
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lakelight.generate.privacy import Privacy
from lakelight.guard._dcr import MISSING, category_text

__all__ = ["STYLE_HASH", "render_html"]

MAX_PLOTS = 40  # per-column distribution plots; further columns are listed, not drawn
MAX_HEATMAP = 40  # numeric columns in the correlation heatmaps
TOP_CATEGORIES = 10
WORST_PAIRS = 12
REAL, SYNTHETIC = "#3b6ea5", "#e07b39"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
color:#1d232b;background:#fafbfc;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #dde2e8;padding-bottom:.3rem}.sub{color:#5b6570;margin-top:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(10.5rem,1fr));gap:.8rem}
.card{background:#fff;border:1px solid #dde2e8;border-radius:.5rem;padding:.8rem}
.card .k{font-size:.78rem;color:#5b6570;text-transform:uppercase;letter-spacing:.03em}
.card .v{font-size:1.5rem;font-weight:600;margin:.2rem 0}.card .d{font-size:.8rem;color:#5b6570}
table{border-collapse:collapse;font-size:.88rem;background:#fff}
td,th{border:1px solid #dde2e8;padding:.3rem .6rem;text-align:left}th{background:#f0f3f6}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:.8rem}
figure{margin:0;background:#fff;border:1px solid #dde2e8;border-radius:.5rem;padding:.4rem}
figure img{width:100%;height:auto}figcaption{font-size:.82rem;color:#5b6570;padding:.2rem}
.note{color:#7a4b00;background:#fff6e0;border:1px solid #f0d9a0;border-radius:.4rem;
padding:.4rem .7rem;font-size:.88rem}
"""
# the page's one inline style, as a Content-Security-Policy source: a page that shows the
# report may allow exactly this style and no other inline one
STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode() + "'"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any, percent: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:.1%}" if percent else f"{value:.4g}"
    return str(value)


def _png(figure: Figure) -> str:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _numbers(series: pd.Series) -> np.ndarray:
    values = pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values[np.isfinite(values)], dtype=float)


def _numeric_plot(name: str, real: pd.Series, synthetic: pd.Series) -> str:
    r, s = _numbers(real), _numbers(synthetic)
    figure = Figure(figsize=(4.2, 2.6))
    ax = figure.add_subplot()
    if r.size:
        low, high = float(r.min()), float(r.max())
        edges = np.linspace(low, high if high > low else low + 1, 31).tolist()
        ax.hist(r, edges, density=True, histtype="stepfilled", alpha=0.45, color=REAL, label="real")
        ax.hist(
            np.clip(s, low, high),
            edges,
            density=True,
            histtype="step",
            linewidth=1.6,
            color=SYNTHETIC,
            label="synthetic",
        )
        ax.legend(fontsize=7, frameon=False)
    ax.set_yticks([])
    ax.tick_params(labelsize=7)
    return _png(figure)


def _categorical_plot(name: str, real: pd.Series, synthetic: pd.Series) -> str:
    p = pd.Series(category_text(real)).value_counts(normalize=True)
    q = pd.Series(category_text(synthetic)).value_counts(normalize=True)
    top = list(p.index[:TOP_CATEGORIES])
    labels = ["(missing)" if v == MISSING else str(v)[:18] for v in top]
    x = np.arange(len(top))
    figure = Figure(figsize=(4.2, 2.6))
    ax = figure.add_subplot()
    ax.bar(x - 0.2, [p.get(v, 0.0) for v in top], 0.4, color=REAL, label="real")
    ax.bar(x + 0.2, [q.get(v, 0.0) for v in top], 0.4, color=SYNTHETIC, label="synthetic")
    ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    return _png(figure)


def _heatmaps(real: pd.DataFrame, synthetic: pd.DataFrame, numeric: list[str]) -> str:
    columns = numeric[:MAX_HEATMAP]
    rho_r = real[columns].apply(pd.to_numeric).corr().to_numpy()
    rho_s = synthetic[columns].apply(pd.to_numeric).corr().to_numpy()
    figure = Figure(figsize=(12, 4.2))
    figure.subplots_adjust(wspace=0.35)
    panels = (
        ("real", rho_r, -1.0),
        ("synthetic", rho_s, -1.0),
        ("|real − synthetic|", np.abs(rho_r - rho_s), 0.0),
    )
    for i, (caption, matrix, low) in enumerate(panels):
        ax = figure.add_subplot(1, 3, i + 1)
        image = ax.imshow(matrix, vmin=low, vmax=1.0, cmap="coolwarm" if low < 0 else "magma_r")
        ax.set_title(caption, fontsize=9)
        ticks = np.arange(len(columns))
        names = [c[:12] for c in columns] if len(columns) <= 20 else []
        ax.set_xticks(ticks if names else [], names, rotation=90, fontsize=6)
        ax.set_yticks(ticks if names else [], names, fontsize=6)
        ax.tick_params(labelleft=i == 0)
        figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return _png(figure)


def _card(key: str, value: str, detail: str = "") -> str:
    return (
        f'<div class="card"><div class="k">{_e(key)}</div><div class="v">{_e(value)}</div>'
        f'<div class="d">{_e(detail)}</div></div>'
    )


def _cards(report: dict[str, Any]) -> str:
    privacy = report.get("privacy") or {}
    dcr = privacy.get("dcr_synthetic_to_real") or {}
    base = privacy.get("dcr_baseline_protection") or {}
    validity = report.get("validity") or {}
    downstream = report.get("downstream") or {}
    ratio = downstream.get("ratio") or {}
    key = "r2" if downstream.get("task") == "regression" else "macro_f1"
    cards = [
        _card(
            "Overall quality",
            _fmt(report.get("overall"), True),
            "mean of shapes and trends; related pairs only: "
            + _fmt(report.get("overall_strong_pairs"), True),
        ),
        _card(
            "Column shapes",
            _fmt((report.get("column_shapes") or {}).get("score"), True),
            "KS / TV complement",
        ),
        _card(
            "Column pair trends",
            _fmt((report.get("column_pair_trends") or {}).get("score"), True),
            "correlation / contingency",
        ),
        _card(
            "Validity",
            _fmt(validity.get("share"), True),
            f"{_fmt(validity.get('valid'))} of {_fmt(validity.get('total'))} rows valid"
            if validity
            else "not given",
        ),
        _card(
            "Exact copies",
            _fmt(privacy.get("exact_copy_share"), True),
            f"{_fmt(privacy.get('exact_copies'))} rows identical to a real row",
        ),
        _card(
            "Median DCR",
            _fmt(dcr.get("median")),
            f"p5 {_fmt(dcr.get('p5'))}, min {_fmt(dcr.get('min'))}",
        ),
        _card(
            "Baseline protection",
            _fmt(base.get("score"), True),
            f"median DCR {_fmt(base.get('median_dcr_synthetic'))} vs random "
            f"{_fmt(base.get('median_dcr_random'))}",
        ),
        _card(
            "Downstream",
            _fmt(ratio.get(key)),
            f"synthetic/real {key} predicting {downstream.get('label')}"
            if downstream
            else "no label or holdout given",
        ),
    ]
    return '<div class="cards">' + "".join(cards) + "</div>"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_e(_fmt(v))}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{_e(_fmt(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _downstream(report: dict[str, Any]) -> str:
    downstream = report.get("downstream")
    if not downstream:
        return ""
    real, synthetic, ratio = downstream["real"], downstream["synthetic"], downstream["ratio"]
    rows = [[k, real.get(k), synthetic.get(k), ratio.get(k)] for k in real]
    return (
        "<h2>Downstream check</h2>"
        f'<p class="sub">{_e(downstream["model"])} predicting {_e(downstream["label"])}, trained '
        f"on {_e(downstream['train_rows']['synthetic'])} synthetic or "
        f"{_e(downstream['train_rows']['real'])} real rows, scored on "
        f"{_e(downstream['holdout_rows'])} real holdout rows.</p>"
        + _table(["metric", "trained on real", "trained on synthetic", "ratio"], rows)
    )


def _levers(levers: dict[str, Any]) -> str:
    shown = [f"{k} {_fmt(v)}" for k, v in levers.items() if v != Privacy().as_dict().get(k)]
    return ", ".join(shown) or "none"


def _privacy_level(privacy: dict[str, Any] | None) -> str:
    """The level the run used and the trade-off table of its pilots (``job.calibrate``)."""
    if not privacy or "level" not in privacy:
        return ""
    target = privacy.get("target") or {}
    reached = "reached" if privacy.get("met_in_pilot") else "not reached on this table"
    parts = [
        "<h2>Privacy level</h2>",
        f'<p class="sub">Level <b>{_e(privacy["level"])}</b>: DCR baseline protection '
        f"{_e(_fmt(target.get('protection')))} at quality {_e(_fmt(target.get('quality')))} "
        f"or more ({_e(reached)}); levers {_e(_levers(privacy.get('levers') or {}))}. "
        f"Each level was tried on pilots of {_e(privacy.get('pilot_rows'))} rows of this "
        "table (quality corrected for the pilot's size).</p>",
    ]
    rows = privacy.get("tradeoff") or []
    if rows:
        parts.append(
            _table(
                ["level", "quality", "protection", "downstream", "target reached", "levers"],
                [
                    [
                        r["level"] + (" (this run)" if r["level"] == privacy["level"] else ""),
                        r["quality"],
                        r["protection"],
                        r["downstream"],
                        r["reached"],
                        _levers(r["levers"]),
                    ]
                    for r in rows
                ],
            )
        )
    return "".join(parts)


def _missing(report: dict[str, Any], messiness: dict[str, Any] | None) -> str:
    """Empty cells real vs synthetic per column and stratum, and what messiness injected."""
    missing = report.get("missing") or {}
    rows = missing.get("rows") or []
    injected = (messiness or {}).get("injected") or {}
    if not rows and not injected:
        return ""
    parts = ["<h2>Missing values and messiness</h2>"]
    if rows:
        parts.append(
            f'<p class="sub">Share of empty cells per column, in the whole table and in each '
            f"stratum the rows were made by; {len(rows)} of {_e(missing.get('total_rows'))} "
            "shares, largest gap first.</p>"
        )
        parts.append(
            _table(
                ["stratum", "column", "real", "synthetic"],
                [[r["stratum"], r["column"], r["real"], r["synthetic"]] for r in rows],
            )
        )
    if injected:
        rates = (messiness or {}).get("real_rates") or {}
        parts.append('<p class="sub">Injected at the real rates (cells per column).</p>')
        parts.append(
            _table(
                ["kind", "column", "cells injected", "real rate"],
                [
                    [kind, column, n, (rates.get(kind) or {}).get(column)]
                    for kind, columns in injected.items()
                    for column, n in sorted(columns.items(), key=lambda kv: -kv[1])
                ],
            )
        )
    return "".join(parts)


def render_html(
    report: dict[str, Any],
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    *,
    title: str,
    privacy: dict[str, Any] | None = None,
    messiness: dict[str, Any] | None = None,
) -> str:
    """One self-contained HTML page for a ``quality_report`` dict and the frames behind it;
    ``privacy`` and ``messiness``, from a run's summary, add its privacy level and trade-off
    table, and what was injected."""
    columns = [*numeric, *categorical]
    rows = report.get("rows") or {}
    parts = [
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}'
        f"</title><style>{_CSS}</style></head><body><h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(rows.get("synthetic"))} synthetic rows against '
        f"{_e(rows.get('real'))} real rows, {len(columns)} columns. Scores follow SDMetrics' "
        "definitions.</p>",
        _cards(report),
        _privacy_level(privacy),
    ]
    trends = report.get("column_pair_trends") or {}
    if trends.get("note"):
        parts.append(f'<p class="note">{_e(trends["note"])}</p>')

    shapes = (report.get("column_shapes") or {}).get("columns", [])
    parts.append("<h2>Column shapes</h2>")
    parts.append(
        _table(
            ["column", "metric", "score", "missing (real)", "missing (synthetic)"],
            [
                [c["column"], c["metric"], c["score"], c["missing_real"], c["missing_synthetic"]]
                for c in shapes
            ],
        )
    )
    pairs = [p for p in trends.get("pairs", []) if p.get("score") is not None]
    if pairs:
        worst = sorted(pairs, key=lambda p: p["score"])[:WORST_PAIRS]
        parts.append(
            f'<h2>Weakest column pairs</h2><p class="sub">{len(worst)} lowest of '
            f"{_e(trends.get('pairs_computed'))} pairs scored.</p>"
        )
        parts.append(
            _table(
                ["columns", "metric", "score"],
                [[" × ".join(p["columns"]), p["metric"], p["score"]] for p in worst],
            )
        )
    parts.append(_downstream(report))
    parts.append(_missing(report, messiness))

    parts.append("<h2>Distributions</h2>")
    if len(columns) > MAX_PLOTS:
        parts.append(
            f'<p class="note">The first {MAX_PLOTS} of {len(columns)} columns are '
            f"drawn; not drawn: {_e(', '.join(columns[MAX_PLOTS:]))}.</p>"
        )
    figures = []
    for name in columns[:MAX_PLOTS]:
        kind = "numeric" if name in numeric else "categorical"
        image = (_numeric_plot if name in numeric else _categorical_plot)(
            name, real[name], synthetic[name]
        )
        figures.append(f"<figure>{image}<figcaption>{_e(name)} ({kind})</figcaption></figure>")
    parts.append('<div class="grid">' + "".join(figures) + "</div>")

    if len(numeric) >= 2:
        parts.append("<h2>Correlations of numeric columns</h2>")
        if len(numeric) > MAX_HEATMAP:
            parts.append(
                f'<p class="note">The first {MAX_HEATMAP} of {len(numeric)} numeric '
                "columns are shown.</p>"
            )
        parts.append(
            f"<figure>{_heatmaps(real, synthetic, numeric)}<figcaption>Pearson "
            "correlation, real and synthetic, and their absolute difference"
            "</figcaption></figure>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
