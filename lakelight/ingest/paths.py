"""Where a source's files are: one file, a folder or a glob, local or any fsspec URL (s3://…),
expanded to its data files; and how each is named, as a location label and as a table.

In a folder, files and folders whose name starts with ``.`` or ``_`` are skipped (hidden files,
``_SUCCESS`` markers, ``_delta_log``), as pyarrow and Spark do."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterable

import fsspec
from fsspec.core import url_to_fs

from lakelight.errors import LakelightError, SourceError, first_line
from lakelight.ingest.source_file import COMPRESSIONS

EXTENSIONS = {
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


def expand_source(source: str) -> tuple[fsspec.AbstractFileSystem, str, list[str]]:
    """The filesystem, the folder paths are relative to, and the data files (sorted)."""
    try:
        fs, root = url_to_fs(source)
    except (ImportError, ValueError) as exc:
        raise SourceError(f"Cannot open {source}: {first_line(exc)}") from exc
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
        raise SourceError(f"Cannot read {source}: {first_line(exc)}") from exc
    return fs, posixpath.dirname(root), [root]


def _relative(base: str, path: str) -> str:
    if base and path.startswith(base.rstrip("/") + "/"):
        return path[len(base.rstrip("/")) + 1 :]
    return path.lstrip("/")


def _hidden(relative: str, allowed: Iterable[str] = ()) -> bool:
    return any(part[:1] in "._" and part[:1] not in allowed for part in relative.split("/"))


def file_labels(base: str, paths: list[str]) -> list[str]:
    """How rows name their file in locations: the file name, or its relative path when two
    files share a name."""
    names = [posixpath.basename(p) for p in paths]
    counts = Counter(names)
    return [n if counts[n] == 1 else _relative(base, p) for n, p in zip(names, paths, strict=True)]


def table_names(base: str, paths: list[str]) -> list[str]:
    names = [_table_name(p) for p in paths]
    counts = Counter(names)
    for i, (name, path) in enumerate(zip(names, paths, strict=True)):
        if counts[name] > 1:  # same name in several folders: the folders tell them apart
            folder = posixpath.dirname(_relative(base, path))
            names[i] = f"{folder.replace('/', '_')}_{name}" if folder else name
    counts = Counter(names)
    return [n if counts[n] == 1 else _relative(base, p) for n, p in zip(names, paths, strict=True)]


def source_uri(fs: fsspec.AbstractFileSystem, path: str) -> str:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return path if protocol in ("file", "local") else f"{protocol}://{path}"


def _strip_compression(name: str) -> str:
    stem, ext = posixpath.splitext(name)
    return stem if ext.lower() in COMPRESSIONS else name


def extension(path: str) -> str:
    return posixpath.splitext(_strip_compression(path.lower()))[1]


def _table_name(path: str) -> str:
    name = posixpath.basename(path)
    stem, ext = posixpath.splitext(_strip_compression(name))
    if ext.lower() in EXTENSIONS or ext.lower() == ".txt":
        return stem
    return name
