"""The output policy: what PII may leave in answers and citations, per source.

Every answer and citation passes ``OutputGuard.clean`` before it reaches a person. Types in
``guard_always`` (cards, SSNs, IBANs by default) are removed from everything; a source that
matches ``guard_sensitive_sources`` has every PII type removed, whole columns included when
the column holds PII (judged once per table on a sample of its rows, so a column of names is
PII even where one value alone looks harmless). Removal uses ``guard_operator``. A value
removed from a citation is removed from the answer text too, wherever it appears.
"""

from __future__ import annotations

import fnmatch
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lakelight.config import Settings
from lakelight.guard.columns import column_pii_types
from lakelight.guard.finding import Finding
from lakelight.guard.operators import Anonymizer
from lakelight.guard.pii import PII_TYPES, PiiDetector, as_text
from lakelight.index.catalog import Catalog
from lakelight.index.materialize import table_for
from lakelight.records import Citation

_SAMPLE_ROWS = 300
SALT_FILE = "guard.salt"


@dataclass
class Cleaned:
    text: str
    citations: list[Citation]
    removed: dict[str, int] = field(default_factory=dict)  # PII type → values removed


class OutputGuard:
    def __init__(self, settings: Settings, detector: PiiDetector, catalog: Catalog):
        self.settings, self.detector, self.catalog = settings, detector, catalog
        # names need NER; the structured types (cards, SSNs, IBANs) do not
        self.patterns_only = PiiDetector(settings, use_ner=False)
        self.anonymizer = Anonymizer(settings.guard_operator, seed=0, salt=hash_salt(settings))
        self._columns: dict[tuple[str, str], dict[str, str]] = {}

    def blocked_types(self, source: str) -> set[str]:
        if any(fnmatch.fnmatchcase(source, p) for p in self.settings.guard_sensitive_sources):
            return set(PII_TYPES)
        return set(self.settings.guard_always)

    def column_types(self, source: str, table: str) -> dict[str, str]:
        """PII type per column of a table, judged once on a sample of its rows."""
        key = (source, table)
        if key not in self._columns:
            info = next((t for t in self.catalog.list_tables() if (t.source, t.name) == key), None)
            sample: dict[str, list[Any]] = {}
            if info is not None:
                mat = table_for(info.sql_name, info.columns)
                with self.catalog.connect() as conn:
                    rows = conn.execute(sa.select(mat).limit(_SAMPLE_ROWS)).mappings().all()
                sample = {
                    c.name: [r[c.name] for r in rows] for c in info.columns if c.type == "string"
                }
            self._columns[key] = column_pii_types(sample, self.detector) if sample else {}
        return self._columns[key]

    def clean(self, text: str, citations: Sequence[Citation]) -> Cleaned:
        removed: dict[str, int] = {}
        replaced: dict[str, str] = {}
        out: list[Citation] = []
        for citation in citations:
            blocked = self.blocked_types(citation.source)
            if not blocked:
                out.append(citation)
                continue
            sensitive = blocked == set(PII_TYPES)
            columns = self.column_types(citation.source, citation.table) if sensitive else {}
            row = self._clean_row(citation.row, blocked, columns, removed, replaced)
            out.append(Citation(citation.source, citation.table, citation.key, row))
        for original in sorted(replaced, key=len, reverse=True):
            text = text.replace(original, replaced[original])
        blocked_any = (
            set().union(*(self.blocked_types(c.source) for c in citations))
            if citations
            else set(self.settings.guard_always)
        )
        detector = self.detector if "PERSON" in blocked_any else self.patterns_only
        findings = [f for f in detector.scan(text) if f.type in blocked_any] if text else []
        if findings:
            for f in findings:
                removed[f.type] = removed.get(f.type, 0) + 1
            text = self.anonymizer.anonymize(text, findings)
        return Cleaned(text, out, removed)

    def _clean_row(
        self,
        row: Mapping[str, Any],
        blocked: set[str],
        columns: Mapping[str, str],
        removed: dict[str, int],
        replaced: dict[str, str],
    ) -> dict[str, Any]:
        detector = self.detector if "PERSON" in blocked else self.patterns_only
        found = detector.scan_record(row, columns)
        clean = dict(row)
        for column, findings in found.items():
            keep = [f for f in findings if f.type in blocked]
            if not keep:
                continue
            original = as_text(row[column])
            new = self.anonymizer.anonymize(original, keep)
            clean[column] = new
            for f in keep:
                removed[f.type] = removed.get(f.type, 0) + 1
                replaced[f.text] = _replacement(f, original, new)
        return clean


def hash_salt(settings: Settings) -> str:
    """The hash operator's salt: the setting, or a random one kept in the workspace."""
    if settings.guard_hash_salt is not None:
        return settings.guard_hash_salt.get_secret_value()
    path = settings.home / SALT_FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        settings.home.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_hex(16)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(salt)
        return salt


def _replacement(finding: Finding, original: str, new: str) -> str:
    """What ``finding``'s text became (the whole new value when it was the whole value)."""
    if finding.start == 0 and finding.end >= len(original.rstrip()):
        return new
    prefix, suffix = original[: finding.start], original[finding.end :]
    if new.startswith(prefix) and new.endswith(suffix):
        return new[len(prefix) : len(new) - len(suffix) if suffix else None]
    return new
