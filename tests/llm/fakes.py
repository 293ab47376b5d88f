"""A scripted chat backend for unit tests, registered through the real registry.

with use_fake_backend(FakeBackend(["Paris."])) as fake:
    settings = Settings(llm_backend="fake")
    ...  # code under test calls get_backend(settings).chat(...)
    assert fake.history[0].messages[-1].content == "..."
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from lakelight.config import Settings
from lakelight.llm import ChatBackend, ChatMessage, register, unregister

__all__ = ["FakeBackend", "FakeCall", "use_fake_backend"]


@dataclass(frozen=True)
class FakeCall:
    """One call a FakeBackend received: ``messages`` for chat, ``prompt`` for complete."""

    kind: str  # "chat" or "complete"
    messages: list[ChatMessage]
    prompt: str | None
    max_tokens: int | None
    stop: list[str] | None


class FakeBackend(ChatBackend):
    """Answers from a queue (``enqueue``), falling back to ``default_reply``; an Exception in
    the queue is raised instead. Every call is kept in ``history``. Like real backends, a
    reply is cut at the first stop string."""

    backend_id = "fake"

    def __init__(
        self,
        replies: Iterable[str | Exception] = (),
        *,
        capable: bool = False,
        default_reply: str = "ok",
    ) -> None:
        super().__init__(capable=capable)
        self.model_name = "fake"
        self.replies: deque[str | Exception] = deque(replies)
        self.default_reply = default_reply
        self.history: list[FakeCall] = []

    def enqueue(self, *replies: str | Exception) -> None:
        self.replies.extend(replies)

    def _reply(self, stop: list[str] | None) -> str:
        reply = self.replies.popleft() if self.replies else self.default_reply
        if isinstance(reply, Exception):
            raise reply
        cuts = [i for i in (reply.find(s) for s in stop or [] if s) if i >= 0]
        return reply[: min(cuts)] if cuts else reply

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> str:
        self.history.append(FakeCall("chat", list(messages), None, max_tokens, stop))
        return self._reply(stop)

    def complete(
        self, prompt: str, *, max_tokens: int | None = None, stop: list[str] | None = None
    ) -> str:
        self.history.append(FakeCall("complete", [], prompt, max_tokens, stop))
        return self._reply(stop)


@contextmanager
def use_fake_backend(
    backend: FakeBackend | None = None, name: str = "fake"
) -> Iterator[FakeBackend]:
    """Register ``backend`` as ``name`` (select it with ``Settings(llm_backend=name)``) for the
    duration of the block, then remove it."""
    fake = backend if backend is not None else FakeBackend()

    def factory(settings: Settings) -> ChatBackend:
        return fake

    register(name, factory)
    try:
        yield fake
    finally:
        unregister(name)
