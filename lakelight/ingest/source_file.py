"""One file's bytes and text: compression inferred from the name, or from the first bytes when
the name does not say; a sample of the head for format, encoding and schema detection; read
errors turned into one-line SourceErrors."""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

import fsspec

from lakelight.errors import SourceError, first_line
from lakelight.ingest.encoding import decode_errors, detect_encoding

COMPRESSIONS = {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"}
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}
SAMPLE_BYTES = 256 * 1024


class SourceFile:
    """One file's bytes and text, opened afresh on each read (samples, then the full pass)."""

    def __init__(self, fs: fsspec.AbstractFileSystem, path: str, label: str | None = None):
        self.fs, self.path = fs, path
        self.label = label or posixpath.basename(path)
        self.compression: str | None = "infer"
        self.head = self._read_head()
        if posixpath.splitext(path.lower())[1] not in COMPRESSIONS:
            magic = next((c for m, c in _MAGIC.items() if self.head.startswith(m)), None)
            if magic is not None:  # compressed, though its name does not say so
                self.compression = magic
                self.head = self._read_head()
        self.encoding = detect_encoding(self.head)
        self.errors = decode_errors(self.encoding)
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
                raise SourceError(f"Cannot read {self.path}: {first_line(exc)}") from exc

    def open_bytes(self) -> BinaryIO:
        try:
            return self.fs.open(self.path, "rb", compression=self.compression)  # type: ignore[no-any-return]
        except Exception as exc:  # OSError, unknown compression, the remote client's errors
            raise SourceError(f"Cannot open {self.path}: {first_line(exc)}") from exc

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
                f"{self._path}: unreadable after byte {self._read:,} ({first_line(exc)})"
            ) from exc
        buffer[: len(data)] = data
        self._read += len(data)
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()
