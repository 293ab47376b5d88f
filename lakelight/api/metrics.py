"""Prometheus metrics of one app (its own registry, so apps in one process do not mix):
requests and latency per route template (never a raw path, so no table name or id becomes
a label), asks by route, LLM calls, values the guard removed by PII type, ingested rows."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

__all__ = ["Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "lakelight_requests_total",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "lakelight_request_seconds",
            "HTTP request latency by route template.",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.asks = Counter(
            "lakelight_asks_total", "Answers by route.", ["route"], registry=self.registry
        )
        self.llm_calls = Counter(
            "lakelight_llm_calls_total", "Answers a model was called for.", registry=self.registry
        )
        self.guard_removed = Counter(
            "lakelight_guard_removed_total",
            "Values the output guard removed, by PII type.",
            ["type"],
            registry=self.registry,
        )
        self.ingest_rows = Counter(
            "lakelight_ingest_rows_total",
            "Rows of finished ingest jobs, by outcome (new, changed, unchanged, removed, "
            "rejected).",
            ["outcome"],
            registry=self.registry,
        )

    def answered(self, body: dict[str, Any]) -> None:
        self.asks.labels(body["route"]).inc()
        if "llm_ms" in body.get("timings", {}):
            self.llm_calls.inc()
        for kind, n in body.get("redacted", {}).items():
            self.guard_removed.labels(kind).inc(n)

    def ingested(self, counts: dict[str, int]) -> None:
        for outcome, n in counts.items():
            if outcome != "read":
                self.ingest_rows.labels(outcome).inc(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)
