"""POST /v1/ingest: a background job, files only under the ingest roots (symlinks resolved),
URLs only from the allow-list, and no caller re-granting a source it cannot read."""

from __future__ import annotations

import time
from typing import Any

from tests.api.conftest import Served, sales_csv


def wait(served: Served, job_id: str, caller: str = "loader") -> dict[str, Any]:
    for _ in range(600):
        r = served.client.get(f"/v1/jobs/{job_id}", headers=served.headers(caller))
        assert r.status_code == 200, r.text
        if r.json()["state"] in ("done", "failed"):
            return r.json()  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_ingest_runs_in_the_background_with_the_groups_given(served: Served) -> None:
    src = sales_csv(served.root / "more_sales.csv", 40)
    r = served.client.post(
        "/v1/ingest",
        json={"source": str(src), "table": "more_sales", "groups": ["support"]},
        headers=served.headers("loader"),
    )
    assert r.status_code == 202, r.text
    job = wait(served, r.json()["job_id"])
    assert job["state"] == "done" and job["counts"]["new"] == 40 and job["error"] is None
    assert job["progress"]["more_sales"] == 40
    assert (
        served.client.get(
            f"/v1/jobs/{r.json()['job_id']}", headers=served.headers("hr")
        ).status_code
        == 404
    )
    assert (
        served.client.get(
            f"/v1/jobs/{r.json()['job_id']}", headers=served.headers("admin")
        ).status_code
        == 200
    )
    tables = {
        t["table"] for t in served.client.get("/v1/tables", headers=served.headers("hr")).json()
    }
    assert "more_sales" not in tables
    tables = {
        t["table"]
        for t in served.client.get("/v1/tables", headers=served.headers("support")).json()
    }
    assert "more_sales" in tables


def test_paths_outside_the_roots_are_refused(served: Served, tmp_path_factory: Any) -> None:
    outside = tmp_path_factory.mktemp("outside")
    secret = sales_csv(outside / "secret.csv", 5)
    (served.root / "linked.csv").symlink_to(secret)
    (served.root / "linked_dir").symlink_to(outside, target_is_directory=True)
    (served.root / "etc").symlink_to("/etc", target_is_directory=True)
    refused = [
        "/etc/passwd",
        str(served.root / ".." / "chinook.db"),
        str(served.root / "../../../../etc/passwd"),
        str(served.root / "linked.csv"),
        str(served.root / "linked_dir"),
        str(served.root / "linked_dir" / "secret.csv"),
        str(served.root / "etc" / "passwd"),
        str(served.root / "linked_dir" / "*.csv"),  # a glob through the symlinked folder
        "relative/sales.csv",
        f"file://{served.root}/../chinook.db",
        f"sqlite:///{served.chinook}",  # a database file outside the roots
        "sqlite:////etc/passwd",
        "postgresql+psycopg://reader@127.0.0.1/shop",  # not in the URL allow-list
        "s3://bucket/exports/",
        f"simplecache::file://{served.root}/sales.csv",
    ]
    for source in refused:
        r = served.client.post(
            "/v1/ingest", json={"source": source}, headers=served.headers("loader")
        )
        assert r.status_code == 403, (source, r.text)
        assert "passwd" not in r.json()["error"]["message"]
    names = {s["source"] for s in served.ws.sources()}
    assert not any("secret" in n or "passwd" in n for n in names)


def test_no_roots_means_no_file_ingest(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from lakelight.api import create_app
    from lakelight.config import load_settings
    from lakelight.workspace import Workspace

    ws = Workspace(load_settings(home=str(tmp_path / "ws")))
    _, secret = ws.create_key("loader", "", "ingest")
    src = sales_csv(tmp_path / "sales.csv", 5)
    with TestClient(create_app(ws)) as c:
        r = c.post(
            "/v1/ingest", json={"source": str(src)}, headers={"Authorization": f"Bearer {secret}"}
        )
    assert r.status_code == 403 and "LAKELIGHT_INGEST_ROOTS" in r.json()["error"]["message"]
    ws.close()


def test_a_loader_cannot_regrant_or_overwrite_what_it_cannot_read(served: Served) -> None:
    staff = served.root / "staff_copy.csv"
    staff.write_text("id,name\n1,Ann\n", encoding="utf-8")
    served.ws.ingest(str(staff), groups=["hr"])
    r = served.client.post(
        "/v1/ingest",
        json={"source": str(staff), "groups": ["support"]},
        headers=served.headers("loader"),
    )
    job = wait(served, r.json()["job_id"])
    assert job["state"] == "failed" and "cannot read" in job["error"]
    assert served.ws.catalog.list_tables()  # untouched
    assert next(s for s in served.ws.sources() if s["source"] == str(staff))["groups"] == ["hr"]
