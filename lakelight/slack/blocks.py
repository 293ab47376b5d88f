"""An answer as a Slack message: the answer, the SQL of an aggregate in a code block, the cited
rows as compact blocks (source, table, key and the few columns that matter, then "and N
more"), a clear "the data does not say" when there is no answer, and 👍/👎 buttons. Built
from the same body `POST /v1/ask` returns; every piece of data goes through ``escape``."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from lakelight.slack.escape import code_block, escape, plain

__all__ = [
    "RATE_DOWN",
    "RATE_UP",
    "answer_message",
    "error_message",
    "looking_message",
    "notice_message",
]

RATE_UP, RATE_DOWN = "lakelight_rate_up", "lakelight_rate_down"
COLUMNS_SHOWN = 4  # columns of a cited row shown; the ones the question and answer name first
VALUE_CHARS = 120
NO_ANSWER = "The data does not say."
_WORD = re.compile(r"\w+")

Message = tuple[str, list[dict[str, Any]]]  # (fallback text, blocks)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def _columns(row: dict[str, Any], question: str, answer: str) -> list[str]:
    """The columns that matter to a reader: those whose value the answer states, then those
    the question names, then the rest in the row's order; empty cells are left out."""
    asked, said = _words(question), answer.casefold()

    def rank(item: tuple[int, str]) -> tuple[int, int]:
        i, col = item
        text = str(row[col]).strip()
        if len(text) >= 2 and text.casefold() in said:
            return (0, i)
        if _words(col.replace("_", " ")) & asked:
            return (1, i)
        return (2, i)

    filled = [(i, c) for i, c in enumerate(row) if row[c] is not None and str(row[c]).strip()]
    ordered = sorted(filled, key=rank)
    return [col for _, col in ordered[:COLUMNS_SHOWN]]


def _source_label(source: str) -> str:
    """A source as a reader knows it: a file's name, a database URL without its password."""
    if "://" in source:
        scheme, rest = source.split("://", 1)
        return f"{scheme}://{rest.rsplit('@', 1)[-1]}"
    return PurePosixPath(source).name or source


def _citation_block(citation: dict[str, Any], question: str, answer: str) -> dict[str, Any]:
    row = citation.get("row") or {}
    head = f"{citation['table']} · key {citation['key']} · {_source_label(citation['source'])}"
    fields = [
        plain(f"{col}: {'' if row[col] is None else row[col]}", VALUE_CHARS)
        for col in _columns(row, question, answer)
    ]
    block: dict[str, Any] = {"type": "section", "text": plain(head, 300)}
    if fields:
        block["fields"] = fields
    return block


def _rating_buttons(answer_id: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "lakelight_feedback",
        "elements": [
            {
                "type": "button",
                "action_id": RATE_UP,
                "text": {"type": "plain_text", "text": "👍 Helpful", "emoji": True},
                "value": answer_id,
            },
            {
                "type": "button",
                "action_id": RATE_DOWN,
                "text": {"type": "plain_text", "text": "👎 Not helpful", "emoji": True},
                "value": answer_id,
            },
        ],
    }


def answer_message(
    body: dict[str, Any], question: str, *, asker: str | None = None, citations: int = 5
) -> Message:
    """``body``: an answer as ``Answer.as_dict()`` gives it. ``asker``: a Slack user id to
    name above the answer (a slash command's answer has no question message above it)."""
    blocks: list[dict[str, Any]] = []
    if asker:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"<@{asker}> asked:"},
                    plain(question, 2000),
                ],
            }
        )
    text = body.get("answer") or ""
    if body.get("route") == "none":
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{NO_ANSWER}*"}})
        blocks.append({"type": "context", "elements": [plain(text, 2000)]})
        fallback = f"{NO_ANSWER} {escape(text, 200)}"
    else:
        blocks.append({"type": "section", "text": plain(text)})
        fallback = escape(text, 300)
    if body.get("sql"):
        blocks.append({"type": "section", "text": code_block(body["sql"])})
    cited = body.get("citations") or []
    if cited:
        blocks.append({"type": "context", "elements": [plain(f"Cited rows ({len(cited)})")]})
        blocks.extend(_citation_block(c, question, text) for c in cited[:citations])
        if len(cited) > citations:
            more = len(cited) - citations
            blocks.append(
                {"type": "context", "elements": [plain(f"and {more} more row{'s' * (more > 1)}")]}
            )
    if body.get("answer_id"):
        blocks.append(_rating_buttons(body["answer_id"]))
    return fallback, blocks


def looking_message(question: str) -> Message:
    return "Looking…", [{"type": "context", "elements": [plain(f"Looking into: {question}", 2000)]}]


def error_message(message: str) -> Message:
    """A lakelight error the asker can act on (its message says what to do next)."""
    return f"Sorry: {escape(message, 300)}", [
        {"type": "section", "text": plain(f"Sorry: {message}")}
    ]


def notice_message(message: str) -> Message:
    return escape(message, 300), [{"type": "section", "text": plain(message)}]
