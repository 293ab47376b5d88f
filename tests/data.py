"""Where the real data sets of DATA.md are found once `make data` has fetched them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make data` first")
    return path


def fail2ban_logs() -> Path:
    return _need(DATA / "fail2ban" / "logs")


def chinook_json() -> Path:
    return _need(DATA / "chinook" / "initial_data.json")


def presidio_identities() -> Path:
    """presidio-evaluator's 3,000 FakeNameGenerator identities (CSV)."""
    return _need(DATA / "presidio" / "FakeNameGenerator.com_3000.csv")


def presidio_templates() -> Path:
    """presidio-evaluator's sentence templates with ``{{placeholder}}`` slots."""
    return _need(DATA / "presidio" / "templates.txt")


def superstore_csv() -> Path:
    spec = importlib.util.find_spec("bokeh_sampledata")
    assert spec and spec.submodule_search_locations
    return _need(
        Path(next(iter(spec.submodule_search_locations))) / "_data" / "SampleSuperstore.csv.gz"
    )


def movies_db() -> Path:
    spec = importlib.util.find_spec("bokeh_sampledata")
    assert spec and spec.submodule_search_locations
    return _need(Path(next(iter(spec.submodule_search_locations))) / "_data" / "movies.db")


def airports_csv() -> Path:
    """OpenFlights' 514 US airports (AirportID, Name, City, IATA, ICAO, …), from bokeh."""
    spec = importlib.util.find_spec("bokeh_sampledata")
    assert spec and spec.submodule_search_locations
    return _need(Path(next(iter(spec.submodule_search_locations))) / "_data" / "airports.csv")


def islp_csv(name: str) -> Path:
    """An ISLP data set as CSV, e.g. ``islp_csv("Default")``."""
    return _need(DATA / "islp" / f"{name}.csv")


def tpch_csv(name: str) -> Path:
    """A TPC-H table at scale factor 0.01 as tpchgen-cli writes it, e.g. ``tpch_csv("part")``."""
    return _need(DATA / "tpch" / f"{name}.csv")


def lahman_csv(name: str) -> Path:
    """A Lahman baseball table (baseballdatabank 2021.2), e.g. ``lahman_csv("Teams")``."""
    return _need(DATA / "lahman" / f"{name}.csv")
