"""The library object behind every face (CLI, HTTP API, Slack): one workspace, its catalog,
its indexes, and the operations people run on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from lakelight.config import Settings, load_settings
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


class Workspace:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog, self.settings.home)

    @cached_property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings)

    @cached_property
    def indexes(self) -> Indexes:
        return Indexes(self.settings, self.catalog, self.embedder)

    @cached_property
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
        hits = self.retriever.search(text, k, tables=tables, sources=sources)
        cleaned = self.output_guard.clean(
            "", [Citation(h.source, h.table, h.key, h.row) for h in hits]
        ).citations
        return [replace(h, row=c.row) for h, c in zip(hits, cleaned, strict=True)]

    @cached_property
    def output_guard(self) -> OutputGuard:
        from lakelight.guard.policy import OutputGuard

        return OutputGuard(self.settings, self.pii_detector, self.catalog)

    @cached_property
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

    @cached_property
    def pii_detector(self) -> PiiDetector:
        from lakelight.guard.pii import PiiDetector

        return PiiDetector(self.settings)

    @cached_property
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

    def close(self) -> None:
        if "indexes" in self.__dict__:
            self.indexes.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
