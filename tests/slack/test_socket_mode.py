"""`lakelight slack --socket` as a subprocess: it asks the stand-in Web API for a socket
(apps.connections.open with the app-level token), takes an event over a WebSocket served on
loopback, acknowledges its envelope and answers through chat.postMessage."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

from aiohttp import WSMsgType, web

from tests.slack.conftest import BOT_USER, TEAM, TOKEN, Bot, new_ts


class SocketStandIn:
    """Slack's Socket Mode end: one WebSocket route; records what the client sends back."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.sockets: list[web.WebSocketResponse] = []
        self.received: list[dict[str, Any]] = []
        self.ready = threading.Event()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        self.url = f"ws://127.0.0.1:{self.port}/link"

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_get("/link", self._socket)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}}
        await ws.send_str(json.dumps(hello))
        self.sockets.append(ws)
        self.ready.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.received.append(json.loads(msg.data))
        return ws

    def send(self, envelope: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(
            self.sockets[-1].send_str(json.dumps(envelope)), self.loop
        ).result(10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def test_socket_mode_answers_an_event_without_a_public_url(bot: Bot) -> None:
    sockets = SocketStandIn()
    bot.slack.socket_url = sockets.url
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKELIGHT_")}
    env |= {
        "LAKELIGHT_HOME": str(bot.server.home),
        "LAKELIGHT_LLM_BACKEND": "none",
        "LAKELIGHT_SLACK_BOT_TOKEN": TOKEN,
        "LAKELIGHT_SLACK_APP_TOKEN": "xapp-lakelight-test",
        "LAKELIGHT_SLACK_API_URL": f"{bot.slack.url}/api/",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "lakelight.cli", "slack", "--socket"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sockets.ready.wait(60), "the bot did not open its socket"
        opened = [c for c in bot.slack.calls if c.method == "apps.connections.open"]
        # asked through LAKELIGHT_SLACK_API_URL, with the app-level token
        assert opened and opened[0].auth == "Bearer xapp-lakelight-test"
        ts = new_ts()
        event = {
            "type": "app_mention",
            "user": "UNOBODY1",
            "text": f"<@{BOT_USER}> What were the total sales in the West region?",
            "ts": ts,
            "channel": "C0SOCKET1",
        }
        sockets.send(
            {
                "envelope_id": "env-0001",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "payload": {
                    "type": "event_callback",
                    "team_id": TEAM,
                    "event_id": "EvSOCKET0001",
                    "event_time": int(time.time()),
                    "event": event,
                },
            }
        )
        [reply] = bot.slack.wait(lambda c: c.body.get("thread_ts") == ts)
        assert reply.body["channel"] == "C0SOCKET1" and "```" in reply.raw
        assert reply.auth == f"Bearer {TOKEN}"  # posts with the bot token
        assert {"envelope_id": "env-0001"}.items() <= sockets.received[0].items()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        sockets.close()
    assert "xapp-lakelight-test" not in err and TOKEN not in err
