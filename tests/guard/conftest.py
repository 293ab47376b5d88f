"""One PII detector (and so one spaCy load) for the whole session, and the real identities."""

from __future__ import annotations

import csv

import pytest

from lakelight.config import Settings
from lakelight.guard.pii import PiiDetector
from tests import data


@pytest.fixture(scope="session")
def detector() -> PiiDetector:
    return PiiDetector(Settings(home=".lakelight-test-unused"))


@pytest.fixture(scope="session")
def identities() -> list[dict[str, str]]:
    with data.presidio_identities().open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
