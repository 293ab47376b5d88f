"""Chat model backends behind one small interface, chosen by ``LAKELIGHT_LLM_BACKEND``.

``LocalBackend`` and ``OpenAICompatBackend`` are imported on first use: their modules pull in
torch/transformers and langchain-openai, which take seconds to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakelight.llm.base import ChatBackend, ChatMessage, Role
from lakelight.llm.disabled import DisabledBackend
from lakelight.llm.prompts import DATA_RULES, SYSTEM_PROMPT, format_rows
from lakelight.llm.registry import (
    BackendFactory,
    canonical_name,
    clear_cache,
    get_backend,
    known_backends,
    register,
    unregister,
)

if TYPE_CHECKING:
    from lakelight.llm.local import LocalBackend
    from lakelight.llm.openai_compat import OpenAICompatBackend

__all__ = [
    "DATA_RULES",
    "SYSTEM_PROMPT",
    "BackendFactory",
    "ChatBackend",
    "ChatMessage",
    "DisabledBackend",
    "LocalBackend",
    "OpenAICompatBackend",
    "Role",
    "canonical_name",
    "clear_cache",
    "format_rows",
    "get_backend",
    "known_backends",
    "register",
    "unregister",
]

_LAZY = {
    "LocalBackend": "lakelight.llm.local",
    "OpenAICompatBackend": "lakelight.llm.openai_compat",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
