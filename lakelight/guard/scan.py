"""``lakelight guard scan``: PII findings in a file or a piece of text. CSV, JSON lines and
JSON arrays are judged record by record with column names as context (the names themselves
are never flagged); any other file line by line; a target that is no file is the text itself.
Findings give where and what type, never the PII text."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from lakelight.errors import SourceError
from lakelight.guard.pii import PiiDetector, as_text

__all__ = ["looks_like_path", "scan_target"]

_BATCH = 512  # records or lines per scan_many call
_TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
_PATH_SUFFIXES = {*_TABLE_SUFFIXES, *_JSON_SUFFIXES, ".txt", ".log", ".md", ".xml", ".yaml"}


def looks_like_path(target: str) -> bool:
    """One word that starts like a path or ends in a file suffix lakelight reads."""
    if not target or any(ch.isspace() for ch in target) or "://" in target or "@" in target:
        return False
    return target.startswith(("/", "./", "../", "~")) or Path(target).suffix.lower() in (
        _PATH_SUFFIXES
    )


def scan_target(target: str, detector: PiiDetector) -> list[dict[str, Any]]:
    """Findings as dicts: type, start, end, score, plus row and column (records) or line
    (text files); rows and lines count from 1, the header row not counted."""
    path = Path(target).expanduser()
    try:
        is_file = len(target) < 4096 and "\n" not in target and path.is_file()
    except OSError:
        is_file = False
    if not is_file:
        if looks_like_path(target):
            what = "is a folder" if path.is_dir() else "does not exist"
            raise SourceError(f"{target} {what}: give a file to scan, or the text itself")
        return [_finding(f) for f in detector.scan(target)]
    try:
        suffix = path.suffix.lower()
        if suffix in _TABLE_SUFFIXES:
            return _scan_records(_csv_rows(path, _TABLE_SUFFIXES[suffix]), detector)
        if suffix in _JSON_SUFFIXES:
            return _scan_records(_json_rows(path), detector)
        return _scan_lines(path, detector)
    except OSError as exc:
        raise SourceError(f"Cannot read {target}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(f"Cannot read {target}: not UTF-8 text ({exc.reason})") from exc


def _finding(f: Any, **where: Any) -> dict[str, Any]:
    return {**where, "type": f.type, "start": f.start, "end": f.end, "score": round(f.score, 3)}


def _csv_rows(path: Path, delimiter: str) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=delimiter):
            yield {k: v for k, v in row.items() if k is not None}


def _json_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        head = fh.read(1)
        while head and head.isspace():
            head = fh.read(1)
        if head == "[":
            try:
                items = json.loads(head + fh.read())
            except json.JSONDecodeError as exc:
                raise SourceError(f"{path.name} is not valid JSON: {exc}") from exc
            for item in items:
                yield item if isinstance(item, dict) else {"value": item}
            return
        for n, line in enumerate(_prepend(head, fh), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SourceError(f"{path.name} line {n} is not valid JSON: {exc.msg}") from exc
            yield item if isinstance(item, dict) else {"value": item}


def _prepend(head: str, lines: Iterable[str]) -> Iterator[str]:
    first = True
    for line in lines:
        yield head + line if first else line
        first = False
    if first and head:
        yield head


def _flatten(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return as_text(value)


def _scan_records(rows: Iterator[dict[str, Any]], detector: PiiDetector) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    number = 0
    while batch := list(islice(rows, _BATCH)):
        where: list[tuple[int, str]] = []
        texts: list[str] = []
        for row in batch:
            number += 1
            for column, value in row.items():
                if value is None:
                    continue
                text = _flatten(value)
                if text.strip():
                    where.append((number, str(column)))
                    texts.append(text)
        found = detector.scan_many(texts, [column for _, column in where])
        for (row_number, column), findings in zip(where, found, strict=True):
            out.extend(_finding(f, row=row_number, column=column) for f in findings)
    return out


def _scan_lines(path: Path, detector: PiiDetector) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        lines = enumerate((line.rstrip("\r\n") for line in fh), 1)
        while batch := list(islice(lines, _BATCH)):
            found = detector.scan_many([text for _, text in batch])
            for (n, _), findings in zip(batch, found, strict=True):
                out.extend(_finding(f, line=n) for f in findings)
    return out
