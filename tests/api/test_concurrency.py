"""The server stays responsive while an ingest runs, and a search during the ingest neither
waits for it nor indexes its rows a second time."""

from __future__ import annotations

import time

import numpy as np

from tests.api.conftest import Served, sales_csv
from tests.api.test_ingest import wait


def test_requests_answer_while_an_ingest_runs(served: Served) -> None:
    src = sales_csv(served.root / "big_sales.csv", 1500)
    started = time.perf_counter()
    r = served.client.post(
        "/v1/ingest",
        json={"source": str(src), "table": "big_sales"},
        headers=served.headers("admin"),
    )
    job_id = r.json()["job_id"]
    searched, slowest = 0, 0.0
    while served.client.get(f"/v1/jobs/{job_id}", headers=served.headers("admin")).json()[
        "state"
    ] in ("queued", "running"):
        t0 = time.perf_counter()
        assert served.client.get("/healthz").status_code == 200
        hits = served.client.post(
            "/v1/search", json={"text": "Seattle chairs", "k": 5}, headers=served.headers("nogroup")
        )
        assert hits.status_code == 200 and len(hits.json()) == 5
        slowest = max(slowest, time.perf_counter() - t0)
        searched += 1
    job = wait(served, job_id, "admin")
    ingest_seconds = time.perf_counter() - started
    assert job["state"] == "done" and job["counts"]["new"] == 1500
    assert searched >= 3  # the requests really ran during the ingest
    # not queued behind the whole ingest (relative, so a loaded machine does not fail it)
    assert slowest < ingest_seconds / 2
    ids = served.ws.indexes.vectors.ids()
    assert len(ids) == len(np.unique(ids)) == len(served.ws.catalog.all_vids())
    assert served.ws.indexes.keywords.ids() == served.ws.catalog.all_vids()
