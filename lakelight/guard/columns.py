"""Which columns of a table hold PII: by what their name says, or by what most of their
sampled values are. The profile-driven guard removes such columns from what leaves;
synthesis replaces them with Faker values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from lakelight.guard.hints import column_hint
from lakelight.guard.pii import PiiDetector, as_text

__all__ = ["VALUE_SHARE", "column_pii_types"]

VALUE_SHARE = 0.6  # share of sampled non-empty values that must be one PII type
_SAMPLE = 200
_COVER = 0.6  # share of a value's characters a finding must cover to make the value PII


def _sample(values: Sequence[Any], n: int) -> list[str]:
    texts = [t for t in (as_text(v) for v in values if v is not None) if t.strip()]
    if len(texts) <= n:
        return texts
    step = len(texts) / n
    return [texts[int(i * step)] for i in range(n)]


def column_pii_types(
    columns: Mapping[str, Sequence[Any]],
    detector: PiiDetector | None = None,
    *,
    sample: int = _SAMPLE,
) -> dict[str, str]:
    """PII type per column that holds PII ({"email": "EMAIL_ADDRESS"}); other columns are left
    out. A column is type T when its name says so (email, phone, ssn, iban, first_name, …) or
    when at least 60% of its sampled non-empty values are mostly a finding of type T."""
    out: dict[str, str] = {}
    pending: list[tuple[str, list[str]]] = []
    for name, values in columns.items():
        hint = column_hint(name)
        if hint and not hint.endswith("?"):
            out[name] = hint
            continue
        texts = _sample(values, sample)
        if texts:
            pending.append((name, texts))
    if not pending:
        return out
    detector = detector or PiiDetector()
    flat = [t for _, texts in pending for t in texts]
    contexts = [name for name, texts in pending for _ in texts]
    results = iter(detector.scan_many(flat, contexts))
    for name, texts in pending:
        votes: Counter[str] = Counter()
        for text in texts:
            length = len(text.strip())
            covered: Counter[str] = Counter()
            for f in next(results):
                covered[f.type] += f.end - f.start
            for pii_type, n in covered.items():
                if n >= _COVER * length:
                    votes[pii_type] += 1
        if votes:
            pii_type, n = votes.most_common(1)[0]
            if n >= VALUE_SHARE * len(texts):
                out[name] = pii_type
    return dict(sorted(out.items(), key=lambda kv: list(columns).index(kv[0])))
