"""A small OpenAI-compatible server on loopback for backend tests.

It speaks ``POST /v1/chat/completions`` and ``POST /v1/completions``, records every request
and answers from a queue. Path prefixes select failures: ``/status/<code>/v1`` answers with
that HTTP status and an OpenAI-style error body, ``/slow/<seconds>/v1`` waits before answering,
``/garbage/v1`` answers 200 with a body that is not JSON.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ChatServer", "Request", "free_port", "running_chat_server"]

_PREFIX = re.compile(
    r"^/(?:status/(?P<status>\d{3})|slow/(?P<slow>[\d.]+)|(?P<garbage>garbage))(?P<rest>/.*)$"
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]


class ChatServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.replies: deque[str] = deque()
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._http.block_on_close = False  # don't wait for a handler still sleeping
        self.port = self._http.server_address[1]
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def status_url(self, status: int) -> str:
        return f"http://127.0.0.1:{self.port}/status/{status}/v1"

    @property
    def garbage_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/garbage/v1"

    def slow_url(self, seconds: float) -> str:
        return f"http://127.0.0.1:{self.port}/slow/{seconds:g}/v1"

    def enqueue(self, *replies: str) -> None:
        self.replies.extend(replies)

    def _record(self, request: Request) -> str:
        with self._lock:
            self.requests.append(request)
            return self.replies.popleft() if self.replies else "ok"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request("POST", self.path, headers, body)
            reply = server._record(request)
            path, status = self.path, 200
            match = _PREFIX.match(path)
            if match:
                path = match["rest"]
                if match["garbage"]:
                    self._send_bytes(200, b"<html>not json</html>")
                    return
                if match["status"]:
                    status = int(match["status"])
                else:
                    time.sleep(float(match["slow"]))
            model = body.get("model", "")
            if status != 200:
                payload: dict[str, Any] = {
                    "error": {"message": f"simulated failure\nwith {status}", "code": status}
                }
            elif path == "/v1/chat/completions":
                payload = _chat_reply(model, reply)
            elif path == "/v1/completions":
                payload = _text_reply(model, reply)
            else:
                status, payload = 404, {"error": {"message": f"no route {path}"}}
            self._send(status, payload)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            self._send_bytes(status, json.dumps(payload).encode())

        def _send_bytes(self, status: int, data: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

    return Handler


def _usage() -> dict[str, int]:
    return {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def _chat_reply(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(),
    }


def _text_reply(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "cmpl-test",
        "object": "text_completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(),
    }


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
