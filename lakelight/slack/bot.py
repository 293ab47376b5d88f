"""The Slack bot: Bolt's async app, its listeners, and nothing else. Each listener parses what
Slack sent, asks the Workspace (the same ``ask`` as the API, with the caller's Access) and
posts the formatted answer; who may read what is decided in the Workspace.

Slack wants an acknowledgement within 3 seconds: Bolt acknowledges events at once and runs
the listener afterwards (``process_before_response=False``); commands and button clicks
acknowledge in their own listener and do the work in a lazy one. Workspace calls run on a
thread, so the event loop keeps serving the API and other Slack requests meanwhile."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from lakelight.config import Settings
from lakelight.errors import ConfigError, LakelightError, NotFoundError
from lakelight.slack.blocks import (
    RATE_DOWN,
    RATE_UP,
    Message,
    answer_message,
    error_message,
    looking_message,
    notice_message,
)
from lakelight.slack.escape import question_text
from lakelight.workspace import Workspace

__all__ = ["build_bolt_app", "slack_problem"]

log = logging.getLogger("lakelight.slack")
USAGE = "Ask me about your data, e.g. `/ask What were the total sales in the West region?`"
Post = Callable[[Message], Awaitable[Any]]


def slack_problem(settings: Settings, *, socket: bool = False) -> str | None:
    """Why the bot cannot run with these settings, or None when it can. Over HTTP it needs
    the bot token and the signing secret; in Socket Mode the token and an app-level token."""
    needed = {"LAKELIGHT_SLACK_BOT_TOKEN": settings.slack_bot_token}
    if socket:
        needed["LAKELIGHT_SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        needed["LAKELIGHT_SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    missing = [name for name, value in needed.items() if value is None]
    return f"set {' and '.join(missing)}" if missing else None


def _bot_user(body: dict[str, Any]) -> str | None:
    """The bot's own user id, as the event's authorizations name it."""
    for auth in body.get("authorizations") or []:
        if auth.get("is_bot") and auth.get("user_id"):
            return str(auth["user_id"])
    return None


def _from_a_bot(event: dict[str, Any]) -> bool:
    """The bot's own messages and every other bot's (Bolt drops its own too; other bots are
    dropped here, so two bots never talk to each other)."""
    return bool(event.get("bot_id") or event.get("bot_profile")) or event.get("subtype") in {
        "bot_message",
        "message_changed",
        "message_deleted",
        "message_replied",
    }


class Bot:
    def __init__(self, ws: Workspace, on_answer: Callable[[dict[str, Any]], None] | None = None):
        self.ws = ws
        self.settings = ws.settings
        self.on_answer = on_answer  # the server's metrics count Slack's asks like the API's

    async def _run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def answer(
        self,
        question: str,
        user: str,
        channel: str,
        *,
        private: bool,
        post: Post,
        looking: Post,
        asker: str | None = None,
    ) -> None:
        """Ask, then post the answer. When the answer is slow, one "Looking…" goes first
        (``looking``); ``post`` then replaces it or posts anew, as the caller arranged."""
        if not question:
            await post(notice_message(USAGE))
            return
        try:
            access = await self._run(self.ws.slack_access, user, channel, private=private)
            task = asyncio.ensure_future(self._run(self.ws.ask, question, access=access, keep=True))
            try:
                done = await asyncio.wait_for(
                    asyncio.shield(task), timeout=self.settings.slack_looking_after
                )
            except TimeoutError:
                await looking(looking_message(question))
                done = await task
            body = done.as_dict()
            if self.on_answer is not None:
                self.on_answer(body)
            message = answer_message(
                body, question, asker=asker, citations=self.settings.slack_citations
            )
        except LakelightError as exc:
            message = error_message(str(exc))
        await post(message)

    async def on_mention(self, body: dict[str, Any], event: dict[str, Any], client: Any) -> None:
        if str(event.get("channel", "")).startswith("D"):
            return  # a mention in the bot's direct messages also arrives as a message.im event
        await self._on_message(body, event, client, private=False)

    async def on_message(
        self, body: dict[str, Any], event: dict[str, Any], client: Any, context: Any
    ) -> None:
        if event.get("channel_type") == "im":
            await self._on_message(body, event, client, private=True)
            return
        # in a channel: a reply in a thread the bot answered in is a question to it; one that
        # mentions the bot also arrives as app_mention, which answers it (not twice)
        thread, channel = event.get("thread_ts"), event.get("channel")
        bot_user = (context or {}).get("bot_user_id") or _bot_user(body)
        if not thread or not channel or (bot_user and f"<@{bot_user}>" in event.get("text", "")):
            return
        if await self._run(self.ws.slack_answers_in, channel, thread):
            await self._on_message(body, event, client, private=False)

    async def _on_message(
        self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, *, private: bool
    ) -> None:
        if _from_a_bot(event) or event.get("subtype") or not event.get("user"):
            return
        event_id = str(body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}")
        if not await self._run(self.ws.slack_first_delivery, event_id):
            log.info("event %s already handled: a retry, not answered again", event_id)
            return
        channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
        placeholder: dict[str, str] = {}

        async def looking(message: Message) -> None:
            sent = await client.chat_postMessage(
                channel=channel, thread_ts=thread, text=message[0], blocks=message[1]
            )
            placeholder["ts"] = sent["ts"]

        async def post(message: Message) -> None:
            text, blocks = message
            if "ts" in placeholder:
                await client.chat_update(
                    channel=channel, ts=placeholder["ts"], text=text, blocks=blocks
                )
            else:
                await client.chat_postMessage(
                    channel=channel, thread_ts=thread, text=text, blocks=blocks, mrkdwn=False
                )

        question = question_text(event.get("text", ""))
        await self.answer(
            question, event["user"], channel, private=private, post=post, looking=looking
        )
        if not private:
            await self._run(self.ws.slack_remember_thread, channel, thread)

    async def ack_command(self, ack: Any, command: dict[str, Any]) -> None:
        if not question_text(command.get("text", "")):
            await ack(text=USAGE)
        else:
            await ack()

    async def answer_command(self, command: dict[str, Any], respond: Any) -> None:
        """``/ask``: answered through the command's response URL, which reaches any
        conversation. In a direct message it answers ephemerally (only the asker sees it,
        so the asker's own groups apply); in a channel, for everyone, with the channel's."""
        question = question_text(command.get("text", ""))
        if not question:
            return  # the acknowledgement said how to ask
        channel = str(command.get("channel_id", ""))
        private = channel.startswith("D")

        async def looking(message: Message) -> None:
            await respond(text=message[0], blocks=message[1], response_type="ephemeral")

        async def post(message: Message) -> None:
            await respond(
                text=message[0],
                blocks=message[1],
                response_type="ephemeral" if private else "in_channel",
                replace_original=False,
            )

        await self.answer(
            question,
            command["user_id"],
            channel,
            private=private,
            post=post,
            looking=looking,
            asker=None if private else command["user_id"],
        )

    async def ack_action(self, ack: Any) -> None:
        await ack()

    async def rate(self, body: dict[str, Any], respond: Any) -> None:
        """A 👍/👎 click: stored through the same feedback store as `POST /v1/feedback`, for
        the Slack user who clicked; only the asker may rate an answer."""
        action = (body.get("actions") or [{}])[0]
        rating = 1 if action.get("action_id") == RATE_UP else -1
        user = body.get("user", {}).get("id", "")
        channel = (body.get("channel") or {}).get("id")
        try:
            access = await self._run(self.ws.slack_access, user, channel, private=True)
            await self._run(self.ws.rate, str(action.get("value", "")), rating, None, access)
            text = "Thanks: your 👍 is noted." if rating == 1 else "Thanks: your 👎 is noted."
        except NotFoundError:
            text = "Only the person who asked can rate this answer."
        except LakelightError as exc:
            text = f"Sorry: {exc}"
        await respond(text=text, response_type="ephemeral", replace_original=False)


def build_bolt_app(
    ws: Workspace,
    *,
    socket: bool = False,
    on_answer: Callable[[dict[str, Any]], None] | None = None,
) -> AsyncApp:
    """Bolt's async app over ``ws``; its Web API client posts to LAKELIGHT_SLACK_API_URL.
    ``on_answer`` sees each answer's body (the server counts them in its metrics)."""
    s = ws.settings
    problem = slack_problem(s, socket=socket)
    if problem:
        raise ConfigError(f"The Slack bot is off: {problem}")
    assert s.slack_bot_token is not None
    token = s.slack_bot_token.get_secret_value()
    secret = s.slack_signing_secret.get_secret_value() if s.slack_signing_secret else None
    app = AsyncApp(
        token=token,
        signing_secret=secret,
        client=AsyncWebClient(token=token, base_url=s.slack_api_url),
        process_before_response=False,
        # Socket Mode has no signatures; over HTTP every request is verified
        request_verification_enabled=not socket,
        logger=log,
    )
    bot = Bot(ws, on_answer)
    app.event("app_mention")(bot.on_mention)
    app.event("message")(bot.on_message)
    app.command(re.compile(r"^/"))(ack=bot.ack_command, lazy=[bot.answer_command])
    app.action(re.compile(f"^({RATE_UP}|{RATE_DOWN})$"))(ack=bot.ack_action, lazy=[bot.rate])
    return app
