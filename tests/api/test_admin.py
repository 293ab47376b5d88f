"""Admin routes: keys made, listed and revoked over HTTP, and grants that change what a key
reads at once; all of them refused to a key without the admin scope."""

from __future__ import annotations

from tests.api.conftest import Served


def test_keys_made_listed_and_revoked_over_http(served: Served) -> None:
    c, admin = served.client, served.headers("admin")
    r = c.post("/v1/keys", json={"name": "analyst", "groups": ["support"]}, headers=admin)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "analyst" and made["scopes"] == ["read"]
    assert made["groups"] == ["support"] and made["key"].startswith("llk_")
    analyst = {"Authorization": f"Bearer {made['key']}"}
    assert c.get("/v1/tables", headers=analyst).status_code == 200

    listed = c.get("/v1/keys", headers=admin).json()
    entry = next(k for k in listed if k["name"] == "analyst")
    assert entry["revoked_at"] is None and made["key"] not in str(listed)  # never the secret

    again = c.post("/v1/keys", json={"name": "analyst"}, headers=admin)
    assert again.status_code == 409 and "exists" in again.json()["error"]["message"]
    bad = c.post("/v1/keys", json={"name": "x", "scopes": ["root"]}, headers=admin)
    assert bad.status_code == 422

    assert c.delete("/v1/keys/analyst", headers=admin).status_code == 204
    assert c.get("/v1/tables", headers=analyst).status_code == 401
    assert c.delete("/v1/keys/nobody-by-that-name", headers=admin).status_code == 404


def test_admin_routes_need_the_admin_scope(served: Served) -> None:
    c = served.client
    for name in ("nogroup", "loader"):  # read, and ingest (which implies read)
        h = served.headers(name)
        assert c.get("/v1/keys", headers=h).status_code == 403
        assert c.post("/v1/keys", json={"name": "sneaky"}, headers=h).status_code == 403
        assert c.delete("/v1/keys/hr", headers=h).status_code == 403
        grant = {"source": "*", "groups": []}
        assert c.post("/v1/sources/grant", json=grant, headers=h).status_code == 403
    assert c.get("/v1/keys").status_code == 401
    assert c.get("/v1/tables", headers=served.headers("hr")).status_code == 200  # not revoked


def test_a_grant_over_http_changes_what_a_key_reads_at_once(served: Served) -> None:
    c, admin, nogroup = served.client, served.headers("admin"), served.headers("nogroup")
    question = {"question": "How many employees are there?", "use_llm": False}

    def tables() -> set[str]:
        return {t["table"] for t in c.get("/v1/tables", headers=nogroup).json()}

    assert "Employee" not in tables()
    assert "8" not in c.post("/v1/ask", json=question, headers=nogroup).json()["answer"]
    (staff,) = [
        s["source"] for s in c.get("/v1/sources", headers=admin).json() if "staff" in s["source"]
    ]

    r = c.post("/v1/sources/grant", json={"source": staff, "groups": []}, headers=admin)
    assert r.status_code == 200 and r.json() == {"changed": [staff], "groups": []}
    try:
        assert "Employee" in tables()
        opened = c.post("/v1/ask", json=question, headers=nogroup).json()
        assert opened["route"] == "aggregate" and "8" in opened["answer"]
    finally:
        r = c.post("/v1/sources/grant", json={"source": staff, "groups": ["hr"]}, headers=admin)
        assert r.json()["changed"] == [staff]
    assert "Employee" not in tables()
    closed = c.post("/v1/ask", json=question, headers=nogroup).json()
    assert closed["route"] == "none" and not closed["cached"]

    missing = c.post("/v1/sources/grant", json={"source": "nope://x", "groups": []}, headers=admin)
    assert missing.status_code == 404
    bad = c.post("/v1/sources/grant", json={"source": staff, "groups": ["a b"]}, headers=admin)
    assert bad.status_code == 400 and "Group" in bad.json()["error"]["message"]
