"""CSV (and TSV and other delimited text): dialect sniffed, header detected by column types,
records read line by line. A record that spans several lines with the wrong number of fields
comes from an unbalanced quote: its first line is rejected and the rest read again."""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter, deque
from collections.abc import Iterator

from lakelight.config import Settings
from lakelight.errors import first_line
from lakelight.ingest.paths import extension
from lakelight.ingest.row_table import SAMPLE_ROWS, Row, RowTable
from lakelight.ingest.rows import infer_type, value_type
from lakelight.ingest.source_file import SourceFile
from lakelight.records import Rejected

csv.field_size_limit(sys.maxsize)  # oversize cells are rejected per row by RecordBuilder


def sniff_dialect(sample: str, ext: str) -> type[csv.Dialect] | None:
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        return None
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        if ext in (".tsv", ".tab"):
            return csv.excel_tab
        return csv.excel if ext == ".csv" else None
    dialect.doublequote = True
    return dialect


def _looks_like_header(first: list[str], rows: list[list[str]]) -> bool:
    """Whether the first row names the columns. Each column votes: a text cell atop a typed
    column (numbers, dates, booleans) says header; a cell of its column's own type, or a text
    cell repeated below, says data. With no vote (only text columns, or no rows below),
    distinct non-empty cells that are not typed values are a header."""
    cells = [c.strip() for c in first]
    named = [c for c in cells if c]
    if not named or len(set(named)) != len(named):
        return False
    header = data = 0
    for i, cell in enumerate(cells):
        cell_type = value_type(cell)
        if cell_type is None:
            continue  # an empty header cell (e.g. a pandas index column) says nothing
        column = [r[i] for r in rows if i < len(r)]
        column_type = infer_type(column)
        if column_type == "string":
            if cell in {c.strip() for c in column}:
                data += 1
        elif cell_type == column_type or {cell_type, column_type} == {"integer", "float"}:
            data += 1
        else:
            header += 1
    if header or data:
        return header > data
    return all(value_type(c) in (None, "string") for c in cells)


def _usual_width(rows: list[list[str]]) -> int:
    counts = Counter(len(r) for r in rows)
    if not counts:
        return 0
    top = max(counts.values())
    return max(width for width, n in counts.items() if n == top)


def _fit(cells: list[str], width: int) -> list[str]:
    if len(cells) > width and not any(c.strip() for c in cells[width:]):
        return cells[:width]  # trailing delimiters
    return cells


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


class _LineFeed:
    """Physical lines for csv.reader, numbered, remembering those of the current record so
    that they can be read again (after an unclosed quote swallowed them)."""

    def __init__(self, lines: Iterator[str], limit: int):
        self._lines = lines
        self._again: deque[tuple[int, str]] = deque()
        self._next = 1
        self._limit = limit
        self._size = 0
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.popleft()
        else:
            line = next(self._lines)
            number, self._next = self._next, self._next + 1
        self.taken.append((number, line))
        self._size += len(line)
        if len(self.taken) > 1 and self._size > self._limit:
            raise _RunawayRecord
        return line

    def start_record(self) -> None:
        self.taken, self._size = [], 0

    def read_again(self, lines: list[tuple[int, str]]) -> None:
        self._again.extendleft(reversed(lines))


class _RunawayRecord(Exception):
    """A quoted field ran on for more than any cell may hold."""


def _csv_records(
    lines: Iterator[str], dialect: type[csv.Dialect], width: int, limit: int, label: str
) -> Iterator[tuple[list[str], int] | Rejected]:
    """(cells, first line number) of each CSV record, or a Rejected line. A record that spans
    several lines yet has the wrong number of fields comes from an unbalanced quote: its
    first line is rejected and the lines after it are read again as records of their own."""
    feed = _LineFeed(lines, limit)
    reader = csv.reader(feed, dialect)
    while True:
        feed.start_record()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (_RunawayRecord, csv.Error) as exc:
            number = feed.taken[0][0] if feed.taken else 0
            reason = (
                f"a quoted field runs on past {limit / 1e6:g} MB (unbalanced quote?)"
                if isinstance(exc, _RunawayRecord)
                else f"unreadable CSV: {first_line(exc)}"
            )
            yield Rejected(f"{label}:{number}", reason)
            feed.read_again(feed.taken[1:])
            reader = csv.reader(feed, dialect)
            continue
        first = feed.taken[0][0]
        fitted = _fit(cells, width)
        if len(feed.taken) > 1 and len(fitted) != width and not _blank(cells):
            yield Rejected(
                f"{label}:{first}",
                f"has {len(fitted)} fields, expected {width}, over {len(feed.taken)} lines "
                "(unbalanced quote?)",
            )
            feed.read_again(feed.taken[1:])
            reader = csv.reader(feed, dialect)
            continue
        yield fitted, first


class CsvTable(RowTable):
    def __init__(self, source: str, table: str, file: SourceFile, settings: Settings):
        self.source, self.table, self.file, self.settings = source, table, file, settings
        text = file.sample or ""
        self.dialect = sniff_dialect(text, extension(file.path)) or csv.excel
        head_rows = [r for r in csv.reader(io.StringIO(text), self.dialect) if not _blank(r)]
        head_rows = head_rows[: SAMPLE_ROWS + 1]
        self.has_header = bool(head_rows) and _looks_like_header(head_rows[0], head_rows[1:])
        if self.has_header:
            self.names = _unique_names(head_rows[0])
            data = head_rows[1:]
        else:
            width = _usual_width(head_rows)
            self.names = [f"column_{i + 1}" for i in range(width)]
            data = head_rows
        width = len(self.names)
        sample = [
            dict(zip(self.names, cells, strict=True))
            for cells in (_fit(r, width) for r in data)
            if len(cells) == width
        ]
        self._init_schema(self.names, sample, None)

    def rows(self) -> Iterator[Row]:
        width = len(self.names)
        limit = max(4 * self.settings.max_cell_bytes, 1 << 20)
        header_pending = self.has_header
        records = _csv_records(self.file.lines(), self.dialect, width, limit, self.file.label)
        for item in records:
            if isinstance(item, Rejected):
                yield item, item.location
                continue
            cells, line = item
            if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
                continue
            if header_pending:
                header_pending = False
                continue
            location = f"{self.file.label}:{line}"
            if len(cells) != width:
                yield Rejected(location, f"has {len(cells)} fields, expected {width}"), location
                continue
            yield dict(zip(self.names, cells, strict=True)), location


def _unique_names(header: list[str]) -> list[str]:
    names: list[str] = []
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff") or f"column_{i + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names
