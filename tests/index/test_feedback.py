"""Feedback that changes ranking: the store's scopes, decay and clamps, the fusion's bounded
places, and the effect on real searches with the real embedding model."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lakelight.cli import app
from lakelight.config import load_settings
from lakelight.index.access import Access
from lakelight.index.feedback import FeedbackStore, _now, scope_of
from lakelight.index.fusion import feedback_places, fuse
from lakelight.records import record_id
from lakelight.workspace import Workspace
from tests.api.conftest import sales_csv

SUPPORT = Access("sam", frozenset({"support"}))
SUPPORT_2 = Access("sue", frozenset({"support"}))
HR = Access("hal", frozenset({"hr"}))
BOTH = Access("bo", frozenset({"hr", "support"}))


def _vector(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def _cite(key: str) -> dict[str, object]:
    return {"route": "lookup", "citations": [{"source": "s", "table": "t", "key": key, "row": {}}]}


def test_fusion_moves_second_tier_rows_by_bounded_places_never_the_exact_tier() -> None:
    vector = [(v, 1.0) for v in range(1, 11)]  # rows 1..10 in this order
    exact = {5: 1}  # row 5 holds an identifying term: first, whatever feedback says
    base = [f.vid for f in fuse(vector, [], exact, rrf_k=60)]
    assert base == [5, 1, 2, 3, 4, 6, 7, 8, 9, 10]
    lifted = fuse(vector, [], exact, rrf_k=60, shifts={9: 8, 5: -10})
    assert [f.vid for f in lifted] == [5, 9, 1, 2, 3, 4, 6, 7, 8, 10]
    assert lifted[1].moved == 8 and lifted[0].moved == 0  # the exact row is not moved at all
    lowered = fuse(vector, [], {}, rrf_k=60, shifts={1: -2})
    assert [f.vid for f in lowered][:4] == [2, 3, 1, 4]
    # one fresh 👎 is two places; many are never more than the cap; 👍 per click is larger
    assert feedback_places(-1.0, up=8, down=2, most=10) == -2
    assert feedback_places(-30.0, up=8, down=2, most=10) == -10
    assert feedback_places(1.0, up=8, down=2, most=10) == 8
    assert feedback_places(0.5, up=8, down=2, most=10) == 4  # a rating one half-life old


def test_store_scopes_clamps_and_decay(tmp_path: Path) -> None:
    store = FeedbackStore(sa.create_engine(f"sqlite:///{tmp_path / 'f.db'}"))
    q = _vector(1, 0, 0)
    near, far = _vector(1, 0.2, 0), _vector(0, 1, 0)
    for who in (SUPPORT, SUPPORT):  # one caller's two 👍 on a row count once
        aid = store.keep(who.name, "q", _cite("7"), scope=scope_of(who.groups), embedding=q)
        store.rate(aid, who.name, 1, None)
    aid = store.keep("hal", "q", _cite("7"), scope=scope_of(HR.groups), embedding=q)
    store.rate(aid, "hal", -1, "wrong row")
    rid = record_id("s", "t", "7")

    def boosts(scopes: tuple[str, ...], vector: np.ndarray = near, **kw: object) -> dict:
        return store.boosts(vector, scopes, similarity=0.8, half_life_days=30, **kw)  # type: ignore[arg-type]

    assert boosts(("support",)) == {rid: 1.0}
    assert boosts(("hr",)) == {rid: -1.0}
    assert boosts(("hr,support",)) == {}  # a third group set: neither group's ratings
    assert boosts(("support",), far) == {}  # a dissimilar question
    later = _now() + timedelta(days=30)
    assert boosts(("hr",), now=later)[rid] == pytest.approx(-0.5, abs=1e-3)
    # a second caller of the group adds its own say
    aid = store.keep("sue", "q", _cite("7"), scope="support", embedding=q)
    store.rate(aid, "sue", 1, None)
    assert boosts(("support",)) == {rid: 2.0}
    # an answer kept without scope or embedding moves rows for its caller only, once embedded
    aid = store.keep("zed", "q", _cite("8"))
    store.rate(aid, "zed", 1, None)
    assert boosts(("@zed",), embed=lambda texts: np.stack([q] * len(texts))) == {
        record_id("s", "t", "8"): 1.0
    }
    assert boosts(("",)) == {}


def test_old_feedback_tables_gain_the_new_columns(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE ll_answers (id VARCHAR(32) PRIMARY KEY, caller VARCHAR(100), "
                "question TEXT, body TEXT, created_at DATETIME)"
            )
        )
        conn.execute(
            sa.text("INSERT INTO ll_answers VALUES ('a1', 'sam', 'q', '{}', '2024-01-01')")
        )
    store = FeedbackStore(engine)
    store.rate("a1", "sam", -1, "old")
    assert store.rated("sam")[0]["comment"] == "old"
    assert store.boosts(_vector(1, 0), ("@sam",), similarity=0.5, half_life_days=30) == {}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    home = tmp_path_factory.mktemp("feedback")
    w = Workspace(load_settings(home=str(home / "ws"), llm_backend="none"))
    w.ingest(str(sales_csv(home / "sales.csv")), table="sales")
    yield w
    w.close()


def _phrasings(row: dict[str, str]) -> tuple[str, str]:
    words = {
        "qty": row["Quantity"],
        "sub": row["Sub-Category"].lower(),
        "mode": row["Ship Mode"].lower(),
        "segment": row["Segment"].lower(),
        "city": row["City"],
    }
    return (
        "{qty} {sub} shipped {mode} to a {segment} customer in {city}".format(**words),
        "a {segment} buyer from {city} ordered {qty} {sub} by {mode}".format(**words),
    )


def _keys(ws: Workspace, text: str, access: Access) -> list[str]:
    return [h.key for h in ws.search(text, 8, access=access)]


@pytest.mark.e2e
def test_one_thumbs_up_lifts_the_row_for_a_paraphrase_in_the_raters_group_only(
    ws: Workspace, tmp_path: Path
) -> None:
    with sales_csv(tmp_path / "rows.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows, 1):  # the first row a paraphrase ranks 3rd to 8th
        rated, other = _phrasings(row)
        before = _keys(ws, other, SUPPORT)
        if str(n) in before[2:]:
            break
    else:
        pytest.fail("no row ranks 3rd-8th for its paraphrase")
    unrelated = "furniture returned by a corporate customer in New York City"
    unrelated_before = _keys(ws, unrelated, SUPPORT)
    source = ws.tables()[0].source
    body = {"route": "lookup", "citations": [{"source": source, "table": "sales", "key": str(n)}]}
    vector = ws.embedder.embed([rated])[0]
    aid = ws.feedback.keep("sam", rated, body, scope=scope_of(SUPPORT.groups), embedding=vector)
    ws.rate(aid, 1, access=SUPPORT)

    assert _keys(ws, other, SUPPORT)[0] == str(n)  # lifted to first for the paraphrase
    assert _keys(ws, other, SUPPORT_2)[0] == str(n)  # and for everyone of the group
    assert _keys(ws, other, HR) == before  # another group: not moved
    assert _keys(ws, other, BOTH) == before  # a caller of both groups is its own scope
    assert _keys(ws, unrelated, SUPPORT) == unrelated_before


@pytest.mark.e2e
def test_a_thumbs_down_through_ask_lowers_the_row_two_places_and_is_stored(
    ws: Workspace,
) -> None:
    question = "ship mode of the binders order from Los Angeles"
    paraphrase = "which ship mode was used for the Los Angeles binders order?"
    answer = ws.ask(question, use_llm=False, access=HR, keep=True)
    assert answer.route == "lookup" and [c.key for c in answer.citations] == ["9"]
    before = _keys(ws, paraphrase, HR)
    assert before[0] == "9"
    ws.rate(answer.answer_id or "", -1, "that is another order", access=HR)

    stored = ws.feedback.rated("hal")[0]
    assert stored["comment"] == "that is another order" and stored["scope"] == "hr"
    with ws.feedback.engine.connect() as conn:
        blob = conn.execute(
            sa.text("SELECT embedding FROM ll_answers WHERE id = :i"), {"i": answer.answer_id}
        ).scalar()
    assert np.frombuffer(blob, dtype="<f4").shape == (ws.embedder.dim,)
    hits = ws.search(paraphrase, 8, access=HR)
    # one click lowers the row two places, never out of sight
    assert [h.key for h in hits].index("9") == 2 and hits[2].moved == -2
    again = ws.ask(paraphrase, use_llm=False, access=HR)
    assert again.route == "lookup" and again.citations[0].key != "9"
    # the answer cache knows about ratings: the same question is answered anew
    same = ws.ask(question, use_llm=False, access=HR)
    assert not same.cached and same.citations[0].key != "9"
    assert _keys(ws, paraphrase, SUPPORT) == before  # the support group sees no change
    stats = ws.feedback_stats()
    assert stats["down"] == 1 and stats["questions"][0]["comments"] == ["that is another order"]
    assert stats["rows"][0]["key"] == "9"


def test_feedback_cli_exports_jsonl_and_stats(tmp_path: Path) -> None:
    ws = Workspace(load_settings())
    try:
        aid = ws.feedback.keep("owner", "how many chairs?", _cite("3"), scope="*")
        ws.rate(aid, -1, "counted tables too")
        aid = ws.feedback.keep("owner", "How many  chairs?", _cite("3"), scope="*")
        ws.rate(aid, -1, None)
    finally:
        ws.close()
    runner = CliRunner()
    exported = runner.invoke(app, ["feedback", "export", "--jsonl"])
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [r["rating"] for r in lines] == [-1, -1]
    assert lines[0]["citations"] == [{"source": "s", "table": "t", "key": "3"}]
    assert lines[0]["comment"] == "counted tables too" and lines[0]["scope"] == "*"
    stats = json.loads(runner.invoke(app, ["feedback", "stats", "--json"]).stdout)
    assert stats["down"] == 2 and stats["questions"][0]["down"] == 2  # one question, twice
    assert stats["rows"][0] == {"source": "s", "table": "t", "key": "3", "down": 2, "up": 0}
    shown = runner.invoke(app, ["feedback", "stats"])
    assert shown.exit_code == 0 and "Most-downvoted rows" in shown.stdout
