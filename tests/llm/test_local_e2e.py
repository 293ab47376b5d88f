"""The real local backend: the bundled SmolLM2 GGUF, converted once, run on CPU.

Generation stays at 24 tokens or fewer per call so these tests stay fast."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakelight.config import Settings
from lakelight.errors import BackendError
from lakelight.llm import ChatMessage, LocalBackend, clear_cache, get_backend
from lakelight.llm.local import BUNDLED_GGUF, MARKER

pytestmark = pytest.mark.e2e

CACHE_NAME = BUNDLED_GGUF.removesuffix(".gguf")


def local_settings(home: Path) -> Settings:
    return Settings(home=home, llm_backend="local", llm_model_path=None, llm_max_tokens=24)


@pytest.fixture(scope="session")
def local_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("local-llm")


@pytest.fixture(scope="session")
def first_load(local_home: Path) -> Iterator[LocalBackend]:
    """Built once per session through the registry: converts the GGUF into the cache."""
    clear_cache()
    backend = get_backend(local_settings(local_home))
    assert isinstance(backend, LocalBackend)
    yield backend
    clear_cache()


@pytest.fixture
def model(first_load: LocalBackend, local_home: Path) -> LocalBackend:
    # conftest clears the backend cache around each test; this keeps the session's instance
    return first_load


def test_conversion_is_cached_and_reloads_faster(
    first_load: LocalBackend, local_home: Path
) -> None:
    assert first_load.converted is True
    folder = local_home / "models" / CACHE_NAME
    assert first_load.model_dir == folder
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= names
    assert MARKER in names and "generation_config.json" in names
    assert [p.name for p in (local_home / "models").iterdir()] == [CACHE_NAME]  # no temp left

    clear_cache()  # a fresh process-level cache: the next backend loads from safetensors
    again = get_backend(local_settings(local_home))
    assert isinstance(again, LocalBackend) and again is not first_load
    assert again.converted is False
    assert again.load_seconds < first_load.load_seconds / 2
    print(f"\nGGUF first load {first_load.load_seconds:.1f} s, cached {again.load_seconds:.1f} s")


def test_capability_and_identity(model: LocalBackend) -> None:
    assert model.backend_id == "local" and model.model_name == CACHE_NAME
    assert model.capable is False
    assert model.options.temperature == 0.0 and model.options.max_tokens == 24


def test_chat_answers_in_few_tokens(model: LocalBackend) -> None:
    reply = model.chat(
        [
            ChatMessage("system", "Answer in one short sentence."),
            ChatMessage("user", "What is the capital of France?"),
        ]
    )
    stats = model.last_stats
    assert stats is not None and 0 < stats.completion_tokens <= 24
    assert isinstance(reply, str) and reply.strip()
    assert "<|im_end|>" not in reply and "<|im_start|>" not in reply
    assert "Paris" in reply
    print(f"\n{stats.completion_tokens} tokens, {stats.tokens_per_second:.1f} tokens/s: {reply!r}")


def test_greedy_is_deterministic(model: LocalBackend) -> None:
    messages = [ChatMessage("user", "Name a colour.")]
    assert model.chat(messages, max_tokens=6) == model.chat(messages, max_tokens=6)
    assert model.last_stats is not None and model.last_stats.completion_tokens <= 6


def test_sampling_copy_shares_the_model_and_honours_the_seed(model: LocalBackend) -> None:
    warm = model.with_options(temperature=0.9, seed=11)
    assert isinstance(warm, LocalBackend) and warm.model is model.model
    first = warm.complete("Once upon a time", max_tokens=8)
    assert first and warm.complete("Once upon a time", max_tokens=8) == first
    assert model.options.temperature == 0.0


def test_complete_continues_a_raw_prompt(model: LocalBackend) -> None:
    text = model.complete("Monday, Tuesday, Wednesday,", max_tokens=8)
    assert text.strip() and "Thursday" in text
    assert model.last_stats is not None and model.last_stats.completion_tokens <= 8


def test_stop_sequence_ends_generation(model: LocalBackend) -> None:
    prompt = "1, 2, 3, 4, 5,"
    free = model.complete(prompt, max_tokens=16)
    assert "8" in free  # without a stop the count goes on past 8
    stopped = model.complete(prompt, max_tokens=16, stop=[" 8"])
    assert stopped and "8" not in stopped and free.startswith(stopped)
    assert model.last_stats is not None and model.last_stats.completion_tokens < 16


def test_concurrent_calls_are_serialised(model: LocalBackend) -> None:
    results: list[str] = []

    def ask() -> None:
        results.append(model.complete("The sky is", max_tokens=3))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]


def test_prompt_longer_than_context_is_refused(model: LocalBackend) -> None:
    with pytest.raises(BackendError, match="reads at most 8192") as exc:
        model.complete("word " * 9000, max_tokens=1)
    assert "\n" not in str(exc.value)
