"""One catalog of real tables (ISLP Default, Superstore, Chinook) built without embeddings,
and a Synthesizer over it with the real PII detector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lakelight.config import Settings, load_settings
from lakelight.generate.synthesize import Synthesizer
from lakelight.guard.pii import PiiDetector
from lakelight.guard.synthetic import PiiScreen
from lakelight.index.catalog import Catalog
from lakelight.index.retriever import Retriever
from lakelight.llm import ChatBackend
from tests import data
from tests.chinook import load_chinook
from tests.lake import ingest


@pytest.fixture(scope="session")
def synth_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    home = tmp_path_factory.mktemp("synth-lake")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
    ingest(catalog, str(data.islp_csv("Default")), home)
    ingest(catalog, str(data.superstore_csv()), home)
    chinook = home / "chinook.db"
    load_chinook(f"sqlite:///{chinook}")
    ingest(catalog, f"sqlite:///{chinook}", home)
    yield catalog
    catalog.close()


@pytest.fixture(scope="session")
def detector() -> PiiDetector:
    return PiiDetector()


def make_synthesizer(
    catalog: Catalog,
    detector: PiiDetector,
    settings: Settings | None = None,
    backend: ChatBackend | None = None,
) -> Synthesizer:
    def no_retriever() -> Retriever:
        raise AssertionError("these tests do not search")

    return Synthesizer(
        settings or load_settings(llm_backend="none"),
        catalog,
        no_retriever,
        lambda: backend,
        lambda: PiiScreen(detector),
    )


@pytest.fixture
def synthesizer(synth_lake: Catalog, detector: PiiDetector) -> Synthesizer:
    return make_synthesizer(synth_lake, detector)


def small_catalog(home: Path, csv_text: str, name: str = "notes") -> Catalog:
    """A catalog holding one table made from ``csv_text``."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / f"{name}.csv"
    path.write_text(csv_text, encoding="utf-8")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
    ingest(catalog, str(path), home)
    return catalog


@pytest.fixture(scope="session")
def local_llm(tmp_path_factory: pytest.TempPathFactory) -> ChatBackend:
    """The bundled SmolLM2 on CPU, loaded once for the session."""
    from lakelight.llm import get_backend

    home = tmp_path_factory.mktemp("synth-llm")
    return get_backend(Settings(home=home, llm_backend="local", llm_model_path=None))
