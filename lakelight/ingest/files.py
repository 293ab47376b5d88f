"""Data-lake files: CSV, Parquet, JSON / JSON lines and logs, local or any fsspec URL (s3://…),
one file, a folder or a glob. Compression (.gz, .bz2, .xz, .zst) is inferred from the name."""

from __future__ import annotations

import csv
import io
import json
import posixpath
import sys
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, TextIO

import fsspec
from fsspec.core import url_to_fs

from lakelight.config import Settings
from lakelight.errors import SourceError, UnsupportedFormatError
from lakelight.ingest.rows import RecordBuilder, detect_key, infer_columns
from lakelight.records import Batch, Column, ColumnType, Rejected, TableSchema, TableStream

csv.field_size_limit(sys.maxsize)  # oversize cells are rejected per row by RecordBuilder

_COMPRESSIONS = {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"}
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


def open_files(
    source: str, settings: Settings, *, table: str | None = None, format: str | None = None
) -> Iterator[TableStream]:
    fs, paths = _expand(source)
    merged = table is not None and len(paths) > 1
    if merged:
        # one logical table over many files (a partitioned data-lake table)
        yield _merged(source, fs, paths, table or "", settings, format)
        return
    for path in paths:
        name = table or _table_name(path)
        label = posixpath.basename(path)
        uri = _source_uri(fs, path)
        try:
            yield _open_one(uri, name, label, fs, path, settings, format)
        except SourceError as exc:
            if len(paths) == 1:
                raise
            yield BrokenTable(uri, name, str(exc))  # one bad file does not stop its folder


def _expand(source: str) -> tuple[fsspec.AbstractFileSystem, list[str]]:
    try:
        fs, root = url_to_fs(source)
    except (ImportError, ValueError) as exc:
        raise SourceError(f"Cannot open {source}: {exc}") from exc
    try:
        if any(ch in root for ch in "*?["):
            paths = sorted(p for p in fs.glob(root) if fs.isfile(p))
            if not paths:
                raise SourceError(f"No files match {source}")
            return fs, paths
        if fs.isdir(root):
            paths = sorted(
                p
                for p in fs.find(root)
                if not any(part.startswith(".") for part in p[len(root) :].split("/"))
            )
            if not paths:
                raise SourceError(f"Folder {source} holds no files")
            return fs, paths
        if not fs.exists(root):
            raise SourceError(f"No such file or folder: {source}")
    except (OSError, PermissionError) as exc:
        raise SourceError(f"Cannot read {source}: {exc}") from exc
    return fs, [root]


def _source_uri(fs: fsspec.AbstractFileSystem, path: str) -> str:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return path if protocol in ("file", "local") else f"{protocol}://{path}"


def _table_name(path: str) -> str:
    name = posixpath.basename(path)
    stem, ext = posixpath.splitext(name)
    if ext.lower() in _COMPRESSIONS:
        stem, ext = posixpath.splitext(stem)
    if ext.lower() in _EXTENSIONS or ext.lower() == ".txt":
        return stem
    return name


def _format_of(path: str, head: bytes, text_sample: str | None) -> str:
    name = path.lower()
    for comp in _COMPRESSIONS:
        if name.endswith(comp):
            name = name[: -len(comp)]
    ext = posixpath.splitext(name)[1]
    if head.startswith(b"PAR1"):
        return "parquet"
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if text_sample is None:
        raise UnsupportedFormatError(f"{path}: not a CSV, Parquet, JSON or log file (binary data)")
    from lakelight.ingest.logs import looks_like_log

    lines = text_sample.splitlines()[:200]
    stripped = text_sample.lstrip()
    if stripped.startswith(("{", "[")):
        return "json"
    if looks_like_log(lines):
        return "log"
    if _sniff_dialect(text_sample, ext) is not None:
        return "csv"
    return "log"  # unknown line-oriented text: kept line by line as raw log entries


class _File:
    """One file's bytes and text, opened afresh on each read (samples, then the full pass)."""

    def __init__(self, fs: fsspec.AbstractFileSystem, path: str):
        self.fs, self.path = fs, path
        self.label = posixpath.basename(path)
        try:
            with self.open_bytes() as f:
                self.head = f.read(SAMPLE_BYTES)
        except OSError as exc:
            raise SourceError(f"Cannot read {path}: {exc}") from exc
        except Exception as exc:  # decompression errors have no common base class
            raise SourceError(f"Cannot read {path}: {type(exc).__name__}: {exc}") from exc
        self.encoding = _detect_encoding(self.head)
        self.sample = (
            self.head.decode(self.encoding, "replace") if self.encoding is not None else None
        )
        if self.sample is not None and len(self.head) == SAMPLE_BYTES:
            self.sample = self.sample.rsplit("\n", 1)[0]  # drop the cut-off last line

    def open_bytes(self) -> BinaryIO:
        return self.fs.open(self.path, "rb", compression="infer")  # type: ignore[no-any-return]

    def open_text(self) -> TextIO:
        if self.encoding is None:
            raise SourceError(f"{self.path}: cannot detect its text encoding (binary file?)")
        return io.TextIOWrapper(self.open_bytes(), self.encoding, errors="replace", newline="")


def _detect_encoding(head: bytes) -> str | None:
    if not head:
        return "utf-8"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.count(b"\x00") > max(8, len(head) // 100):
        return None  # binary: text files hold at most a stray NUL
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:
            return "utf-8"  # sample cut inside a multi-byte character
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    return best.encoding if best is not None else None


def _open_one(
    source: str,
    table: str,
    label: str,
    fs: fsspec.AbstractFileSystem,
    path: str,
    settings: Settings,
    format: str | None,
) -> TableStream:
    file = _File(fs, path)
    fmt = format or _format_of(path, file.head, file.sample)
    if fmt == "parquet":
        return ParquetTable(source, table, file, settings)
    if file.encoding is None:
        raise SourceError(f"{path}: cannot detect its text encoding (binary file?)")
    if fmt == "log":
        from lakelight.ingest.logs import LogTable

        return LogTable(source, table, label, file.open_text, settings)
    if fmt == "json":
        return JsonTable(source, table, file, settings)
    if fmt == "csv":
        return CsvTable(source, table, file, settings)
    raise UnsupportedFormatError(f"Unknown format {fmt!r}: use csv, parquet, json, log or sql")


class _RowTable:
    """Shared by CSV, JSON and Parquet: sample rows → schema → records in batches."""

    source: str
    table: str
    file: _File
    settings: Settings
    schema: TableSchema
    _builder: RecordBuilder

    def _init_schema(
        self, names: Sequence[str], sample: Sequence[dict[str, Any]], types: list[Column] | None
    ) -> None:
        columns = types or infer_columns(names, sample)
        key, origin = detect_key(columns, sample)
        self.schema = TableSchema(self.source, self.table, columns, [], "table", origin)  # type: ignore[arg-type]
        self._builder = RecordBuilder(self.schema, key, self.settings.max_cell_bytes)

    def _batched(self, rows: Iterator[tuple[dict[str, Any] | Rejected, str]]) -> Iterator[Batch]:
        batch = Batch()
        position = 0
        for row, location in rows:
            if isinstance(row, Rejected):
                batch.rejected.append(row)
                continue
            position += 1
            built = self._builder.build(row, position, location)
            (batch.rejected if isinstance(built, Rejected) else batch.records).append(built)  # type: ignore[arg-type]
            if len(batch.records) >= self.settings.read_batch_size:
                yield batch
                batch = Batch()
        if batch.records or batch.rejected:
            yield batch


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
    cells = [c.strip() for c in first]
    if not all(cells) or len(set(cells)) != len(cells):
        return False
    if any(infer_columns(["v"], [{"v": c}])[0].type != "string" for c in cells):
        return False
    if not rows:
        return True
    for i, cell in enumerate(cells):
        column = [r[i] for r in rows if i < len(r)]
        if infer_columns(["v"], [{"v": v} for v in column])[0].type != "string":
            return True  # a text cell atop a typed column
        if cell in column:
            return False  # the "header" repeats as data
    return True


class CsvTable(_RowTable):
    def __init__(self, source: str, table: str, file: _File, settings: Settings):
        self.source, self.table, self.file, self.settings = source, table, file, settings
        ext = posixpath.splitext(file.path.lower().removesuffix(".gz"))[1]
        self.dialect = _sniff_dialect(file.sample or "", ext) or csv.excel
        head_rows = list(csv.reader(io.StringIO(file.sample or ""), self.dialect))[
            : SAMPLE_ROWS + 1
        ]
        head_rows = [r for r in head_rows if r]
        self.has_header = bool(head_rows) and _looks_like_header(head_rows[0], head_rows[1:])
        if self.has_header:
            self.names = _unique_names(head_rows[0])
            data = head_rows[1:]
        else:
            width = max((len(r) for r in head_rows), default=0)
            self.names = [f"column_{i + 1}" for i in range(width)]
            data = head_rows
        sample = [dict(zip(self.names, r, strict=False)) for r in data if len(r) == len(self.names)]
        self._init_schema(self.names, sample, None)

    def batches(self) -> Iterator[Batch]:
        return self._batched(self._rows())

    def _rows(self) -> Iterator[tuple[dict[str, Any] | Rejected, str]]:
        width = len(self.names)
        with self.file.open_text() as text:
            reader = csv.reader(text, self.dialect)
            first = True
            while True:
                start = reader.line_num + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield Rejected(f"{self.file.label}:{start}", f"unreadable CSV: {exc}"), ""
                    continue
                location = f"{self.file.label}:{start}"
                if first and self.has_header:
                    first = False
                    continue
                first = False
                if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
                    continue
                if len(cells) > width and not any(c.strip() for c in cells[width:]):
                    cells = cells[:width]  # trailing delimiters
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


def _flatten(obj: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in obj.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and depth < 2:
            out.update(_flatten(v, f"{name}.", depth + 1))
        elif isinstance(v, dict | list):
            out[name] = json.dumps(v, ensure_ascii=False, default=str)
        else:
            out[name] = v
    return out


class JsonTable(_RowTable):
    """A JSON array of objects, an object holding one such array, or JSON lines."""

    def __init__(self, source: str, table: str, file: _File, settings: Settings):
        self.source, self.table, self.file, self.settings = source, table, file, settings
        names: dict[str, None] = {}
        sample: list[dict[str, Any]] = []
        for row, _ in self._rows():  # one pass for the full set of keys: JSON has no header
            if isinstance(row, dict):
                names.update(dict.fromkeys(row))
                if len(sample) < SAMPLE_ROWS:
                    sample.append(row)
        self._init_schema(list(names), sample, None)

    def batches(self) -> Iterator[Batch]:
        return self._batched(self._rows())

    def _rows(self) -> Iterator[tuple[dict[str, Any] | Rejected, str]]:
        sample = (self.file.sample or "").lstrip()
        if sample.startswith("[") or (sample.startswith("{") and not _is_json_lines(sample)):
            yield from self._document()
            return
        with self.file.open_text() as text:
            for n, line in enumerate(text, 1):
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

    def _document(self) -> Iterator[tuple[dict[str, Any] | Rejected, str]]:
        with self.file.open_text() as text:
            try:
                doc = json.load(text)
            except json.JSONDecodeError as exc:
                raise SourceError(
                    f"{self.file.path}: invalid JSON at line {exc.lineno}: {exc.msg}"
                ) from exc
        if isinstance(doc, dict):
            arrays = [v for v in doc.values() if isinstance(v, list)]
            doc = arrays[0] if len(arrays) == 1 else [doc]
        for n, obj in enumerate(doc, 1):
            location = f"{self.file.label}[{n - 1}]"
            if isinstance(obj, dict):
                yield _flatten(obj), location
            else:
                yield Rejected(location, f"expected an object, got {type(obj).__name__}"), ""


def _is_json_lines(sample: str) -> bool:
    first = sample.split("\n", 1)[0].strip()
    try:
        return isinstance(json.loads(first), dict) and "\n" in sample.strip()
    except json.JSONDecodeError:
        return False


class ParquetTable(_RowTable):
    """Parquet read row group by row group, so memory stays bounded."""

    def __init__(self, source: str, table: str, file: _File, settings: Settings):
        import pyarrow.parquet as pq

        self.source, self.table, self.file, self.settings = source, table, file, settings
        try:
            with file.open_bytes() as f:
                meta = pq.ParquetFile(f)
                arrow_schema = meta.schema_arrow
                first = next(meta.iter_batches(batch_size=SAMPLE_ROWS), None)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others
            raise SourceError(
                f"{file.path}: not a readable Parquet file ({_first_line(exc)})"
            ) from exc
        columns = [Column(f.name, _arrow_type(f.type)) for f in arrow_schema]
        sample = first.to_pylist() if first is not None else []
        self._init_schema([c.name for c in columns], sample, columns)

    def batches(self) -> Iterator[Batch]:
        return self._batched(self._rows())

    def _rows(self) -> Iterator[tuple[dict[str, Any] | Rejected, str]]:
        import pyarrow.parquet as pq

        n = 0
        with self.file.open_bytes() as f:
            try:
                for batch in pq.ParquetFile(f).iter_batches(
                    batch_size=self.settings.read_batch_size
                ):
                    for row in batch.to_pylist():
                        n += 1
                        yield row, f"{self.file.label}:row {n}"
            except Exception as exc:
                raise SourceError(
                    f"{self.file.path}: Parquet data unreadable after row {n} ({_first_line(exc)})"
                ) from exc


def _arrow_type(t: Any) -> ColumnType:
    import pyarrow.types as pt

    if pt.is_boolean(t):
        return "boolean"
    if pt.is_integer(t):
        return "integer"
    if pt.is_floating(t) or pt.is_decimal(t):
        return "float"
    if pt.is_temporal(t):
        return "datetime"
    return "string"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class BrokenTable:
    """A file of a folder that could not be opened: reported, and its siblings still read."""

    def __init__(self, source: str, table: str, error: str):
        self.schema = TableSchema(source, table, [])
        self.error = error

    def batches(self) -> Iterator[Batch]:
        raise SourceError(self.error)


class _MergedTable:
    """Several files read as one table; keys are prefixed by file so they stay unique."""

    def __init__(self, parts: list[tuple[str, TableStream]]):
        self.parts = parts
        first = parts[0][1].schema
        names: dict[str, Column] = {}
        for _, part in parts:
            for col in part.schema.columns:
                names.setdefault(col.name, col)
        self.schema = TableSchema(first.source, first.table, list(names.values()), [], first.kind)

    def batches(self) -> Iterator[Batch]:
        for label, part in self.parts:
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
    table: str,
    settings: Settings,
    format: str | None,
) -> TableStream:
    parts = [
        (
            posixpath.basename(p),
            _open_one(source, table, posixpath.basename(p), fs, p, settings, format),
        )
        for p in paths
    ]
    return _MergedTable(parts)
