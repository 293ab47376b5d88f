"""The OpenAI-compatible backend against a real HTTP server on loopback."""

from __future__ import annotations

import time

import openai
import pytest

from lakelight.config import Settings
from lakelight.errors import BackendError, BackendUnavailableError, ConfigError
from lakelight.llm import SYSTEM_PROMPT, ChatMessage, OpenAICompatBackend, get_backend
from lakelight.llm.openai_compat import rule_for, shown_url
from tests.llm.chat_server import ChatServer, free_port

MODEL = "qwen2.5-7b-instruct"


def backend_for(url: str, **settings: object) -> OpenAICompatBackend:
    values: dict[str, object] = {"llm_backend": "openai", "llm_base_url": url, "llm_model": MODEL}
    backend = get_backend(Settings(**{**values, **settings}))  # type: ignore[arg-type]
    assert isinstance(backend, OpenAICompatBackend)
    return backend


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_chat_request_and_reply(chat_server: ChatServer) -> None:
    backend = backend_for(chat_server.url, llm_api_key="sk-test-123", llm_max_tokens=99)
    chat_server.enqueue("Paris.")
    messages = [
        ChatMessage("system", SYSTEM_PROMPT),
        ChatMessage("user", "What is the capital of France?"),
    ]
    assert backend.chat(messages) == "Paris."
    (request,) = chat_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-123"
    body = request.body
    assert body["model"] == MODEL
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    assert body["temperature"] == 0
    assert body["max_tokens"] == 99
    assert "max_completion_tokens" not in body  # several servers ignore it
    assert "stop" not in body
    assert body.get("stream") in (None, False)


def test_chat_per_call_limits_and_stop(chat_server: ChatServer) -> None:
    backend = backend_for(chat_server.url)
    backend.chat([ChatMessage("user", "hi")], max_tokens=7, stop=["\n\n", "Question:"])
    body = chat_server.requests[0].body
    assert body["max_tokens"] == 7
    assert body["stop"] == ["\n\n", "Question:"]


def test_no_key_sends_placeholder_not_environment(
    chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-environment")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    backend = backend_for(chat_server.url)
    assert backend.chat([ChatMessage("user", "hi")]) == "ok"
    assert "sk-from-environment" not in chat_server.requests[0].headers["authorization"]


def test_complete_uses_completions_endpoint(chat_server: ChatServer) -> None:
    backend = backend_for(chat_server.url)
    chat_server.enqueue(" Thursday, Friday")
    prompt = "Monday, Tuesday, Wednesday,"
    assert backend.complete(prompt, max_tokens=12, stop=["\n"]) == " Thursday, Friday"
    (request,) = chat_server.requests
    assert request.path == "/v1/completions"
    assert request.body["prompt"] == prompt
    assert request.body["model"] == MODEL
    assert request.body["max_tokens"] == 12
    assert request.body["stop"] == ["\n"]
    assert request.body["temperature"] == 0


def test_with_options_changes_sampling_of_a_copy(chat_server: ChatServer) -> None:
    backend = backend_for(chat_server.url)
    warm = backend.with_options(temperature=0.8, seed=7)
    warm.chat([ChatMessage("user", "a")])
    backend.chat([ChatMessage("user", "b")])
    first, second = (r.body for r in chat_server.requests)
    assert (first["temperature"], first["seed"]) == (0.8, 7)
    assert second["temperature"] == 0 and "seed" not in second
    with pytest.raises(ValueError, match="temprature"):
        backend.with_options(temprature=1)


def test_capable_by_default_overridable(chat_server: ChatServer) -> None:
    assert backend_for(chat_server.url).capable is True
    assert backend_for(chat_server.url, llm_capable=False).capable is False


def test_unreachable_server_fails_fast() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    backend = backend_for(url, llm_timeout=5)
    started = time.perf_counter()
    with pytest.raises(BackendUnavailableError) as exc:
        backend.chat([ChatMessage("user", "hi")])
    assert time.perf_counter() - started < 5
    assert one_line(exc) == (
        f"LLM server at {url} is unreachable: start it or set LAKELIGHT_LLM_BASE_URL"
    )
    assert isinstance(exc.value.__cause__, openai.APIConnectionError)


def test_server_error_is_backend_error_after_one_retry(chat_server: ChatServer) -> None:
    url = chat_server.status_url(500)
    with pytest.raises(BackendError) as exc:
        backend_for(url).chat([ChatMessage("user", "hi")])
    assert one_line(exc) == (
        f"LLM server at {url} failed (HTTP 500: simulated failure with 500): check the server's log"
    )
    assert len(chat_server.requests) == 2  # max_retries=1


def test_timeout_is_backend_error(chat_server: ChatServer) -> None:
    url = chat_server.slow_url(3)
    backend = backend_for(url, llm_timeout=0.3)
    started = time.perf_counter()
    with pytest.raises(BackendError) as exc:
        backend.chat([ChatMessage("user", "hi")])
    assert time.perf_counter() - started < 3
    assert one_line(exc) == (
        f"LLM server at {url} did not answer within 0.3 s: raise LAKELIGHT_LLM_TIMEOUT or check "
        "the server"
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "rejected the API key (HTTP 401): set LAKELIGHT_LLM_API_KEY"),
        (403, "refused access (HTTP 403): check LAKELIGHT_LLM_API_KEY"),
        (404, f"has no /chat/completions for model '{MODEL}' (HTTP 404)"),
        (400, "rejected the request (HTTP 400: simulated failure with 400)"),
        (422, "rejected the request (HTTP 422: simulated failure with 422)"),
    ],
)
def test_client_errors_are_named(chat_server: ChatServer, status: int, expected: str) -> None:
    url = chat_server.status_url(status)
    with pytest.raises(BackendError) as exc:
        backend_for(url, llm_api_key="sk-secret-xyz").chat([ChatMessage("user", "hi")])
    message = one_line(exc)
    assert message.startswith(f"LLM server at {url} {expected}")
    assert "sk-secret-xyz" not in message
    assert not isinstance(exc.value, BackendUnavailableError)
    assert len(chat_server.requests) == 1  # client errors are not retried


