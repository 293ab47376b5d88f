"""Slack's three request URLs on the API's FastAPI app, handled by Bolt's async FastAPI handler:
events (with the url_verification handshake), slash commands and interactions (buttons).

Bolt verifies every request's signature (``v0:{timestamp}:{body}``, HMAC-SHA256 with the
signing secret, 5-minute window) before any listener runs. A request that is not signed as
Slack signs gets 401 in the API's one error body, and nothing is done for it."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from lakelight.api.errors import error_response
from lakelight.slack.bot import build_bolt_app
from lakelight.workspace import Workspace

__all__ = ["PATHS", "mount_slack"]

PATHS = ("/slack/events", "/slack/commands", "/slack/interactions")
UNSIGNED = (
    "Not a request signed by Slack: check LAKELIGHT_SLACK_SIGNING_SECRET against the app's "
    "Basic Information page, and the server's clock"
)


def mount_slack(app: FastAPI, ws: Workspace) -> None:
    metrics = getattr(app.state, "metrics", None)
    bolt = build_bolt_app(ws, on_answer=metrics.answered if metrics is not None else None)
    handler = AsyncSlackRequestHandler(bolt)

    async def slack(request: Request) -> Response:
        request.state.key_name = "slack"  # the access log's caller: Slack, by signature
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        # a missing or malformed header never reaches Bolt's parser
        if not timestamp.isdigit() or not request.headers.get("x-slack-signature"):
            return error_response(401, "authentication", UNSIGNED)
        response = await handler.handle(request)
        if response.status_code == 401:
            return error_response(401, "authentication", UNSIGNED)
        return response

    for path in PATHS:
        app.add_api_route(path, slack, methods=["POST"], include_in_schema=False)
