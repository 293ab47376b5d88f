"""Answers kept for feedback, and the ratings people give them. An answer is stored with the
question, its embedding, the body returned, the rows it cited, the caller it was given to and
that caller's feedback scope; only that caller may rate it (anyone else is told it does not
exist).

Ratings move ranking (``boosts``; applied in ``lakelight.index.fusion``) only within a
*scope*: the exact set of groups the rater read as when the answer was given (``scope_of``).
A caller whose groups are ``{support}`` is moved by ratings from ``{support}`` callers only,
never by ``{hr}`` or ``{hr, support}`` ones; admins form a scope of their own, and an answer
kept without a scope moves rows only for the caller it was given to. So one group's ratings
never reorder another group's results, and no rating tells a caller anything about what
another group reads."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from lakelight.errors import CatalogError, NotFoundError, first_line
from lakelight.index.batch_writer import BatchWriter
from lakelight.index.catalog import add_missing_columns, bump, read_stamps, state
from lakelight.records import record_id

__all__ = ["FeedbackStore", "private_scope", "scope_of"]

metadata = sa.MetaData()
answers = sa.Table(
    "ll_answers",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("caller", sa.String(100), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the JSON returned, citations included
    sa.Column("created_at", sa.DateTime, nullable=False),
    # added after the first release (filled for new answers; older ones move nothing):
    sa.Column("scope", sa.String(1000)),  # scope_of(the caller); NULL: the caller only
    sa.Column("route", sa.String(10)),
    sa.Column("cited", sa.Text),  # JSON list of the cited rows' record ids
    # the question's embedding as little-endian float32 bytes (never a pickle); NULL until
    # embedded (an answer kept without one is embedded when it is first rated)
    sa.Column("embedding", sa.LargeBinary),
)
ratings = sa.Table(
    "ll_feedback",
    metadata,
    sa.Column("answer_id", sa.ForeignKey("ll_answers.id"), primary_key=True),
    sa.Column("caller", sa.String(100), nullable=False),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
sa.Index("ll_answers_scope", answers.c.scope)


class Embed(Protocol):
    def __call__(self, texts: list[str]) -> np.ndarray: ...


def scope_of(groups: Iterable[str], admin: bool = False) -> str:
    """The feedback scope of a caller: ``*`` for admins, else its sorted groups joined by
    commas (``""``: a caller in no group)."""
    return "*" if admin else ",".join(sorted(set(groups)))


def private_scope(caller: str) -> str:
    """The scope of an answer kept without one: it moves rows only for ``caller``."""
    return f"@{caller}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _vector_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").reshape(-1).tobytes()


def _cited_rids(body: dict[str, Any]) -> list[str]:
    return [
        record_id(str(c["source"]), str(c["table"]), str(c["key"]))
        for c in body.get("citations") or []
        if isinstance(c, dict) and {"source", "table", "key"} <= c.keys()
    ]


@dataclass
class _Votes:
    """The rated lookup answers of some scopes, as arrays (one row per rating)."""

    vectors: np.ndarray  # (m, dim) float32, normalized
    ratings: np.ndarray  # (m,) +1 / -1
    created: list[datetime]
    callers: list[str]
    cited: list[list[str]]


class FeedbackStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        # this process's writes queue here: SQLite takes one writer at a time, and a thread
        # refused its lock sleeps in growing steps (its busy handler), which under a served
        # load of asks (each keeps its answer) put 0.5 s on the 95th percentile
        self._writing = threading.Lock()
        # kept answers are written behind the ask, many to a transaction; whatever reads
        # them flushes first (``_kept.flush()``), so a rating finds its answer
        self._kept: BatchWriter[dict[str, Any]] = BatchWriter(self._insert, self._writing)
        self._cache: dict[tuple[str, ...], tuple[int | None, _Votes]] = {}
        try:
            metadata.create_all(engine)
            add_missing_columns(engine, metadata)  # older workspaces keep their answers
            state.create(engine, checkfirst=True)  # (a bare engine in tests has no catalog)
            self._count_old_ratings()
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot create the feedback tables: {first_line(exc)}") from exc

    def _count_old_ratings(self) -> None:
        """A workspace rated before the ``ratings`` counter existed gets one, so caches keyed
        on ``stamp()`` know there are ratings."""
        with self.engine.begin() as conn:
            rated = sa.select(sa.func.count()).select_from(ratings)
            if "ratings" not in read_stamps(conn) and conn.execute(rated).scalar():
                bump(conn, "ratings")

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        self._kept.flush()
        with self._writing, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._kept.flush()
        with self.engine.connect() as conn:
            yield conn

    def _insert(self, kept: list[dict[str, Any]]) -> None:
        """One transaction for a batch of kept answers (the writer thread's, or a flush)."""
        rows = [
            {
                **k,
                "body": json.dumps({**k["body"], "answer_id": k["id"]}, default=str),
                "route": str(k["body"].get("route") or "") or None,
                "cited": json.dumps(_cited_rids(k["body"])),
            }
            for k in kept
        ]
        try:
            with self.engine.begin() as conn:
                conn.execute(answers.insert(), rows)
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot keep answers for feedback: {first_line(exc)}") from exc

    def flush(self) -> None:
        """Commit the answers kept so far (readers here do it themselves)."""
        self._kept.flush()

    def close(self) -> None:
        """Write what is queued and stop the writer thread."""
        self._kept.close()

    def keep(
        self,
        caller: str,
        question: str,
        body: dict[str, Any],
        *,
        scope: str | None = None,
        embedding: np.ndarray | None = None,
    ) -> str:
        """Store an answer given to ``caller``; returns its id. ``scope``: the caller's
        ``scope_of`` (None: its ratings move rows for this caller only); ``embedding``: the
        question's (None: made when the answer is first used for ranking)."""
        answer_id = secrets.token_hex(12)
        self._kept.add(
            {
                "id": answer_id,
                "caller": caller,
                "question": question,
                "body": body,  # (serialized by the writer, off the request's path)
                "created_at": _now(),
                "scope": private_scope(caller) if scope is None else scope,
                "embedding": None if embedding is None else _vector_bytes(embedding),
            }
        )
        return answer_id

    def rate(self, answer_id: str, caller: str, rating: int, comment: str | None) -> None:
        """One rating per answer, by the caller it was given to; a later one replaces it."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        with self._write() as conn:
            owner = conn.execute(
                sa.select(answers.c.caller).where(answers.c.id == answer_id)
            ).scalar()
            if owner is None or owner != caller:
                raise NotFoundError(f"No answer {answer_id!r} was given to you")
            conn.execute(ratings.delete().where(ratings.c.answer_id == answer_id))
            conn.execute(
                ratings.insert().values(
                    answer_id=answer_id,
                    caller=caller,
                    rating=rating,
                    comment=comment,
                    created_at=_now(),
                )
            )
            bump(conn, "ratings")
        with self._lock:
            self._cache.clear()

    def embed_missing(self, answer_id: str, embed: Embed) -> None:
        """Store the question's embedding of an answer kept without one."""
        with self._read() as conn:
            question = conn.execute(
                sa.select(answers.c.question).where(
                    answers.c.id == answer_id, answers.c.embedding.is_(None)
                )
            ).scalar()
        if question is None:
            return
        blob = _vector_bytes(embed([question.strip()])[0])  # (no write lock held meanwhile)
        with self._write() as conn:
            conn.execute(answers.update().where(answers.c.id == answer_id).values(embedding=blob))

    def rated(self, caller: str | None = None) -> list[dict[str, Any]]:
        """Ratings with their question, answer body and cited rows (newest first)."""
        query = (
            sa.select(ratings, answers.c.question, answers.c.body, answers.c.scope)
            .join(answers, answers.c.id == ratings.c.answer_id)
            .order_by(ratings.c.created_at.desc())
        )
        if caller is not None:
            query = query.where(ratings.c.caller == caller)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            {
                "answer_id": r.answer_id,
                "caller": r.caller,
                "scope": r.scope,
                "rating": r.rating,
                "comment": r.comment,
                "question": r.question,
                "answer": json.loads(r.body),
                "created_at": r.created_at,
            }
            for r in rows
        ]

    def export(self) -> Iterator[dict[str, Any]]:
        """Every rating, oldest first, as plain JSON-able dicts (``lakelight feedback
        export``): question, answer, route, cited rows, caller, scope, rating, comment."""
        query = (
            sa.select(ratings, answers.c.question, answers.c.body, answers.c.scope)
            .join(answers, answers.c.id == ratings.c.answer_id)
            .order_by(ratings.c.created_at, ratings.c.answer_id)
        )
        with self._read() as conn:
            for r in conn.execute(query):
                body = json.loads(r.body)
                yield {
                    "answer_id": r.answer_id,
                    "created_at": r.created_at.isoformat(timespec="seconds"),
                    "caller": r.caller,
                    "scope": r.scope,
                    "rating": r.rating,
                    "comment": r.comment,
                    "question": r.question,
                    "route": body.get("route"),
                    "answer": body.get("answer"),
                    "sql": body.get("sql"),
                    "citations": [
                        {k: c.get(k) for k in ("source", "table", "key")}
                        for c in body.get("citations") or []
                    ],
                }

    def stats(self, limit: int = 10) -> dict[str, Any]:
        """What the data team should look at: totals, the questions and the rows with the
        most 👎 (ties: fewer 👍 first), each with its latest comments."""
        questions: dict[str, dict[str, Any]] = {}
        rows: dict[tuple[str, str, str], dict[str, Any]] = {}
        up = down = 0
        for r in self.export():
            good = r["rating"] > 0
            up, down = up + good, down + (not good)
            text = " ".join(r["question"].split())
            q = questions.setdefault(
                text.casefold(),
                {"question": text, "down": 0, "up": 0, "routes": set(), "comments": []},
            )
            q["up" if good else "down"] += 1
            q["routes"].add(r["route"])
            if r["comment"] and not good:
                q["comments"].append(r["comment"])
            for c in r["citations"]:
                key = (str(c["source"]), str(c["table"]), str(c["key"]))
                row = rows.setdefault(
                    key,
                    {"source": key[0], "table": key[1], "key": key[2], "down": 0, "up": 0},
                )
                row["up" if good else "down"] += 1
        worst_questions = sorted(
            (q for q in questions.values() if q["down"]),
            key=lambda q: (-q["down"], q["up"], q["question"]),
        )[:limit]
        for q in worst_questions:
            q["routes"] = sorted(x for x in q["routes"] if x)
            q["comments"] = q["comments"][-3:]
        worst_rows = sorted(
            (r for r in rows.values() if r["down"]),
            key=lambda r: (-r["down"], r["up"], r["table"], r["key"]),
        )[:limit]
        return {
            "ratings": up + down,
            "up": up,
            "down": down,
            "questions": worst_questions,
            "rows": worst_rows,
        }

    # --- ranking ---

    def boosts(
        self,
        query_vector: np.ndarray,
        scopes: Sequence[str],
        *,
        similarity: float,
        half_life_days: float,
        embed: Embed | None = None,
        now: datetime | None = None,
    ) -> dict[str, float]:
        """Net votes per cited row (record id) from rated lookup answers in ``scopes`` whose
        question's cosine to the query is at least ``similarity``. A rating weighs
        ``0.5 ** (age / half_life_days)``; each rater's say on a row is clamped to [-1, 1], so
        one person's repeated clicks count as one."""
        votes = self._votes(tuple(sorted(set(scopes))), embed)
        if votes is None or not len(votes.ratings):
            return {}
        q = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if q.shape[0] != votes.vectors.shape[1]:
            return {}  # another embedding model made these: they cannot be compared
        close = np.flatnonzero(votes.vectors @ q >= similarity)
        if not len(close):
            return {}
        now = now or _now()
        per_rater: dict[tuple[str, str], float] = {}
        for i in close:
            age_days = max((now - votes.created[i]).total_seconds(), 0.0) / 86400
            weight = float(votes.ratings[i]) * 0.5 ** (age_days / half_life_days)
            for rid in set(votes.cited[i]):
                per_rater[(votes.callers[i], rid)] = per_rater.get((votes.callers[i], rid), 0.0) + (
                    weight
                )
        net: dict[str, float] = {}
        for (_, rid), say in per_rater.items():
            net[rid] = net.get(rid, 0.0) + max(-1.0, min(1.0, say))
        return {rid: round(v, 4) for rid, v in net.items() if round(v, 4)}

    def stamp(self, stamps: Mapping[str, int] | None = None) -> int | None:
        """The state of the ratings (the ``ratings`` counter of ll_state, bumped by every
        rating in any process), or None when there are none: answer caches key on it (beside
        the caller's scope), so a rating is seen at once. Every rating counts, not only the
        caller's scope's: a rating elsewhere costs a cache one recomputation. ``stamps``: the
        counters as just read (None: read them here)."""
        if stamps is None:
            with self.engine.connect() as conn:
                stamps = read_stamps(conn)
        return stamps.get("ratings") or None

    def _votes(self, scopes: tuple[str, ...], embed: Embed | None) -> _Votes | None:
        """The rated lookup answers of ``scopes``, cached until a rating changes (the stamp
        also catches ratings stored by another process)."""
        if not scopes:
            return None
        stamp = self.stamp()
        with self._lock:
            cached = self._cache.get(scopes)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            votes = self._load(scopes, embed)
            if len(self._cache) >= 64:
                self._cache.pop(next(iter(self._cache)))
            self._cache[scopes] = (stamp, votes)
            return votes

    def _load(self, scopes: tuple[str, ...], embed: Embed | None) -> _Votes:
        query = (
            sa.select(
                answers.c.id,
                answers.c.question,
                answers.c.cited,
                answers.c.embedding,
                ratings.c.caller,
                ratings.c.rating,
                ratings.c.created_at,
            )
            .join(ratings, ratings.c.answer_id == answers.c.id)
            .where(answers.c.scope.in_(scopes), answers.c.route == "lookup")
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        missing = [r for r in rows if r.embedding is None]
        made: dict[str, bytes] = {}
        if missing and embed is not None:
            vectors = embed([r.question for r in missing])
            made = {r.id: _vector_bytes(v) for r, v in zip(missing, vectors, strict=True)}
            with self._write() as conn:
                for answer_id, blob in made.items():
                    conn.execute(
                        answers.update().where(answers.c.id == answer_id).values(embedding=blob)
                    )
        usable: list[tuple[Any, bytes]] = []
        for r in rows:
            stored = r.embedding or made.get(r.id)
            if stored:
                usable.append((r, bytes(stored)))
        dims = {len(blob) for _, blob in usable}
        if len(dims) > 1:  # the embedding model changed: only the newest vectors are comparable
            newest = len(max(usable, key=lambda u: u[0].created_at)[1])
            usable = [(r, blob) for r, blob in usable if len(blob) == newest]
        if not usable:
            return _Votes(np.zeros((0, 0), np.float32), np.zeros(0), [], [], [])
        return _Votes(
            vectors=np.stack([np.frombuffer(blob, dtype="<f4") for _, blob in usable]),
            ratings=np.asarray([r.rating for r, _ in usable], dtype=np.float32),
            created=[r.created_at for r, _ in usable],
            callers=[r.caller for r, _ in usable],
            cited=[json.loads(r.cited or "[]") for r, _ in usable],
        )
