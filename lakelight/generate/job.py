"""``generate``: one synthesis job end to end, the call behind ``lakelight synth`` and the
API: run the synthesizer into a file or stream, then score what it made."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import pandas as pd

from lakelight.generate.far import FarFilter
from lakelight.generate.frames import numbers
from lakelight.generate.messiness import missing_report
from lakelight.generate.output import RowWriter
from lakelight.generate.privacy import LOW, RECIPES, Pilot, Privacy, Target, choose, target_of
from lakelight.generate.synthesize import (
    QUALITY_ROWS,
    Synthesizer,
    SynthRequest,
    SynthRun,
    integer_codes,
)


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

    level = synthesizer.settings.synth_privacy if request.privacy is None else request.privacy
    tradeoff: dict[str, Any] | None = None
    if not isinstance(level, Privacy) and request.n >= MIN_CALIBRATION_ROWS:
        target = target_of(level)
        tradeoff = calibrate(synthesizer, request, target)
        request = replace(request, privacy=tradeoff["chosen"])
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
    if tradeoff is not None:
        run.summary["privacy"] = _privacy_summary(tradeoff, run)
    page = report_page(run) if report is not None else None
    if report is not None and page is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(page, encoding="utf-8")
        run.summary["report"] = str(report)
    return run, kept


def report_page(run: SynthRun) -> str | None:
    """The run's quality report as one self-contained HTML page (``synth --report`` and the
    API's report route), or None when nothing could be compared."""
    if run.summary.get("quality") is None:
        return None
    from lakelight.generate.report_html import render_html

    real, synthetic = _numbers_for_report(run)
    return render_html(
        run.summary["quality"],
        real,
        synthetic,
        run.numeric,
        run.categorical,
        title=f"Synthetic {run.summary['table']}: quality report",
        privacy=run.summary.get("privacy"),
        messiness=run.summary.get("messiness"),
    )


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
    from lakelight.generate.quality import plain, quality_report

    if run.sample.empty or run.examples.empty or not (run.numeric or run.categorical):
        return None
    real, synthetic = _numbers_for_report(run)
    s = run.summary
    validity = {"valid": s["valid"], "total": s["candidates"]}
    holdout = _for_report(run, run.holdout) if run.holdout is not None else None
    label = next((c for c in (*run.numeric, *run.categorical) if c == run.label), None)
    report = quality_report(
        real,
        synthetic,
        run.numeric,
        run.categorical,
        label=label,
        holdout=holdout,
        validity=validity,
        codes=integer_codes(run.plans),
    )
    made = [p.name for p in run.plans if p.kind not in ("key", "empty")]
    report["missing"] = plain(
        missing_report(run.examples, run.sample, made, run.summary.get("stratified_by") or [])
    )
    return report


PILOT_ROWS = 1_000  # rows each recipe makes when a privacy level is calibrated
MIN_FAR_SHARE = 0.05  # plain rows at a level's distance below this share: no far pilot
MIN_CALIBRATION_ROWS = 200  # smaller runs take a level's usual levers (privacy.privacy_of)
_LEVELS = (Target("balanced", 0.30, 0.90), Target("high", 0.45, 0.85))


def calibrate(synthesizer: Synthesizer, request: SynthRequest, target: Target) -> dict[str, Any]:
    """Pilot runs of ``PILOT_ROWS`` rows, each scored by the quality report: the plain model,
    the plain model with the ``far`` lever at each level's protection it misses, then each
    recipe from mild to strong until ``target`` and the named levels are reached. A level's
    choice that misses its target is measured again at the run's size (``_confirmed``).
    Returns the pilots, the choice per level and the levers ``chosen`` for ``target``."""
    wanted = [target, *(t for t in _LEVELS if t.name != target.name)]
    pilots: list[Pilot] = []
    noise = 0.0

    def reached() -> bool:
        return all(any(p.meets(t) for p in pilots) for t in wanted)

    def pilot(privacy: Privacy) -> SynthRun:
        nonlocal noise
        run = synthesizer.run(
            replace(request, n=min(request.n, PILOT_ROWS), privacy=privacy), lambda _: None
        )
        if not pilots:  # a pilot's quality, plus what its smaller size alone costs
            final = min(request.n, QUALITY_ROWS)
            noise = _sampling_loss(run, len(run.sample)) - _sampling_loss(run, final)
        pilots.append(_scored(privacy, quality_of(run), noise))
        return run

    plain_run = pilot(LOW)
    plain = pilots[0]
    # the plain model with the far lever at each target's protection: the fewest changes,
    # unless the plain rows hardly ever lie that far (then the lever would have to move most
    # of the rows' mass, at a quality no target accepts, and many candidates' time)
    far_shares: dict[str, float | None] = {}
    for t in sorted(wanted, key=lambda t: t.protection):
        if t.protection > 0 and not plain.meets(t):
            far_shares[t.name] = _far_share(plain_run, t.protection)
            if (far_shares[t.name] or 0.0) >= MIN_FAR_SHARE:
                pilot(Privacy(far=t.protection))
    for privacy in RECIPES:  # mild to strong
        if reached():
            break
        pilot(privacy)
        quality = pilots[-1].quality
        if quality is not None and quality < min(t.quality for t in wanted):
            break  # the levers only get stronger from here
    levels = {"low": (pilots[0], True)}
    confirmed: list[Privacy] = []
    if request.n > PILOT_ROWS:
        levels.update(
            {
                t.name: _confirmed(synthesizer, request, t, pilots, confirmed)
                for t in wanted
                if t.protection > 0
            }
        )
    else:  # the pilots are the run's size
        levels.update({t.name: choose(t, pilots) for t in wanted if t.protection > 0})
    chosen, met = levels.get(target.name, (pilots[0], True))
    return {
        "target": target,
        "pilots": pilots,
        "levels": levels,
        "chosen": chosen.privacy,
        "met": met,
        "far_shares": far_shares,
        "confirmed": [p.as_dict() for p in confirmed],
    }


