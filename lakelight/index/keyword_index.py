"""Exact-term search with SQLite FTS5 and BM25, so ids, codes, IPs and names are found as typed.
It lives in its own SQLite file in the workspace, whatever database holds the catalog."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable
from pathlib import Path

import numpy as np

from lakelight.errors import IndexStoreError

# Terms keep inner punctuation ("194.117.26.69", "CA-2016-152156", "a@b.com"); FTS5 then
# matches each as a phrase of its parts.
_TERM = re.compile(r"\w(?:[\w.@:/+-]*\w)?", re.UNICODE)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "show",
        "tell",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "find",
        "list",
        "give",
        "get",
        "all",
        "any",
    ]
)


_THOUSANDS = re.compile(r"(\d),(\d{3})(?!\d)")


def is_identifier(term: str) -> bool:
    """A code-like term: digits with letters or inner punctuation ("CA-2016-1", "10.0.0.1")."""
    has_digit = any(c.isdigit() for c in term)
    return has_digit and (len(term) >= 4 or any(c in ".-@:/_" for c in term))


def query_terms(text: str) -> list[str]:
    text = _THOUSANDS.sub(r"\1\2", text)  # "22,638.48" is stored as 22638.48
    terms = [t for t in _TERM.findall(text) if t.lower() not in _STOPWORDS]
    return list(dict.fromkeys(terms))[:64]


MAX_FILTERS = 8  # allow-lists kept as temporary tables, one per distinct set of callers' vids


class KeywordIndex:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS kw USING fts5(text, "
                'tokenize="unicode61 remove_diacritics 2")'
            )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS kw_meta (name TEXT PRIMARY KEY, value INTEGER)"
            )
        except sqlite3.Error as exc:
            raise IndexStoreError(f"Cannot open the keyword index {path}: {exc}") from exc
        self.path = path
        # one connection, shared by a server's threads: one statement or transaction at a time
        self._lock = threading.RLock()
        self._filters: OrderedDict[str, str] = OrderedDict()  # digest of vids → temp table

    @property
    def generation(self) -> int:
        with self._lock:
            row = self.db.execute("SELECT value FROM kw_meta WHERE name='generation'").fetchone()
        return int(row[0]) if row else -1

    def ids(self) -> set[int]:
        with self._lock:
            return {r[0] for r in self.db.execute("SELECT rowid FROM kw")}

    def apply(
        self, added: Iterable[tuple[int, str]], removed: Iterable[int], generation: int | None
    ) -> None:
        """One transaction: remove, add, and record the catalog generation now reflected."""
        with self._lock:
            try:
                self.db.execute("BEGIN")
                self.db.executemany("DELETE FROM kw WHERE rowid = ?", ((v,) for v in removed))
                self.db.executemany("INSERT OR REPLACE INTO kw(rowid, text) VALUES (?, ?)", added)
                if generation is not None:
                    self.db.execute(
                        "INSERT OR REPLACE INTO kw_meta VALUES ('generation', ?)", (generation,)
                    )
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self.db.execute("ROLLBACK")
                raise IndexStoreError(f"Cannot update the keyword index: {exc}") from exc

    def search(
        self, text: str, k: int, allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """The best k rows by BM25. ``allowed`` restricts the search inside the query (the rows
        a caller may read), before ranking and the limit, so a filter never starves results."""
        terms = query_terms(text)
        if not terms or k <= 0 or (allowed is not None and not allowed):
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        with self._lock:
            where = ""
            if allowed is not None:
                where = f" AND rowid IN (SELECT vid FROM temp.{self._filter(allowed)})"
            try:
                rows = self.db.execute(
                    f"SELECT rowid, bm25(kw) AS s FROM kw WHERE kw MATCH ?{where} "
                    "ORDER BY s LIMIT ?",
                    (match, k),
                ).fetchall()
            except sqlite3.OperationalError:
                return []  # a query FTS cannot parse finds nothing by keyword; vectors still answer
        return [(int(vid), -float(score)) for vid, score in rows]

    def _filter(self, allowed: Collection[int]) -> str:
        """A temporary table holding ``allowed``, made once per distinct set and reused (the
        same caller's next question); the least recently used ones are dropped."""
        vids = np.unique(np.fromiter(allowed, np.int64, len(allowed)))
        digest = hashlib.sha1(vids.tobytes(), usedforsecurity=False).hexdigest()[:16]
        name = self._filters.get(digest)
        if name is not None:
            self._filters.move_to_end(digest)
            return name
        name = f"kw_allow_{digest}"
        self.db.execute(f"CREATE TEMP TABLE {name} (vid INTEGER PRIMARY KEY)")
        self.db.executemany(f"INSERT INTO temp.{name} VALUES (?)", ((int(v),) for v in vids))
        self._filters[digest] = name
        while len(self._filters) > MAX_FILTERS:
            _, old = self._filters.popitem(last=False)
            self.db.execute(f"DROP TABLE IF EXISTS temp.{old}")
        return name

    def identifying(
        self, text: str, most: int, allowed: Collection[int] | None = None
    ) -> dict[int, int]:
        """Rows holding an identifying term of ``text``, with how many they hold. A term
        identifies when it is code-like (``is_identifier``) or the query's whole phrase, and at
        most ``most`` rows hold it: a year in every row identifies nothing. ``allowed`` applies
        inside the query, so rows the caller may not read neither count nor crowd out."""
        terms = query_terms(text)
        phrases = [t for t in terms if is_identifier(t)]
        if len(terms) >= 2:
            phrases.append(" ".join(terms))
        if allowed is not None and not allowed:
            return {}
        held: dict[int, int] = {}
        with self._lock:
            where = ""
            if allowed is not None and phrases:
                where = f" AND rowid IN (SELECT vid FROM temp.{self._filter(allowed)})"
            for phrase in phrases:
                try:
                    rows = self.db.execute(
                        f"SELECT rowid FROM kw WHERE kw MATCH ?{where} LIMIT ?",
                        ('"' + phrase.replace('"', '""') + '"', most + 1),
                    ).fetchall()
                except sqlite3.OperationalError:
                    continue
                if len(rows) > most:
                    continue
                for (vid,) in rows:
                    held[int(vid)] = held.get(int(vid), 0) + 1
        return held

    def close(self) -> None:
        with self._lock:
            self.db.close()
