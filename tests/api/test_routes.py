"""The routes over the real workspace: keys and scopes, the one error body, limits, feedback,
synthesis as JSON, CSV and streams, health and metrics."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lakelight.api import create_app
from lakelight.api.errors import STATUSES, status_of
from lakelight.config import load_settings
from lakelight.errors import LakelightError
from lakelight.workspace import Workspace
from tests.api.conftest import Served


def error_of(r: object) -> dict[str, str]:
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body
    return body["error"]  # type: ignore[no-any-return]


def test_ask_returns_the_cli_body_plus_an_answer_id(served: Served) -> None:
    question = "What were the total sales in the West region?"
    r = served.client.post(
        "/v1/ask", json={"question": question, "use_llm": False}, headers=served.headers("nogroup")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    direct = served.ws.ask(question, use_llm=False).as_dict()
    assert body["answer_id"] and {k: v for k, v in body.items() if k != "answer_id"}.keys() == (
        direct.keys()
    )
    assert body["answer"] == direct["answer"] and body["sql"] == direct["sql"]
    assert body["route"] == "aggregate" and body["citations"]


def test_bad_keys_get_401_and_missing_scopes_403(served: Served) -> None:
    c = served.client
    r = c.post("/v1/search", json={"text": "chairs"})
    assert r.status_code == 401 and error_of(r)["type"] == "authentication"
    assert r.headers["www-authenticate"] == "Bearer"
    r = c.post("/v1/search", json={"text": "chairs"}, headers={"Authorization": "Bearer llk_no"})
    assert r.status_code == 401 and "Unknown API key" in error_of(r)["message"]
    r = c.post("/v1/search", json={"text": "chairs"}, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    _, secret = served.ws.create_key("shortlived", "")
    headers = {"Authorization": f"Bearer {secret}"}
    assert c.post("/v1/search", json={"text": "chairs"}, headers=headers).status_code == 200
    served.ws.keys.revoke("shortlived")
    r = c.post("/v1/search", json={"text": "chairs"}, headers=headers)
    assert r.status_code == 401 and "revoked" in error_of(r)["message"]
    r = c.post("/v1/ingest", json={"source": "/x"}, headers=served.headers("support"))
    assert r.status_code == 403 and "'ingest' scope" in error_of(r)["message"]
    stored = json.dumps([k.as_dict() for k in served.ws.keys.list()])
    assert all(secret not in stored for secret in served.keys.values())


def test_one_error_body_for_every_failure(served: Served) -> None:
    c, h = served.client, served.headers("nogroup")
    r = c.post("/v1/ask", json={"question": ""}, headers=h)
    assert r.status_code == 422 and "question" in error_of(r)["message"]
    r = c.post("/v1/ask", json={"question": "x", "colour": "red"}, headers=h)
    assert r.status_code == 422 and "colour" in error_of(r)["message"]
    r = c.post("/v1/ask", content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422
    r = c.post("/v1/search", json={"text": "x", "k": 0}, headers=h)
    assert r.status_code == 422
    r = c.get("/v1/nothing-here", headers=h)
    assert r.status_code == 404 and error_of(r)["type"] == "not_found"
    r = c.get("/v1/ask", headers=h)
    assert r.status_code == 405 and error_of(r)
    r = c.get("/v1/jobs/abc", headers=h)
    assert r.status_code == 404 and "No job" in error_of(r)["message"]
    r = c.post(
        "/v1/synthesize",
        json={"table": "sales", "n": 5, "where": ["Colour=red"]},
        headers=h,
    )
    assert r.status_code == 400 and "Unknown column" in error_of(r)["message"]


def test_every_error_family_has_a_status() -> None:
    families = {LakelightError, *_subclasses(LakelightError)}
    for family in families:
        try:
            status = status_of(family("x"))
        except TypeError:
            continue
        assert status in (400, 401, 403, 404, 409, 422, 503), family
    assert STATUSES[-1][0] is LakelightError


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_body_limit_and_rate_limit(tmp_path: Path) -> None:
    ws = Workspace(
        load_settings(home=str(tmp_path / "ws"), api_rate_limit=3, api_max_body_bytes=2048)
    )
    _, secret = ws.create_key("busy", "")
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(create_app(ws)) as c:
        r = c.post("/v1/ask", json={"question": "x" * 5000}, headers=headers)
        assert r.status_code == 413 and error_of(r)["type"] == "request_too_large"
        chunked = c.post(  # no Content-Length: counted as it arrives
            "/v1/ask",
            content=(b'{"question": "' + b"y" * 1024 for _ in range(4)),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert chunked.status_code == 413 and error_of(chunked)["type"] == "request_too_large"
        statuses = [c.get("/v1/tables", headers=headers).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        r = c.get("/v1/tables", headers=headers)
        assert int(r.headers["retry-after"]) >= 1 and error_of(r)["type"] == "rate_limited"
        assert c.get("/healthz").status_code == 200  # no key, no limit
    ws.close()


def test_feedback_only_on_your_own_answers(served: Served) -> None:
    c = served.client
    question = "What were the total sales in the West region?"
    answer = c.post(
        "/v1/ask", json={"question": question}, headers=served.headers("support")
    ).json()
    rating = {"answer_id": answer["answer_id"], "rating": -1, "comment": "wrong region"}
    r = c.post("/v1/feedback", json=rating, headers=served.headers("hr"))
    assert r.status_code == 404 and "given to you" in error_of(r)["message"]
    assert c.post("/v1/feedback", json=rating, headers=served.headers("support")).status_code == 204
    r = c.post("/v1/feedback", json={**rating, "rating": 5}, headers=served.headers("support"))
    assert r.status_code == 422
    kept = served.ws.feedback.rated("support")
    assert kept[0]["rating"] == -1 and kept[0]["question"] == question
    assert kept[0]["answer"]["citations"] == answer["citations"]
    assert served.ws.feedback.rated("hr") == []


def test_synthesize_json_csv_and_streamed(served: Served) -> None:
    c, h = served.client, served.headers("nogroup")
    r = c.post("/v1/synthesize", json={"table": "sales", "n": 40, "seed": 1}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["rows"]) == 40 and body["summary"]["generated"] == 40
    r = c.post(
        "/v1/synthesize",
        json={"table": "sales", "n": 40, "seed": 1, "where": ["Region=West"]},
        headers={**h, "Accept": "text/csv"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 40 and {row["Region"] for row in rows} == {"West"}

    n = served.ws.settings.api_stream_rows + 500  # streamed as it is made
    with c.stream(
        "POST",
        "/v1/synthesize",
        json={"table": "sales", "n": n},
        headers={**h, "Accept": "text/csv"},
    ) as streamed:
        assert streamed.status_code == 200
        text = "".join(streamed.iter_text())
    assert len(text.strip().splitlines()) == n + 1
    r = c.post("/v1/synthesize", json={"table": "sales", "n": n}, headers=h)
    body = r.json()
    assert len(body["rows"]) == n and body["summary"]["generated"] == n


def test_healthz_without_key_and_metrics_without_table_names(served: Served) -> None:
    c = served.client
    r = c.get("/healthz")
    assert r.status_code == 200 and r.json() == {
        "ok": True,
        "catalog": True,
        "index": True,
        "slack": "off: set LAKELIGHT_SLACK_BOT_TOKEN and LAKELIGHT_SLACK_SIGNING_SECRET",
    }
    c.post(
        "/v1/ask",
        json={"question": "How many customers are in Brazil?"},
        headers=served.headers("support"),
    )
    assert c.get("/metrics").status_code == 401
    text = c.get("/metrics", headers=served.headers("nogroup")).text
    assert 'lakelight_requests_total{method="POST",route="/v1/ask",status="200"}' in text
    assert 'lakelight_asks_total{route="aggregate"}' in text
    assert "lakelight_request_seconds_bucket" in text
    assert "Customer" not in text and "customer" not in text and "Brazil" not in text


def test_openapi_describes_every_route(served: Served) -> None:
    spec = served.client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/v1/ask",
        "/v1/search",
        "/v1/synthesize",
        "/v1/ingest",
        "/v1/jobs/{job_id}",
        "/v1/sources",
        "/v1/tables",
        "/v1/feedback",
        "/v1/keys",
        "/v1/keys/{name}",
        "/v1/sources/grant",
        "/healthz",
        "/metrics",
    } <= paths
    assert "ErrorBody" in spec["components"]["schemas"]


def test_cors_only_for_the_origins_named(tmp_path: Path) -> None:
    ws = Workspace(
        load_settings(home=str(tmp_path / "ws"), api_cors_origins=["https://app.example.com"])
    )
    with TestClient(create_app(ws)) as c:
        preflight = {"Access-Control-Request-Method": "POST"}
        ok = c.options("/v1/ask", headers={"Origin": "https://app.example.com", **preflight})
        assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
        other = c.options("/v1/ask", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in other.headers
    ws.close()


def test_one_json_access_log_line_per_request(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lakelight.access"):
        r = served.client.post(
            "/v1/ask",
            json={"question": "How many customers are in Brazil?", "use_llm": False},
            headers=served.headers("support"),
        )
        served.client.get("/v1/tables")  # no key: 401
    assert r.status_code == 200
    asked, refused = [json.loads(m) for m in caplog.messages[-2:]]
    assert asked["key"] == "support" and asked["route"] == "/v1/ask" and asked["status"] == 200
    assert asked["tables"] == ["Customer"] and asked["latency_ms"] > 0
    assert refused == {**refused, "key": None, "route": "/v1/tables", "status": 401}
    assert served.keys["support"] not in caplog.text  # the key's name, never the key
