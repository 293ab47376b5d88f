"""What is left of a question once its shape is resolved: bare numbers ("returned 404"),
a word naming the log's own service, and words found in a text column (a log's messages) as
that column writes them."""

from __future__ import annotations

from lakelight.rag.aggregate_parse import COUNT_NOUNS, QUESTION_WORDS, Tok
from lakelight.rag.aggregate_sql import Filter
from lakelight.rag.linking import table_form
from lakelight.rag.plan_state import PlanState
from lakelight.rag.text_phrases import SKIPPABLE
from lakelight.rag.words import STOPWORDS, fold

__all__ = ["bare_numbers", "own_event", "own_service", "text_filters"]

_PLACE_PREPOSITIONS = frozenset({"in", "from", "at", "on", "by", "inside", "within"})
_PREPOSITIONS = frozenset({"for", "of", "with", "to", "about", "regarding"})
_ARTICLES = frozenset({"the", "a", "an", "this", "that", "these", "those"})


def bare_numbers(p: PlanState) -> bool:
    """A number no phrase explained must be a value of a small integer column ("returned 404")."""
    for i, tok in enumerate(p.q.toks):
        if i in p.used or tok.kind != "num":
            continue
        value = float(tok.value or 0)
        cols = [  # a number alone is a code ("returned 404"), not a reference to another row
            c for c in p.values.numeric_columns(p.t.sql_name, value) if not p.id_like(p.own(c))
        ]
        if not cols:
            return False
        sizes = [p.values.distinct.get((p.t.sql_name, c), 0) for c in cols]
        if len(cols) > 1 and sizes[0] == sizes[1]:
            return False  # two columns could hold it: do not guess
        src = p.own(cols[0])
        p.filters.append(Filter(src, "in", [int(value) if value.is_integer() else value]))
        p.use(i, i + 1)
        p.score += 1.0
    return True


def _phrase(tok: Tok) -> str:
    if tok.kind == "quote":
        return tok.norm
    low = fold(tok.raw)
    return tok.norm if tok.kind == "word" and low.startswith(tok.norm) else low


def leftover(p: PlanState, i: int) -> bool:
    """A word of the question nothing explained that should be: no stop word or question
    word, not what is counted."""
    tok = p.q.toks[i]
    if i in p.explained or i in p.used:
        return False
    if tok.kind in ("quote", "code"):
        return True
    return tok.kind == "word" and (
        tok.norm not in STOPWORDS
        and tok.norm not in QUESTION_WORDS
        and tok.norm not in COUNT_NOUNS
        and len(tok.norm) >= 3
    )


def _strong(p: PlanState, i: int) -> bool:
    """A leftover that must be explained: a quote, a code, a capitalized name, the object of a
    place-like preposition ("orders in atlantis", "profit from staplers"), or a singular object
    of another one ("sales for acme"; "for movies" names the rows themselves)."""
    tok = p.q.toks[i]
    if tok.kind in ("quote", "code") or tok.cap:
        return True
    j = i - 1
    while j >= 0 and p.q.toks[j].norm in _ARTICLES:
        j -= 1
    if tok.norm in p.other_columns:
        return True  # "profit per category" asked of a table without them
    before = p.q.toks[j].norm if j >= 0 else ""
    plural = fold(tok.raw) != tok.norm
    if before in ("per", "each", "every"):
        return True  # "profit per customer": a grouping no column gives
    return before in _PLACE_PREPOSITIONS or (before in _PREPOSITIONS and not plural)


def _soft(p: PlanState, i: int) -> bool:
    """A word only an unused column mention explains: it may still be part of a phrase in a
    message ("invalid user")."""
    tok = p.q.toks[i]
    return i in p.explained and i not in p.used and tok.kind == "word" and len(tok.norm) >= 3


def own_service(p: PlanState) -> None:
    """A word naming the log's own service explains the table, not a message: "ssh" on the
    sshd log, "ftp" on vsftpd's."""
    names = [table_form(p.t)[1]]
    program = next((c.name for c in p.t.columns if c.name == "program"), None)
    if program is not None:
        top = ((p.t.profile or {}).get(program) or {}).get("top") or []
        names += [fold(str(v)) for v, _ in top[:3]]
    for i, tok in enumerate(p.q.toks):
        if leftover(p, i) and len(tok.norm) >= 3 and any(tok.norm in n for n in names):
            p.use(i, i + 1)
            p.score += 1.0  # it says which log more than a word of another log's messages


def own_event(f: Filter) -> bool:
    """A filter on one of the event fields ingest gives a log line (action, outcome, method)."""
    return f.op == "in" and not f.src.path and f.src.column.startswith(("event_", "auth_"))


def _bridge(p: PlanState, i: int) -> bool:
    """A word that counts for nothing alone (a stop word, "many", "attempt") but may sit
    inside a phrase a message writes ("too many authentication failures", "not permitted")."""
    tok = p.q.toks[i]
    return tok.kind == "word" and i not in p.used and not leftover(p, i) and not _soft(p, i)


def _event_words(p: PlanState) -> dict[int, Filter]:
    """The words an event filter was read from ("authentication", "failures"): a longer
    phrase a message writes may take them back."""
    out: dict[int, Filter] = {}
    for f in p.filters:
        if own_event(f) and id(f) in p.value_spans:
            out.update(dict.fromkeys(range(*p.value_spans[id(f)]), f))
    return out


