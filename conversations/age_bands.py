"""Age bands: asked once, never a date of birth, and used to adapt wording."""

from __future__ import annotations

from typing import Literal

BANDS: tuple[str, ...] = ("under_13", "13_15", "16_17", "18_25")
LABELS: dict[str, str] = {
    "under_13": "Under 13",
    "13_15": "13 to 15",
    "16_17": "16 or 17",
    "18_25": "18 to 25",
}
# The product is for 8 to 25 year olds, so "under 13" means 8 to 12 here.
RANGES: dict[str, tuple[int, int]] = {
    "under_13": (8, 12),
    "13_15": (13, 15),
    "16_17": (16, 17),
    "18_25": (18, 25),
}

Eligibility = Literal["yes", "no", "check"]


def band_for_age(age: int) -> str | None:
    """The band for an age someone typed; None above 25."""
    if age < 13:
        return "under_13"
    for band, (low, high) in RANGES.items():
        if low <= age <= high:
            return band
    return None


def eligibility(band: str, ages_min: int, ages_max: int) -> Eligibility:
    """Whether a band fits a survey's age range: wholly (yes), not at all (no), or partly
    (check: ask a yes/no question such as "Are you 11 or older?")."""
    low, high = RANGES[band]
    if low >= ages_min and high <= ages_max:
        return "yes"
    if high < ages_min or low > ages_max:
        return "no"
    return "check"


def is_under_13(band: str | None) -> bool:
    return band == "under_13"
