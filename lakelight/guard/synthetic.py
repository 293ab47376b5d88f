"""The guard's PII side for synthetic records: which columns of a table hold PII (so the
generator makes fakes for them), and a last screen over generated rows: a row that carries a
real PII value is blocked, and PII that a text generator wrote is replaced by fakes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lakelight.guard.columns import column_pii_types
from lakelight.guard.operators import Anonymizer
from lakelight.guard.pii import PiiDetector
from lakelight.index.catalog import TableInfo

MIN_PII_CHARS = 4  # shorter real values ("Al", "NY") are too common to mean a leak
SENTENCE_WORDS = 4  # mean words per value from which a text column holds sentences


class PiiScreen:
    def __init__(self, detector: PiiDetector, *, seed: int = 0):
        self.detector = detector
        self.fakes = Anonymizer("replace", seed=seed)

    def column_types(self, table: TableInfo, sample: pd.DataFrame) -> dict[str, str]:
        """PII type of each text column of ``table`` that holds PII, judged on ``sample``."""
        columns = {
            c.name: sample[c.name].dropna().astype(str).head(500).tolist()
            for c in table.columns
            if c.type == "string" and c.name in sample
        }
        return column_pii_types(columns, self.detector)

    def clean_synthetic(
        self, frame: pd.DataFrame, text_columns: Sequence[str], real: set[str]
    ) -> tuple[pd.DataFrame, list[str]]:
        """Rows without any of the ``real`` PII values (see ``real_pii_values``), with PII
        detected in ``text_columns`` replaced; and the reason for each blocked row."""
        if frame.empty:
            return frame, []
        reasons: list[str] = []
        keep = pd.Series(True, index=frame.index)
        if real:
            for name in frame.columns:
                hit = frame[name].astype(str).isin(real) & frame[name].notna()
                keep &= ~hit
            reasons += ["carries a real PII value"] * int((~keep).sum())
        frame = frame[keep].reset_index(drop=True)
        for name in [c for c in text_columns if c in frame]:
            texts = frame[name].fillna("").astype(str).tolist()
            # The column itself was judged not PII, so values are scanned as free text, without
            # the column name as context; in short names of things ("Bossa Nova", a title)
            # NER's persons are mostly wrong, so only sentences have persons replaced.
            sentences = np.mean([len(t.split()) for t in texts]) >= SENTENCE_WORDS
            findings = [
                [f for f in found if sentences or f.type != "PERSON"]
                for found in self.detector.scan_many(texts)
            ]
            frame[name] = [
                self.fakes.anonymize(t, f) if f else t for t, f in zip(texts, findings, strict=True)
            ]
        return frame, reasons


def real_pii_values(reference: pd.DataFrame, columns: Sequence[str]) -> set[str]:
    """The real values of a table's PII columns that a synthetic row must never carry."""
    values: set[str] = set()
    for name in columns:
        values |= {v for v in reference[name].dropna().astype(str) if len(v) >= MIN_PII_CHARS}
    return values
