"""``generate``: one synthesis job end to end, the call behind ``lakelight synth`` and the
API: run the synthesizer into a file or stream, then score what it made."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import pandas as pd

from lakelight.generate.frames import numbers
from lakelight.generate.output import RowWriter
from lakelight.generate.synthesize import Synthesizer, SynthRequest, SynthRun


def generate(
    synthesizer: Synthesizer,
    request: SynthRequest,
    *,
    out: Path | None = None,
    stream: IO[str] | None = None,
    report: Path | None = None,
    keep_rows: bool = False,
) -> tuple[SynthRun, list[pd.DataFrame]]:
    """Make ``request.n`` rows into ``out`` (.csv/.jsonl), ``stream`` (CSV) or, with
    ``keep_rows``, memory; add the quality report to the summary and, with ``report``, write
    it as a self-contained HTML page. Returns the run and the kept row chunks."""
    # opened first, so a bad output name is refused before any work
    writer = RowWriter(out) if out is not None else RowWriter(stream=stream) if stream else None
    kept: list[pd.DataFrame] = []

    def sink(frame: pd.DataFrame) -> None:
        if writer is not None:
            writer.write(frame)
        if keep_rows:
            kept.append(frame)

    try:
        run = synthesizer.run(request, sink)
    except BaseException:
        if writer is not None:
            writer.close(ok=False)
        raise
    if writer is not None:
        writer.close(ok=True)
        if out is not None:
            run.summary["out"] = str(out)
    run.summary["quality"] = quality_of(run)
    if report is not None and run.summary["quality"] is not None:
        from lakelight.generate.report_html import render_html

        real, synthetic = _numbers_for_report(run)
        page = render_html(
            run.summary["quality"],
            real,
            synthetic,
            run.numeric,
            run.categorical,
            title=f"Synthetic {run.summary['table']}: quality report",
        )
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(page, encoding="utf-8")
        run.summary["report"] = str(report)
    return run, kept


def _numbers_for_report(run: SynthRun) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _for_report(run, run.examples), _for_report(run, run.sample)


def _for_report(run: SynthRun, frame: pd.DataFrame) -> pd.DataFrame:
    """The compared columns, datetimes as epoch seconds."""
    out = frame[[*run.numeric, *run.categorical]].copy()
    for name in run.numeric:
        out[name] = numbers(out[name])
    return out


def quality_of(run: SynthRun) -> dict[str, Any] | None:
    """The quality report of the run's sample against the rows it was made like."""
    from lakelight.generate.quality import quality_report

    if run.sample.empty or run.examples.empty or not (run.numeric or run.categorical):
        return None
    real, synthetic = _numbers_for_report(run)
    s = run.summary
    validity = {"valid": s["valid"], "total": s["candidates"]}
    holdout = _for_report(run, run.holdout) if run.holdout is not None else None
    label = next((c for c in (*run.numeric, *run.categorical) if c == run.label), None)
    return quality_report(
        real,
        synthetic,
        run.numeric,
        run.categorical,
        label=label,
        holdout=holdout,
        validity=validity,
    )
