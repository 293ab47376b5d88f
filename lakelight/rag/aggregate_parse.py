"""Read the shape of an aggregate question: tokens, the aggregate asked for, top-N, group-by
markers, numeric comparisons and time windows. Nothing here knows about tables; ``aggregate``
matches what is found against the catalog's columns and values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lakelight.rag.words import NEGATIONS, fold, singular

_TOKEN = re.compile(
    r"(?P<date>\b\d{4}-\d{1,2}-\d{1,2}(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?\b)"
    r"|(?P<code>\b\d+(?:\.\d+){2,}\b)"
    r"|(?P<num>[$€£]?\d(?:[\d,]*\d)?(?:\.\d+)?\s?%?(?![\w.]*[^\W\d_]))"
    r"|(?<!\w)(?P<quote>'[^']{1,200}'|\"[^\"]{1,200}\"|“[^”]{1,200}”)(?!\w)"
    r"|(?P<sym>>=|<=|!=|<>|[<>=])"
    r"|(?P<word>[^\W_]+)",
    re.UNICODE,
)

_MONTH_NAMES_EN = (
    "january february march april may june july august september october november december"
)
MONTHS = {name: i + 1 for i, name in enumerate(re.findall(r"\w+", _MONTH_NAMES_EN))}
MONTHS |= {name[:3]: n for name, n in MONTHS.items()} | {"sept": 9}


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400}
UNITS["year"] = 365 * 86400

# "how many <noun>" where the noun only means "rows": never a column or a text filter.
COUNT_NOUNS = wordset(
    """row record entry line log event request message time attempt login hit occurrence order
    transaction sale purchase visit call connection failure case thing result"""
)

# Words of the question's own machinery: never a value, a text filter or an unexplained name.
QUESTION_WORDS = wordset(
    """total sum summed average avg mean typical count number many much maximum max highest
    largest biggest greatest minimum min lowest smallest cheapest shortest longest earliest
    latest oldest newest fewest most least top bottom common frequent popular distinct
    different unique overall combined altogether show list give tell compute calculate
    return returned made sold generated spent billed placed happened seen recorded logged
    received sent ever each every per across grouped broken breakdown split year month day
    week hour minute last past recent previous between since after before until dataset data
    table file database catalog whole everything across value expensive priciest cheap long
    short ratio equal exactly least more less greater fewer higher lower above below under
    over exceeding inch foot feet pound lb kg kilogram gram meter metre centimeter cm mm km
    mile dollar usd euro eur percent second millisecond ms byte kb mb gb"""
)


_AGG = {
    "count": r"how many|number of|count of|count|counts|how often|tally",
    "sum": r"total|totals|sum|summed|overall|combined|altogether|how much",
    "avg": r"average|averages|avg|mean|typical",
    "max": r"maximum|max|highest|largest|biggest|greatest|most expensive|priciest|longest|latest"
    r"|most recent|newest|heaviest",
    "min": r"minimum|min|lowest|smallest|least expensive|cheapest|shortest|earliest|oldest|fewest"
    r"|lightest",
}
_AGG_RE = {k: re.compile(rf"\b(?:{v})\b") for k, v in _AGG.items()}
_DISTINCT = re.compile(r"\b(?:distinct|different|unique)\b")
_TOP_N = re.compile(r"\b(top|bottom)(?: (#\d+))?")
_WHICH_N = re.compile(r"(?:which|what) (#\d+) ")
_SUPER_DESC = r"most|highest|largest|biggest|greatest|maximum|top|best|longest|heaviest|priciest"
_SUPER_ASC = r"least|lowest|smallest|fewest|minimum|worst|shortest|cheapest|lightest"
_SUPERLATIVE = re.compile(rf"(?<!\bat )\b({_SUPER_DESC}|{_SUPER_ASC})\b")
_MOST_COMMON = re.compile(
    r"\b(?:(?:used|seen|chosen|picked|ordered|bought) )?(most|least) (?:common(?:ly)?|often"
    r"|frequent(?:ly)?(?: seen| used)?|popular|used|active|seen|occurring)\b"
)
_GROUP = re.compile(
    r"\b(?:grouped by|broken down by|breakdown by|split by|by|per|for each|for every|in each"
    r"|each|every|across all|across)\b"
)
_BUCKET = re.compile(
    r"\b(?:by|per|each|every|for each) (year|month|day|hour)\b"
    r"|\b(yearly|annual|annually|monthly|daily|hourly)\b"
)
_BUCKET_WORDS = {"yearly": "year", "annual": "year", "annually": "year", "monthly": "month"}
_BUCKET_WORDS |= {"daily": "day", "hourly": "hour"}
_CMP = [
    (re.compile(r"\bbetween (#\d+) and (#\d+)"), "between"),
    (
        re.compile(
            r"(?:\b(?:more|greater|higher|larger|bigger|longer) than|\bover|\babove"
            r"|\bexceeding|\bexceeds|\bexceed|>) (#\d+)"
        ),
        ">",
    ),
    (re.compile(r"(?:\bat least|\bno less than|\bminimum of|>=) (#\d+)"), ">="),
    (re.compile(r"(#\d+) or (?:more|greater|higher|above|over)\b"), ">="),
    (re.compile(r"(?:\b(?:less|lower|smaller|fewer|shorter) than|\bunder|\bbelow|<) (#\d+)"), "<"),
    (re.compile(r"(?:\bat most|\bno more than|\bup to|<=) (#\d+)"), "<="),
    (re.compile(r"(#\d+) or (?:less|fewer|lower|below|under)\b"), "<="),
    (re.compile(r"(?:!=|<>|\bnot equal to|\bother than) (#\d+)"), "!="),
    (re.compile(r"(?:\bequal to|\bequals|\bexactly|=) (#\d+)"), "="),
]
_PREP = r"in|during|for|of|throughout|within|on"
_LAST = re.compile(
    r"\b(?:last|past|previous|latest|final) (?:(#\d+) )?(minute|hour|day|week|month|year)s?\b"
)
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_YEAR = re.compile(rf"\b({_MONTH_NAMES}),? (#\d+)")
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4}
_QUARTER = re.compile(r"\b(?:the )?(first|second|third|fourth|last) quarter (?:of |in )?(#\d+)")
_MONTH_ONLY = re.compile(rf"\b(?:{_PREP}) ({_MONTH_NAMES})\b")
_YEAR = re.compile(rf"\b(?:{_PREP}|year|since|after|before|until|till|from|through) (#\d+)")
_SINCE = re.compile(r"\b(since|after|from|starting|before|until|till|prior to|up until) (#\d+)")
_DATE_RANGE = re.compile(r"\b(?:between (#\d+) and|from (#\d+) (?:to|through|until|till)) (#\d+)")
_ON_DATE = re.compile(r"\b(?:on|in|during|for) (#\d+)")


@dataclass
class Tok:
    kind: str  # word | num | date | code | quote | sym
    raw: str
    norm: str  # folded; words singular, numbers canonical, quotes without the quotes
    start: int
    end: int
    value: float | None = None
    money: bool = False
    percent: bool = False
    cap: bool = False  # a word written with a capital letter (not the question's first word)


@dataclass
class Comparison:
    op: str  # > >= < <= = != between
    values: list[float]
    toks: list[int]  # token indices of the numbers
    span: tuple[int, int]  # token range of the whole phrase
    money: bool = False
    percent: bool = False


@dataclass
class TimeSpec:
    kind: str  # range | month | last
    start: datetime | None = None
    end: datetime | None = None  # exclusive
    month: int | None = None
    seconds: int | None = None  # for "last N units"
    span: tuple[int, int] = (0, 0)
    text: str = ""


@dataclass
class Question:
    text: str
    toks: list[Tok]
    joined: str  # token norms joined by spaces; numbers as "#<index>"
    offsets: list[int]  # char offset in ``joined`` of each token
    aggs: dict[str, list[int]] = field(default_factory=dict)  # kind -> token indices
    distinct: bool = False
    top: tuple[int, bool, int] | None = None  # (n, descending, token index after the phrase)
    superlative: tuple[bool, int] | None = None  # (descending, token index)
    most_common: tuple[bool, int] | None = None  # (descending, token index after the phrase)
    groups: list[int] = field(default_factory=list)  # token index where a group target starts
    bucket: str | None = None  # year | month | day | week | hour
    comparisons: list[Comparison] = field(default_factory=list)
    times: list[TimeSpec] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # token indices explained by the syntax

    def negations(self) -> list[int]:
        """Positions of the words that negate ("not", "without", the "t" of "don't"), but not
        inside a comparison ("not equal to 3"). A plan must account for each of them: "how
        many tracks have no composer" is beyond the shapes computed here, "requests for
        files that don't exist" is a phrase its log writes ('file does not exist')."""
        compared = {i for c in self.comparisons for i in range(*c.span)}
        return [
            i
            for i, t in enumerate(self.toks)
            if t.kind == "word" and t.norm in NEGATIONS and i not in compared
        ]

    def asks_which_value(self) -> bool:
        """ "Which <column> ..." with nothing to compute: the value the rows the rest of the
        question picks hold ("which mailbox failed to log in from 198.51.100.76")."""
        return len(self.toks) > 1 and self.toks[0].norm == "which"

    def is_aggregate(self) -> bool:
        """Shaped like an aggregate question at all (a keyword, top-N, superlative, group,
        or "which <column>")."""
        return bool(
            self.asks_which_value()
            or any(self.aggs.values())
            or self.top
            or self.most_common
            or self.superlative
            or self.bucket
            or self.groups
        )

    def tok_at(self, char: int) -> int:
        """Index of the token starting at or after ``char`` in ``joined``."""
        for i, off in enumerate(self.offsets):
            if off >= char:
                return i
        return len(self.toks)

    def span(self, m: re.Match[str], group: int = 0) -> tuple[int, int]:
        return self.tok_at(m.start(group)), self.tok_at(m.end(group))

    def num(self, ref: str) -> Tok:
        return self.toks[int(ref[1:])]


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "word"
        raw = m.group()
        tok = Tok(kind, raw, fold(raw), m.start(), m.end())
        if kind == "word" and tok.norm == "t" and _contracted(text, toks, m.start()):
            # "don't" → do not, "wasn't" → was not, "can't" → can not, "won't" → will not
            before = toks[-1]
            before.norm = _CONTRACTED.get(before.norm, before.norm[:-1])
            tok.norm = "not"
        elif kind == "word":
            tok.norm = singular(tok.norm)
            tok.cap = raw[:1].isupper() and bool(toks)
        elif kind == "num":
            tok.money = raw[:1] in "$€£"
            tok.percent = raw.endswith("%")
            digits = re.sub(r"[^\d.]", "", raw)
            tok.value = float(digits)
            tok.norm = f"{tok.value:g}" if tok.value < 1e15 else digits
        elif kind == "quote":
            tok.norm = fold(raw[1:-1]).strip()
        toks.append(tok)
    return toks