def test_malformed_answer_is_backend_error(chat_server: ChatServer) -> None:
    backend = backend_for(chat_server.garbage_url)
    expected = (
        f"LLM server at {chat_server.garbage_url} sent an answer that is not OpenAI-compatible"
    )
    with pytest.raises(BackendError) as exc:
        backend.chat([ChatMessage("user", "hi")])
    assert one_line(exc).startswith(expected)
    with pytest.raises(BackendError) as exc:
        backend.complete("hi")
    assert one_line(exc).startswith(expected)


def test_completions_error_names_endpoint(chat_server: ChatServer) -> None:
    with pytest.raises(BackendError, match="has no /completions for model"):
        backend_for(chat_server.status_url(404)).complete("x")


def test_credentials_in_url_are_not_shown() -> None:
    port = free_port()
    backend = backend_for(f"http://alice:hunter2@127.0.0.1:{port}/v1?key=k9")
    with pytest.raises(BackendUnavailableError) as exc:
        backend.chat([ChatMessage("user", "hi")])
    message = one_line(exc)
    assert f"http://127.0.0.1:{port}/v1 " in message
    assert "hunter2" not in message and "k9" not in message
    assert shown_url("http://[::1]:8000/v1") == "http://[::1]:8000/v1"


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="LAKELIGHT_LLM_BASE_URL"):
        get_backend(Settings(llm_backend="openai", llm_model=MODEL))
    with pytest.raises(ConfigError, match="LAKELIGHT_LLM_MODEL"):
        get_backend(Settings(llm_backend="openai", llm_base_url="http://127.0.0.1:8000/v1"))
    with pytest.raises(ConfigError, match="http"):
        backend_for("127.0.0.1:8000/v1")


def test_settings_from_environment_hide_the_key(
    chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKELIGHT_LLM_BACKEND", "vllm")  # an alias of openai
    monkeypatch.setenv("LAKELIGHT_LLM_BASE_URL", chat_server.url)
    monkeypatch.setenv("LAKELIGHT_LLM_MODEL", MODEL)
    monkeypatch.setenv("LAKELIGHT_LLM_API_KEY", "sk-env-456")
    settings = Settings()
    assert "sk-env-456" not in repr(settings) and "sk-env-456" not in str(settings)
    backend = get_backend(settings)
    assert isinstance(backend, OpenAICompatBackend)
    backend.chat([ChatMessage("user", "hi")])
    assert chat_server.requests[0].headers["authorization"] == "Bearer sk-env-456"


def test_every_openai_error_is_translated() -> None:
    def subclasses(cls: type[BaseException]) -> set[type[BaseException]]:
        found = set(cls.__subclasses__())
        for sub in list(found):
            found |= subclasses(sub)
        return found

    for error in {openai.OpenAIError} | subclasses(openai.OpenAIError):
        rule = rule_for(error)
        assert rule is not None and issubclass(rule[0], BackendError), error
    unavailable = [
        openai.APITimeoutError,
        openai.APIConnectionError,
        openai.InternalServerError,
        openai.RateLimitError,
    ]
    for error in unavailable:
        assert rule_for(error)[0] is BackendUnavailableError, error  # type: ignore[index]
    for error in [openai.AuthenticationError, openai.NotFoundError, openai.BadRequestError]:
        assert rule_for(error)[0] is BackendError, error  # type: ignore[index]
