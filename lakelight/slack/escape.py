"""Row text is data: nothing from a row, an answer or a question may act as Slack markup.

Slack reads ``<...>`` as a control sequence (``<!channel>`` pings a channel, ``<@U123>``
mentions a person, ``<https://evil|label>`` renders a disguised link) and ``*``, ``_``, ``~``
and backticks as formatting in mrkdwn. Slack has no escape for the formatting characters, so
data never goes into mrkdwn: it goes into ``plain_text`` objects, which Slack renders without
formatting, links or mentions, with ``&``, ``<`` and ``>`` written as entities besides (the
three Slack asks to escape everywhere). The one mrkdwn data goes into is the SQL code block,
inside which Slack formats nothing; a backtick run that could close the block is broken."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["code_block", "escape", "plain", "question_text"]

# Slack's limits: 3,000 characters in a section's text, 2,000 in a field, 150 in a button
SECTION_CHARS = 3000
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MENTION = re.compile(r"<[@!][^>]*>")  # a person, a group, @channel/@here
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")  # <#C123|general>, <https://x|label>


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: object, limit: int = SECTION_CHARS) -> str:
    """``&``, ``<`` and ``>`` as entities, cut to ``limit`` characters before escaping (so an
    entity is never cut in half)."""
    return _cut(str(text), limit).translate(_ENTITIES)


def plain(text: object, limit: int = SECTION_CHARS) -> dict[str, Any]:
    """A plain_text object: no formatting, links, mentions or emoji codes."""
    return {"type": "plain_text", "text": escape(text, limit) or " ", "emoji": False}


def code_block(text: str, limit: int = SECTION_CHARS - 20) -> dict[str, Any]:
    """A mrkdwn code block (``verbatim``: nothing in it is linked); three backticks inside
    could close the block early, so backticks become a look-alike."""
    body = escape(text, limit).replace("`", "ˋ")
    return {"type": "mrkdwn", "text": f"```{body}```", "verbatim": True}


def question_text(text: str) -> str:
    """The question as its writer typed it: mentions (of the bot or anyone) dropped, links
    and channel names as their labels, and Slack's own entities read back."""
    text = _MENTION.sub(" ", text or "")
    text = _LINK.sub(lambda m: m.group(2) or m.group(1).lstrip("#"), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())
