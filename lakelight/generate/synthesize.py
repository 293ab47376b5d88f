"""A synthesis run: examples → plan → generators → validators → guard → writer, in chunks.

Rows are made ``synth_chunk_rows`` at a time; each chunk is validated, checked by the guard
(near-copies of real rows, real PII values) and handed to the sink before the next is made,
so memory stays flat for any ``n``. Rejected and blocked rows are made again, up to
``synth_max_rounds`` extra rounds, then the run stops with a warning instead of looping.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from lakelight.config import Settings
from lakelight.errors import LakelightError, SynthesisError
from lakelight.generate.conditions import Condition, parse_conditions
from lakelight.generate.examples import load_rows, nearest_rows
from lakelight.generate.far import FarFilter
from lakelight.generate.frames import numbers
from lakelight.generate.makers import RowMaker
from lakelight.generate.messiness import Messiness
from lakelight.generate.plan import ColumnPlan, plan_columns
from lakelight.generate.privacy import Privacy, privacy_of
from lakelight.generate.validate import Validators
from lakelight.guard.leakage import LeakageGuard
from lakelight.guard.synthetic import PiiScreen, real_pii_values
from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.retriever import Retriever
from lakelight.llm import ChatBackend

Mode = Literal["auto", "stats", "llm"]
REFERENCE_MAX = 500_000  # real rows the guard and validators compare against
PLAN_SAMPLE = 5_000  # real rows the planner looks at
MIN_FIT_ROWS = 30  # fewer matching examples: the table's model, conditioned, is used instead
QUALITY_ROWS = 5_000  # synthetic rows kept for the quality report
FIRST_ROUND_ROWS = 500  # candidates of a stratified run's first round (see makers.observe)


@dataclass
class SynthRequest:
    table: str
    n: int
    where: list[str] = field(default_factory=list)
    like: str | None = None
    seed: int = 0
    mode: Mode = "auto"
    label: str | None = None  # a column to run the downstream check on
    # low, balanced, high, a protection to aim for (0-1) or the levers themselves; None: the
    # setting. ``generate`` calibrates a level on the table; ``run`` takes its default levers
    privacy: str | float | Privacy | None = None
    messiness: bool = False  # misspellings and outliers at the real rates (nulls always)


@dataclass
class SynthRun:
    """What a run did. ``sample`` (some accepted rows) and ``examples`` (the real rows they
    were made like) feed the quality report."""

    summary: dict[str, Any]
    sample: pd.DataFrame
    examples: pd.DataFrame
    plans: list[ColumnPlan]
    holdout: pd.DataFrame | None = None  # real rows kept out of fitting, for --label
    label: str | None = None

    @property
    def numeric(self) -> list[str]:
        return [p.name for p in self.plans if p.kind == "numeric"]

    @property
    def categorical(self) -> list[str]:
        return [p.name for p in self.plans if p.kind in ("categorical", "derived", "constant")]


Sink = Callable[[pd.DataFrame], None]


class Synthesizer:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        retriever: Callable[[], Retriever],
        backend: Callable[[], ChatBackend | None],
        screen: Callable[[], PiiScreen],
    ):
        self.settings, self.catalog = settings, catalog
        self._retriever, self._backend, self._screen = retriever, backend, screen

    def _usable_backend(self) -> ChatBackend | None:
        """The configured model, or None when there is none or it cannot load: free text then
        comes from the examples' own words."""
        try:
            return self._backend()
        except LakelightError:
            return None

    def resolve_table(self, name: str) -> TableInfo:
        tables = self.catalog.list_tables()
        if not tables:
            raise SynthesisError("Nothing ingested yet: run `lakelight ingest SOURCE` first")
        for t in tables:
            if name in (t.name, t.sql_name) or t.name.casefold() == name.casefold():
                return t
        names = ", ".join(sorted(t.name for t in tables)[:30])
        raise SynthesisError(f"Unknown table {name!r}; the tables are: {names}")

    def run(self, request: SynthRequest, sink: Sink) -> SynthRun:
        started = time.perf_counter()
        s = self.settings
        if request.n < 0:
            raise SynthesisError(f"--n must be 0 or more, not {request.n}")
        if request.n > s.synth_max_rows:
            raise SynthesisError(
                f"--n {request.n:,} is above the limit of {s.synth_max_rows:,} rows per run "
                "(LAKELIGHT_SYNTH_MAX_ROWS); raise it or run in parts"
            )
        table = self.resolve_table(request.table)
        conditions = parse_conditions(request.where, table.columns)
        rng = np.random.default_rng(request.seed)
        privacy = privacy_of(s.synth_privacy if request.privacy is None else request.privacy)
        warnings: list[str] = []

        reference = load_rows(self.catalog, table, limit=REFERENCE_MAX, seed=request.seed)
        if reference.empty:
            raise SynthesisError(f"Table {table.name!r} has no rows to learn from")
        if table.row_count > REFERENCE_MAX:
            warnings.append(
                f"guard and validators compare against a sample of {REFERENCE_MAX:,} real rows"
            )
        plan_sample = reference.sample(min(PLAN_SAMPLE, len(reference)), random_state=0)
        screen = self._screen()
        pii = screen.column_types(table, plan_sample)
        fixed = [c.column for c in conditions if c.op == "="]
        plans = plan_columns(table, plan_sample, pii, fixed)

        examples, how = self._examples(request, table, reference, conditions)
        if examples.empty and request.like and conditions:
            raise SynthesisError(
                f"None of the {s.synth_like_examples} rows nearest --like satisfy "
                f"{' and '.join(map(str, conditions))}; change the text or the conditions"
            )
        _check_satisfiable(examples, conditions, reference)
        conditions = [_as_written(c, reference) for c in conditions]
        holdout = None
        if request.label is not None:
            examples, holdout = _split_for_label(request.label, plans, examples, request.seed)
        if 0 < len(examples) < MIN_FIT_ROWS:
            warnings.append(
                f"only {len(examples)} real row(s) match; the table's model conditioned on "
                f"{', '.join(map(str, conditions)) or 'the request'} makes the rest"
            )
        backend = self._usable_backend() if _needs_llm(plans, request.mode) else None
        if request.mode == "llm" and backend is None:
            raise SynthesisError("--mode llm needs an LLM: set LAKELIGHT_LLM_BACKEND")
        maker = RowMaker(
            s,
            table,
            plans,
            examples,
            reference,
            conditions,
            backend=backend,
            mode=request.mode,
            rng=rng,
            fit_on_table=len(examples) < MIN_FIT_ROWS,
            label=request.label,
            privacy=privacy,
        )
        validators = Validators(plans, reference, conditions)
        untidy = examples if not examples.empty else reference
        messiness = Messiness.fit(untidy, plans, maker.strata, noise=request.messiness)
        numeric, categorical = _compared(plans)
        leakage = LeakageGuard().fit(
            _as_numbers(reference, numeric),
            numeric,
            categorical,
            quantile=max(s.guard_dcr_quantile, privacy.dcr_quantile),
            seed=request.seed,
        )

        far = None
        if privacy.far > 0:  # measured as the quality report measures: on its columns
            # integer codes (postal codes) as numbers, as the report's privacy figures do
            codes = integer_codes(plans)
            report_numeric = [p.name for p in plans if p.kind == "numeric"] + codes
            report_categorical = [
                p.name
                for p in plans
                if p.kind in ("categorical", "derived", "constant") and p.name not in codes
            ]
            compared = examples if not examples.empty else reference
            far = FarFilter(
                _as_numbers(compared, report_numeric),
                report_numeric,
                report_categorical,
                privacy.far,
                seed=request.seed,
            )
        real_pii = real_pii_values(reference, [p.name for p in plans if p.kind == "pii"])
        texts = [p.name for p in plans if p.kind == "text"]
        accepted, candidates, passed, rounds = 0, 0, 0, 0
        rejected: Counter[str] = Counter()
        blocked: Counter[str] = Counter()
        seen: set[int] = set()
        kept: list[pd.DataFrame] = []
        rate = 1.0
        full_rounds = math.ceil(request.n / s.synth_chunk_rows)
        while accepted < request.n and rounds < full_rounds + s.synth_max_rounds:
            rounds += 1
            left = request.n - accepted
            want = min(s.synth_chunk_rows, max(10, math.ceil(left / max(rate, 0.05) * 1.1)))
            if rounds == 1 and maker.strata:  # a first look at what each stratum loses
                want = min(want, FIRST_ROUND_ROWS)
            frame = maker.make(want)
            candidates += len(frame)
            reasons = validators.check(frame, seen)
            rejected.update(r for r in reasons if r)
            valid = frame[[r is None for r in reasons]].reset_index(drop=True)
            passed += len(valid)
            valid = messiness.inject(valid, rng)
            valid, why = _guard(valid, leakage, screen, numeric, texts, real_pii)
            blocked.update(why)
            if far is not None and not valid.empty:
                keep = far.keep(_as_numbers(valid, far.numeric))
                blocked["nearer than the privacy level keeps most rows"] += int((~keep).sum())
                valid = valid[keep].reset_index(drop=True)
            maker.observe(frame, valid)
            rate = max(len(valid) / max(len(frame), 1), 0.01)
            # the cut drops rows at random, and their noise with them: made up on the rest
            take = messiness.top_up(valid.iloc[:left], rng, _still_passes(leakage, numeric, far))
            if not take.empty:
                sink(take)
                accepted += len(take)
                if sum(len(k) for k in kept) < QUALITY_ROWS:
                    kept.append(take.iloc[: QUALITY_ROWS - sum(len(k) for k in kept)])
        if accepted < request.n:
            top = ", ".join(f"{r} ({n:,})" for r, n in (rejected + blocked).most_common(3))
            warnings.append(
                f"made {accepted:,} of {request.n:,} rows after {rounds} rounds; most rejected "
                f"for: {top or 'nothing valid could be made'}"
            )
        seconds = time.perf_counter() - started
        summary = {
            "table": table.name,
            "source": table.source,
            "requested": request.n,
            "generated": accepted,
            "candidates": candidates,
            "valid": passed,
            "rejected": {"total": sum(rejected.values()), "by_reason": dict(rejected)},
            "blocked": {"total": sum(blocked.values()), "by_reason": dict(blocked)},
            "examples": {"rows": len(examples), "chosen_by": how},
            "conditions": [str(c) for c in conditions],
            "seed": request.seed,
            "mode": maker.mode,
            "privacy": {"levers": privacy.as_dict(), **({"far": far.report()} if far else {})},
            "messiness": messiness.report(),
            "stratified_by": maker.strata,
            "plan": [p.as_dict() for p in plans],
            "text": maker.text_report(),
            "leakage": leakage.calibration,
            "warnings": warnings,
            "seconds": round(seconds, 3),
            "rows_per_second": round(accepted / seconds, 1) if seconds > 0 else None,
        }
        sample = pd.concat(kept, ignore_index=True) if kept else reference.iloc[:0]
        return SynthRun(summary, sample, examples, plans, holdout, request.label)

    def _examples(
        self,
        request: SynthRequest,
        table: TableInfo,
        reference: pd.DataFrame,
        conditions: list[Condition],
    ) -> tuple[pd.DataFrame, str]:
        limit = self.settings.synth_max_examples
        if request.like:
            k = self.settings.synth_like_examples
            rows = nearest_rows(self._retriever(), self.catalog, table, request.like, k, conditions)
            return rows, f"the {k} rows nearest {request.like!r}"
        mask = np.ones(len(reference), dtype=bool)
        for condition in conditions:
            mask &= condition.holds(reference[condition.column]).to_numpy()
        rows = reference[mask]
        if len(rows) > limit:
            rows = rows.sample(limit, random_state=request.seed)
        return rows.reset_index(drop=True), "conditions" if conditions else "the whole table"


