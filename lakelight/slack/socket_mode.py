"""Socket Mode: the same bot over a WebSocket that the server opens to Slack, for workspaces
whose server cannot take requests from the internet. Slack hands out the socket's URL through
the Web API (``apps.connections.open``, with the app-level token), so it follows
LAKELIGHT_SLACK_API_URL like every other call."""

from __future__ import annotations

import asyncio

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from lakelight.slack.bot import build_bolt_app
from lakelight.workspace import Workspace

__all__ = ["run_socket_mode"]


async def _serve(ws: Workspace) -> None:
    app = build_bolt_app(ws, socket=True)
    assert ws.settings.slack_app_token is not None  # build_bolt_app checked it
    handler = AsyncSocketModeHandler(app, ws.settings.slack_app_token.get_secret_value())
    try:
        await handler.start_async()  # runs until cancelled
    finally:
        await handler.close_async()


def run_socket_mode(ws: Workspace) -> None:
    """Answer over Socket Mode until interrupted."""
    asyncio.run(_serve(ws))
