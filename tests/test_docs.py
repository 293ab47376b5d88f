"""Every setting is documented in the README's settings table (datasette's test_docs)."""

from __future__ import annotations

from lakelight.config import Settings
from tests.data import ROOT


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"`LAKELIGHT_{n.upper()}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"
