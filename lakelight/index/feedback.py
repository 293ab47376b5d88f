"""Answers kept for feedback, and the ratings people give them. An answer is stored with the
question, the body returned, the rows it cited and the caller it was given to; only that
caller may rate it (anyone else is told it does not exist)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from lakelight.errors import CatalogError, NotFoundError, first_line

__all__ = ["FeedbackStore"]

metadata = sa.MetaData()
answers = sa.Table(
    "ll_answers",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("caller", sa.String(100), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the JSON returned, citations included
    sa.Column("created_at", sa.DateTime, nullable=False),
)
ratings = sa.Table(
    "ll_feedback",
    metadata,
    sa.Column("answer_id", sa.ForeignKey("ll_answers.id"), primary_key=True),
    sa.Column("caller", sa.String(100), nullable=False),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class FeedbackStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        try:
            metadata.create_all(engine)
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot create the feedback tables: {first_line(exc)}") from exc

    def keep(self, caller: str, question: str, body: dict[str, Any]) -> str:
        """Store an answer given to ``caller``; returns its id."""
        answer_id = secrets.token_hex(12)
        with self.engine.begin() as conn:
            conn.execute(
                answers.insert().values(
                    id=answer_id,
                    caller=caller,
                    question=question,
                    body=json.dumps({**body, "answer_id": answer_id}, default=str),
                    created_at=_now(),
                )
            )
        return answer_id

    def rate(self, answer_id: str, caller: str, rating: int, comment: str | None) -> None:
        """One rating per answer, by the caller it was given to; a later one replaces it."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        with self.engine.begin() as conn:
            owner = conn.execute(
                sa.select(answers.c.caller).where(answers.c.id == answer_id)
            ).scalar()
            if owner is None or owner != caller:
                raise NotFoundError(f"No answer {answer_id!r} was given to you")
            conn.execute(ratings.delete().where(ratings.c.answer_id == answer_id))
            conn.execute(
                ratings.insert().values(
                    answer_id=answer_id,
                    caller=caller,
                    rating=rating,
                    comment=comment,
                    created_at=_now(),
                )
            )

    def rated(self, caller: str | None = None) -> list[dict[str, Any]]:
        """Ratings with their question, answer body and cited rows (newest first)."""
        query = (
            sa.select(ratings, answers.c.question, answers.c.body)
            .join(answers, answers.c.id == ratings.c.answer_id)
            .order_by(ratings.c.created_at.desc())
        )
        if caller is not None:
            query = query.where(ratings.c.caller == caller)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {
                "answer_id": r.answer_id,
                "caller": r.caller,
                "rating": r.rating,
                "comment": r.comment,
                "question": r.question,
                "answer": json.loads(r.body),
                "created_at": r.created_at,
            }
            for r in rows
        ]
