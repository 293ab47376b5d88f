"""Each package's public names: sorted, importable, and what its modules really define."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["lakelight.generate", "lakelight.guard"])
def test_public_names_resolve(package: str) -> None:
    module = importlib.import_module(package)
    names = module.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n))
    for name in names:
        assert getattr(module, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        module.nope  # noqa: B018
