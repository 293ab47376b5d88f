"""Backends by name. Built-ins (``local``, ``openai``, ``none``) register here exactly as
outside ones do; ``get_backend(settings)`` builds the one ``settings.llm_backend`` names, once
per process for the same LLM settings, because loading a model is slow."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from lakelight.config import Settings
from lakelight.errors import UnknownBackendError
from lakelight.llm.base import ChatBackend

__all__ = [
    "BackendFactory",
    "canonical_name",
    "clear_cache",
    "get_backend",
    "known_backends",
    "register",
    "unregister",
]

BackendFactory = Callable[[Settings], ChatBackend]

_factories: dict[str, BackendFactory] = {}
_aliases: dict[str, str] = {}  # alias -> name
_cache: dict[tuple[Any, ...], ChatBackend] = {}
_lock = threading.RLock()  # held while a backend loads, so it loads once


def _key(name: str) -> str:
    return name.strip().lower()


def register(name: str, factory: BackendFactory, aliases: Iterable[str] = ()) -> None:
    """Make ``factory(settings)`` available as ``name`` (and its aliases)."""
    key, alias_keys = _key(name), [_key(a) for a in aliases]
    if not key:
        raise ValueError("A backend name must not be empty")
    with _lock:
        for taken in [key, *alias_keys]:
            if taken in _factories or taken in _aliases:
                raise ValueError(f"LLM backend name {taken!r} is already registered")
        _factories[key] = factory
        _aliases.update(dict.fromkeys(alias_keys, key))


def unregister(name: str) -> None:
    """Remove a backend, its aliases and its cached instances."""
    key = _key(name)
    with _lock:
        if key not in _factories:
            raise ValueError(f"LLM backend {name!r} is not registered")
        del _factories[key]
        for alias in [a for a, target in _aliases.items() if target == key]:
            del _aliases[alias]
        for cached in [k for k in _cache if k[0] == key]:
            del _cache[cached]


def canonical_name(name: str) -> str:
    """The registered name an alias stands for ("smollm2" → "local"); unknown names as given."""
    key = _key(name)
    with _lock:
        return _aliases.get(key, key)


def known_backends() -> list[str]:
    """Registered backend names, sorted (aliases not included)."""
    return sorted(_factories)


def clear_cache() -> None:
    """Forget every built backend, so the next ``get_backend`` builds a new one."""
    with _lock:
        _cache.clear()


def _cache_key(name: str, settings: Settings) -> tuple[Any, ...]:
    values: list[Any] = [name, settings.home.resolve()]
    for field in sorted(type(settings).model_fields):
        if field.startswith("llm_") and field != "llm_backend":
            value = getattr(settings, field)
            values.append(value.get_secret_value() if hasattr(value, "get_secret_value") else value)
    return tuple(values)


def get_backend(settings: Settings, name: str | None = None) -> ChatBackend:
    """The backend ``name`` (default: ``settings.llm_backend``), built on first use."""
    requested = name if name is not None else settings.llm_backend
    key = _key(requested)
    with _lock:
        key = _aliases.get(key, key)
        factory = _factories.get(key)
        if factory is None:
            raise UnknownBackendError(
                f"Unknown LLM backend {requested!r}: set LAKELIGHT_LLM_BACKEND to one of "
                f"{', '.join(known_backends())}"
            )
        cache_key = _cache_key(key, settings)
        backend = _cache.get(cache_key)
        if backend is None:
            backend = _cache[cache_key] = factory(settings)
        return backend


def _local(settings: Settings) -> ChatBackend:
    from lakelight.llm.local import LocalBackend

    return LocalBackend.from_settings(settings)


def _openai(settings: Settings) -> ChatBackend:
    from lakelight.llm.openai_compat import OpenAICompatBackend

    return OpenAICompatBackend.from_settings(settings)


def _none(settings: Settings) -> ChatBackend:
    from lakelight.llm.disabled import DisabledBackend

    return DisabledBackend.from_settings(settings)


register("local", _local, aliases=("smollm2", "transformers", "gguf"))
register(
    "openai",
    _openai,
    aliases=("openai-compatible", "vllm", "ollama", "llama.cpp", "llamacpp", "tgi"),
)
register("none", _none, aliases=("off", "disabled"))
