"""Data-lake files: CSV, Parquet, JSON / JSON lines and logs, local or any fsspec URL (s3://…),
one file, a folder or a glob. Compression (.gz, .bz2, .xz, .zst) is inferred from the name, or
from the first bytes when the name does not say.

In a folder, files and folders whose name starts with ``.`` or ``_`` are skipped (hidden files,
``_SUCCESS`` markers, ``_delta_log``), as pyarrow and Spark do. One table per file; with
``table=``, all files are one table (a partitioned table) with unique keys."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import posixpath
import re
import sys
import unicodedata
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any, BinaryIO, TextIO

import fsspec
from fsspec.core import url_to_fs

from lakelight.config import Settings
from lakelight.errors import LakelightError, SourceError, UnsupportedFormatError
from lakelight.ingest.rows import RecordBuilder, detect_key, infer_columns, infer_type, value_type
from lakelight.records import Batch, Column, ColumnType, Rejected, TableSchema, TableStream

csv.field_size_limit(sys.maxsize)  # oversize cells are rejected per row by RecordBuilder

_COMPRESSIONS = {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"}
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".log": "log",
}
SAMPLE_BYTES = 256 * 1024
SAMPLE_ROWS = 1000
MERGED_SAMPLE_ROWS = 50_000

Row = tuple[dict[str, Any] | Rejected, str]


def open_files(
    source: str, settings: Settings, *, table: str | None = None, format: str | None = None
) -> Iterator[TableStream]:
    fs, base, paths = _expand(source)
    labels = _labels(base, paths)
    if table is not None and len(paths) > 1:
        # one logical table over many files (a partitioned data-lake table)
        yield _merged(source, fs, paths, labels, table, settings, format)
        return
    names = [table] * len(paths) if table is not None else _table_names(base, paths)
    for path, label, name in zip(paths, labels, names, strict=True):
        uri = _source_uri(fs, path)
        try:
            stream = _open_one(uri, name, label, fs, path, settings, format)
        except SourceError as exc:
            if len(paths) == 1:
                raise
            stream = BrokenTable(uri, name, str(exc))  # one bad file does not stop its folder
        yield stream


# --- where the files are ----------------------------------------------------------------------


def _expand(source: str) -> tuple[fsspec.AbstractFileSystem, str, list[str]]:
    """The filesystem, the folder paths are relative to, and the data files (sorted)."""
    try:
        fs, root = url_to_fs(source)
    except (ImportError, ValueError) as exc:
        raise SourceError(f"Cannot open {source}: {_first_line(exc)}") from exc
    try:
        if any(ch in root for ch in "*?["):
            literal = re.split(r"[*?\[]", root, maxsplit=1)[0]
            base = literal.rsplit("/", 1)[0] if "/" in literal else ""
            explicit = {ch for ch in "._" if f"/{ch}" in f"/{_relative(base, root)}"}
            paths = sorted(
                p
                for p in fs.glob(root)
                if not _hidden(_relative(base, p), explicit) and fs.isfile(p)
            )
            if not paths:
                raise SourceError(f"No files match {source}")
            return fs, base, paths
        if fs.isdir(root):
            base = root.rstrip("/")
            paths = sorted(p for p in fs.find(base) if not _hidden(_relative(base, p)))
            if not paths:
                raise SourceError(f"Folder {source} holds no files")
            return fs, base, paths
        if not fs.exists(root):
            raise SourceError(f"No such file or folder: {source}")
    except LakelightError:
        raise
    except Exception as exc:  # OSError, and the errors of remote filesystems' own clients
        raise SourceError(f"Cannot read {source}: {_first_line(exc)}") from exc
    return fs, posixpath.dirname(root), [root]


def _relative(base: str, path: str) -> str:
    if base and path.startswith(base.rstrip("/") + "/"):
        return path[len(base.rstrip("/")) + 1 :]
    return path.lstrip("/")


def _hidden(relative: str, allowed: Iterable[str] = ()) -> bool:
    return any(part[:1] in "._" and part[:1] not in allowed for part in relative.split("/"))


def _labels(base: str, paths: list[str]) -> list[str]:
    """How rows name their file in locations: the file name, or its relative path when two
    files share a name."""
    names = [posixpath.basename(p) for p in paths]
    counts = Counter(names)
    return [n if counts[n] == 1 else _relative(base, p) for n, p in zip(names, paths, strict=True)]


def _table_names(base: str, paths: list[str]) -> list[str]:
    names = [_table_name(p) for p in paths]
    counts = Counter(names)
    for i, (name, path) in enumerate(zip(names, paths, strict=True)):
        if counts[name] > 1:  # same name in several folders: the folders tell them apart
            folder = posixpath.dirname(_relative(base, path))
            names[i] = f"{folder.replace('/', '_')}_{name}" if folder else name
    counts = Counter(names)
    return [n if counts[n] == 1 else _relative(base, p) for n, p in zip(names, paths, strict=True)]


def _source_uri(fs: fsspec.AbstractFileSystem, path: str) -> str:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return path if protocol in ("file", "local") else f"{protocol}://{path}"


def _strip_compression(name: str) -> str:
    stem, ext = posixpath.splitext(name)
    return stem if ext.lower() in _COMPRESSIONS else name


def _extension(path: str) -> str:
    return posixpath.splitext(_strip_compression(path.lower()))[1]


def _table_name(path: str) -> str:
    name = posixpath.basename(path)
    stem, ext = posixpath.splitext(_strip_compression(name))
    if ext.lower() in _EXTENSIONS or ext.lower() == ".txt":
        return stem
    return name


def _format_of(path: str, head: bytes, text_sample: str | None) -> str:
    ext = _extension(path)
    if head.startswith(b"PAR1"):
        return "parquet"
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if text_sample is None:
        raise UnsupportedFormatError(f"{path}: not a CSV, Parquet, JSON or log file (binary data)")
    from lakelight.ingest.logs import looks_like_log

    lines = text_sample.splitlines()[:200]
    stripped = text_sample.lstrip()
    if looks_like_log(lines):  # before JSON: JSON-lines logs are logs
        return "log"
    if stripped.startswith(("{", "[")):
        return "json"
    if _sniff_dialect(text_sample, ext) is not None:
        return "csv"
    return "log"  # unknown line-oriented text: kept line by line as raw log entries


# --- bytes and text ---------------------------------------------------------------------------


class _File:
    """One file's bytes and text, opened afresh on each read (samples, then the full pass)."""

    def __init__(self, fs: fsspec.AbstractFileSystem, path: str, label: str | None = None):
        self.fs, self.path = fs, path
        self.label = label or posixpath.basename(path)
        self.compression: str | None = "infer"
        self.head = self._read_head()
        if posixpath.splitext(path.lower())[1] not in _COMPRESSIONS:
            magic = next((c for m, c in _MAGIC.items() if self.head.startswith(m)), None)
            if magic is not None:  # compressed, though its name does not say so
                self.compression = magic
                self.head = self._read_head()
        self.encoding = _detect_encoding(self.head)
        self.errors = _decode_errors(self.encoding)
        self.sample = (
            self.head.decode(self.encoding, self.errors) if self.encoding is not None else None
        )
        if self.sample is not None and len(self.head) == SAMPLE_BYTES:
            self.sample = self.sample.rsplit("\n", 1)[0]  # drop the cut-off last line

    def _read_head(self) -> bytes:
        with self.open_bytes() as f:
            try:
                return f.read(SAMPLE_BYTES)  # type: ignore[no-any-return]
            except Exception as exc:  # OSError; decompression errors have no common base class
                raise SourceError(f"Cannot read {self.path}: {_first_line(exc)}") from exc

    def open_bytes(self) -> BinaryIO:
        try:
            return self.fs.open(self.path, "rb", compression=self.compression)  # type: ignore[no-any-return]
        except Exception as exc:  # OSError, unknown compression, the remote client's errors
            raise SourceError(f"Cannot open {self.path}: {_first_line(exc)}") from exc

    def open_text(self) -> TextIO:
        """The decoded text; a failure to read on (a truncated archive, a dropped connection)
        raises SourceError instead of the underlying library's error."""
        if self.encoding is None:
            raise SourceError(f"{self.path}: cannot detect its text encoding (binary file?)")
        raw = io.BufferedReader(_Guarded(self.open_bytes(), self.path), 1 << 16)
        return io.TextIOWrapper(raw, self.encoding, errors=self.errors, newline="")

    def lines(self) -> Iterator[str]:
        with self.open_text() as text:
            yield from text


