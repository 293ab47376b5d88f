"""PII detection: pattern recognizers confirmed by checksums and parsers, spaCy NER for
person names, and the column a value came from as context.

    detector = PiiDetector(settings)
    detector.scan("Call me at +1 202-555-0143")          # [Finding(PHONE_NUMBER, …)]
    detector.scan("1982-03-29", context="birth_date")     # [Finding(DATE_OF_BIRTH, …)]
    detector.scan_record({"first_name": "Ana", "sku": "FUR-BO-10001798"})

Entity types are Presidio's names: EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, US_SSN,
IBAN_CODE, IP_ADDRESS, PERSON, STREET_ADDRESS, DATE_OF_BIRTH.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from lakelight.config import Settings, load_settings
from lakelight.guard.finding import Finding, SpanIndex, resolve_overlaps
from lakelight.guard.hints import column_hint, non_person_column
from lakelight.guard.names import could_hold_name, looks_like_name, person_spans, plausible_name
from lakelight.guard.patterns import scan_patterns

__all__ = ["PII_TYPES", "Finding", "PiiDetector", "as_text"]

PII_TYPES = (
    "CREDIT_CARD",
    "DATE_OF_BIRTH",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "IP_ADDRESS",
    "PERSON",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "US_SSN",
)
_COLUMN_SCORE = 0.95  # a whole value in a column known to hold that PII type
_NAMED_COLUMN_SCORE = 0.9  # a name-like value in a person-name column
# One capitalized word in a value of a few words ("Airbrush artist", "Neurosonographer") is a
# job, place or product as often as a name: NER has no sentence to judge it by, so only a
# name column makes it one.
_LONE_WORD_SCORE = 0.4
_SHORT_WORDS = 3
_NAME_COVER = 0.6
_SHORT_VALUE = 6  # words
_HINTED_SCORE = 0.7  # a value of the right shape in a column named for its type
# What a whole value must look like to be PII of its column's type when no recognizer
# confirmed it (national phone formats without a region, streets without a suffix).
_WHOLE_VALUE_FORMS = {
    "PHONE_NUMBER": re.compile(r"\+?[\d(][\d ().\-/]{5,20}\d"),
    "STREET_ADDRESS": re.compile(r"(?=.*\d)(?=.*[^\W\d_]{2})[\w .,'’/#-]{4,120}"),
}
# Column types under which a digit run is never a phone number.
_NOT_PHONE_HINTS = frozenset(
    {"US_SSN", "CREDIT_CARD", "IBAN_CODE", "DATE_OF_BIRTH", "IP_ADDRESS"}
)  # share of a "name" column's value NER must call a person


def as_text(value: Any) -> str:
    """A cell as the text a person would read: dates in ISO form, bytes decoded."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e19:
        return str(int(value))
    return str(value)


_INVISIBLE = " \t\r\n\f\v\ufeff\u200b\u200c\u200d\u2060\xa0"


def _strip(text: str) -> str:
    """`text` without surrounding whitespace, byte-order marks or zero-width characters."""
    return text.strip(_INVISIBLE)


def _whole(pii_type: str, text: str, score: float) -> Finding:
    stripped = _strip(text)
    start = text.index(stripped) if stripped else 0
    return Finding(pii_type, start, start + len(stripped), score, stripped)


class PiiDetector:
    """Finds PII in texts and records. Construct once and reuse: the spaCy model loads on
    first use and is shared by every detector in the process."""

    def __init__(self, settings: Settings | None = None, *, use_ner: bool = True) -> None:
        self.settings = settings or load_settings()
        self.min_score = self.settings.guard_min_score
        self.use_ner = use_ner

    def scan(self, text: str, *, context: str | None = None) -> list[Finding]:
        """Findings in `text`, in text order; `context` is the column name it came from."""
        return self.scan_many([text], [context])[0]

    def scan_many(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> list[list[Finding]]:
        """`scan` for many texts at once, with one batched NER pass over those that need it."""
        if contexts is None:
            contexts = [None] * len(texts)
        if len(contexts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(contexts)} contexts")
        results: list[list[Finding]] = []
        ner_wanted: list[int] = []
        name_columns: set[int] = set()
        for i, (raw, context) in enumerate(zip(texts, contexts, strict=True)):
            text = as_text(raw)
            hint = column_hint(context) if context else None
            found = scan_patterns(text, hint)
            value = _strip(text)
            if hint in _NOT_PHONE_HINTS:
                found = [f for f in found if f.type != "PHONE_NUMBER"]
            form = _WHOLE_VALUE_FORMS.get(hint or "")
            if value and not found and form and form.fullmatch(value):
                found.append(_whole(hint or "", text, _HINTED_SCORE))
            if hint == "PERSON" and value and not found and plausible_name(value):
                found.append(_whole("PERSON", text, _COLUMN_SCORE))
            elif context and non_person_column(context) and len(value.split()) <= _SHORT_VALUE:
                pass  # a city, company or job column: its short values are not people
            elif self.use_ner and value:
                if hint in ("PERSON", "PERSON?") and looks_like_name(value):
                    ner_wanted.append(i)
                    name_columns.add(i)
                elif could_hold_name(text, [(f.start, f.end) for f in found]):
                    ner_wanted.append(i)
            results.append(found)
        if ner_wanted:
            spans = person_spans(
                [as_text(texts[i]) for i in ner_wanted],
                whole=[i in name_columns for i in ner_wanted],
                taken=[[(f.start, f.end) for f in results[i]] for i in ner_wanted],
            )
            for i, persons in zip(ner_wanted, spans, strict=True):
                results[i].extend(
                    self._persons(as_text(texts[i]), persons, results[i], i in name_columns)
                )
        return [
            [f for f in resolve_overlaps(found) if f.score >= self.min_score] for found in results
        ]

    @staticmethod
    def _persons(
        text: str, persons: list[Finding], patterns: list[Finding], name_column: bool
    ) -> list[Finding]:
        """NER's persons minus those inside a structured finding (an email's local part, a
        street's name); in a name column, a person covering most of the value is all of it."""
        index = SpanIndex((f.start, f.end) for f in patterns)
        kept = [p for p in persons if not index.overlaps(p.start, p.end)]
        lone = _strip(text)
        short = len(lone.split()) <= _SHORT_WORDS
        kept = [
            replace(p, score=_LONE_WORD_SCORE) if short and " " not in p.text else p for p in kept
        ]
        if name_column:
            covered = sum(p.end - p.start for p in kept)
            if covered >= _NAME_COVER * len(lone):
                return [_whole("PERSON", text, _NAMED_COLUMN_SCORE)]
        return kept

    def scan_record(
        self, row: Mapping[str, Any], column_types: Mapping[str, str] | None = None
    ) -> dict[str, list[Finding]]:
        """Findings per column of one record (columns without findings are left out). Each
        value is judged with its column name as context; column names are never flagged. A
        column `column_types` marks as PII makes its whole non-empty value a finding."""
        out: dict[str, list[Finding]] = {}
        columns: list[str] = []
        texts: list[str] = []
        for column, value in row.items():
            if value is None:
                continue
            text = as_text(value)
            if not _strip(text):
                continue
            known = column_types.get(column) if column_types else None
            if known:
                out[column] = [_whole(known, text, _COLUMN_SCORE)]
            else:
                columns.append(column)
                texts.append(text)
        for column, found in zip(columns, self.scan_many(texts, columns), strict=True):
            if found:
                out[column] = found
        return out
