"""The page's routes in process: the page and its files with their security headers, who a
key is, and the quality report route (same access rules as /v1/synthesize)."""

from __future__ import annotations

from tests.api.conftest import Served


def test_page_and_files_carry_a_strict_policy(served: Served) -> None:
    c = served.client
    page = c.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert '<script src="/static/app.js"' in page.text and "<script>" not in page.text
    js = c.get("/static/app.js")
    assert js.status_code == 200 and "innerHTML" not in js.text
    assert js.headers["content-security-policy"] == policy
    assert c.get("/static/app.css").status_code == 200
    assert c.get("/static/../api/app.py").status_code == 404


def test_me_names_the_key_never_its_secret(served: Served) -> None:
    r = served.client.get("/v1/me", headers=served.headers("support"))
    assert r.json() == {"name": "support", "groups": ["support"], "scopes": ["read"]}
    assert served.keys["support"] not in r.text
    assert served.client.get("/v1/me").status_code == 401


def test_report_route_returns_the_synth_report_under_the_same_access(served: Served) -> None:
    body = {"table": "sales", "n": 30, "where": ["Region=West"]}
    r = served.client.post("/v1/synthesize/report", json=body, headers=served.headers("hr"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Synthetic sales: quality report" in r.text and "<script" not in r.text
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none'
    forbidden = {"table": "Employee", "n": 10}
    r = served.client.post(
        "/v1/synthesize/report", json=forbidden, headers=served.headers("support")
    )
    assert r.status_code == 403 and r.json()["error"]["type"]
