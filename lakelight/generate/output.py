"""Streaming writers for synthetic rows: CSV or JSON lines, chunk by chunk, so a large run
never holds its rows in memory. A file is written under a temporary name and moved into place
when complete, so a failed run leaves no half-written output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

import pandas as pd

from lakelight.errors import SynthesisError

FORMATS = (".csv", ".jsonl")


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def plain_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN → None, timestamps → ISO text)."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


class RowWriter:
    """Write chunks of rows to ``path`` (.csv or .jsonl) or to an open text stream."""

    def __init__(self, path: Path | None = None, stream: IO[str] | None = None):
        if path is not None and path.suffix.lower() not in FORMATS:
            raise SynthesisError(
                f"Cannot write {path.name}: the output must end in {' or '.join(FORMATS)}"
            )
        self.path, self.rows, self._header = path, 0, False
        self.format = path.suffix.lower() if path is not None else ".csv"
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
                self.stream: IO[str] = self._tmp.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise SynthesisError(f"Cannot write {path}: {exc.strerror or exc}") from exc
        else:
            assert stream is not None, "RowWriter needs a path or a stream"
            self.stream = stream

    def write(self, frame: pd.DataFrame) -> None:
        if self.format == ".jsonl":
            for row in plain_rows(frame):
                self.stream.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        else:
            frame.to_csv(self.stream, index=False, header=not self._header, lineterminator="\n")
            self._header = True
        self.rows += len(frame)

    def close(self, ok: bool = True) -> None:
        if self.path is None:
            self.stream.flush()
            return
        self.stream.close()
        if ok:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)
