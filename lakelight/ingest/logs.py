"""The log connector: log files become Records, one per entry, formats detected per line.

A file may mix formats (see ``log_formats``). An entry is one line plus the continuation lines
that follow it (indented lines, "at ...", "Caused by:", "... 12 more", a Python traceback and
its closing "ValueError: ..." line, closing brackets, java.util.logging's "LEVEL: message"
line, the body under a bare header such as Erlang's "=INFO REPORT==== <time> ===="), merged
into its message. Blank lines are skipped; lines starting with ``#`` are comments, skipped and
counted, and do not end an entry. A line no format knows is kept as a ``raw`` record; a line
with NUL bytes or over ``max_cell_bytes`` is Rejected and its neighbours are kept.

Columns: the standard fields some sampled entry has (timestamp, host, program, pid, level, ip,
user, method, path, protocol, status, bytes, referrer, user_agent) and always ``message``; then
always the event fields of ``log_events`` (event_category, event_action, event_outcome,
auth_method, http_status_class: what the entry's first line reports, or None); then the other
keys of JSON / logfmt entries in the sample (up to MAX_ATTR_COLUMNS, typed from the sample,
renamed ``log_<key>`` if they clash with a column); then ``format``, ``file``, ``line`` and
always ``extra``: a JSON object of whatever an entry has that no column holds (keys first seen
after the sample, values that do not fit their column's type, RFC 5424 msgid and structured
data), or None. Timestamps are ISO 8601 text; a syslog timestamp without a year
gets ``timestamps.YEARLESS_YEAR`` (1904).

A record's key is ``<file_label>:<line>``, the line its entry starts on. Its text is
``rows.record_text`` over the message first, then the other non-empty values the message does
not already show, and the event fields whatever the message shows; file, line and format are
left out.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from lakelight.config import Settings
from lakelight.errors import SourceError
from lakelight.ingest.log_events import EVENT_FIELDS, classify_event
from lakelight.ingest.log_fields import (
    STANDARD_FIELDS,
    find_ip,
    find_user,
    normalize_level,
    scan_level,
)
from lakelight.ingest.log_formats import LineParser, Parsed
from lakelight.ingest.rows import MAX_TEXT_VALUE_CHARS, infer_type, record_text, value_type
from lakelight.records import Batch, Column, ColumnType, Record, Rejected, TableSchema

__all__ = ["MAX_ATTR_COLUMNS", "SAMPLE_ENTRIES", "LogTable", "looks_like_log"]

SAMPLE_ENTRIES = 1000
MAX_ATTR_COLUMNS = 64
_TAIL_COLUMNS = ("format", "file", "line", "extra")
_TYPES: dict[str, ColumnType] = {
    "timestamp": "datetime", "pid": "integer", "status": "integer", "bytes": "integer",
    "line": "integer",
}  # fmt: skip
# Formats whose message is free text worth searching for an ip, a user, a level.
_FREE_TEXT = frozenset({"syslog", "timestamped", "nginx_error", "rfc5424", "json", "logfmt", "raw"})

# Lines that continue the entry before them whatever they hold ...
_CONTINUATION = re.compile(
    r"\s|at\s|Caused by:|Suppressed:|\.\.\. \d+ (?:more|common frames omitted)"
    r"|Traceback \(most recent call last\)|During handling of the above exception"
    r"|The above exception was the direct cause"
)
# ... and lines that do when no format knows them: an exception line ending a traceback
# ("ValueError: boom", "java.lang.IllegalStateException: x"), closing brackets.
_CONTINUATION_RAW = re.compile(
    r"(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*(?:Error|Exception|Exit|Interrupt|Warning|Throwable"
    r"|Failure|Fault)(?::|$)|[\]})]+[,;]?$"
)
# java.util.logging's second line ("WARNING: message") after a header line that had no level
_JUL_LEVEL = re.compile(r"(SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST): ")


_CONTINUATION_FIRST = frozenset(" \t\f\vaCS.TD")  # first characters _CONTINUATION can match


class _Entry:
    __slots__ = ("attrs", "conts", "fields", "format", "line", "size")

    def __init__(self, line: int, parsed: Parsed, size: int) -> None:
        self.line = line
        self.format, self.fields, self.attrs = parsed
        self.conts: list[str] | None = None
        self.size = size

    def finish(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Standard fields (continuations merged, ip/user/level found in the text) and attrs."""
        fields = self.fields
        head = fields.get("message")
        body = "\n".join(self.conts) if self.conts else ""
        if body:
            fields["message"] = f"{head}\n{body}" if head is not None else body
        if self.format in _FREE_TEXT:
            # the first line says what happened; continuation lines only fill gaps
            if fields.get("ip") is None:
                fields["ip"] = (head and find_ip(head)) or (body and find_ip(body)) or None
            if fields.get("user") is None:
                fields["user"] = (head and find_user(head)) or (body and find_user(body)) or None
            if fields.get("level") is None and head:
                fields["level"] = scan_level(head)
        return fields, self.attrs