def _runs(p: PlanState, soft: bool, events: dict[int, Filter]) -> list[list[int]]:
    """Stretches of words that may be one phrase, without bridges at either end."""
    runs: list[list[int]] = []
    for i in range(len(p.q.toks)):
        member = leftover(p, i) or (soft and (_soft(p, i) or i in events))
        if member or (_bridge(p, i) and runs and runs[-1][-1] == i - 1):
            if runs and runs[-1][-1] == i - 1 and p.q.toks[i].kind == "word":
                runs[-1].append(i)
            elif member:
                runs.append([i])
    for run in runs:
        while _bridge(p, run[-1]):
            run.pop()
    return runs


def _parts(p: PlanState, run: list[int]) -> list[list[int]]:
    """Every stretch of ``run`` that begins and ends on a word that counts, most such words
    first."""
    ends = [k for k, i in enumerate(run) if not _bridge(p, i)]
    parts = [run[a : b + 1] for a in ends for b in ends if b >= a]
    return sorted(parts, key=lambda part: (-_counted(p, part), part[0]))


def _counted(p: PlanState, part: list[int]) -> int:
    return sum(not _bridge(p, i) for i in part)


def _find(p: PlanState, columns: list[str], part: list[int]) -> tuple[str, str] | None:
    """The text column and the phrase in it that ``part`` spells: as the column writes the
    words (other forms, stop words skipped), else letter for letter over every row (quotes,
    codes, words past the rows the phrases are read from)."""
    toks = p.q.toks
    if all(toks[i].kind == "word" for i in part):
        for column in columns:
            written = p.values.phrase(p.t.sql_name, column, [toks[i].norm for i in part])
            if written is not None:
                return column, written
    if any(_bridge(p, i) for i in part):
        return None  # stop words between: only as the messages write them, never a scan each
    phrase = " ".join(_phrase(toks[i]) for i in part)
    found = next((c for c in columns if p.values.contains(p.t.sql_name, c, phrase)), None)
    return (found, phrase) if found is not None else None


def _widen(
    p: PlanState, columns: list[str], part: list[int], found: tuple[str, str]
) -> tuple[list[int], tuple[str, str]]:
    """Take in the bridge words either side that the message writes too ("too many
    authentication failures", not only "authentication failures")."""
    for step in (-1, 1):
        while True:
            i = part[0] - 1 if step < 0 else part[-1] + 1
            if not 0 <= i < len(p.q.toks) or not _bridge(p, i):
                break
            wider = [i, *part] if step < 0 else [*part, i]
            more = _find(p, columns, wider)
            if more is None or more[0] != found[0] or len(more[1]) <= len(found[1]):
                break
            part, found = wider, more
    return part, found


def _holds_nothing(p: PlanState, column: str, phrase: str, filters: list[Filter]) -> bool:
    """No row that ``filters`` (event values, phrases) pick holds ``phrase``."""
    if not filters:
        return False
    where = [(f.src.column, f.value) for f in filters if f.op == "in"]
    also = [(f.src.column, str(f.value)) for f in filters if f.op == "like"]
    return not p.values.contains(p.t.sql_name, column, phrase, where, also)


def _narrowing(p: PlanState) -> list[Filter]:
    return [f for f in p.filters if own_event(f) or (f.op == "like" and not f.src.path)]


def _drop_clashing_events(p: PlanState, column: str, phrase: str) -> None:
    """A phrase of several words the message writes says more than an event word: the event
    values no line with the phrase has go ("SSH logins refused because the account is
    locked" are access denials, not login failures)."""
    for f in [f for f in p.filters if own_event(f)]:
        if _holds_nothing(p, column, phrase, [f]):
            p.filters = [g for g in p.filters if g is not f]
            p.score -= 1.0


def _strength(p: PlanState, part: list[int]) -> int:
    """The words of ``part`` a message had to write (all but the stop words it may skip)."""
    return sum(p.q.toks[i].norm not in SKIPPABLE for i in part)


def text_filters(p: PlanState) -> bool:
    """Leftover words found in a text column (log messages) filter on it; a leftover name that
    is not found anywhere means the table cannot answer. A phrase of three words or more a
    message writes takes the place of the event values read from some of its words."""
    columns = p.values.text_columns(p.t.sql_name)
    events = _event_words(p)
    for run in _runs(p, bool(columns), events):
        pending = [i for i in run if leftover(p, i)]
        for part in _parts(p, run) if columns else []:
            live = {id(f) for f in p.filters}
            taken = {id(events[i]): events[i] for i in part if i in events}
            if any(i in p.used and i not in events for i in part) or any(
                k not in live for k in taken
            ):
                continue
            if not any(i in pending for i in part) and not taken:
                continue
            found = _find(p, columns, part)
            if found is None:
                continue
            part, (column, phrase) = _widen(p, columns, part, found)
            if taken and _strength(p, part) < 3:
                continue
            counted = _counted(p, part)
            if taken:  # the event values' words are the phrase's now; what it adds counts
                p.filters = [f for f in p.filters if id(f) not in taken]
                counted = _strength(p, part) - sum(i in events for i in part)
            if _holds_nothing(p, column, phrase, _narrowing(p)):
                if counted < 2:
                    # the rows the filters already pick never say it: a word that describes
                    # them ("failed SMTP logins" on a mail log), not one that narrows them
                    p.use(part[0], part[-1] + 1)
                    pending = [i for i in pending if i not in part]
                    continue
                _drop_clashing_events(p, column, phrase)
            p.filters.append(Filter(p.own(column), "like", phrase))
            p.use(part[0], part[-1] + 1)
            p.score += counted + (0.5 if counted > 1 else 0.0)
            pending = [i for i in pending if i not in part]
        if any(_strong(p, i) for i in pending):
            return False
        p.score -= 0.5 * len(pending)  # words this table does not explain
    return True
