"""Access control as a matrix: three callers (no group, group "support", group "hr") and an
admin, every read path, and a scan of each whole response body for the forbidden rows'
distinctive values and the forbidden tables' names, not only the citation list."""

from __future__ import annotations

import json

import pytest

from lakelight.index.access import Access
from tests.api.conftest import Served
from tests.llm.fakes import FakeBackend

# values only Employee rows hold (group "hr"), and only Customer rows (group "support")
EMPLOYEE_SECRETS = ("Peacock", "chinookcorp.com", "Andrew", "Nancy", '"Employee"', "employee")
CUSTOMER_SECRETS = ("Gonçalves", "embraer", "Embraer", '"Customer"', "customer", "Brazil")
FORBIDDEN = {
    "nogroup": EMPLOYEE_SECRETS + CUSTOMER_SECRETS,
    "support": EMPLOYEE_SECRETS,
    "hr": CUSTOMER_SECRETS,
}
QUESTIONS = [
    "Who is the support rep of customer Luís Gonçalves?",  # a lookup that joins Customer→Employee
    "What is the email of Jane Peacock?",  # a lookup in Employee
    "How many employees are there?",  # an aggregate over Employee
    "How many customers are in Brazil?",  # an aggregate resolving 'Brazil' through values
    "Which country has the most customers?",
    "jane@chinookcorp.com",  # an exact identifier
]


def leaks(body: str, caller: str) -> list[str]:
    return [s for s in FORBIDDEN[caller] if s in body]


@pytest.mark.parametrize("caller", sorted(FORBIDDEN))
def test_ask_never_answers_from_a_forbidden_source(served: Served, caller: str) -> None:
    for question in QUESTIONS:
        r = served.client.post(
            "/v1/ask", json={"question": question, "use_llm": False}, headers=served.headers(caller)
        )
        assert r.status_code == 200, r.text
        body = r.json()  # the answer, its rows and its SQL; the caller's own words may recur
        scanned = json.dumps(
            {k: body[k] for k in ("answer", "citations", "sql")}, ensure_ascii=False
        )
        found = [s for s in leaks(scanned, caller) if s.lower() not in question.lower()]
        assert not found, (caller, question, found, body)


def test_the_reader_of_a_group_gets_its_rows_but_no_join_into_another(served: Served) -> None:
    question = "Who is the support rep of customer Luís Gonçalves?"
    admin = served.client.post(
        "/v1/ask", json={"question": question}, headers=served.headers("admin")
    ).json()
    assert "Jane Peacock" in admin["answer"]  # the admin follows the key into Employee
    support = served.client.post(
        "/v1/ask", json={"question": question}, headers=served.headers("support")
    ).json()
    assert [c["table"] for c in support["citations"]] == ["Customer"]
    assert "Peacock" not in json.dumps(support)

    brazil = served.client.post(
        "/v1/ask",
        json={"question": "How many customers are in Brazil?"},
        headers=served.headers("support"),
    ).json()
    assert brazil["route"] == "aggregate" and ": 5." in brazil["answer"]


@pytest.mark.parametrize("caller", sorted(FORBIDDEN))
def test_search_is_restricted_before_ranking(served: Served, caller: str) -> None:
    for text in ("Jane Peacock", "Luís Gonçalves Embraer", "jane@chinookcorp.com", "Brazil"):
        r = served.client.post(
            "/v1/search", json={"text": text, "k": 50}, headers=served.headers(caller)
        )
        assert r.status_code == 200, r.text
        rows = json.dumps([h["row"] for h in r.json()], ensure_ascii=False)
        tables = {h["table"] for h in r.json()}
        assert not leaks(rows, caller) and not leaks(json.dumps(sorted(tables)), caller)
    # a filter never starves results: the open table still fills k
    r = served.client.post(
        "/v1/search", json={"text": "Seattle chairs", "k": 20}, headers=served.headers(caller)
    )
    assert len(r.json()) == 20 and all(
        h["table"] in ("sales", "Customer", "Employee") for h in r.json()
    )


def test_naming_a_forbidden_table_lists_only_readable_ones(served: Served) -> None:
    r = served.client.post(
        "/v1/ask",
        json={"question": "how many rows?", "table": "Employee"},
        headers=served.headers("support"),
    )
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert "Customer" in message and "sales" in message
    assert message.count("Employee") == 1  # only where the caller named it

    r = served.client.post(
        "/v1/search",
        json={"text": "Peacock", "tables": ["Employee"]},
        headers=served.headers("support"),
    )
    assert r.status_code == 200 and r.json() == []


