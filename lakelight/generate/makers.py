"""Makes candidate rows from a plan: the copula for numbers and categories, lookups for
derived columns, format-true identifiers and keys, Faker for PII, few-shot LLM or Markov text
for free text, or, in LLM mode, whole rows from the model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lakelight.config import Settings
from lakelight.generate.conditions import Condition
from lakelight.generate.copula import GaussianCopula
from lakelight.generate.fewshot import llm_rows, llm_texts
from lakelight.generate.frames import numbers, to_datetimes
from lakelight.generate.output import plain_rows
from lakelight.generate.plan import ColumnPlan
from lakelight.generate.privacy import Privacy
from lakelight.generate.strata import StratifiedCopula, choose_strata
from lakelight.generate.values import DerivedLookup, IdentifierMaker, KeyMaker, MarkovText
from lakelight.guard.operators import Anonymizer
from lakelight.index.catalog import TableInfo
from lakelight.llm import ChatBackend


class RowMaker:
    def __init__(
        self,
        settings: Settings,
        table: TableInfo,
        plans: Sequence[ColumnPlan],
        examples: pd.DataFrame,
        reference: pd.DataFrame,
        conditions: Sequence[Condition],
        *,
        backend: ChatBackend | None,
        mode: str,
        rng: np.random.Generator,
        fit_on_table: bool,
        label: str | None = None,
        privacy: Privacy | None = None,
    ):
        self.settings, self.table, self.plans, self.rng = settings, table, list(plans), rng
        self.privacy = privacy or Privacy()
        self.backend = backend
        self.mode = "llm" if mode == "llm" or (mode == "auto" and _capable(backend)) else "stats"
        if self.mode == "llm" and not examples.empty:
            self.example_rows = plain_rows(examples[[p.name for p in plans]])
        self.fixed = {c.column: c.value for c in conditions if c.op == "="}
        by_kind: dict[str, list[ColumnPlan]] = {}
        for p in self.plans:
            by_kind.setdefault(p.kind, []).append(p)
        self.by_kind = by_kind
        fit = reference if fit_on_table or examples.empty else examples
        if len(fit) > settings.synth_max_examples:
            fit = fit.sample(settings.synth_max_examples, random_state=int(rng.integers(2**31)))
        self._fit_copula(fit, fit_on_table, label)
        self.constants = {
            p.name: self.fixed.get(p.name, _first(examples, reference, p.name))
            for p in by_kind.get("constant", [])
            if p.name not in self.copula_fixed
        }
        self.derived = {
            p.name: DerivedLookup(reference[p.parent], reference[p.name], rng)
            for p in by_kind.get("derived", [])
            if p.parent is not None
        }
        self.keys = {p.name: KeyMaker(reference[p.name], rng) for p in by_kind.get("key", [])}
        self.identifiers = {
            p.name: IdentifierMaker(
                reference[p.name].dropna().astype(str), set(reference[p.name].astype(str)), rng
            )
            for p in by_kind.get("identifier", [])
        }
        self.fakes = Anonymizer("replace", seed=int(rng.integers(2**31)))
        self.texts: dict[str, list[str]] = {}
        self.markov: dict[str, MarkovText] = {}
        self.text_counts: dict[str, dict[str, int]] = {}
        source = examples if not examples.empty else reference
        for p in by_kind.get("text", []):
            values = source[p.name].dropna().tolist()
            self.markov[p.name] = MarkovText(values, rng)
            self.texts[p.name] = (
                llm_texts(
                    backend,
                    table.name,
                    p.name,
                    values,
                    calls=settings.synth_llm_calls,
                    shots=settings.synth_shots,
                    rng=rng,
                )
                if backend is not None
                else []
            )
            self.text_counts[p.name] = {"llm": 0, "markov": 0}

    def _fit_copula(self, fit: pd.DataFrame, fit_on_table: bool, label: str | None) -> None:
        """Numbers and categories go to the copula. Conditioned columns join it when it is
        fitted to the whole table, so the other columns follow the condition. Otherwise the
        copula is split by the category that tells most about the rest (see ``strata``)."""
        numeric = [p for p in self.plans if p.kind == "numeric"]
        categorical = [p for p in self.plans if p.kind == "categorical"]
        self.copula_fixed: dict[str, Any] = {}
        if fit_on_table:
            for p in self.plans:
                if p.name in self.fixed and p.kind == "constant":
                    (numeric if p.type in ("integer", "float", "datetime") else categorical).append(
                        p
                    )
                    self.copula_fixed[p.name] = self.fixed[p.name]
        self.datetimes = [p.name for p in numeric if p.type == "datetime"]
        self.integers = [p.name for p in numeric if p.type == "integer"]
        frame = fit.copy()
        for name in self.datetimes:
            frame[name] = numbers(frame[name])
        for name in self.datetimes:
            if name in self.copula_fixed:
                value = pd.Series([self.copula_fixed[name]])
                self.copula_fixed[name] = float(numbers(value).iloc[0])
        self.copula: GaussianCopula | StratifiedCopula | None = None
        self.strata: list[str] = []
        num, cat = [p.name for p in numeric], [p.name for p in categorical]
        if not (num or cat):
            return
        if not fit_on_table:
            self.strata = choose_strata(frame, num, cat, prefer=label)
        if self.strata:
            self.copula = StratifiedCopula(
                frame,
                num,
                cat,
                self.strata,
                integer=self.integers,
                rng=self.rng,
                privacy=self.privacy,
            )
        else:
            seed = int(self.rng.integers(2**31))
            self.copula = GaussianCopula(num, cat, seed=seed, privacy=self.privacy).fit(
                frame, integer=self.integers
            )

    def make(self, n: int) -> pd.DataFrame:
        if self.mode == "llm":
            return self._make_llm(n)
        out: dict[str, Any] = {}
        if self.copula is not None:
            sampled = self.copula.sample(n, self.copula_fixed)
            for name in sampled.columns:
                out[name] = sampled[name].to_numpy()
        self._fill_rest(out, n)
        return self._frame(out, n)

    def observe(self, made: pd.DataFrame, kept: pd.DataFrame) -> None:
        """Which of the ``made`` candidates were ``kept``: strata that lose more are drawn
        more (``StratifiedCopula.observe``)."""
        if isinstance(self.copula, StratifiedCopula) and self.mode == "stats":
            self.copula.observe(made, kept)

    def _fill_rest(self, out: dict[str, Any], n: int) -> None:
        for name, value in self.constants.items():
            out[name] = [value] * n
        for name, lookup in self.derived.items():
            parent = next(p.parent for p in self.plans if p.name == name)
            out[name] = lookup.make(list(out[parent])) if parent in out else [None] * n
        for name, keys in self.keys.items():
            out[name] = keys.make(n)
        for name, ids in self.identifiers.items():
            out[name] = ids.make(n)
        for p in self.by_kind.get("pii", []):
            kind = p.pii_type or "PERSON"
            out[p.name] = [self.fakes.fake(kind, column=p.name) for _ in range(n)]
        for p in self.by_kind.get("empty", []):
            out[p.name] = [None] * n
        for name in self.markov:
            out[name] = [self._text(name) for _ in range(n)]

    def _text(self, name: str) -> str:
        pool = self.texts[name]
        if pool:
            self.text_counts[name]["llm"] += 1
            return pool.pop()
        self.text_counts[name]["markov"] += 1
        return self.markov[name].make()

    def _make_llm(self, n: int) -> pd.DataFrame:
        assert self.backend is not None
        names = [p.name for p in self.plans]
        rows = llm_rows(
            self.backend,
            self.table.name,
            names,
            self.example_rows,
            want=n,
            shots=self.settings.synth_shots,
            rng=self.rng,
        )
        out: dict[str, Any] = {name: [r.get(name) for r in rows] for name in names}
        # keys, identifiers and PII never come from the model, which may copy real ones
        generated = {p.name for p in self.plans if p.kind in ("key", "identifier", "pii")}
        rest = {k: v for k, v in out.items() if k not in generated}
        self._fill_rest(rest, len(rows))
        for name in generated:
            out[name] = rest[name]
        for name, value in self.fixed.items():
            out[name] = [value] * len(rows)
        for name in self.datetimes:
            out[name] = numbers(pd.Series(pd.to_datetime(out[name], errors="coerce"))).to_numpy()
        return self._frame(out, len(rows))

    def _frame(self, out: dict[str, Any], n: int) -> pd.DataFrame:
        frame = pd.DataFrame({p.name: out.get(p.name, [None] * n) for p in self.plans})
        for name in self.datetimes:
            frame[name] = to_datetimes(frame[name]).to_numpy()
        for p in self.plans:  # integer codes (pid, zip) too, which a missing value made floats
            if p.type == "integer" and p.kind != "pii":
                values = pd.to_numeric(frame[p.name], errors="coerce")
                frame[p.name] = values.round().astype("Int64")
        return frame

    def text_report(self) -> dict[str, dict[str, int]]:
        return self.text_counts


def _capable(backend: ChatBackend | None) -> bool:
    return backend is not None and backend.capable


def _first(examples: pd.DataFrame, reference: pd.DataFrame, name: str) -> Any:
    for frame in (examples, reference):
        present = frame[name].dropna() if name in frame else pd.Series(dtype=object)
        if not present.empty:
            return present.iloc[0]
    return None