class _Reader:
    """Physical lines to entries and Rejected lines, counting comments and merged lines."""

    def __init__(self, file_label: str, max_bytes: int) -> None:
        self.file_label = file_label
        self.max_bytes = max_bytes
        self.comments = 0
        self.continuations = 0

    def _rejected(self, number: int, size: int | None) -> Rejected:
        if size is None:
            return Rejected(f"{self.file_label}:{number}", "line contains NUL bytes")
        limit = self.max_bytes
        reason = f"line is {size / 1e6:.1f} MB, over the {limit / 1e6:g} MB cell limit"
        return Rejected(f"{self.file_label}:{number}", reason + " (LAKELIGHT_MAX_CELL_BYTES)")

    def entries(self, stream: TextIO) -> Iterator[_Entry | Rejected]:
        max_bytes = self.max_bytes
        limit = max_bytes + 1  # characters: a line that long is over the limit in bytes too
        readline = stream.readline
        parse = LineParser().parse
        pending: _Entry | None = None
        number = 0
        while chunk := readline(limit):
            number += 1
            if len(chunk) == limit and chunk[-1] not in "\r\n":
                # over-long: read the rest in pieces, so it never has to fit in memory
                size = len(chunk.encode("utf-8", "replace"))
                while (more := readline(limit)) and more[-1] not in "\r\n":
                    size += len(more.encode("utf-8", "replace"))
                if chunk.lstrip("\ufeff")[:1] == "#":
                    self.comments += 1
                else:
                    yield self._rejected(number, size + len(more))
                continue
            line = chunk.rstrip()
            if number == 1:
                line = line.lstrip("\ufeff")
            if not line:
                continue
            first = line[0]
            if first == "#":
                self.comments += 1
                continue
            if "\x00" in line:
                yield self._rejected(number, None)
                continue
            size = len(line) if line.isascii() else len(line.encode("utf-8", "replace"))
            if size > max_bytes:
                yield self._rejected(number, size)
                continue
            if pending is None:
                parsed = parse(line.lstrip())
            elif (
                first in _CONTINUATION_FIRST
                and _CONTINUATION.match(line)
                and self._merge(pending, line, size)
            ):
                continue
            else:
                parsed = parse(line)
                if parsed[0] == "raw" and self._continues(pending, line, size):
                    continue
                yield pending
            pending = _Entry(number, parsed, size)
        if pending is not None:
            yield pending

    def _continues(self, pending: _Entry, line: str, size: int) -> bool:
        """Whether a line no format knows belongs to the entry before it."""
        if _CONTINUATION_RAW.match(line) or pending.fields.get("message") == "":
            return self._merge(pending, line, size)
        jul = _JUL_LEVEL.match(line)
        if jul and pending.fields.get("level") is None and not pending.conts:
            merged = self._merge(pending, line, size)
            if merged:
                pending.fields["level"] = normalize_level(jul.group(1))
            return merged
        return False

    def _merge(self, pending: _Entry, line: str, size: int) -> bool:
        """Append a continuation line, unless the entry would outgrow the cell limit."""
        size += pending.size + 1
        if size > self.max_bytes:
            return False
        pending.size = size
        if pending.conts is None:
            pending.conts = []
        pending.conts.append(line)
        self.continuations += 1
        return True


def _unique_name(key: str, taken: set[str]) -> str:
    """A column name for a JSON/logfmt key that differs, ignoring case, from every other one."""
    name = key or "key"
    while name.lower() in taken:
        name = f"log_{name}"
    taken.add(name.lower())
    return name


def _fits(value: Any, type_: ColumnType) -> Any:
    """The value as its column's type holds it, or ... (Ellipsis) when it does not fit."""
    if type_ == "string":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    kind = value_type(value)
    if kind == type_ or (kind == "integer" and type_ == "float"):
        if isinstance(value, str):
            if type_ == "integer":
                return int(value)
            if type_ == "float":
                return float(value)
            if type_ == "boolean":
                return value.strip().lower() in ("true", "yes")
        return float(value) if type_ == "float" else value
    return ...


