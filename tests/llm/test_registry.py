"""Backends by name: built-ins, aliases, the none backend, plugins, the per-process cache."""

from __future__ import annotations

import pytest

import lakelight.llm as llm
from lakelight.config import Settings
from lakelight.errors import BackendError, BackendUnavailableError, UnknownBackendError
from lakelight.llm import (
    ChatBackend,
    ChatMessage,
    DisabledBackend,
    get_backend,
    known_backends,
    register,
    unregister,
)
from tests.llm.fakes import FakeBackend, use_fake_backend

HELLO = [ChatMessage("user", "hello")]


def test_unknown_backend_lists_known_names() -> None:
    with pytest.raises(UnknownBackendError) as exc:
        get_backend(Settings(llm_backend="opneai"))
    assert isinstance(exc.value, BackendError)
    assert str(exc.value) == (
        "Unknown LLM backend 'opneai': set LAKELIGHT_LLM_BACKEND to one of local, none, openai"
    )
    assert {"local", "none", "openai"} <= set(known_backends())


def test_none_backend_raises_backend_error() -> None:
    backend = get_backend(Settings(llm_backend="none"))
    assert isinstance(backend, DisabledBackend)
    assert backend.backend_id == "none" and backend.capable is False
    with pytest.raises(BackendUnavailableError, match="No LLM is configured") as exc:
        backend.chat(HELLO)
    assert isinstance(exc.value, BackendError) and "\n" not in str(exc.value)
    with pytest.raises(BackendError, match="LAKELIGHT_LLM_BACKEND"):
        backend.complete("x")


def test_aliases_and_case_resolve_to_the_same_backend() -> None:
    settings = Settings(llm_backend="none")
    assert get_backend(settings, "OFF") is get_backend(settings)
    assert get_backend(settings, " disabled ") is get_backend(settings)


def test_fake_backend_registers_and_unregisters() -> None:
    with use_fake_backend(FakeBackend(["first", "second\nthird"], capable=True)) as fake:
        assert "fake" in known_backends()
        backend = get_backend(Settings(llm_backend="fake"))
        assert backend is fake and backend.capable
        assert backend.chat(HELLO, max_tokens=5) == "first"
        assert backend.complete("go on", stop=["\n"]) == "second"
        assert backend.chat(HELLO) == "ok"  # the queue is empty: default reply
        assert [c.kind for c in fake.history] == ["chat", "complete", "chat"]
        assert fake.history[0].messages == HELLO and fake.history[0].max_tokens == 5
        assert fake.history[1].prompt == "go on" and fake.history[1].stop == ["\n"]
        fake.enqueue(BackendUnavailableError("down"))
        with pytest.raises(BackendUnavailableError, match="down"):
            backend.chat(HELLO)
    assert "fake" not in known_backends()
    with pytest.raises(UnknownBackendError):
        get_backend(Settings(llm_backend="fake"))


def test_register_rejects_taken_names() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register("local", lambda settings: FakeBackend())
    with use_fake_backend(name="mine"), pytest.raises(ValueError, match="'off'"):
        register("other", lambda settings: FakeBackend(), aliases=["off"])
    assert "other" not in known_backends()
    with pytest.raises(ValueError, match="not registered"):
        unregister("never-was")


def test_backends_are_built_once_per_llm_settings() -> None:
    built: list[Settings] = []

    def factory(settings: Settings) -> ChatBackend:
        built.append(settings)
        return FakeBackend()

    register("counting", factory, aliases=["counter"])
    try:
        base = Settings(llm_backend="counting")
        first = get_backend(base)
        assert get_backend(Settings(llm_backend="counter")) is first  # alias, same settings
        assert get_backend(base.model_copy(update={"rrf_k": 5})) is first  # not an LLM setting
        other = get_backend(Settings(llm_backend="counting", llm_max_tokens=17))
        assert other is not first
        llm.clear_cache()
        assert get_backend(base) is not first
        assert len(built) == 3
    finally:
        unregister("counting")


def test_options_reject_unknown_names_and_copy() -> None:
    backend = FakeBackend()
    assert backend.options.temperature == 0.0  # deterministic by default
    warm = backend.with_options(temperature=0.9)
    assert warm.options.temperature == 0.9 and backend.options.temperature == 0.0
    with pytest.raises(ValueError, match="colour"):
        backend.with_options(colour="red")
    with pytest.raises(ValueError):
        backend.with_options(temperature=-1)


def test_chat_message_checks_role() -> None:
    assert ChatMessage("system", "x").role == "system"
    with pytest.raises(ValueError, match="role"):
        ChatMessage("robot", "x")  # type: ignore[arg-type]


def test_exports_are_sorted_and_importable() -> None:
    assert llm.__all__ == sorted(llm.__all__, key=lambda n: (not n.isupper(), n[0].islower(), n))
    for name in llm.__all__:
        assert getattr(llm, name) is not None, name
    public = {n for n in vars(llm) if not n.startswith("_")} - {"annotations", "TYPE_CHECKING"}
    modules = {"base", "disabled", "prompts", "registry", "local", "openai_compat", "Any"}
    assert public - modules <= set(llm.__all__)
