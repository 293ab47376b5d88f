"""The library object behind every face (CLI, HTTP API, Slack): one workspace, its catalog,
its indexes, and the operations people run on them. The faces only parse and format; every
rule (what "nothing ingested" means, the JSON each call returns, the guard) lives here.

One Workspace serves a whole server process: its parts are built lazily, once, under a lock,
so concurrent requests share one catalog, one embedder and one PII detector, and a route
loads only the models it needs."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from lakelight.config import Settings, load_settings
from lakelight.errors import NothingIngestedError
from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.embedder import Embedder, get_embedder
from lakelight.index.indexes import Indexes
from lakelight.index.pipeline import IngestReport, Progress, run_ingest
from lakelight.index.retriever import Retriever
from lakelight.ingest import Format, open_source
from lakelight.records import Citation, Hit

if TYPE_CHECKING:
    from pathlib import Path
    from typing import IO

    import pandas as pd

    from lakelight.generate.synthesize import Synthesizer, SynthRequest, SynthRun
    from lakelight.guard.pii import PiiDetector
    from lakelight.guard.policy import OutputGuard
    from lakelight.rag.answer import Answer, Asker


T = TypeVar("T")
NOTHING_INGESTED = "Nothing ingested yet: run `lakelight ingest SOURCE` first"


class locked_cached_property(Generic[T]):
    """``functools.cached_property`` whose first build runs under the owner's ``_build_lock``,
    so threads racing for a part (the embedding model, the PII detector) build it once."""

    def __init__(self, build: Callable[[Any], T]):
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> locked_cached_property[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> T | locked_cached_property[T]:
        if obj is None:
            return self
        cache = obj.__dict__
        if self.name in cache:
            return cache[self.name]  # type: ignore[no-any-return]
        with obj._build_lock:  # type: ignore[attr-defined]
            if self.name not in cache:
                cache[self.name] = self.build(obj)
            return cache[self.name]  # type: ignore[no-any-return]


class Workspace:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        # re-entrant: building the indexes builds the catalog and the embedder first
        self._build_lock = threading.RLock()
        # one ingest at a time: both indexes take one writer; searches go on meanwhile
        self._ingest_lock = threading.Lock()

    @locked_cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog, self.settings.home)

    @locked_cached_property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings)

    @locked_cached_property
    def indexes(self) -> Indexes:
        return Indexes(self.settings, self.catalog, self.embedder)

    @locked_cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.settings, self.catalog, self.indexes)

    def ingest(
        self,
        source: str,
        *,
        table: str | None = None,
        query: str | None = None,
        format: Format | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        with self._ingest_lock:
            streams = open_source(source, self.settings, table=table, query=query, format=format)
            return run_ingest(source, streams, self.catalog, self.indexes, progress)

    def search(
        self,
        text: str,
        k: int = 10,
        *,
        tables: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Hybrid search; the rows pass the output guard like any citation."""
        if not self.catalog.list_tables():
            raise NothingIngestedError(NOTHING_INGESTED)
        hits = self.retriever.search(text, k, tables=tables, sources=sources)
        cleaned = self.output_guard.clean(
            "", [Citation(h.source, h.table, h.key, h.row) for h in hits]
        ).citations
        return [replace(h, row=c.row) for h, c in zip(hits, cleaned, strict=True)]

    @locked_cached_property
    def output_guard(self) -> OutputGuard:
        from lakelight.guard.policy import OutputGuard

        return OutputGuard(self.settings, self.pii_detector, self.catalog)

    @locked_cached_property
    def asker(self) -> Asker:
        from lakelight.llm import get_backend
        from lakelight.rag.answer import Asker

        return Asker(
            self.settings,
            self.catalog,
            lambda: self.retriever,
            lambda: get_backend(self.settings),
            lambda: self.output_guard,
        )

    def ask(self, question: str, *, table: str | None = None, use_llm: bool = True) -> Answer:
        """A cited answer: see ``lakelight.rag``."""
        return self.asker.ask(question, table=table, use_llm=use_llm)

    @locked_cached_property
    def pii_detector(self) -> PiiDetector:
        from lakelight.guard.pii import PiiDetector

        return PiiDetector(self.settings)

    @locked_cached_property
    def synthesizer(self) -> Synthesizer:
        from lakelight.generate.synthesize import Synthesizer
        from lakelight.guard.synthetic import PiiScreen
        from lakelight.llm import get_backend

        return Synthesizer(
            self.settings,
            self.catalog,
            lambda: self.retriever,
            lambda: get_backend(self.settings),
            lambda: PiiScreen(self.pii_detector),
        )

    def synth(
        self,
        request: SynthRequest,
        *,
        out: Path | None = None,
        stream: IO[str] | None = None,
        report: Path | None = None,
        keep_rows: bool = False,
    ) -> tuple[SynthRun, list[pd.DataFrame]]:
        """Synthetic rows like the requested examples: see ``lakelight.generate``."""
        from lakelight.generate.job import generate

        return generate(
            self.synthesizer, request, out=out, stream=stream, report=report, keep_rows=keep_rows
        )

    def sources(self) -> list[dict[str, Any]]:
        return self.catalog.list_sources()

    def tables(self) -> list[TableInfo]:
        return self.catalog.list_tables()

    def scan_pii(self, target: str) -> dict[str, Any]:
        """PII findings in a file or a text, and their counts by type; never the PII itself."""
        from lakelight.guard.scan import scan_target

        findings = scan_target(target, self.pii_detector)
        counts = dict(Counter(f["type"] for f in findings).most_common())
        return {"findings": findings, "counts": counts}

    def close(self) -> None:
        if "indexes" in self.__dict__:
            self.indexes.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