_CONTRACTED = {"can": "can", "won": "will", "shan": "shall"}


def _contracted(text: str, toks: list[Tok], start: int) -> bool:
    """The "t" at ``start`` ends a negative contraction ("doesn't", "isn’t")."""
    if not toks or toks[-1].kind != "word" or not toks[-1].norm.endswith("n"):
        return False
    return toks[-1].end == start - 1 and text[start - 1] in "'’"


def parse_question(text: str) -> Question:
    toks = tokenize(text)
    parts, offsets, pos = [], [], 0
    for i, t in enumerate(toks):
        piece = f"#{i}" if t.kind in ("num", "date") else t.norm if t.kind != "quote" else "«»"
        offsets.append(pos)
        parts.append(piece)
        pos += len(piece) + 1
    q = Question(text, toks, " ".join(parts), offsets)
    j = q.joined
    for kind, rx in _AGG_RE.items():
        q.aggs[kind] = [q.tok_at(m.start()) for m in rx.finditer(j)]
    q.distinct = bool(_DISTINCT.search(j))
    if m := _TOP_N.search(j):
        start = q.tok_at(m.start())
        n, end = 5, start + 1
        if m.group(2):
            tok = q.num(m.group(2))
            if tok.kind == "num" and tok.value and tok.value.is_integer() and tok.value <= 1000:
                n, end = int(tok.value), end + 1
        q.top = (n, m.group(1) == "top", end)
        q.used.update(range(start, end))
    if m := _MOST_COMMON.search(j):
        q.most_common = (m.group(1) == "most", q.tok_at(m.end()))
        q.used.update(range(*q.span(m)))
    if m := _SUPERLATIVE.search(j):
        q.superlative = (re.fullmatch(_SUPER_DESC, m.group(1)) is not None, q.tok_at(m.start(1)))
    if q.top is None and q.superlative and (m := _WHICH_N.match(j)):
        # "which 3 teams hit the most home runs": a top 3
        tok = q.num(m.group(1))
        if tok.kind == "num" and tok.value and tok.value.is_integer() and tok.value <= 1000:
            at = q.tok_at(m.start(1))
            q.top = (int(tok.value), q.superlative[0], at + 1)
            q.used.add(at)
    for m in _GROUP.finditer(j):
        at = q.tok_at(m.start())
        if m.group(0) == "by" and at and _agent_verb(q.toks[at - 1]):
            continue  # "placed by customers", "written by": who did it, not a grouping
        q.groups.append(q.tok_at(m.end()))
    if m := _BUCKET.search(j):
        q.bucket = m.group(1) or _BUCKET_WORDS[m.group(2)]
        q.used.update(range(*q.span(m)))
    _parse_times(q)
    _parse_comparisons(q)
    return q


