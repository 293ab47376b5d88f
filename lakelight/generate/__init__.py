"""Synthetic records like retrieved example rows: a column planner, a statistical sampler,
few-shot LLM text, validators and a quality report.

    run, _ = generate(synthesizer, SynthRequest("default", 5000, ["default=Yes"]), out=path)

``Workspace.synth`` builds the synthesizer and calls ``generate``. Names are imported on
first use: the models pull in pandas, SciPy and scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakelight.generate.job import generate
    from lakelight.generate.quality import quality_report
    from lakelight.generate.report_html import render_html
    from lakelight.generate.synthesize import Synthesizer, SynthRequest, SynthRun

__all__ = ["SynthRequest", "SynthRun", "Synthesizer", "generate", "quality_report", "render_html"]

_LAZY = {
    "SynthRequest": "synthesize",
    "SynthRun": "synthesize",
    "Synthesizer": "synthesize",
    "generate": "job",
    "quality_report": "quality",
    "render_html": "report_html",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
