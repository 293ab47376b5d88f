"""Slack's side of access control and delivery, in the catalog's database: which lakelight
groups a Slack user and a Slack channel map to, and which Slack events were already handled
(Slack retries an event it thinks failed; a claimed id is never answered again, also after a
restart). Who may read what from these groups is decided in the Workspace, not here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from lakelight.errors import CatalogError, ConfigError, first_line

__all__ = ["EVENT_MEMORY", "SlackStore", "check_slack_id"]

# Slack retries an event three times within about an hour; a day covers that with room
EVENT_MEMORY = timedelta(days=1)
_ID = re.compile(r"[A-Z0-9]{2,32}")

metadata = sa.MetaData()
users = sa.Table(
    "ll_slack_users",
    metadata,
    sa.Column("slack_id", sa.String(32), primary_key=True),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
channels = sa.Table(
    "ll_slack_channels",
    metadata,
    sa.Column("slack_id", sa.String(32), primary_key=True),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
threads = sa.Table(  # threads the bot answered in: a reply there is a question to it
    "ll_slack_threads",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("thread_ts", sa.String(32), primary_key=True),
    sa.Column("answered_at", sa.DateTime, nullable=False, index=True),
)
events = sa.Table(
    "ll_slack_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("seen_at", sa.DateTime, nullable=False, index=True),
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def check_slack_id(slack_id: str, kind: str) -> str:
    """A Slack user or channel id as Slack writes them (U0123ABC, C0456DEF); anything else is
    refused, so no id can carry markup into a message."""
    if not _ID.fullmatch(slack_id or ""):
        raise ConfigError(
            f"Slack {kind} id {slack_id!r}: expected capitals and digits, e.g. U0123ABC"
        )
    return slack_id


class SlackStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        try:
            metadata.create_all(engine)
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot create the Slack tables: {first_line(exc)}") from exc

    def _map(self, table: sa.Table, slack_id: str, groups: Sequence[str]) -> None:
        """Set an id's groups; no groups removes the mapping (the same as never mapped)."""
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.slack_id == slack_id))
            if groups:
                conn.execute(
                    table.insert().values(slack_id=slack_id, groups=list(groups), updated_at=_now())
                )

    def map_user(self, user_id: str, groups: Sequence[str]) -> None:
        self._map(users, check_slack_id(user_id, "user"), groups)

    def map_channel(self, channel_id: str, groups: Sequence[str]) -> None:
        self._map(channels, check_slack_id(channel_id, "channel"), groups)

    def _groups(self, table: sa.Table, slack_id: str) -> frozenset[str]:
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(table.c.groups).where(table.c.slack_id == slack_id)
            ).scalar()
        return frozenset(found or ())

    def user_groups(self, user_id: str) -> frozenset[str]:
        return self._groups(users, user_id)

    def channel_groups(self, channel_id: str) -> frozenset[str]:
        return self._groups(channels, channel_id)

    def mappings(self) -> dict[str, list[dict[str, Any]]]:
        """Every mapped user and channel with its groups, by id."""
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for name, table in (("users", users), ("channels", channels)):
                rows = conn.execute(sa.select(table).order_by(table.c.slack_id)).all()
                out[name] = [
                    {
                        "id": r.slack_id,
                        "groups": list(r.groups),
                        "updated_at": r.updated_at.isoformat(timespec="seconds"),
                    }
                    for r in rows
                ]
        return out

    def first_delivery(self, event_id: str) -> bool:
        """Claim an event id: True the first time, False for every retry of it. Ids older than
        EVENT_MEMORY are forgotten (Slack stops retrying long before)."""
        now = _now()
        try:
            with self.engine.begin() as conn:
                conn.execute(events.delete().where(events.c.seen_at < now - EVENT_MEMORY))
                conn.execute(events.insert().values(event_id=event_id[:64], seen_at=now))
        except IntegrityError:
            return False
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot record the Slack event: {first_line(exc)}") from exc
        return True

    def remember_thread(self, channel: str, thread_ts: str) -> None:
        """The bot answered in this thread: later replies there are questions to it."""
        try:
            with self.engine.begin() as conn:
                found = conn.execute(
                    sa.select(threads.c.channel).where(
                        threads.c.channel == channel, threads.c.thread_ts == thread_ts
                    )
                ).first()
                if found is None:
                    conn.execute(
                        threads.insert().values(
                            channel=channel, thread_ts=thread_ts, answered_at=_now()
                        )
                    )
        except IntegrityError:
            pass  # another request remembered it at the same moment
        except SQLAlchemyError as exc:
            raise CatalogError(f"Cannot record the Slack thread: {first_line(exc)}") from exc

    def answers_in(self, channel: str, thread_ts: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(threads.c.channel).where(
                    threads.c.channel == channel, threads.c.thread_ts == thread_ts
                )
            ).first()
        return found is not None
