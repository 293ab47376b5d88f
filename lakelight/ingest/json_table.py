"""JSON: an array of objects, an object holding one such array, or JSON lines. Nested objects
are flattened to dotted names (two levels); deeper values, lists and tuples become JSON text."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from lakelight.config import Settings
from lakelight.errors import SourceError
from lakelight.ingest.paths import extension
from lakelight.ingest.row_table import SAMPLE_ROWS, Row, RowTable
from lakelight.ingest.source_file import SAMPLE_BYTES, SourceFile
from lakelight.records import Rejected


def flatten(obj: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Nested objects as dotted keys, two levels deep; deeper objects, lists and tuples as
    JSON text."""
    out: dict[str, Any] = {}
    for k, v in obj.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and depth < 2:
            out.update(flatten(v, f"{name}.", depth + 1))
        elif isinstance(v, dict | list | tuple):
            out[name] = json.dumps(v, ensure_ascii=False, default=str)
        else:
            out[name] = v
    return out


class JsonTable(RowTable):
    """A JSON array of objects, an object holding one such array, or JSON lines."""

    def __init__(self, source: str, table: str, file: SourceFile, settings: Settings):
        self.source, self.table, self.file, self.settings = source, table, file, settings
        self.json_lines = _is_json_lines(file.sample or "", extension(file.path), file.head)
        names: dict[str, None] = {}
        sample: list[dict[str, Any]] = []
        for row, _ in self.rows():  # one pass for the full set of keys: JSON has no header
            if isinstance(row, dict):
                names.update(dict.fromkeys(row))
                if len(sample) < SAMPLE_ROWS:
                    sample.append(row)
        self._init_schema(list(names), sample, None)

    def rows(self) -> Iterator[Row]:
        if not self.json_lines:
            yield from self._document()
            return
        for n, line in enumerate(self.file.lines(), 1):
            location = f"{self.file.label}:{n}"
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Rejected(location, f"invalid JSON: {exc.msg} at column {exc.colno}"), ""
                continue
            if not isinstance(obj, dict):
                yield Rejected(location, f"expected an object, got {type(obj).__name__}"), ""
                continue
            yield flatten(obj), location

    def _document(self) -> Iterator[Row]:
        with self.file.open_text() as text:
            try:
                doc = json.load(text)
            except json.JSONDecodeError as exc:
                raise SourceError(
                    f"{self.file.path}: invalid JSON at line {exc.lineno}: {exc.msg}"
                ) from exc
            except RecursionError as exc:
                raise SourceError(f"{self.file.path}: JSON nested too deeply to read") from exc
        if isinstance(doc, dict):
            arrays = [
                v
                for v in doc.values()
                if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
            ]
            doc = arrays[0] if len(arrays) == 1 else [doc]
        elif not isinstance(doc, list):
            doc = [doc]
        for n, obj in enumerate(doc, 1):
            location = f"{self.file.label}[{n - 1}]"
            if isinstance(obj, dict):
                yield flatten(obj), location
            else:
                yield Rejected(location, f"expected an object, got {type(obj).__name__}"), ""


def _is_json_lines(sample: str, ext: str, head: bytes) -> bool:
    """JSON lines unless the sample is one JSON document (an array, or an object spread over
    lines). By name (.jsonl, .ndjson), always lines."""
    if ext in (".jsonl", ".ndjson"):
        return True
    text = sample.strip()
    if not text:
        return True  # nothing to read either way
    if text.startswith("["):
        return False
    if len(head) < SAMPLE_BYTES:
        try:
            json.loads(text)
            return False  # the whole file is one document
        except json.JSONDecodeError:
            pass
    lines = [ln for ln in text.splitlines() if ln.strip()][:50]
    parsed = 0
    for line in lines:
        with contextlib.suppress(json.JSONDecodeError):
            parsed += isinstance(json.loads(line), dict)
    return parsed * 2 >= len(lines) and parsed > 0
