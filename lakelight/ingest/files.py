"""Data-lake files: CSV, Parquet, JSON / JSON lines and logs, local or any fsspec URL (s3://…),
one file, a folder or a glob. Compression (.gz, .bz2, .xz, .zst) is inferred from the name, or
from the first bytes when the name does not say.

In a folder, files and folders whose name starts with ``.`` or ``_`` are skipped (hidden files,
``_SUCCESS`` markers, ``_delta_log``), as pyarrow and Spark do. One table per file; with
``table=``, all files are one table (a partitioned table) with unique keys.

This module detects each file's format and hands it to its reader. The parts: ``paths``
(expanding the source, naming files and tables), ``source_file`` (bytes, compression,
samples) and ``encoding``; ``csv_table``, ``json_table``, ``parquet_table`` and ``logs``
(one table per format); ``merged_table`` (many files as one table)."""

from __future__ import annotations

from collections.abc import Iterator

import fsspec

from lakelight.config import Settings
from lakelight.errors import SourceError, UnsupportedFormatError
from lakelight.ingest.csv_table import CsvTable, sniff_dialect
from lakelight.ingest.json_table import JsonTable
from lakelight.ingest.merged_table import MergedTable
from lakelight.ingest.parquet_table import ParquetTable
from lakelight.ingest.paths import (
    EXTENSIONS,
    expand_source,
    extension,
    file_labels,
    source_uri,
    table_names,
)
from lakelight.ingest.source_file import SourceFile
from lakelight.records import Batch, TableSchema, TableStream


def open_files(
    source: str, settings: Settings, *, table: str | None = None, format: str | None = None
) -> Iterator[TableStream]:
    fs, base, paths = expand_source(source)
    labels = file_labels(base, paths)
    if table is not None and len(paths) > 1:
        # one logical table over many files (a partitioned data-lake table)
        yield _merged(source, fs, paths, labels, table, settings, format)
        return
    names = [table] * len(paths) if table is not None else table_names(base, paths)
    for path, label, name in zip(paths, labels, names, strict=True):
        uri = source_uri(fs, path)
        try:
            stream = _open_one(uri, name, label, fs, path, settings, format)
        except SourceError as exc:
            if len(paths) == 1:
                raise
            stream = BrokenTable(uri, name, str(exc))  # one bad file does not stop its folder
        yield stream


def _format_of(path: str, head: bytes, text_sample: str | None) -> str:
    ext = extension(path)
    if head.startswith(b"PAR1"):
        return "parquet"
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    if text_sample is None:
        raise UnsupportedFormatError(f"{path}: not a CSV, Parquet, JSON or log file (binary data)")
    from lakelight.ingest.logs import looks_like_log

    lines = text_sample.splitlines()[:200]
    stripped = text_sample.lstrip()
    if looks_like_log(lines):  # before JSON: JSON-lines logs are logs
        return "log"
    if stripped.startswith(("{", "[")):
        return "json"
    if sniff_dialect(text_sample, ext) is not None:
        return "csv"
    return "log"  # unknown line-oriented text: kept line by line as raw log entries


def _open_one(
    source: str,
    table: str,
    label: str,
    fs: fsspec.AbstractFileSystem,
    path: str,
    settings: Settings,
    format: str | None,
) -> TableStream:
    file = SourceFile(fs, path, label)
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


class BrokenTable:
    """A file of a folder that could not be opened: reported, and its siblings still read."""

    def __init__(self, source: str, table: str, error: str):
        self.schema = TableSchema(source, table, [])
        self.error = error

    def batches(self) -> Iterator[Batch]:
        raise SourceError(self.error)


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
    return MergedTable(table, parts, settings)
