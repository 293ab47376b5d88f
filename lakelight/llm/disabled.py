"""The ``none`` backend: no LLM at all; callers fall back to extractive answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from lakelight.config import Settings
from lakelight.errors import BackendUnavailableError
from lakelight.llm.base import ChatBackend, ChatMessage

__all__ = ["DisabledBackend"]

_MESSAGE = (
    "No LLM is configured (LAKELIGHT_LLM_BACKEND=none): answers are extractive; set "
    "LAKELIGHT_LLM_BACKEND=local or openai to have a model write them"
)


class DisabledBackend(ChatBackend):
    """Raises ``BackendUnavailableError`` on every call."""

    backend_id = "none"
    default_capable = False

    def __init__(self, *, capable: bool | None = None) -> None:
        super().__init__(capable=capable)
        self.model_name = "none"

    @classmethod
    def from_settings(cls, settings: Settings) -> DisabledBackend:
        return cls()

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> NoReturn:
        raise BackendUnavailableError(_MESSAGE)

    def complete(
        self, prompt: str, *, max_tokens: int | None = None, stop: list[str] | None = None
    ) -> NoReturn:
        raise BackendUnavailableError(_MESSAGE)
