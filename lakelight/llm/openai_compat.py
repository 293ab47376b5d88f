"""The ``openai`` backend: any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, TGI)
through ``langchain_openai.ChatOpenAI``.

Errors from the openai client are translated here, where they enter, into one-line
``BackendError`` messages that name the server and say what to do. ``max_tokens`` is sent as
the classic ``max_tokens`` field, which every such server honours (several ignore
``max_completion_tokens``, the name ChatOpenAI would use).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from lakelight.config import Settings
from lakelight.errors import BackendError, BackendUnavailableError, ConfigError
from lakelight.llm.base import ChatBackend, ChatMessage, check_messages

__all__ = ["DEFAULT_MAX_RETRIES", "OpenAICompatBackend"]

DEFAULT_MAX_RETRIES = 1  # one retry after a dropped connection or 5xx, then fail fast
_NO_KEY = "not-needed"  # local servers need no key, but the client insists on one

_UNREACHABLE = "is unreachable: start it or set LAKELIGHT_LLM_BASE_URL"
_MALFORMED = "sent an answer that is not OpenAI-compatible: {detail}"
# Most specific first: the first class the error is an instance of picks the message.
_ERROR_TABLE: tuple[tuple[type[Exception], type[BackendError], str], ...] = (
    (
        openai.APITimeoutError,
        BackendUnavailableError,
        "did not answer within {timeout:g} s: raise LAKELIGHT_LLM_TIMEOUT or check the server",
    ),
    (openai.APIConnectionError, BackendUnavailableError, _UNREACHABLE),
    (
        openai.AuthenticationError,
        BackendError,
        "rejected the API key (HTTP 401): set LAKELIGHT_LLM_API_KEY",
    ),
    (
        openai.PermissionDeniedError,
        BackendError,
        "refused access (HTTP 403): check LAKELIGHT_LLM_API_KEY",
    ),
    (
        openai.NotFoundError,
        BackendError,
        "has no {endpoint} for model {model!r} (HTTP 404): check LAKELIGHT_LLM_MODEL and "
        "LAKELIGHT_LLM_BASE_URL (it usually ends in /v1)",
    ),
    (
        openai.RateLimitError,
        BackendUnavailableError,
        "is rate-limiting requests (HTTP 429): retry later",
    ),
    (
        openai.InternalServerError,
        BackendUnavailableError,
        "failed (HTTP {status}: {detail}): check the server's log",
    ),
    (openai.APIStatusError, BackendError, "rejected the request (HTTP {status}: {detail})"),
    (openai.APIError, BackendError, _MALFORMED),
    (openai.OpenAIError, BackendError, "could not be used: {detail}"),
    (httpx.HTTPError, BackendUnavailableError, _UNREACHABLE),
    # A 200 answer that does not parse (bad JSON, no choices) surfaces as one of these.
    (ValueError, BackendError, _MALFORMED),
    (TypeError, BackendError, _MALFORMED),
    (LookupError, BackendError, _MALFORMED),
)
_TRANSLATED = tuple(source for source, _, _ in _ERROR_TABLE)


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _detail(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return _one_line(str(message))
    if isinstance(body, str) and body.strip():
        return _one_line(body)
    return _one_line(getattr(exc, "message", None) or str(exc) or type(exc).__name__)


def shown_url(url: str) -> str:
    """``url`` without credentials or query string, safe to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def rule_for(exc_type: type[BaseException]) -> tuple[type[BackendError], str] | None:
    """The (error class, message template) an exception type translates to, if any."""
    for source, target, template in _ERROR_TABLE:
        if issubclass(exc_type, source):
            return target, template
    return None


def translate_error(
    exc: Exception, *, url: str, model: str, timeout: float, endpoint: str
) -> BackendError:
    """The lakelight error for an error raised while calling the server."""
    rule = rule_for(type(exc))
    target, template = rule if rule else (BackendError, "could not be used: {detail}")
    message = template.format(
        timeout=timeout,
        model=model,
        endpoint=endpoint,
        status=getattr(exc, "status_code", "?"),
        detail=_detail(exc),
    )
    return target(f"LLM server at {shown_url(url)} {message}")


def _to_langchain(message: ChatMessage) -> BaseMessage:
    if message.role == "system":
        return SystemMessage(content=message.content)
    if message.role == "assistant":
        return AIMessage(content=message.content)
    return HumanMessage(content=message.content)


class OpenAICompatBackend(ChatBackend):
    """A model served over the OpenAI chat-completions API."""

    backend_id = "openai"
    default_capable = True

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_retries: int = DEFAULT_MAX_RETRIES,
        options: ChatBackend.Options | None = None,
        capable: bool | None = None,
    ) -> None:
        super().__init__(options=options, capable=capable)
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ConfigError(
                f"LAKELIGHT_LLM_BASE_URL must be an http(s) URL such as "
                f"http://127.0.0.1:8000/v1, not {shown_url(base_url)!r}"
            )
        self.base_url = base_url.rstrip("/")
        self.model_name = model
        self.timeout = timeout
        # URL and key are passed explicitly: OPENAI_API_KEY / OPENAI_BASE_URL are never used.
        self._client = ChatOpenAI(
            base_url=self.base_url,
            api_key=api_key or _NO_KEY,  # type: ignore[arg-type]
            model=model,
            timeout=timeout,
            max_retries=max_retries,
            temperature=0.0,
            use_responses_api=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatBackend:
        if not settings.llm_base_url:
            raise ConfigError(
                "LAKELIGHT_LLM_BACKEND=openai needs LAKELIGHT_LLM_BASE_URL, e.g. "
                "http://127.0.0.1:8000/v1 (vLLM) or http://127.0.0.1:11434/v1 (Ollama)"
            )
        if not settings.llm_model:
            raise ConfigError(
                f"LAKELIGHT_LLM_BACKEND=openai needs LAKELIGHT_LLM_MODEL: the name the server at "
                f"{shown_url(settings.llm_base_url)} serves (see its /v1/models)"
            )
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            api_key=key,
            timeout=settings.llm_timeout,
            options=cls.Options(max_tokens=settings.llm_max_tokens),
            capable=settings.llm_capable,
        )

    def _sampling(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"temperature": self.options.temperature}
        if self.options.seed is not None:
            extra["seed"] = self.options.seed
        return extra

    def _error(self, exc: Exception, endpoint: str) -> BackendError:
        return translate_error(
            exc, url=self.base_url, model=self.model_name, timeout=self.timeout, endpoint=endpoint
        )

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> str:
        check_messages(messages)
        limit = self._max_tokens(max_tokens)
        conversation = [_to_langchain(m) for m in messages]
        try:
            reply = self._client.invoke(
                conversation,
                stop=stop or None,
                extra_body={"max_tokens": limit},
                **self._sampling(),
            )
        except _TRANSLATED as exc:
            raise self._error(exc, "/chat/completions") from exc
        return reply.text

    def complete(
        self, prompt: str, *, max_tokens: int | None = None, stop: list[str] | None = None
    ) -> str:
        limit = self._max_tokens(max_tokens)
        extra = self._sampling()
        if stop:
            extra["stop"] = stop
        try:
            response = self._client.root_client.completions.create(
                model=self.model_name, prompt=prompt, max_tokens=limit, **extra
            )
            text = response.choices[0].text
        except _TRANSLATED as exc:
            raise self._error(exc, "/completions") from exc
        return str(text or "")