class LogTable:
    """One log file as a table (satisfies ``records.TableStream``). ``open_text`` must return a
    fresh decoded text stream on each call: the schema is read from a sample of the first
    SAMPLE_ENTRIES entries, then ``batches`` reads the file again from the start.
    ``comments_skipped`` and ``continuation_lines`` count the whole file once ``batches`` is
    exhausted: non-blank, non-comment lines == records + rejected + continuation_lines."""

    def __init__(
        self,
        source: str,
        table: str,
        file_label: str,
        open_text: Callable[[], TextIO],
        settings: Settings,
    ) -> None:
        self.source = source
        self.table = table
        self.file_label = file_label
        self._open_text = open_text
        self._batch_size = settings.read_batch_size
        self._max_bytes = settings.max_cell_bytes
        self.comments_skipped = 0
        self.continuation_lines = 0
        self._attr_columns: dict[str, tuple[str, ColumnType]] = {}
        self.schema = self._sample_schema()
        names = [c.name for c in self.schema.columns]
        self._empty: dict[str, Any] = dict.fromkeys(names)
        self._standard = frozenset(names) & frozenset(STANDARD_FIELDS)

    def _read(self, reader: _Reader) -> Iterator[_Entry | Rejected]:
        try:
            with self._open_text() as stream:
                yield from reader.entries(stream)
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"Cannot read log file {self.file_label}: {exc}") from exc

    def _sample_schema(self) -> TableSchema:
        present: set[str] = set()
        attr_values: dict[str, list[Any]] = {}
        entries = 0
        for item in self._read(_Reader(self.file_label, self._max_bytes)):
            if isinstance(item, Rejected):
                continue
            fields, attrs = item.finish()
            present.update(k for k, v in fields.items() if v is not None)
            for key, value in (attrs or {}).items():
                if key in attr_values or len(attr_values) < MAX_ATTR_COLUMNS:
                    attr_values.setdefault(key, []).append(value)
            entries += 1
            if entries >= SAMPLE_ENTRIES:
                break
        present.add("message")
        columns = [Column(n, _TYPES.get(n, "string")) for n in STANDARD_FIELDS if n in present]
        columns += [Column(n, "string") for n in EVENT_FIELDS]
        taken = {n.lower() for n in (*STANDARD_FIELDS, *EVENT_FIELDS, *_TAIL_COLUMNS)}
        for key, values in attr_values.items():
            name = _unique_name(key, taken)
            type_ = infer_type(v if not isinstance(v, dict | list) else "[]" for v in values)
            self._attr_columns[key] = (name, type_)
            columns.append(Column(name, type_))
        columns += [Column(n, _TYPES.get(n, "string")) for n in _TAIL_COLUMNS]
        return TableSchema(self.source, self.table, columns, [], kind="log", key_origin="file_line")

    def _record(self, entry: _Entry) -> Record:
        fields, attrs = entry.finish()
        row = self._empty.copy()
        # The text leads with the message, which says most about an entry. A value the message
        # already shows (an access log line's status, the ip a syslog message names) is left
        # out of it, and so are file, line and format, which say little.
        message = fields.get("message")
        shown = message[:MAX_TEXT_VALUE_CHARS] if message else ""
        text: dict[str, Any] = {"message": message}
        extra: dict[str, Any] = {}
        for name, value in fields.items():
            if value is None:
                continue
            if name not in self._standard:  # a standard field no sampled entry had
                extra[name] = value
                continue
            row[name] = value
            if name != "message" and (value if type(value) is str else str(value)) not in shown:
                text[name] = value
        # What the entry reports (log_events), read from its first line. These labels go in
        # the text even when the message shows the same words: they are what people ask by.
        head = message.partition("\n")[0] if message and entry.conts else message
        event = classify_event(entry.format, fields, head)
        if event is not None:
            for name, value in event.items():
                row[name] = value
                if value is not None:
                    text[name] = value
        if attrs:
            for key, value in attrs.items():
                column = self._attr_columns.get(key)
                converted = _fits(value, column[1]) if column else ...
                if column is None or converted is ...:
                    extra[key] = value
                else:
                    row[column[0]] = text[column[0]] = converted
        if extra:
            row["extra"] = text["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
        row["format"] = entry.format
        row["file"] = self.file_label
        row["line"] = entry.line
        key = f"{self.file_label}:{entry.line}"
        return Record(self.source, self.table, key, row, record_text(self.table, text))

    def batches(self) -> Iterator[Batch]:
        reader = _Reader(self.file_label, self._max_bytes)
        batch = Batch()
        for item in self._read(reader):
            if isinstance(item, Rejected):
                batch.rejected.append(item)
            else:
                batch.records.append(self._record(item))
            if len(batch.records) >= self._batch_size or len(batch.rejected) >= self._batch_size:
                self._count(reader)
                yield batch
                batch = Batch()
        self._count(reader)
        if batch.records or batch.rejected:
            yield batch

    def _count(self, reader: _Reader) -> None:
        self.comments_skipped = reader.comments
        self.continuation_lines = reader.continuations


def looks_like_log(sample_lines: list[str]) -> bool:
    """True when most entries of the sample (non-blank, non-comment lines less continuation
    lines) match a known log format. A JSON line counts when it has two of timestamp, message
    and level; a logfmt line when it has a timestamp or a level. So a JSON-lines table whose
    rows merely carry a date is not taken for a log."""
    reader = _Reader("sample", 1 << 30)
    matched = total = 0
    text = "\n".join(line.rstrip("\r\n") for line in sample_lines)
    for item in reader.entries(io.StringIO(text)):
        if isinstance(item, Rejected):
            continue
        total += 1
        fields = item.fields
        if item.format == "json":
            matched += sum(fields.get(k) is not None for k in ("timestamp", "message", "level")) > 1
        elif item.format == "logfmt":
            matched += fields.get("timestamp") is not None or fields.get("level") is not None
        elif item.format != "raw":
            matched += 1
    return total > 0 and matched * 2 > total
