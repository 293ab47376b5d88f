"""Synthetic rows streamed as they are made: the run works on its own thread and hands each
accepted chunk over a small queue (so a slow client slows the run, and memory stays flat);
a client that goes away stops the run. Request errors (unknown table, 403, bad condition)
arrive before the first byte, so they still get their status."""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from lakelight.api.errors import type_of
from lakelight.errors import LakelightError
from lakelight.generate.output import plain_rows
from lakelight.generate.synthesize import SynthRun

__all__ = ["csv_text", "jsonable", "stream_rows"]

_END = object()
_PUT_WAIT = 0.5  # seconds between checks whether the client is still there


class _Gone(Exception):
    """The client stopped reading: the run stops too."""


def jsonable(value: Any) -> Any:
    """Numbers and timestamps of numpy/pandas made plain JSON."""
    return json.loads(json.dumps(value, default=_plain_default, allow_nan=False))


def _plain_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def csv_text(frames: list[pd.DataFrame]) -> str:
    buffer = io.StringIO()
    for n, frame in enumerate(frames):
        frame.to_csv(buffer, index=False, header=n == 0, lineterminator="\n")
    return buffer.getvalue()


def stream_rows(
    run: Callable[[Callable[[pd.DataFrame], None]], SynthRun], as_csv: bool
) -> Iterator[str]:
    """Start ``run(sink)`` on a thread; return an iterator of the response text, after the
    first chunk (or the run's error, raised here) has arrived."""
    items: queue.Queue[Any] = queue.Queue(maxsize=4)
    gone = threading.Event()

    def sink(frame: pd.DataFrame) -> None:
        while True:
            if gone.is_set():
                raise _Gone
            try:
                items.put(frame, timeout=_PUT_WAIT)
                return
            except queue.Full:
                continue

    def work() -> None:
        try:
            result: Any = run(sink)
        except BaseException as exc:
            result = exc
        while not gone.is_set():
            try:
                items.put((_END, result), timeout=_PUT_WAIT)
                return
            except queue.Full:
                continue

    threading.Thread(target=work, name="lakelight-synth", daemon=True).start()
    first = items.get()
    if isinstance(first, tuple) and first and first[0] is _END and isinstance(first[1], Exception):
        raise first[1]
    return _text(first, items, gone, as_csv)


def _text(
    first: Any, items: queue.Queue[Any], gone: threading.Event, as_csv: bool
) -> Iterator[str]:
    item, header, wrote_row = first, True, False
    try:
        if not as_csv:
            yield '{"rows": ['
        while True:
            if isinstance(item, tuple) and item and item[0] is _END:
                result = item[1]
                if isinstance(result, BaseException):
                    if as_csv:
                        raise result  # the connection breaks off: a cut CSV is no silent success
                    error = (
                        {"type": type_of(result), "message": str(result)}
                        if isinstance(result, LakelightError)
                        else {"type": "internal", "message": "Internal error"}
                    )
                    yield '], "summary": null, "error": ' + json.dumps(error) + "}"
                    return
                if not as_csv:
                    yield '], "summary": ' + json.dumps(jsonable(result.summary)) + "}"
                return
            if as_csv:
                buffer = io.StringIO()
                item.to_csv(buffer, index=False, header=header, lineterminator="\n")
                header = False
                yield buffer.getvalue()
            else:
                rows = [json.dumps(r, default=str, ensure_ascii=False) for r in plain_rows(item)]
                if rows:
                    yield ("," if wrote_row else "") + ",".join(rows)
                    wrote_row = True
            item = items.get()
    finally:
        gone.set()
