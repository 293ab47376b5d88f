"""End to end: `lakelight serve` as a subprocess on a free loopback port, over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from lakelight.cli import app
from tests.api.conftest import sales_csv
from tests.servers import serve

runner = CliRunner()


@pytest.mark.e2e
def test_serve_answers_over_http_with_keys(tmp_path: Path) -> None:
    src = sales_csv(tmp_path / "sales.csv", 200)
    assert runner.invoke(app, ["ingest", str(src), "--table", "sales"]).exit_code == 0
    made = runner.invoke(app, ["keys", "create", "--name", "web", "--groups", "", "--json"])
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)
    assert key["name"] == "web" and key["key"].startswith("llk_") and key["scopes"] == ["read"]

    server, base = serve({**os.environ, "LAKELIGHT_LLM_BACKEND": "none"}, subprocess.PIPE)
    try:
        headers = {"Authorization": f"Bearer {key['key']}"}
        assert httpx.post(f"{base}/v1/ask", json={"question": "x"}).status_code == 401
        r = httpx.post(
            f"{base}/v1/ask",
            json={"question": "What were the total sales in the West region?", "use_llm": False},
            headers=headers,
            timeout=60,
        )
        assert r.status_code == 200, r.text
        assert r.json()["route"] == "aggregate" and r.json()["answer_id"]
        tables = httpx.get(f"{base}/v1/tables", headers=headers, timeout=30).json()
        assert [t["table"] for t in tables] == ["sales"]
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    access = [json.loads(line) for line in err.splitlines() if line.startswith('{"key"')]
    assert any(a["route"] == "/v1/ask" and a["key"] == "web" and a["status"] == 200 for a in access)
    assert key["key"] not in err  # the key itself is never logged


def test_keys_cli_lists_and_revokes_without_showing_keys(tmp_path: Path) -> None:
    made = runner.invoke(
        app, ["keys", "create", "--name", "ops", "--groups", "hr,sales", "--scopes", "read,ingest"]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("llk_") and "shown only now" in made.stderr
    listed = runner.invoke(app, ["keys", "list", "--json"])
    rows = json.loads(listed.stdout)
    assert rows[0]["groups"] == ["hr", "sales"] and rows[0]["scopes"] == ["read", "ingest"]
    assert secret not in listed.stdout
    again = runner.invoke(app, ["keys", "create", "--name", "ops"])
    assert again.exit_code == 1 and "exists" in again.stderr
    bad = runner.invoke(app, ["keys", "create", "--name", "x", "--scopes", "root"])
    assert bad.exit_code == 1 and "Unknown scope 'root'" in bad.stderr
    assert runner.invoke(app, ["keys", "revoke", "ops"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)[0]["revoked_at"]
    missing = runner.invoke(app, ["keys", "revoke", "nobody"])
    assert missing.exit_code == 1 and "No key named 'nobody'" in missing.stderr


def test_ingest_groups_and_grant_from_the_cli(tmp_path: Path) -> None:
    src = sales_csv(tmp_path / "sales.csv", 20)
    assert runner.invoke(app, ["ingest", str(src), "--groups", "finance"]).exit_code == 0
    sources = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)
    assert sources[0]["groups"] == ["finance"]
    granted = runner.invoke(app, ["sources", "grant", str(src), "--groups", "finance,ops"])
    assert granted.exit_code == 0 and "finance,ops" in granted.stdout
    assert runner.invoke(app, ["ingest", str(src)]).exit_code == 0  # no --groups: kept
    assert json.loads(runner.invoke(app, ["sources", "--json"]).stdout)[0]["groups"] == [
        "finance",
        "ops",
    ]
    missing = runner.invoke(app, ["sources", "grant", "nope.csv", "--groups", "x"])
    assert missing.exit_code == 1 and "No source 'nope.csv'" in missing.stderr
    bad = runner.invoke(app, ["sources", "grant", str(src), "--groups", "a b"])
    assert bad.exit_code == 1 and "Group 'a b'" in bad.stderr
