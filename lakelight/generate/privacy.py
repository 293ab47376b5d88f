"""The privacy setting of a synthesis run: how far synthetic rows keep from real ones.

A level names a target: the DCR baseline protection to reach (``quality.py``: the median
distance of synthetic rows to the real ones over that of random rows) and the lowest overall
quality accepted on the way. ``low`` keeps today's fidelity; ``balanced`` (the default) aims
at protection 0.30 with quality 0.90; ``high`` at 0.45 with quality 0.85; a number from 0 to 1
is the protection to aim for, with quality 0.85.

A target is reached by levers that move generation itself (``Privacy``), picked by
measurement on real tables (README, "Synthesis" benchmark):

- ``spread``: the copula's normal scores are drawn with 1 + spread times their standard
  deviation. Every column moves together toward its own tails, so rows leave the crowded
  middle where real rows sit densest, and orders between related columns still hold;
- ``shrink``: the correlations are pulled toward zero by this share, so rows are new
  combinations of real-looking values rather than neighbours of one real row;
- ``rare``: categories held by fewer rows are merged into one group whose members are drawn
  by their frequency, independently of the other columns (k-anonymity's generalization: a
  rare value no longer points at the few rows that hold it), and smaller strata are not
  fitted alone;
- ``dcr_quantile``: the guard's near-copy threshold, a quantile of real-to-real distances,
  calibrated higher;
- ``far``: a protection to reach by the rows kept, not by the model: every candidate at least
  this share of the random rows' median distance from every real row is kept, closer ones only
  while most kept rows are far (``far.py``), so the median lies beyond it.

Tables answer the levers differently (a threshold moves a table of categories most, spread a
table of many count columns), so ``generate`` tries ``RECIPES`` from mild to strong on small
pilot runs and keeps the first that reaches the target (``choose``). Also measured and left
out: a Gaussian kernel on continuous columns (column shapes fell, DCR moved under 0.01), a
share of discrete cells drawn flat over their values (validators rejected most such rows) and
a threshold floor at a share of the random rows' distance (quality fell below 0.85 first).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lakelight.config import PRIVACY_LEVELS, privacy_value
from lakelight.errors import ConfigError

__all__ = ["LOW", "RECIPES", "Pilot", "Privacy", "Target", "choose", "privacy_of", "target_of"]

NUMBER_QUALITY = 0.85  # the lowest quality a numeric target accepts


@dataclass(frozen=True)
class Privacy:
    """The levers of one run (module docstring); the defaults are the plain model."""

    spread: float = 0.0
    shrink: float = 0.0
    rare: int = 0
    dcr_quantile: float = 0.01
    far: float = 0.0  # most rows (far.FAR_SHARE) at this share of random rows' distance

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class Target:
    name: str  # low, balanced, high, or the number as given
    protection: float  # DCR baseline protection to reach
    quality: float  # lowest overall quality accepted on the way


LOW = Privacy()
# mild to strong; measured on Default, Caravan and Superstore (README)
RECIPES = (
    Privacy(rare=20, dcr_quantile=0.25),
    Privacy(spread=0.5, shrink=0.2, rare=20),
    Privacy(shrink=0.2, rare=20, dcr_quantile=0.45),
    Privacy(spread=1.0, shrink=0.2, rare=20),
    Privacy(shrink=0.4, rare=50, dcr_quantile=0.7),
    Privacy(spread=1.5, shrink=0.4, rare=50),
    Privacy(spread=2.0, shrink=0.4, rare=50, dcr_quantile=0.45),
)
_TARGETS = {
    "low": Target("low", 0.0, 1.0),
    "balanced": Target("balanced", 0.30, 0.90),
    "high": Target("high", 0.45, 0.85),
}
_UNCALIBRATED = {"balanced": RECIPES[2], "high": RECIPES[4]}  # without pilot runs


def target_of(value: str | float) -> Target:
    """The target of a level name or a protection from 0 to 1; ConfigError otherwise."""
    try:
        number = privacy_value(value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    name = str(value).strip().casefold()
    if name in PRIVACY_LEVELS:
        return _TARGETS[name]
    if number == 0:
        return _TARGETS["low"]
    return Target(f"{number:g}", number, NUMBER_QUALITY)


def privacy_of(value: str | float | Privacy) -> Privacy:
    """The levers a run uses without calibration: given ones as they are, ``low`` none, a
    level its usual recipe (a number: ``balanced``'s up to 0.30, ``high``'s above)."""
    if isinstance(value, Privacy):
        return value
    target = target_of(value)
    if target.protection == 0:
        return LOW
    if target.name in _UNCALIBRATED:
        return _UNCALIBRATED[target.name]
    return _UNCALIBRATED["balanced" if target.protection <= 0.30 else "high"]


@dataclass(frozen=True)
class Pilot:
    """What one recipe gave on a pilot run."""

    privacy: Privacy
    quality: float | None
    protection: float | None
    downstream: float | None = None  # ROC AUC, macro-F1 or R² of the label, when given

    def meets(self, target: Target) -> bool:
        return (
            self.quality is not None
            and self.protection is not None
            and self.quality >= target.quality
            and self.protection >= target.protection
        )


def choose(target: Target, pilots: list[Pilot]) -> tuple[Pilot, bool]:
    """The pilot to keep for ``target`` (pilots mildest first, the plain model first of all),
    and whether it reaches it: the first that does; else the most protective of acceptable
    quality; else the best quality of those that reach the protection (a table the plain
    model already keeps far, but scores low by its shape alone, gains nothing from levers);
    else the best quality."""
    for pilot in pilots:
        if pilot.meets(target):
            return pilot, True
    scored = [p for p in pilots if p.quality is not None and p.protection is not None]
    if not scored:
        return pilots[0], False
    fine = [p for p in scored if (p.quality or 0.0) >= target.quality]
    if fine:
        return max(fine, key=lambda p: p.protection or 0.0), False
    far = [p for p in scored if (p.protection or 0.0) >= target.protection]
    return max(far or scored, key=lambda p: p.quality or 0.0), False
