"""The chat backend contract every LLM backend implements, and the message shape it takes."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ChatBackend", "ChatMessage", "Role"]

Role = Literal["system", "user", "assistant"]
_ROLES = frozenset(get_args(Role))


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn of a conversation."""

    role: Role
    content: str

    def __post_init__(self) -> None:
        if self.role not in _ROLES:
            raise ValueError(f"role must be one of {sorted(_ROLES)}, not {self.role!r}")
        if not isinstance(self.content, str):
            raise TypeError(f"content must be str, not {type(self.content).__name__}")


class ChatBackend(ABC):
    """A chat model. Subclasses set ``backend_id`` and ``default_capable`` and implement
    ``chat`` and ``complete``; both are deterministic (temperature 0, greedy) unless the
    backend was copied with ``with_options(temperature=...)``.

    ``capable`` is True when the model is good enough for text-to-SQL and free phrasing;
    callers use templates and extractive answers otherwise.
    """

    backend_id: ClassVar[str]
    default_capable: ClassVar[bool] = False

    class Options(BaseModel):
        """Generation options; unknown names are rejected."""

        model_config = ConfigDict(extra="forbid", frozen=True)

        temperature: float = Field(
            default=0.0, ge=0.0, le=2.0, description="0 means greedy decoding."
        )
        max_tokens: int = Field(
            default=256, ge=1, description="Default cap on tokens written per call."
        )
        seed: int | None = Field(default=None, description="Sampling seed when temperature > 0.")

    def __init__(
        self, *, options: ChatBackend.Options | None = None, capable: bool | None = None
    ) -> None:
        self.options = options if options is not None else self.Options()
        self.capable: bool = self.default_capable if capable is None else capable
        self.model_name: str = ""

    def with_options(self, **changes: Any) -> ChatBackend:
        """A copy sharing this backend's model, with some options changed (validated)."""
        options = self.Options.model_validate({**self.options.model_dump(), **changes})
        clone = copy.copy(self)
        clone.options = options
        return clone

    @abstractmethod
    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> str:
        """The assistant's reply to ``messages``; generation ends at a ``stop`` string (not
        included) or after ``max_tokens`` (default ``options.max_tokens``)."""

    @abstractmethod
    def complete(
        self, prompt: str, *, max_tokens: int | None = None, stop: list[str] | None = None
    ) -> str:
        """The continuation of a raw prompt, run without any chat template."""

    def _max_tokens(self, max_tokens: int | None) -> int:
        if max_tokens is None:
            return self.options.max_tokens
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, not {max_tokens}")
        return max_tokens

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.backend_id}:{self.model_name or '-'}>"


def check_messages(messages: Sequence[ChatMessage]) -> None:
    """Reject an empty or mistyped conversation (a programmer mistake)."""
    if not messages:
        raise ValueError("chat() needs at least one message")
    for message in messages:
        if not isinstance(message, ChatMessage):
            raise TypeError(f"messages must be ChatMessage, not {type(message).__name__}")
