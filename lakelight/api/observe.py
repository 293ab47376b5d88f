"""Per-request metrics and the JSON access log, as plain ASGI middleware (Starlette's
``@app.middleware("http")`` wraps every request in extra tasks and streams, which costs a
server answering from the cache more than the answer does)."""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lakelight.api.metrics import Metrics

__all__ = ["Observe"]

access_log = logging.getLogger("lakelight.access")


class Observe:
    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                state = scope.get("state") or {}
                access_log.info(
                    json.dumps(
                        {
                            "key": state.get("key_name"),
                            "method": scope["method"],
                            "route": route,
                            "status": status,
                            "tables": state.get("tables", []),
                            "latency_ms": round(elapsed * 1000, 1),
                        }
                    )
                )