def _split_for_label(
    label: str, plans: list[ColumnPlan], examples: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out a seeded 20% of the examples for the downstream check: the model never sees
    them, so "train on synthetic, test on real" tests on rows it did not learn from."""
    kinds = {p.name.casefold(): p for p in plans}
    plan = kinds.get(label.casefold())
    if plan is None or plan.kind not in ("numeric", "categorical", "derived"):
        usable = ", ".join(p.name for p in plans if p.kind in ("numeric", "categorical"))
        raise SynthesisError(
            f"--label {label!r} is not a column the model makes; choose one of: {usable}"
        )
    if len(examples) < 50:
        raise SynthesisError(
            f"--label needs at least 50 example rows for a holdout; {len(examples)} match"
        )
    holdout = examples.sample(frac=0.2, random_state=seed)
    return examples.drop(holdout.index).reset_index(drop=True), holdout.reset_index(drop=True)


def integer_codes(plans: list[ColumnPlan]) -> list[str]:
    """Categories written as integers (postal codes, numeric ids): the privacy figures compare
    them as numbers, since a neighbouring code is a near value."""
    return [p.name for p in plans if p.kind in ("categorical", "derived") and p.type == "integer"]


def _needs_llm(plans: list[ColumnPlan], mode: Mode) -> bool:
    return mode == "llm" or (mode == "auto" and any(p.kind == "text" for p in plans))


def _compared(plans: list[ColumnPlan]) -> tuple[list[str], list[str]]:
    """Columns the near-copy check compares: content, not the fresh keys, identifiers and
    fake PII, which would make every row look far from every real one."""
    numeric = [p.name for p in plans if p.kind == "numeric"]
    categorical = [
        p.name for p in plans if p.kind in ("categorical", "derived", "constant", "text")
    ]
    return numeric, categorical


def _guard(
    frame: pd.DataFrame,
    leakage: LeakageGuard,
    screen: PiiScreen,
    numeric: list[str],
    texts: list[str],
    real_pii: set[str],
) -> tuple[pd.DataFrame, list[str]]:
    """Drop near-copies of real rows and rows that carry a real PII value; remove PII the
    generators wrote into free text."""
    if frame.empty:
        return frame, []
    blocked, leaks = leakage.screen(_as_numbers(frame, numeric))
    reasons = [_reason_kind(r) for r in leaks if r]
    frame, why = screen.clean_synthetic(frame[~blocked].reset_index(drop=True), texts, real_pii)
    return frame, reasons + why


def _still_passes(
    leakage: LeakageGuard, numeric: list[str], far: FarFilter | None
) -> Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]:
    """Whether rows that passed the guard (``before``) still pass once noise changed them
    (``after``): no near-copy of a real row, and no far row made near."""

    def passes(before: pd.DataFrame, after: pd.DataFrame) -> np.ndarray:
        ok = ~leakage.screen(_as_numbers(after, numeric))[0]
        if far is not None:
            ok &= far.is_far(_as_numbers(after, far.numeric)) | ~far.is_far(
                _as_numbers(before, far.numeric)
            )
        return ok

    return passes


def _reason_kind(reason: str) -> str:
    return reason.split(" (")[0]


def _as_written(condition: Condition, reference: pd.DataFrame) -> Condition:
    """``region=west`` matches case-insensitively but fixes the value as the data writes it
    ("West"), so synthetic rows look like the real ones."""
    if condition.op != "=" or not isinstance(condition.value, str):
        return condition
    values = reference[condition.column]
    written = values[condition.holds(values)].astype(str).str.strip()
    if written.empty:
        return condition
    return Condition(condition.column, "=", written.mode().iloc[0])


def _check_satisfiable(
    examples: pd.DataFrame, conditions: list[Condition], reference: pd.DataFrame
) -> None:
    """An impossible request is refused with what the data does hold, never looped on."""
    if not examples.empty:
        return
    if not conditions:
        raise SynthesisError("No real rows match --like; try other words or drop --like")
    for condition in conditions:
        values = reference[condition.column]
        if not condition.holds(values).any():
            present = values.dropna()
            if present.empty:
                seen = "the column is always empty"
            elif pd.api.types.is_numeric_dtype(present) or condition.op not in ("=", "!="):
                seen = f"its values run from {present.min()} to {present.max()}"
            else:
                top = present.astype(str).value_counts().index[:10]
                seen = "seen values include " + ", ".join(top)
            raise SynthesisError(f"No row has {condition}: {seen}")
    raise SynthesisError(
        f"No row satisfies {' and '.join(map(str, conditions))} together; relax a condition"
    )


def _as_numbers(frame: pd.DataFrame, numeric: list[str]) -> pd.DataFrame:
    """A copy with datetimes as epoch seconds, as the distance and quality code takes them."""
    out = frame.copy()
    for name in numeric:
        out[name] = numbers(out[name])
    return out
