"""The guard: nothing leaves lakelight without passing it. PII detection and removal, and
near-duplicate leakage checks for synthetic records.

Names are imported on first use: the detectors pull in spaCy, Faker and FAISS.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakelight.guard.columns import column_pii_types
    from lakelight.guard.finding import Finding
    from lakelight.guard.leakage import LeakageGuard, LeakageResult, dcr_to_real
    from lakelight.guard.operators import Anonymizer
    from lakelight.guard.pii import PII_TYPES, PiiDetector
    from lakelight.guard.policy import Cleaned, OutputGuard
    from lakelight.guard.scan import scan_target
    from lakelight.guard.synthetic import PiiScreen

__all__ = [
    "PII_TYPES",
    "Anonymizer",
    "Cleaned",
    "Finding",
    "LeakageGuard",
    "LeakageResult",
    "OutputGuard",
    "PiiDetector",
    "PiiScreen",
    "column_pii_types",
    "dcr_to_real",
    "scan_target",
]

_LAZY = {
    "PII_TYPES": "pii",
    "Anonymizer": "operators",
    "Cleaned": "policy",
    "Finding": "finding",
    "LeakageGuard": "leakage",
    "LeakageResult": "leakage",
    "OutputGuard": "policy",
    "PiiDetector": "pii",
    "PiiScreen": "synthetic",
    "column_pii_types": "columns",
    "dcr_to_real": "leakage",
    "scan_target": "scan",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
