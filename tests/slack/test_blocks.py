"""Formatting and escaping: what a Slack message holds, built from an answer's body."""

from __future__ import annotations

import json

from lakelight.slack.blocks import NO_ANSWER, answer_message
from lakelight.slack.escape import code_block, escape, plain, question_text


def body(**kw: object) -> dict[str, object]:
    return {"answer": "", "route": "lookup", "citations": [], "sql": None, **kw}


def cite(key: int, **row: object) -> dict[str, object]:
    return {"source": "/lake/hr/sales.csv", "table": "sales", "key": str(key), "row": row}


def test_escape_turns_every_control_sequence_into_text() -> None:
    for markup in ("<!channel>", "<!here>", "<@U123>", "<https://evil.example|label>", "a & b"):
        assert "<" not in escape(markup) and ">" not in escape(markup)
    assert escape("<!channel> & co") == "&lt;!channel&gt; &amp; co"
    assert escape("x" * 50, 10) == "x" * 9 + "…"
    assert escape("<" * 50, 10).count("&lt;") == 9  # cut before escaping: no half entity
    assert plain("*bold* `code`") == {"type": "plain_text", "text": "*bold* `code`", "emoji": False}
    block = code_block("SELECT 1 -- ```<!here>```")
    assert block["text"].startswith("```") and block["text"].endswith("```")
    assert block["text"].count("```") == 2 and "&lt;!here&gt;" in block["text"]


def test_question_text_drops_mentions_and_reads_slack_entities_back() -> None:
    assert question_text("<@UBOT0001> How many  orders &gt; 5?") == "How many orders > 5?"
    assert question_text("<!here> see <https://x.example|the page> in <#C123|sales>") == (
        "see the page in sales"
    )


def test_an_answer_with_sql_citations_and_more_rows() -> None:
    rows = [cite(i, Region="West", City=f"City {i}", Sales=i * 10.5, Note=None) for i in range(8)]
    text, blocks = answer_message(
        body(
            answer="The total Sales is 294.00.",
            route="aggregate",
            sql='SELECT SUM("Sales") FROM sales WHERE "Region" = \'West\'',
            citations=rows,
            answer_id="abc123",
        ),
        "What were the total sales in the West region?",
        citations=3,
    )
    kinds = [b["type"] for b in blocks]
    assert kinds == ["section", "section", "context"] + ["section"] * 3 + ["context", "actions"]
    assert text == "The total Sales is 294.00."
    assert blocks[1]["text"]["type"] == "mrkdwn" and blocks[1]["text"]["text"].startswith("```")
    first = blocks[3]
    assert first["text"]["text"] == "sales · key 0 · sales.csv"  # the file's name, no path
    fields = [f["text"] for f in first["fields"]]
    assert fields[:2] == ["Region: West", "Sales: 0.0"]  # the question's columns first
    assert fields == ["Region: West", "Sales: 0.0", "City: City 0"]  # empty cells left out
    assert blocks[6]["elements"][0]["text"] == "and 5 more rows"
    assert {e["value"] for e in blocks[-1]["elements"]} == {"abc123"}


def test_no_answer_says_the_data_does_not_say() -> None:
    text, blocks = answer_message(
        body(answer="The data does not contain the answer to this question.", route="none"), "q?"
    )
    assert text.startswith(NO_ANSWER) and blocks[0]["text"]["text"] == f"*{NO_ANSWER}*"
    assert not [b for b in blocks if b["type"] == "actions"]  # nothing kept, nothing to rate


def test_a_slash_command_answer_names_the_asker_and_escapes_the_question() -> None:
    _, blocks = answer_message(body(answer="42"), "<!channel> why?", asker="U0ASKER1")
    assert blocks[0]["elements"][0]["text"] == "<@U0ASKER1> asked:"
    assert blocks[0]["elements"][1]["text"] == "&lt;!channel&gt; why?"


def test_database_sources_are_shown_without_their_password() -> None:
    c = {
        "source": "postgresql://reader:s3cret@db/shop",
        "table": "t",
        "key": "1",
        "row": {"a": "<@U1>"},
    }
    _, blocks = answer_message(body(answer="x", citations=[c]), "a?")
    raw = json.dumps(blocks)
    assert "s3cret" not in raw and "postgresql://db/shop" in raw and "<@U1>" not in raw