def test_listings_show_only_what_the_caller_reads(served: Served) -> None:
    def names(route: str, caller: str) -> set[str]:
        r = served.client.get(route, headers=served.headers(caller))
        assert r.status_code == 200
        return {t.get("table") or t["source"].rsplit("/", 1)[-1] for t in r.json()}

    assert names("/v1/tables", "nogroup") == {"sales"}
    assert names("/v1/tables", "support") == {"sales", "Customer"}
    assert names("/v1/tables", "admin") == {"sales", "Customer", "Employee"}
    assert names("/v1/sources", "hr") == {"sales.csv", "staff.db"}
    nogroup = served.client.get("/v1/tables", headers=served.headers("nogroup")).text
    assert not leaks(nogroup, "nogroup")


def test_synth_draws_only_from_readable_tables(served: Served) -> None:
    r = served.client.post(
        "/v1/synthesize", json={"table": "Employee", "n": 5}, headers=served.headers("support")
    )
    assert r.status_code == 403 and r.json()["error"]["type"] == "access_denied"
    r = served.client.post(
        "/v1/synthesize", json={"table": "nope", "n": 5}, headers=served.headers("nogroup")
    )
    assert r.status_code == 400 and "Customer" not in r.text and "sales" in r.text
    r = served.client.post(
        "/v1/synthesize",
        json={"table": "Customer", "n": 20, "seed": 3},
        headers=served.headers("support"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["rows"]) == 20 and body["summary"]["generated"] == 20
    assert "Peacock" not in r.text


def test_model_written_sql_is_checked_against_the_callers_tables(served: Served) -> None:
    """A capable model asked by a 'support' caller writes SQL over employee: never run."""
    ws = served.ws
    tables = ws.readable_tables(Access("support", frozenset({"support"})))
    allowed = {t.sql_name for t in tables}
    assert allowed == {"sales", "customer"}
    model = FakeBackend(capable=True)
    model.enqueue("```sql\nSELECT COUNT(*) FROM employee\n```")
    got = ws.asker.aggregates._text_to_sql("how many staff?", tables, model, allowed, {})
    assert got is None and len(model.history) == 1
    model.enqueue("```sql\nSELECT COUNT(*) FROM customer WHERE \"country\" = 'Brazil'\n```")
    got = ws.asker.aggregates._text_to_sql("brazilians?", tables, model, allowed, {})
    assert got is not None and "5" in got.text


def test_a_caller_with_no_readable_source_gets_nothing(served: Served) -> None:
    ws = served.ws
    _, secret = ws.create_key("closed-room", "nobody-reads-this")
    # every source open to all is still readable; close the open one to test deny-by-default
    ws.grant(str(served.root / "sales.csv"), ["analysts"])
    try:
        headers = {"Authorization": f"Bearer {secret}"}
        r = served.client.post("/v1/search", json={"text": "Seattle"}, headers=headers)
        assert r.status_code == 409 and "No source you may read" in r.text
        r = served.client.post("/v1/ask", json={"question": "total sales?"}, headers=headers)
        assert r.status_code == 409 and "sales" not in r.text.replace("total sales?", "")
        assert served.client.get("/v1/tables", headers=headers).json() == []
    finally:
        ws.grant(str(served.root / "sales.csv"), [])


def test_an_aggregate_over_a_forbidden_table_is_refused_not_computed(served: Served) -> None:
    def ask(question: str, caller: str) -> dict[str, object]:
        r = served.client.post(
            "/v1/ask", json={"question": question}, headers=served.headers(caller)
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    for question, caller in [
        ("How many employees are there?", "nogroup"),
        ("How many employees are there?", "support"),
        ("How many customers are in Brazil?", "hr"),
    ]:
        body = ask(question, caller)
        assert body["answer"].startswith("This figure needs data you may not read"), body
        assert body["sql"] is None and body["citations"] == [] and "300" not in str(body)
    assert ": 8." in ask("How many employees are there?", "hr")["answer"]
    assert ": 8." in ask("How many employees are there?", "admin")["answer"]
    west = ask("What were the total sales in the West region?", "nogroup")
    assert west["route"] == "aggregate"  # what the caller reads is still computed
