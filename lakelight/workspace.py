"""The library object behind every face (CLI, HTTP API, Slack): one workspace, its catalog,
its indexes, and the operations people run on them. The faces only parse and format; every
rule (what "nothing ingested" means, the JSON each call returns, the guard) lives here.

One Workspace serves a whole server process: its parts are built lazily, once, under a lock,
so concurrent requests share one catalog, one embedder and one PII detector, and a route
loads only the models it needs."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from lakelight.config import Settings, load_settings
from lakelight.errors import AccessDeniedError, NotFoundError, NothingIngestedError
from lakelight.index.access import OWNER, Access, parse_groups, readable
from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.embedder import Embedder, get_embedder
from lakelight.index.indexes import Indexes
from lakelight.index.pipeline import IngestReport, Progress, run_ingest
from lakelight.index.retriever import Retriever
from lakelight.ingest import Format, open_source
from lakelight.records import Citation, Hit, TableStream

if TYPE_CHECKING:
    from pathlib import Path
    from typing import IO

    import pandas as pd

    from lakelight.generate.synthesize import Synthesizer, SynthRequest, SynthRun
    from lakelight.guard.pii import PiiDetector
    from lakelight.guard.policy import OutputGuard
    from lakelight.index.api_keys import ApiKey, KeyStore
    from lakelight.index.feedback import FeedbackStore
    from lakelight.index.slack_store import SlackStore
    from lakelight.rag.answer import Answer, Asker


T = TypeVar("T")
NOTHING_INGESTED = "Nothing ingested yet: run `lakelight ingest SOURCE` first"
NOTHING_READABLE = "No source you may read: an admin grants your group one"


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


def feedback_scopes(access: Access) -> tuple[str, ...]:
    """The scopes whose ratings move rows for ``access``: its own group set's, and those of
    answers kept for it without a scope (see ``lakelight.index.feedback``)."""
    from lakelight.index.feedback import private_scope, scope_of

    return (scope_of(access.groups, access.admin), private_scope(access.name))


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
        return Retriever(self.settings, self.catalog, self.indexes, self.feedback)

    def ingest(
        self,
        source: str,
        *,
        table: str | None = None,
        query: str | None = None,
        format: Format | None = None,
        progress: Progress | None = None,
        groups: Sequence[str] | None = None,
        access: Access = OWNER,
    ) -> IngestReport:
        """Read a source into the catalog and both indexes. ``groups``: who may read it (set
        before its first row is stored); None keeps a re-ingested source's groups. A caller
        who is no admin may re-ingest only sources it reads, and not change their groups."""
        groups = None if groups is None else parse_groups(groups)
        with self._ingest_lock:
            streams = open_source(source, self.settings, table=table, query=query, format=format)
            if not access.admin:
                streams = self._owned_streams(streams, access, groups)
            return run_ingest(source, streams, self.catalog, self.indexes, progress, groups)

    def _owned_streams(
        self, streams: Iterable[TableStream], access: Access, groups: list[str] | None
    ) -> Iterator[TableStream]:
        """Each stream, refused before its first row when it would overwrite a source the
        caller cannot read, or re-grant one it did not make readable to itself."""
        known = {s["source"]: s["groups"] for s in self.catalog.list_sources()}
        for stream in streams:
            existing = known.get(stream.schema.source)
            if existing is not None:
                if not access.may_read(existing):
                    raise AccessDeniedError("You may not re-ingest a source you cannot read")
                if groups is not None and sorted(existing) != groups:
                    raise AccessDeniedError("Only an admin changes who may read a source")
            yield stream

    def check_remote_source(self, source: str, *, sql: bool = False) -> None:
        """Refuse a source a remote caller may not name (see ``lakelight.ingest.remote``)."""
        from lakelight.ingest.remote import check_remote_source

        check_remote_source(source, self.settings, sql=sql)

    def grant(self, source: str, groups: Sequence[str]) -> list[str]:
        """Set who may read a source (its URI or an fnmatch pattern); [] opens it to all."""
        changed = self.catalog.set_groups(source, parse_groups(groups))
        if not changed:
            raise NotFoundError(f"No source {source!r}: `lakelight sources` lists them")
        return changed

    def readable_tables(
        self, access: Access = OWNER, stamps: Mapping[str, int] | None = None
    ) -> list[TableInfo]:
        """The tables ``access`` may read. A caller who may read nothing gets an error that
        names no table; an empty workspace says so. ``stamps``: the catalog's counters as
        just read (``Catalog.stamps``; None: read them here)."""
        tables = self.catalog.list_tables(stamps)
        if not tables:
            raise NothingIngestedError(NOTHING_INGESTED)
        allowed = readable(tables, access)
        if not allowed:
            raise NothingIngestedError(NOTHING_READABLE)
        return allowed

    def search(
        self,
        text: str,
        k: int = 10,
        *,
        tables: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        access: Access = OWNER,
    ) -> list[Hit]:
        """Hybrid search over what ``access`` may read; the rows pass the output guard like
        any citation."""
        allowed = self.readable_tables(access)
        within = None if access.admin else {t.id for t in allowed}
        hits = self.retriever.search(
            text,
            k,
            tables=tables,
            sources=sources,
            within=within,
            feedback_scopes=feedback_scopes(access),
        )
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

    def ask(
        self,
        question: str,
        *,
        table: str | None = None,
        use_llm: bool = True,
        access: Access = OWNER,
        keep: bool = False,
    ) -> Answer:
        """A cited answer from what ``access`` may read: see ``lakelight.rag``. ``keep``
        stores it for feedback and sets its ``answer_id``."""
        answer = self.asker.ask(question, **self._ask_args(table, use_llm, access))
        return self._kept(answer, question, access) if keep else answer

    def cached_answer(
        self,
        question: str,
        *,
        table: str | None = None,
        use_llm: bool = True,
        access: Access = OWNER,
        keep: bool = False,
    ) -> Answer | None:
        """The answer ``ask`` would give when the answer cache holds it, else None. It costs
        a few catalog reads and no model, retrieval or SQL over the data, so the server
        answers repeated questions without handing them to a worker thread."""
        answer = self.asker.cached(question, **self._ask_args(table, use_llm, access))
        return None if answer is None else self._kept(answer, question, access) if keep else answer

    def _ask_args(self, table: str | None, use_llm: bool, access: Access) -> dict[str, Any]:
        stamps = self.catalog.stamps()  # one read for the tables, the generation, the ratings
        return {
            "tables": self.readable_tables(access, stamps),
            "table": table,
            "use_llm": use_llm,
            "feedback_scopes": feedback_scopes(access),
            "feedback_stamp": self.feedback.stamp(stamps),
            "generation": stamps.get("generation", 0),
        }

    def _kept(self, answer: Answer, question: str, access: Access) -> Answer:
        from lakelight.index.feedback import scope_of

        answer.answer_id = self.feedback.keep(
            access.name,
            question,
            answer.as_dict(),
            # the question is embedded when the answer is rated, not now: most answers
            # are never rated, and a served ask should not pay for a model call
            scope=scope_of(access.groups, access.admin),
        )
        return answer

    @locked_cached_property
    def feedback(self) -> FeedbackStore:
        from lakelight.index.feedback import FeedbackStore

        return FeedbackStore(self.catalog.engine)

    def rate(
        self, answer_id: str, rating: int, comment: str | None = None, access: Access = OWNER
    ) -> None:
        """Feedback on an answer; only the caller it was given to may rate it. A rated
        lookup answer moves the rows it cited for similar questions in its feedback scope."""
        self.feedback.rate(answer_id, access.name, rating, comment)
        self.feedback.embed_missing(answer_id, self.embedder.embed)

    def feedback_export(self) -> Iterator[dict[str, Any]]:
        """Every rating with its question, answer, cited rows, caller and scope."""
        return self.feedback.export()

    def feedback_stats(self, limit: int = 10) -> dict[str, Any]:
        """Totals, and the questions and rows with the most 👎 (what the data team fixes)."""
        return self.feedback.stats(limit)

    @locked_cached_property
    def keys(self) -> KeyStore:
        from lakelight.index.api_keys import KeyStore

        return KeyStore(self.catalog.engine)

    def create_key(
        self, name: str, groups: Sequence[str] | str, scopes: Sequence[str] | str | None = None
    ) -> tuple[ApiKey, str]:
        """A new API key and its secret, which is shown once and stored only as a hash."""
        from lakelight.index.api_keys import parse_scopes

        return self.keys.create(name, parse_groups(groups), parse_scopes(scopes))

    @locked_cached_property
    def slack(self) -> SlackStore:
        from lakelight.index.slack_store import SlackStore

        return SlackStore(self.catalog.engine)

    def slack_map_user(self, user_id: str, groups: Sequence[str] | str) -> list[str]:
        """The lakelight groups a Slack user reads as; none removes the mapping."""
        parsed = parse_groups(groups)
        self.slack.map_user(user_id, parsed)
        return parsed

    def slack_map_channel(self, channel_id: str, groups: Sequence[str] | str) -> list[str]:
        """The groups whose sources answers posted in a Slack channel may use; none removes
        the mapping (then answers there use open sources only)."""
        parsed = parse_groups(groups)
        self.slack.map_channel(channel_id, parsed)
        return parsed

    def slack_mappings(self) -> dict[str, list[dict[str, Any]]]:
        return self.slack.mappings()

    def slack_access(self, user_id: str, channel_id: str | None, *, private: bool) -> Access:
        """Who a Slack user reads as for one answer. ``private``: only the asker will see it
        (a direct message with the bot, an ephemeral reply), so the user's own groups apply.
        Otherwise others in the channel read it too, so the channel's groups narrow the
        user's (never widen them): an unmapped channel, like an unmapped user, reads only
        sources open to everyone. A Slack caller is never an admin."""
        from lakelight.index.slack_store import check_slack_id

        groups = self.slack.user_groups(check_slack_id(user_id, "user"))
        if not private:
            channel = self.slack.channel_groups(channel_id) if channel_id else frozenset()
            groups = groups & channel
        return Access(f"slack:{user_id}", groups)

    def slack_first_delivery(self, event_id: str) -> bool:
        """True the first time Slack delivers an event, False for its retries (kept in the
        catalog, so a restarted server does not answer a retry either)."""
        return self.slack.first_delivery(event_id)

    def slack_remember_thread(self, channel: str, thread_ts: str) -> None:
        """The bot answered in this channel thread: its later replies are questions too."""
        self.slack.remember_thread(channel, thread_ts)

    def slack_answers_in(self, channel: str, thread_ts: str) -> bool:
        return self.slack.answers_in(channel, thread_ts)

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
        access: Access = OWNER,
    ) -> tuple[SynthRun, list[pd.DataFrame]]:
        """Synthetic rows like the requested examples: see ``lakelight.generate``. The
        examples come only from a table ``access`` may read."""
        from lakelight.generate.job import generate

        request = replace(request, table=self._synth_table(request.table, access).sql_name)
        return generate(
            self.synthesizer, request, out=out, stream=stream, report=report, keep_rows=keep_rows
        )

    def synth_report(self, request: SynthRequest, access: Access = OWNER) -> str:
        """The HTML quality report of a synth run (the page ``synth --report`` writes)."""
        from lakelight.errors import SynthesisError
        from lakelight.generate.job import report_page

        run, _ = self.synth(request, access=access)
        page = report_page(run)
        if page is None:
            raise SynthesisError("No quality report: no rows were made or no column compares")
        return page

    def synth_rows(
        self,
        request: SynthRequest,
        sink: Callable[[pd.DataFrame], None],
        access: Access = OWNER,
    ) -> SynthRun:
        """The same run as ``synth``, its accepted chunks handed to ``sink`` as they are made
        (the API streams them); the summary carries the quality report."""
        from lakelight.generate.job import quality_of

        request = replace(request, table=self._synth_table(request.table, access).sql_name)
        run = self.synthesizer.run(request, sink)
        run.summary["quality"] = quality_of(run)
        return run

    def _synth_table(self, name: str, access: Access) -> TableInfo:
        """The table a synth request names, among those ``access`` may read, matched as the
        synthesizer matches names; a table it may not read is refused (403)."""
        from lakelight.errors import SynthesisError

        def find(tables: list[TableInfo]) -> TableInfo | None:
            return next(
                (
                    t
                    for t in tables
                    if name in (t.name, t.sql_name) or t.name.casefold() == name.casefold()
                ),
                None,
            )

        everything = self.catalog.list_tables()
        if not everything:
            raise SynthesisError(NOTHING_INGESTED)
        allowed = readable(everything, access)
        found = find(allowed)
        if found is not None:
            return found
        if find(everything) is not None:
            raise AccessDeniedError(f"You may not read table {name!r}")
        names = ", ".join(sorted(t.name for t in allowed)[:30]) or "none you may read"
        raise SynthesisError(f"Unknown table {name!r}; the tables are: {names}")

    def sources(self, access: Access = OWNER) -> list[dict[str, Any]]:
        return [s for s in self.catalog.list_sources() if access.may_read(s["groups"])]

    def tables(self, access: Access = OWNER) -> list[TableInfo]:
        return readable(self.catalog.list_tables(), access)

    def scan_pii(self, target: str) -> dict[str, Any]:
        """PII findings in a file or a text, and their counts by type; never the PII itself."""
        from lakelight.guard.scan import scan_target

        findings = scan_target(target, self.pii_detector)
        counts = dict(Counter(f["type"] for f in findings).most_common())
        return {"findings": findings, "counts": counts}

    def close(self) -> None:
        if "feedback" in self.__dict__:
            self.feedback.close()  # answers kept but not yet written
        if "indexes" in self.__dict__:
            self.indexes.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
