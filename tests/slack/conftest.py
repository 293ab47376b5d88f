"""The Slack bot end to end: a real workspace, `lakelight serve` as a subprocess with the bot
on, requests signed exactly as Slack signs them, and a stand-in for Slack's Web API on
loopback (Slack's servers are the one part unreachable here) that records every call.

The workspace: 300 Superstore sales rows and a small `notes` table open to all, Chinook's
customers readable by group "support" and its employees by "hr" (as in tests/api)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import itertools
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from lakelight.config import load_settings
from lakelight.workspace import Workspace
from tests.api.conftest import sales_csv
from tests.chinook import load_chinook
from tests.servers import serve

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-lakelight-test"
BOT_USER, BOT_ID, TEAM = "UBOT0001", "BBOT0001", "T0001"
NO_SCOPE = "C0NOSCOPE"  # the stand-in refuses to post there, as Slack does without chat:write
MARKUP = "<!channel> call <@U123> now, see <https://x|label> *bold* `code`"


@dataclass
class Call:
    method: str  # "chat.postMessage", ..., or "response" for a response_url
    body: dict[str, Any]
    reply: Any = None
    auth: str = ""  # the Authorization header: which token the bot used
    at: float = field(default_factory=time.monotonic)

    @property
    def raw(self) -> str:
        return json.dumps(self.body, ensure_ascii=False)


class StandIn:
    """Slack's Web API on 127.0.0.1: answers what the bot calls and records it. A
    ``response_url`` points at ``/response/...`` on the same server."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.ts = itertools.count(1)
        self.socket_url: str | None = None
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                if "json" in (self.headers.get("content-type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                path = self.path.split("?")[0]
                method = "response" if path.startswith("/response/") else path.rsplit("/", 1)[-1]
                reply = stand_in.reply(method, body)
                with stand_in.lock:
                    stand_in.calls.append(
                        Call(method, body, reply, self.headers.get("authorization", ""))
                    )
                data = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reply(self, method: str, body: dict[str, Any]) -> dict[str, Any] | str:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://lakelight-test.slack.com/",
                "team": "lakelight",
                "user": "lakelight",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage" and body.get("channel") == NO_SCOPE:
            return {"ok": False, "error": "missing_scope", "needed": "chat:write"}
        if method in ("chat.postMessage", "chat.update"):
            ts = body.get("ts") or f"1800000000.{next(self.ts):06d}"
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": body}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "response":
            return "ok"
        return {"ok": False, "error": "unknown_method"}

    def posted(self, where: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        """Messages the bot sent (chat.postMessage, chat.update, response URLs)."""
        with self.lock:
            calls = list(self.calls)
        sent = ("chat.postMessage", "chat.update", "response")
        return [c for c in calls if c.method in sent and where(c)]

    def wait(self, where: Callable[[Call], bool], timeout: float = 30) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.posted(where)
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"nothing posted in {timeout} s; calls: {self.calls[-5:]}")

    def close(self) -> None:
        self.server.shutdown()


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """The headers Slack sends: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


_ids = itertools.count(1)


def event_body(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "event": {"event_ts": event.get("ts"), **event},
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def new_ts() -> str:
    return f"1700000000.{next(_ids):06d}"


def mention(question: str, user: str, channel: str = "C0SALES1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {question}",
        "ts": new_ts(),
        "channel": channel,
        **extra,
    }


def direct(question: str, user: str, channel: str = "D0DIRECT1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": question,
        "ts": new_ts(),
        "channel": channel,
        **extra,
    }


def notes_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "note", "status"])
        w.writerow([1, "Printer on floor 2 jams", "open"])
        w.writerow([2, MARKUP, "open"])
        w.writerow([3, "Badge reader offline", "closed"])
    return path


class Server:
    """`lakelight serve` with the bot on, restartable with other settings."""

    def __init__(self, home: Path, api_url: str):
        self.home, self.api_url = home, api_url
        self.proc: subprocess.Popen[str] | None = None
        self.env: dict[str, str] = {}
        self.base = ""
        self.log: list[str] = []

    def start(self, **settings: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAKELIGHT_")}
        self.env = {
            "LAKELIGHT_HOME": str(self.home),
            "LAKELIGHT_LLM_BACKEND": "none",
            "LAKELIGHT_SLACK_BOT_TOKEN": TOKEN,
            "LAKELIGHT_SLACK_SIGNING_SECRET": SECRET,
            "LAKELIGHT_SLACK_API_URL": f"{self.api_url}/api/",
            **{f"LAKELIGHT_{k.upper()}": v for k, v in settings.items()},
        }
        self.proc, self.base = serve({**env, **self.env})

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            _, err = self.proc.communicate(timeout=30)
            self.log.append(err)
            self.proc = None

    def ensure(self, **settings: str) -> None:
        """Running with these settings (restarted only when they differ)."""
        wanted = {f"LAKELIGHT_{k.upper()}": v for k, v in settings.items()}
        extra = {k: v for k, v in self.env.items() if k not in _BASE_KEYS}
        if self.proc is None or extra != wanted:
            self.stop()
            self.start(**settings)

    def post(
        self, path: str, body: str, headers: dict[str, str] | None = None, form: bool = False
    ) -> httpx.Response:
        kind = "application/x-www-form-urlencoded" if form else "application/json"
        sent = {"Content-Type": kind, **(sign(body) if headers is None else headers)}
        return httpx.post(f"{self.base}{path}", content=body, headers=sent, timeout=30)

    def event(self, event: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.post("/slack/events", event_body(event, kw.pop("event_id", None)), **kw)


_BASE_KEYS = {
    "LAKELIGHT_HOME",
    "LAKELIGHT_LLM_BACKEND",
    "LAKELIGHT_SLACK_BOT_TOKEN",
    "LAKELIGHT_SLACK_SIGNING_SECRET",
    "LAKELIGHT_SLACK_API_URL",
}


@dataclass
class Bot:
    ws: Workspace  # the server's workspace, opened in the test process too (same catalog)
    server: Server
    slack: StandIn


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    root = tmp_path_factory.mktemp("slack")
    chinook, staff = root / "chinook.db", root / "staff.db"
    load_chinook(f"sqlite:///{chinook}")
    shutil.copy(chinook, staff)
    ws = Workspace(load_settings(home=str(root / "ws"), llm_backend="none"))
    ws.ingest(str(sales_csv(root / "sales.csv")), table="sales")
    ws.ingest(str(notes_csv(root / "notes.csv")), table="notes")
    ws.ingest(f"sqlite:///{chinook}", table="Customer", groups=["support"])
    ws.ingest(f"sqlite:///{staff}", table="Employee", groups=["hr"])
    ws.slack_map_user("USUPPORT", "support")
    ws.slack_map_user("UHR00001", "hr,support")
    ws.slack_map_channel("C0SUPPORT", "support")
    slack = StandIn()
    server = Server(root / "ws", slack.url)
    server.start()
    try:
        yield Bot(ws, server, slack)
    finally:
        server.stop()
        slack.close()
        ws.close()