_PARTICIPLES = wordset("made sold done written given taken shown seen paid bought held run won")


def _agent_verb(tok: Tok) -> bool:
    """A past participle before "by": "placed by", "made by"."""
    word = fold(tok.raw)
    return tok.kind == "word" and (word in _PARTICIPLES or (len(word) > 4 and word.endswith("ed")))


def _is_year(tok: Tok) -> bool:
    return (
        tok.kind == "num"
        and tok.value is not None
        and 1900 <= tok.value <= 2100
        and ("." not in tok.raw and "," not in tok.raw and not tok.money)
    )


def _date(tok: Tok) -> datetime | None:
    if tok.kind != "date":
        return None
    try:
        return datetime.fromisoformat(tok.raw.replace("T", " ").replace("t", " "))
    except ValueError:
        return None


def _year_range(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def _month_range(year: int, month: int) -> tuple[datetime, datetime]:
    end = datetime(year + 1, 1, 1) if month == 12 else datetime(year, month + 1, 1)
    return datetime(year, month, 1), end


def _bound(tok: Tok, end: bool) -> datetime | None:
    """A year or date token as a point in time: its start, or just past its end."""
    if _is_year(tok):
        lo, hi = _year_range(int(tok.value or 0))
        return hi if end else lo
    day = _date(tok)
    if day is None:
        return None
    return day + timedelta(days=1) if end and len(tok.raw) <= 10 else day


def _parse_times(q: Question) -> None:
    j, taken = q.joined, q.used
    timed: set[int] = set()

    def add(spec: TimeSpec, span: tuple[int, int]) -> None:
        tokens = range(*span)
        if any(i in timed or (i in taken and q.toks[i].kind in ("num", "date")) for i in tokens):
            return
        timed.update(tokens)
        spec.span = span
        spec.text = q.text[q.toks[span[0]].start : q.toks[span[1] - 1].end]
        q.times.append(spec)
        taken.update(range(*span))

    for m in _DATE_RANGE.finditer(j):
        a, b = q.num(m.group(1) or m.group(2)), q.num(m.group(3))
        lo, hi = _bound(a, False), _bound(b, True)
        if lo and hi:
            add(TimeSpec("range", lo, hi), q.span(m))
    for m in _MONTH_YEAR.finditer(j):
        year = q.num(m.group(2))
        if _is_year(year):
            lo, hi = _month_range(int(year.value or 0), MONTHS[m.group(1)])
            add(TimeSpec("range", lo, hi), q.span(m))
    for m in _QUARTER.finditer(j):
        year = q.num(m.group(2))
        if _is_year(year):
            first = 3 * _QUARTERS[m.group(1)] - 2
            lo = _month_range(int(year.value or 0), first)[0]
            hi = _month_range(int(year.value or 0), first + 2)[1]
            add(TimeSpec("range", lo, hi), q.span(m))
    for m in _SINCE.finditer(j):
        tok = q.num(m.group(2))
        after = m.group(1) in ("since", "after", "from", "starting")
        point = _bound(tok, end=m.group(1) == "after")
        if point is not None:
            spec = TimeSpec("range", point, None) if after else TimeSpec("range", None, point)
            add(spec, q.span(m))
    for m in _YEAR.finditer(j):
        tok = q.num(m.group(1))
        if _is_year(tok):
            add(TimeSpec("range", *_year_range(int(tok.value or 0))), q.span(m))
    for m in _ON_DATE.finditer(j):
        tok = q.num(m.group(1))
        lo, hi = _bound(tok, False), _bound(tok, True)
        if tok.kind == "date" and lo and hi:
            add(TimeSpec("range", lo, hi), q.span(m))
    for m in _MONTH_ONLY.finditer(j):
        add(TimeSpec("month", month=MONTHS[m.group(1)]), q.span(m))
    for m in _LAST.finditer(j):
        n = int(q.num(m.group(1)).value or 1) if m.group(1) else 1
        add(TimeSpec("last", seconds=n * UNITS[m.group(2)]), q.span(m))


# a sign is a comparison with zero: "a negative balance", "positive profit"
_SIGN = re.compile(r"\b(negative|positive|nonnegative|non-negative)\b")
_SIGN_OPS = {"negative": "<", "positive": ">", "nonnegative": ">=", "non-negative": ">="}


def _parse_comparisons(q: Question) -> None:
    for m in _SIGN.finditer(q.joined):
        q.comparisons.append(Comparison(_SIGN_OPS[m.group(1)], [0.0], [], q.span(m)))
    for rx, op in _CMP:
        for m in rx.finditer(q.joined):
            refs = [g for g in m.groups() if g]
            toks = [int(r[1:]) for r in refs]
            if any(i in q.used for i in toks) or any(q.toks[i].kind != "num" for i in toks):
                continue
            nums = [q.toks[i] for i in toks]
            values = [float(t.value or 0) for t in nums]
            q.comparisons.append(
                Comparison(
                    op,
                    values,
                    toks,
                    q.span(m),
                    money=any(t.money for t in nums),
                    percent=any(t.percent for t in nums),
                )
            )
            q.used.update(toks)
