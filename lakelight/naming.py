"""Words of table and column names, for people: ``c_acctbal`` → "account balance",
``InvoiceDate`` → "invoice date", ``l_linenumber`` → "line number".

Names are split at separators, case changes and digits; a prefix that every column of a table
shares (``c_``, ``l_``) is stripped; run-together lowercase words are segmented with word
frequencies (wordsegment, loaded on first need); common abbreviations are expanded. Pure
functions with no I/O beyond that one lazy load: any layer may use them."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from functools import lru_cache

__all__ = [
    "ABBREVIATIONS",
    "ID_WORDS",
    "column_words",
    "entity_words",
    "key_stem",
    "name_parts",
    "segment",
    "shared_prefix",
    "singular",
    "table_naming",
    "table_words",
]

_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", re.UNICODE)
_SEPARATED = re.compile(r"[^A-Za-z0-9]+")

# Abbreviations common in company schemas (ERP, warehouse, logs). A word is expanded only when
# it stands alone after splitting, so "amt" → "amount" but "amtrak" stays.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "acct": ("account",),
    "acc": ("account",),
    "addr": ("address",),
    "amt": ("amount",),
    "avail": ("available",),
    "avg": ("average",),
    "bal": ("balance",),
    "cat": ("category",),
    "cnt": ("count",),
    "comm": ("commission",),
    "cust": ("customer",),
    "ctry": ("country",),
    "cty": ("city",),
    "curr": ("currency",),
    "dept": ("department",),
    "desc": ("description",),
    "descr": ("description",),
    "dob": ("date", "of", "birth"),
    "dt": ("date",),
    "emp": ("employee",),
    "ext": ("extended",),
    "fname": ("first", "name"),
    "lname": ("last", "name"),
    "inv": ("invoice",),
    "instr": ("instructions",),
    "instruct": ("instructions",),
    "lang": ("language",),
    "lg": ("league",),
    "loc": ("location",),
    "mfgr": ("manufacturer",),
    "mfr": ("manufacturer",),
    "mgr": ("manager",),
    "mkt": ("market",),
    "msg": ("message",),
    "nbr": ("number",),
    "no": ("number",),
    "nr": ("number",),
    "num": ("number",),
    "ord": ("order",),
    "org": ("organization",),
    "pct": ("percent",),
    "ph": ("phone",),
    "pos": ("position",),
    "prc": ("price",),
    "prod": ("product",),
    "pwd": ("password",),
    "qty": ("quantity",),
    "ref": ("reference",),
    "req": ("request",),
    "resp": ("response",),
    "seg": ("segment",),
    "src": ("source",),
    "dst": ("destination",),
    "stat": ("status",),
    "std": ("standard",),
    "supp": ("supplier",),
    "sup": ("supplier",),
    "tel": ("telephone",),
    "tot": ("total",),
    "ts": ("timestamp",),
    "txn": ("transaction",),
    "usr": ("user",),
    "wt": ("weight",),
    "yr": ("year",),
}

# Run-together words end in these more often than the segmenter guesses ("playerid").
_SUFFIXES = ("id", "key", "code", "date", "name", "num", "no", "nbr")
_MIN_SEGMENT = 5  # shorter lowercase words are taken as they are
# Web unigram counts (wordsegment's): a word this common is taken as a word before a suffix
# split, unless what the suffix leaves is a common word too.
_COMMON_WORD = 5e5
_COMMON_STEM = 5e6

_lock = threading.Lock()
_loaded = False


def _words_model() -> object:
    global _loaded
    import wordsegment

    if not _loaded:
        with _lock:
            if not _loaded:
                wordsegment.load()
                _loaded = True
    return wordsegment


@lru_cache(maxsize=20_000)
def segment(word: str) -> tuple[str, ...]:
    """A run-together lowercase word as its words: "acctbal" → ("acct", "bal"), "totamt" →
    ("tot", "amt"). The segmenter's answer is kept when every piece is a known word; else the
    split into known words and abbreviations that is most probable."""
    if len(word) < _MIN_SEGMENT or not word.isalpha() or word in ABBREVIATIONS:
        return (word,)
    model = _words_model()
    counts = model.UNIGRAMS  # type: ignore[attr-defined]
    common = counts.get(word, 0.0) >= _COMMON_WORD
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            # "liquid", "casino" and "candidate" are words, not stem + "id"/"no"/"date";
            # "username" and "barcode" split, their stems being words of their own.
            if common and counts.get(stem, 0.0) < _COMMON_STEM and stem not in ABBREVIATIONS:
                continue
            return (*segment(stem), suffix)
    parts = tuple(model.segment(word))  # type: ignore[attr-defined]
    if all(p in ABBREVIATIONS or (len(p) >= 3 and counts.get(p, 0) >= _KNOWN) for p in parts):
        return parts
    return _split_known(word, counts) or (word,)


_KNOWN = 1e5  # corpus count of a word the segmenter's answer may use
_ABBREVIATION_COUNT = 1e6  # abbreviations count as words this common


def _split_known(word: str, unigrams: dict[str, float]) -> tuple[str, ...] | None:
    """Viterbi over pieces that are known words (two letters or more) or abbreviations."""
    total = 1e12
    best: list[tuple[float, tuple[str, ...]] | None] = [None] * (len(word) + 1)
    best[0] = (0.0, ())
    for end in range(2, len(word) + 1):
        for start in range(max(0, end - 20), end - 1):
            before = best[start]
            piece = word[start:end]
            count = unigrams.get(piece, 0)
            if piece in ABBREVIATIONS:
                count = max(count, _ABBREVIATION_COUNT)
            elif count < _KNOWN or len(piece) < 3:
                continue
            if before is None:
                continue
            score = before[0] + math.log10(count / total)
            if best[end] is None or score > best[end][0]:  # type: ignore[index]
                best[end] = (score, (*before[1], piece))
    found = best[len(word)]
    return found[1] if found is not None and len(found[1]) > 1 else None


def name_parts(name: str) -> list[str]:
    """Lowercase parts split at separators, case changes and digits: "InvoiceLineID" →
    ["invoice", "line", "id"], "x_acctbal" → ["x", "acctbal"]."""
    out: list[str] = []
    for chunk in _SEPARATED.split(name):
        out += [p.lower() for p in _PARTS.findall(chunk)] or ([chunk.lower()] if chunk else [])
    return out


def shared_prefix(columns: Sequence[str]) -> str:
    """A short prefix every column of a table starts with ("c_" of c_name, c_acctbal): it names
    the table, not the column. Needs two or more columns; at most four characters before a
    separator."""
    if len(columns) < 2:
        return ""
    first = columns[0]
    match = re.match(r"^([A-Za-z]{1,4}[_.-])", first)
    if match is None:
        return ""
    prefix = match.group(1)
    if all(c.startswith(prefix) and len(c) > len(prefix) for c in columns):
        return prefix
    return ""


def _expand(parts: Sequence[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        pieces = segment(part) if part.isalpha() else (part,)
        for piece in pieces:
            out += ABBREVIATIONS.get(piece, (piece,))
    return out


@lru_cache(maxsize=20_000)
def column_words(name: str, prefix: str = "") -> tuple[str, ...]:
    """The words a column name means: ``column_words("c_acctbal", "c_")`` → ("account",
    "balance"); "ShipMode" → ("ship", "mode")."""
    stem = name[len(prefix) :] if prefix and name.startswith(prefix) else name
    return tuple(_expand(name_parts(stem)))


@lru_cache(maxsize=5_000)
def table_words(name: str) -> tuple[str, ...]:
    """The words of a table name: "lineitem" → ("line", "item"), "InvoiceLine" → ("invoice",
    "line"); a file extension or schema qualifier is dropped."""
    base = re.sub(r"\.(csv|tsv|json|jsonl|parquet|log|txt|gz)$", "", name, flags=re.I)
    base = base.rsplit(".", 1)[-1]
    return tuple(_expand(name_parts(base)))


# Last words of a column that identifies something ("customer id", "part key", "iata code").
ID_WORDS = frozenset({"id", "key", "code", "number", "uuid", "guid", "sku"})
# Leading words of warehouse table names that say what kind of table it is, not what it holds.
_TABLE_KINDS = frozenset({"dim", "fact", "tbl", "stg", "raw"})
_IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman"}
_SAME = frozenset({"series", "species", "news", "data", "status", "analysis", "address", "does"})


@lru_cache(maxsize=20_000)
def singular(word: str) -> str:
    """A plural English word's singular, for matching names: "orders" → "order", "categories"
    → "category", "people" → "person"; a word that is not a plural comes back as it is."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _SAME or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def entity_words(words: Sequence[str]) -> tuple[str, ...]:
    """Words naming one thing, for comparing a table with a column: singular, and without a
    warehouse kind word ("dim_customers" → ("customer",))."""
    out = tuple(singular(w) for w in words)
    return out[1:] if len(out) > 1 and out[0] in _TABLE_KINDS else out


def key_stem(words: Sequence[str]) -> tuple[str, ...] | None:
    """What an id-like column identifies: ("customer", "key") → ("customer",), ("id",) → ();
    None when the last word is not an id word."""
    if not words or words[-1] not in ID_WORDS:
        return None
    return entity_words(words[:-1])


def table_naming(table: str, columns: Sequence[str]) -> dict[str, object]:
    """What the catalog stores of a table's names, so questions need no segmenter at run time:
    ``{"table": [...], "prefix": "c_", "columns": {name: [...]}}``."""
    prefix = shared_prefix(columns)
    return {
        "table": list(table_words(table)),
        "prefix": prefix,
        "columns": {c: list(column_words(c, prefix)) for c in columns},
    }
