"""Ask the model to phrase an answer from delimited rows; keep its text only if it holds up."""

from __future__ import annotations

from lakelight.llm import ChatBackend, ChatMessage, format_rows
from lakelight.llm.prompts import DATA_RULES
from lakelight.rag.lookup import LookupAnswer
from lakelight.rag.verify import supported

MAX_TOKENS = 60


def phrase(backend: ChatBackend, question: str, found: LookupAnswer) -> str | None:
    """One short sentence answering ``question`` from the evidence rows, or None when the
    model's text is not supported by them (the caller keeps the extractive answer)."""
    rows = [
        e.row if not e.columns else {c: e.row.get(c) for c in e.columns} for e in found.evidence
    ]
    facts = "; ".join(found.facts)
    messages = [
        ChatMessage(
            role="system",
            content=f"{DATA_RULES} Answer in one short sentence using only the rows. "
            "Do not add facts that are not in the rows.",
        ),
        ChatMessage(
            role="user",
            content=f"{format_rows(rows)}\n\nQuestion: {question}\nThe answer is: {facts}\n"
            "Write the answer as one sentence.",
        ),
    ]
    text = backend.chat(messages, max_tokens=MAX_TOKENS).strip()
    text = text.split("\n")[0].strip()
    if not text:
        return None
    refs = " ".join(f"[{n}]" for n in range(1, len(found.evidence) + 1))
    cited_rows = [e.row for e in found.evidence]
    if not supported(text, cited_rows, question, found.facts):
        return None
    return f"{text} {refs}"