class _Guarded(io.RawIOBase):
    """A binary stream whose read errors become one-line SourceErrors."""

    def __init__(self, raw: BinaryIO, path: str):
        self._raw, self._path, self._read = raw, path, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._raw.read(len(buffer))
        except Exception as exc:
            raise SourceError(
                f"{self._path}: unreadable after byte {self._read:,} ({_first_line(exc)})"
            ) from exc
        buffer[: len(data)] = data
        self._read += len(data)
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decoding error handler for UTF-8 files with a few legacy (Windows-1252) bytes: those
    bytes are read as Windows-1252 instead of becoming U+FFFD."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    try:
        return bad.decode("cp1252"), exc.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), exc.end


codecs.register_error("lakelight-cp1252", _cp1252_fallback)


def _decode_errors(encoding: str | None) -> str:
    return "lakelight-cp1252" if encoding in ("utf-8", "utf-8-sig") else "replace"


def _detect_encoding(head: bytes) -> str | None:
    """The text encoding of a file's first bytes, or None when they are not text."""
    if not head:
        return "utf-8"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if utf16 := _utf16_without_bom(head):
        return utf16
    if head.count(b"\x00") > max(8, len(head) // 100):
        return None  # binary: text files hold at most a stray NUL
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4 and exc.reason == "unexpected end of data":
            return "utf-8"  # sample cut inside a multi-byte character
        if _mostly_utf8(head):
            return "utf-8"  # a few legacy bytes among UTF-8 text: see _cp1252_fallback
    return _legacy_encoding(head)


def _mostly_utf8(head: bytes) -> bool:
    """Valid multi-byte UTF-8 sequences at least as many as invalid bytes: legacy 8-bit text
    almost never forms valid sequences by chance, so this is UTF-8 with a few stray bytes."""
    text = head.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return multibyte >= 2 and multibyte >= bad


def _utf16_without_bom(head: bytes) -> str | None:
    n = len(head) - len(head) % 2
    if n < 8:
        return None
    half = n // 2
    even_nul, odd_nul = head[0:n:2].count(0), head[1:n:2].count(0)
    if odd_nul > 0.3 * half and even_nul < 0.02 * half:
        encoding = "utf-16-le"
    elif even_nul > 0.3 * half and odd_nul < 0.02 * half:
        encoding = "utf-16-be"
    else:
        return None
    text = head[:n].decode(encoding, "replace")
    return encoding if _control_ratio(text) < 0.01 and text.count("\ufffd") <= 1 else None


def _control_ratio(text: str) -> float:
    controls = sum(
        1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f\v\x1b") or 0x7F <= ord(ch) < 0xA0
    )
    return controls / max(1, len(text))


# Legacy 8-bit encodings a short sample cannot tell apart from Windows-1252 (they decode the
# same bytes to other, equally plausible letters): Windows-1252 wins a tie against them.
_LATIN_LOOKALIKES = re.compile(
    r"^(cp(437|737|775|85\d|86\d|1250|1257|1258)|mac_.*|iso8859_\d+|latin_1|hp_roman8)$"
)


def _legacy_encoding(head: bytes) -> str | None:
    """The most plausible 8-bit (or multi-byte legacy) encoding, or None for binary data.
    charset-normalizer proposes; short samples often tie, so the tie is broken by how
    plausible the decoded letters are, and Windows-1252 beats its look-alikes."""
    from charset_normalizer import from_bytes

    results = from_bytes(head)
    best = results.best()
    if best is None:
        return None
    candidates = [m.encoding for m in results if m.chaos <= best.chaos + 0.01]
    if "cp1252" not in candidates:
        try:
            head.decode("cp1252")
            candidates.append("cp1252")
        except UnicodeDecodeError:
            pass

    def rank(item: tuple[int, str]) -> tuple[int, int, int]:
        order, encoding = item
        text = head.decode(encoding, "replace")
        lookalike = encoding != "cp1252" and bool(_LATIN_LOOKALIKES.match(encoding))
        return _implausibility(text), int(lookalike), order

    encoding = min(enumerate(candidates), key=rank)[1]
    text = head.decode(encoding, "replace")
    return encoding if _control_ratio(text) < 0.05 else None


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _implausibility(text: str) -> int:
    """Signs of a wrong decoding around non-ASCII characters: symbols glued into words
    (``£ódŸ``), an accented capital after a small letter (``JosŪ``), control characters."""
    score = 0
    for match in _NON_ASCII.finditer(text):
        i = match.start()
        ch = text[i]
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        category = unicodedata.category(ch)
        if category[0] == "C" or ch == "\ufffd":
            score += 3
        elif category[0] != "L":
            if (before.isalpha() and after.isalpha()) or after.islower():
                score += 1
        elif ch.isupper() and before.islower():
            score += 1
    return score


# --- rows of any format -----------------------------------------------------------------------


def _open_one(
    source: str,
    table: str,
    label: str,
    fs: fsspec.AbstractFileSystem,
    path: str,
    settings: Settings,
    format: str | None,
) -> TableStream:
    file = _File(fs, path, label)
    fmt = format or _format_of(path, file.head, file.sample)
    if fmt == "parquet":
        return ParquetTable(source, table, file, settings)
    if fmt not in ("log", "json", "csv"):
        raise UnsupportedFormatError(f"Unknown format {fmt!r}: use csv, parquet, json, log or sql")
    if file.encoding is None:
        raise SourceError(f"{path}: cannot detect its text encoding (binary file?)")
    if fmt == "log":
        from lakelight.ingest.logs import LogTable

        return LogTable(source, table, label, file.open_text, settings)
    if fmt == "json":
        return JsonTable(source, table, file, settings)
    return CsvTable(source, table, file, settings)


class _RowTable:
    """Shared by CSV, JSON and Parquet: sample rows → schema → records in batches."""

    source: str
    table: str
    file: _File
    settings: Settings
    schema: TableSchema
    _builder: RecordBuilder
    _sample: list[dict[str, Any]]

    def _init_schema(
        self, names: Sequence[str], sample: Sequence[dict[str, Any]], types: list[Column] | None
    ) -> None:
        columns = types or infer_columns(names, sample)
        key, origin = detect_key(columns, sample)
        self._sample = list(sample)
        self.schema = TableSchema(self.source, self.table, columns, [], "table", origin)  # type: ignore[arg-type]
        self._builder = RecordBuilder(self.schema, key, self.settings.max_cell_bytes)

    def _rows(self) -> Iterator[Row]:
        raise NotImplementedError

    def batches(self) -> Iterator[Batch]:
        rows = ((row, location, "", 0) for row, location in self._rows())
        return _batched(rows, self._builder, self.settings.read_batch_size)


def _batched(
    rows: Iterable[tuple[dict[str, Any] | Rejected, str, str, int]],
    builder: RecordBuilder,
    size: int,
) -> Iterator[Batch]:
    """Rows → records. Each row, rejected or not, takes a position, so one bad row does not
    shift the row-number keys of the rows after it. ``prefix`` + its per-file ``number``
    replaces a row-number key (merged tables)."""
    batch = Batch()
    for position, (row, location, prefix, number) in enumerate(rows, 1):
        if isinstance(row, Rejected):
            batch.rejected.append(row)
        else:
            built = builder.build(row, position, location)
            if isinstance(built, Rejected):
                batch.rejected.append(built)
            else:
                if prefix and not builder.key_columns:
                    built.key = f"{prefix}{number}"
                batch.records.append(built)
        if len(batch.records) + len(batch.rejected) >= size:
            yield batch
            batch = Batch()
    if batch.records or batch.rejected:
        yield batch


# --- CSV --------------------------------------------------------------------------------------


def _sniff_dialect(sample: str, ext: str) -> type[csv.Dialect] | None:
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
                else f"unreadable CSV: {_first_line(exc)}"
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


class CsvTable(_RowTable):
    def __init__(self, source: str, table: str, file: _File, settings: Settings):
        self.source, self.table, self.file, self.settings = source, table, file, settings
        text = file.sample or ""
        self.dialect = _sniff_dialect(text, _extension(file.path)) or csv.excel
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

    def _rows(self) -> Iterator[Row]:
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


# --- JSON -------------------------------------------------------------------------------------


def _flatten(obj: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in obj.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and depth < 2:
            out.update(_flatten(v, f"{name}.", depth + 1))
        elif isinstance(v, dict | list | tuple):
            out[name] = json.dumps(v, ensure_ascii=False, default=str)
        else:
            out[name] = v
    return out


class JsonTable(_RowTable):
    """A JSON array of objects, an object holding one such array, or JSON lines."""

    def __init__(self, source: str, table: str, file: _File, settings: Settings):
        self.source, self.table, self.file, self.settings = source, table, file, settings
        self.json_lines = _is_json_lines(file.sample or "", _extension(file.path), file.head)
        names: dict[str, None] = {}
        sample: list[dict[str, Any]] = []
        for row, _ in self._rows():  # one pass for the full set of keys: JSON has no header
            if isinstance(row, dict):
                names.update(dict.fromkeys(row))
                if len(sample) < SAMPLE_ROWS:
                    sample.append(row)
        self._init_schema(list(names), sample, None)

    def _rows(self) -> Iterator[Row]:
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
            yield _flatten(obj), location

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
                yield _flatten(obj), location
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


# --- Parquet ----------------------------------------------------------------------------------


class ParquetTable(_RowTable):
    """Parquet read in batches of ``read_batch_size`` rows, so memory stays bounded. Struct
    columns are flattened to dotted names like JSON objects; lists and maps become JSON text."""

    def __init__(self, source: str, table: str, file: _File, settings: Settings):
        import pyarrow.parquet as pq

        self.source, self.table, self.file, self.settings = source, table, file, settings
        if not file.head:  # an empty file: no columns, no rows
            self._init_schema([], [], [])
            return
        try:
            with file.open_bytes() as f:
                meta = pq.ParquetFile(f)
                arrow_schema = meta.schema_arrow
                first = next(meta.iter_batches(batch_size=SAMPLE_ROWS), None)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others
            raise SourceError(
                f"{file.path}: not a readable Parquet file ({_first_line(exc)})"
            ) from exc
        columns = _arrow_columns(list(arrow_schema))
        sample = [_parquet_row(r) for r in first.to_pylist()] if first is not None else []
        self._init_schema([c.name for c in columns], sample, columns)

    def _rows(self) -> Iterator[Row]:
        import pyarrow.parquet as pq

        if not self.file.head:
            return
        n = 0
        with self.file.open_bytes() as f:
            try:
                for batch in pq.ParquetFile(f).iter_batches(
                    batch_size=self.settings.read_batch_size
                ):
                    for row in batch.to_pylist():
                        n += 1
                        yield _parquet_row(row), f"{self.file.label}:row {n}"
            except Exception as exc:
                raise SourceError(
                    f"{self.file.path}: Parquet data unreadable after row {n} ({_first_line(exc)})"
                ) from exc


def _parquet_row(row: dict[str, Any]) -> dict[str, Any]:
    flat = _flatten(row)
    return {k: str(v) if isinstance(v, timedelta) else v for k, v in flat.items()}


def _arrow_columns(fields: list[Any], prefix: str = "", depth: int = 0) -> list[Column]:
    """Columns of an Arrow schema, struct fields expanded the way ``_flatten`` expands rows."""
    import pyarrow.types as pt

    columns: list[Column] = []
    for field in fields:
        name = f"{prefix}{field.name}"
        if pt.is_struct(field.type) and depth < 2:
            children = [field.type.field(i) for i in range(field.type.num_fields)]
            columns += _arrow_columns(children, f"{name}.", depth + 1)
        else:
            columns.append(Column(name, _arrow_type(field.type)))
    return columns


def _arrow_type(t: Any) -> ColumnType:
    import pyarrow.types as pt

    if pt.is_boolean(t):
        return "boolean"
    if pt.is_integer(t):
        return "integer"
    if pt.is_floating(t) or pt.is_decimal(t):
        return "float"
    if pt.is_timestamp(t) or pt.is_date(t):
        return "datetime"
    return "string"  # text, binary, time of day, durations, lists, maps, deep structs


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# --- broken and merged tables -----------------------------------------------------------------


class BrokenTable:
    """A file of a folder that could not be opened: reported, and its siblings still read."""

    def __init__(self, source: str, table: str, error: str):
        self.schema = TableSchema(source, table, [])
        self.error = error

    def batches(self) -> Iterator[Batch]:
        raise SourceError(self.error)


def _widen(a: ColumnType, b: ColumnType) -> ColumnType:
    if a == b:
        return a
    return "float" if {a, b} == {"integer", "float"} else "string"


class _MergedTable:
    """Several files read as one table. Columns are the union of the parts' (types widened
    where parts disagree); the key is an id column unique over all parts' samples, else each
    row is keyed by its file and row number, so keys stay unique and stable when a part is
    added."""

    def __init__(self, table: str, parts: list[tuple[str, TableStream]], settings: Settings):
        self.parts = parts
        first = parts[0][1].schema
        types: dict[str, ColumnType] = {}
        for _, part in parts:
            for col in part.schema.columns:
                types[col.name] = _widen(types.get(col.name, col.type), col.type)
        columns = [Column(name, type_) for name, type_ in types.items()]
        self._batch_size = settings.read_batch_size
        self._builder: RecordBuilder | None = None
        row_parts = [part for _, part in parts if isinstance(part, _RowTable)]
        key: list[str] = []
        origin: str = first.key_origin
        if len(row_parts) == len(parts):
            sample: list[dict[str, Any]] = []
            for part in row_parts:
                sample += part._sample[: MERGED_SAMPLE_ROWS - len(sample)]
            key, origin = detect_key(columns, sample)
        self.schema = TableSchema(first.source, table, columns, [], first.kind, origin)  # type: ignore[arg-type]
        if len(row_parts) == len(parts):
            self._builder = RecordBuilder(self.schema, key, settings.max_cell_bytes)

    def batches(self) -> Iterator[Batch]:
        if self._builder is not None:
            rows = (
                (row, location, f"{label}:", number)
                for label, part in self.parts
                for number, (row, location) in enumerate(part._rows(), 1)  # type: ignore[attr-defined]
            )
            yield from _batched(rows, self._builder, self._batch_size)
            return
        for label, part in self.parts:  # log files: keys are file:line already
            for batch in part.batches():
                for rec in batch.records:
                    rec.fields = {c.name: rec.fields.get(c.name) for c in self.schema.columns}
                    if part.schema.key_origin == "row_number":
                        rec.key = f"{label}:{rec.key}"
                yield batch


def _merged(
    source: str,
    fs: fsspec.AbstractFileSystem,
    paths: list[str],
    labels: list[str],
    table: str,
    settings: Settings,
    format: str | None,
) -> TableStream:
    parts = [
        (label, _open_one(source, table, label, fs, path, settings, format))
        for path, label in zip(paths, labels, strict=True)
    ]
    return _MergedTable(table, parts, settings)