def _confirmed(
    synthesizer: Synthesizer,
    request: SynthRequest,
    target: Target,
    pilots: list[Pilot],
    confirmed: list[Privacy],
) -> tuple[Pilot, bool]:
    """``choose`` for ``target``, a recipe that misses it run again at the run's size first.

    A recipe kept for missing the target by the least sits at the edge of the quality floor
    by its pilot's figures, and the pilot's rows rate it above what the run's rows make
    (Default: 0.901 in the pilot, 0.895 at 5,000 rows): such a choice is measured again with
    the rows the run's report will score (``QUALITY_ROWS`` at most), its pilot replaced by
    those figures, and chosen again until a choice holds. The plain model is never run again:
    it is the fallback of every level, and the most faithful."""
    while True:
        pilot, met = choose(target, pilots)
        if met or pilot.privacy == LOW or pilot.privacy in confirmed:
            return pilot, met
        size = min(request.n, QUALITY_ROWS)
        run = synthesizer.run(replace(request, n=size, privacy=pilot.privacy), lambda _: None)
        confirmed.append(pilot.privacy)
        pilots[pilots.index(pilot)] = _scored(pilot.privacy, quality_of(run), 0.0)


def _far_share(run: SynthRun, protection: float) -> float | None:
    """The share of a run's rows at ``protection`` × the random rows' median distance from
    the real rows (what the far lever keeps a majority of)."""
    from lakelight.generate.quality import as_code_numbers
    from lakelight.guard.leakage import dcr_to_real

    if run.sample.empty or run.examples.empty or not (run.numeric or run.categorical):
        return None
    codes = integer_codes(run.plans)
    numeric = [*run.numeric, *codes]
    categorical = [c for c in run.categorical if c not in codes]
    real = as_code_numbers(_for_report(run, run.examples), codes)
    far = FarFilter(real, numeric, categorical, protection)
    sample = as_code_numbers(_for_report(run, run.sample), codes)
    return float((dcr_to_real(sample, real, numeric, categorical) >= far.threshold).mean())


def _sampling_loss(run: SynthRun, n: int) -> float:
    """The quality a sample of ``n`` rows loses by its size alone: 1 − the quality of ``n``
    real example rows against all of them (many-valued categories score low in small samples,
    whatever made them)."""
    from lakelight.generate.quality import quality_report

    if run.examples.empty or n == 0 or not (run.numeric or run.categorical):
        return 0.0
    real = _for_report(run, run.examples)
    sample = real.sample(min(n, len(real)), random_state=0)
    overall = quality_report(real, sample, run.numeric, run.categorical)["overall"]
    return 0.0 if overall is None else max(0.0, 1.0 - overall)


def _scored(privacy: Privacy, quality: dict[str, Any] | None, noise: float) -> Pilot:
    """A pilot's figures, its quality raised by ``noise`` (what its size costs)."""
    if quality is None:
        return Pilot(privacy, None, None)
    down = (quality.get("downstream") or {}).get("synthetic") or {}
    score = next((down[m] for m in ("roc_auc", "macro_f1", "r2") if down.get(m) is not None), None)
    protection = quality["privacy"]["dcr_baseline_protection"]["score"]
    overall = quality["overall"]
    return Pilot(privacy, None if overall is None else min(1.0, overall + noise), protection, score)


def _privacy_summary(tradeoff: dict[str, Any], run: SynthRun) -> dict[str, Any]:
    """The level asked for, the levers it got, what the run reached, and the trade-off table
    (pilot quality, protection and downstream score per level)."""
    target: Target = tradeoff["target"]
    quality = run.summary.get("quality") or {}
    protection = ((quality.get("privacy") or {}).get("dcr_baseline_protection") or {}).get("score")
    if not tradeoff["met"]:
        run.summary["warnings"].append(
            f"privacy {target.name}: no lever reached protection {target.protection:.2f} at "
            f"quality {target.quality:.2f} on this table; kept the most protective acceptable "
            "one (see privacy.tradeoff)"
        )
    return {
        "level": target.name,
        "target": {"protection": target.protection, "quality": target.quality},
        "met_in_pilot": tradeoff["met"],
        "levers": tradeoff["chosen"].as_dict(),
        "protection": protection,
        "quality": quality.get("overall"),
        "pilot_rows": PILOT_ROWS,
        "plain_far_shares": tradeoff["far_shares"],
        "confirmed_at_run_size": tradeoff["confirmed"],
        "tradeoff": [
            {
                "level": name,
                "levers": pilot.privacy.as_dict(),
                "quality": pilot.quality,
                "protection": pilot.protection,
                "downstream": pilot.downstream,
                "reached": met,
            }
            for name, (pilot, met) in tradeoff["levels"].items()
        ],
    }
