"""Schema linking: the words each table and column is known by, and where a question names
them. A column's words come from ``lakelight.naming`` (prefix stripped, run-together words
split, abbreviations expanded), so "account balance" names ``c_acctbal`` and "ship mode" names
``l_shipmode``; the same words serve lookups, aggregates and synth conditions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakelight.index.catalog import TableInfo
from lakelight.naming import column_words, shared_prefix, table_words
from lakelight.rag.aggregate_parse import QUESTION_WORDS
from lakelight.rag.words import STOPWORDS, bases, fold, singular

if TYPE_CHECKING:
    from lakelight.rag.aggregate_parse import Question
    from lakelight.rag.aggregate_sql import Source

__all__ = [
    "KEY_WORDS",
    "Mention",
    "acronym_at",
    "column_form",
    "column_terms",
    "person_name_columns",
    "spell",
    "table_form",
]

KEY_WORDS = frozenset({"id", "key", "fk", "pk", "code", "number"})
# Nouns people append to a column's own name without changing what it names: "phone number"
# for ``phone``, "email address" for ``email``, "zip code" for ``zip``.
KIND_NOUNS = frozenset({"number", "address", "code", "no"})
_COUNTING = frozenset({"number", "no"})
# Question words that may stand for a column word (after singular() and fold()).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "revenue": ("sale", "sales", "revenue", "amount", "total"),
    "sale": ("sale", "sales", "revenue", "amount", "total"),
    "income": ("revenue", "sale", "profit", "income"),
    "earning": ("profit", "revenue", "sale", "earning"),
    "amount": ("amount", "total", "sale", "value", "price"),
    "spent": ("total", "amount", "sale", "spend"),
    "spend": ("total", "amount", "sale", "spend"),
    "spending": ("total", "amount", "sale", "spend"),
    "price": ("price", "unitprice", "cost", "amount"),
    "cost": ("cost", "price", "unitprice", "amount"),
    "expensive": ("price", "unitprice", "cost", "amount", "total"),
    "priciest": ("price", "unitprice", "cost", "amount", "total"),
    "cheapest": ("price", "unitprice", "cost", "amount", "total"),
    "cheap": ("price", "unitprice", "cost", "amount", "total"),
    "quantity": ("quantity", "qty", "unit", "units"),
    "unit": ("quantity", "qty", "units"),
    "qty": ("quantity", "qty"),
    "item": ("quantity", "qty", "units"),
    "profit": ("profit", "margin"),
    "margin": ("profit", "margin"),
    "discount": ("discount", "rebate"),
    "size": ("byte", "bytes", "size"),
    "byte": ("byte", "bytes", "size"),
    "long": ("millisecond", "milliseconds", "duration", "length", "second", "seconds"),
    "longest": ("millisecond", "milliseconds", "duration", "length", "second", "seconds"),
    "shortest": ("millisecond", "milliseconds", "duration", "length", "second", "seconds"),
    "duration": ("millisecond", "milliseconds", "duration", "length", "second", "seconds"),
    "length": ("millisecond", "milliseconds", "duration", "length"),
    "ip": ("ip", "ipaddress", "clientip", "remoteaddress", "sourceip", "srcip"),
    "address": ("ip", "address", "ipaddress"),
    "status": ("status", "statuscode", "code"),
    "code": ("status", "statuscode", "code"),
    "user": ("user", "username", "login"),
    "client": ("ip", "clientip", "remoteaddress", "client"),
    "username": ("user", "username", "login"),
    "host": ("host", "hostname", "server"),
    "program": ("program", "process", "app", "service"),
    "process": ("program", "process"),
    "service": ("program", "service", "process"),
    "severity": ("level", "severity", "priority"),
    "level": ("level", "severity"),
    "url": ("path", "url", "uri"),
    "path": ("path", "url", "uri"),
    "page": ("path", "url", "uri"),
    "balance": ("balance", "accountbalance"),
    "phone": ("phone", "telephone", "phonenumber", "mobile"),
    "telephone": ("phone", "telephone"),
    "mail": ("email", "emailaddress"),
    "email": ("email", "emailaddress", "mail"),
    "nationality": ("nation", "country"),
    "country": ("country", "nation"),
    "nation": ("nation", "country"),
}


def _normal(ws: list[str] | tuple[str, ...]) -> list[str]:
    return [singular(fold(w)) for w in ws if w]


def column_terms(table: TableInfo, column: str) -> list[str]:
    """The words ``column`` means in ``table``: stored at ingest, else worked out now."""
    stored = (table.naming or {}).get("columns", {}).get(column)
    if stored is not None:
        return _normal(stored)
    prefix = shared_prefix([c.name for c in table.columns])
    return _normal(column_words(column, prefix))


def column_form(table: TableInfo, column: str) -> tuple[list[str], str]:
    """A column's words without a trailing key word, and their concatenation: ``o_custkey`` →
    (["customer"], "customer"), ``Sub-Category`` → (["sub", "category"], "subcategory")."""
    ws = column_terms(table, column)
    if len(ws) > 1 and ws[-1] in KEY_WORDS:
        ws = ws[:-1]
    return ws, "".join(ws)


def table_form(table: TableInfo) -> tuple[list[str], str]:
    stored = (table.naming or {}).get("table")
    ws = _normal(stored if stored is not None else table_words(table.name))
    return ws, "".join(ws)


def person_name_columns(table: TableInfo) -> list[str]:
    """[first, last] when ``table`` names people by two columns (FirstName/LastName,
    nameFirst/nameLast, first_name/surname), else []."""
    strings = [c.name for c in table.columns if c.type == "string"]
    first = [c for c in strings if "first" in column_terms(table, c)]
    last = [c for c in strings if {"last", "surname", "family"} & set(column_terms(table, c))]
    return [first[0], last[0]] if first and last else []


@dataclass(frozen=True)
class Mention:
    """Question tokens [start, end) name ``src``; ``score`` 1 for its own words, lower for
    synonyms and partial names."""

    start: int
    end: int
    src: Source
    score: float


def acronym_at(
    words: list[str], start: int, name: str, names: frozenset[str] = frozenset()
) -> int | None:
    """The end of the words from ``start`` whose initials spell the all-capitals column
    ``name`` ("home runs" for HR, "runs batted in" for RBI), or None. Inner small words count
    only in acronyms of three letters or more; the first and last word carry content; a word
    of ``names`` (written capitalized in the question: "Shohei Ohtani" is no "SO") never."""
    if not (name.isalpha() and name.isupper() and 2 <= len(name) <= 5):
        return None
    end = start + len(name)
    span = words[start:end]
    if names and any(w in names for w in span):
        return None
    if len(span) < len(name) or "".join(w[:1] for w in span) != name.lower():
        return None
    inner_ok = len(name) >= 3
    if any(len(w) < 2 for w in span):
        return None  # a possessive "s" or an initial: "deGrom's" is no "GS"
    if span[0] in STOPWORDS or any(w in STOPWORDS for w in span[1:] if not inner_ok):
        return None
    return end


def spell(q: Question, form: str, src: Source, words: list[str] | None = None) -> list[Mention]:
    """Where the question names a column spelled ``form`` (its words run together)."""
    out: list[Mention] = []
    toks = q.toks
    norms = [t.norm if t.kind == "word" else "" for t in toks]
    capitalized = frozenset(t.norm for t in toks if t.cap)
    for i in range(len(toks)):
        if (end := acronym_at(norms, i, src.column, capitalized)) is not None:
            out.append(Mention(i, end, src, 0.9))  # "home runs" for HR
    for i, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        joined = ""
        for n in range(1, 5):
            if i + n > len(toks) or toks[i + n - 1].kind != "word":
                break
            joined += toks[i + n - 1].norm
            if joined == form:
                end = i + n
                if (
                    end < len(toks)
                    and toks[end].norm in KIND_NOUNS
                    and not form.endswith(toks[end].norm)
                    and not (src.type in ("integer", "float") and toks[end].norm in _COUNTING)
                ):
                    end += 1  # "phone number" names phone; "total number of" is a count
                out.append(Mention(i, end, src, 1.0))
        word = tok.norm
        if word == form or word in STOPWORDS:
            continue
        synonyms = SYNONYMS.get(word, ())
        loose = word not in QUESTION_WORDS and len(word) >= 4
        if form in synonyms:
            out.append(Mention(i, i + 1, src, 0.8))
        elif words and len(words) > 1 and loose and word == words[-1]:
            out.append(Mention(i, i + 1, src, 0.7))  # "balance" for account balance
        elif any(form.endswith(w) and len(w) >= 4 for w in synonyms) or (
            loose and form.endswith(word)
        ):
            out.append(Mention(i, i + 1, src, 0.6))
        elif loose and len(word) >= 5 and form.startswith((word[:-1], word[:-2])):
            out.append(Mention(i, i + 1, src, 0.5))
        elif loose and (derived := {b for b in bases(word) if len(b) >= 4}):
            if form in derived:
                out.append(Mention(i, i + 1, src, 0.7))  # "priced", "profitable"
            elif any(form.endswith(b) for b in derived):
                out.append(Mention(i, i + 1, src, 0.55))  # "priced" for unitprice
    return out
