from __future__ import annotations

from collections.abc import Iterator

import pytest

from lakelight.llm import clear_cache
from tests.llm.chat_server import ChatServer, running_chat_server


@pytest.fixture(autouse=True)
def fresh_backends() -> Iterator[None]:
    """No test sees a backend another test built."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    with running_chat_server() as server:
        yield server
