"""schemathesis against /openapi.json, bounded so the suite stays fast: generated requests
(valid and not) never get a 5xx, and every response matches the schema it documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from lakelight.api import create_app
from lakelight.config import load_settings
from lakelight.workspace import Workspace
from tests.api.conftest import sales_csv

KEY: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("schema")
    root = home / "lake"
    root.mkdir()
    ws = Workspace(
        load_settings(
            home=str(home / "ws"),
            llm_backend="none",
            api_rate_limit=0,
            ingest_roots=[str(root)],
            synth_max_rows=2000,  # generated n stays cheap: above it is a 400
        )
    )
    ws.ingest(str(sales_csv(root / "sales.csv", 80)), table="sales")
    KEY["admin"] = ws.create_key("admin", "", "admin")[1]
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(ws))
    ws.close()


def test_no_server_errors_and_responses_match_the_schema(api_schema: Any) -> None:
    headers = {"Authorization": f"Bearer {KEY['admin']}"}
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        run()
        checked.append(operation.label)
    assert len(checked) >= 10, checked


def test_the_schema_is_generated(tmp_path: Path) -> None:
    spec = create_app(Workspace(load_settings(home=str(tmp_path / "ws")))).openapi()
    assert spec["paths"]["/v1/ask"]["post"]["responses"]["401"]
