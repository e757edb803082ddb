"""Hypothesis settings for the fuzz tests: quick in the normal suite, thousands of examples
with YOUTHVOICE_STRESS=full (see docs/stress.md).

Only these tests use them (other tests keep hypothesis's defaults). Quick runs are
derandomized, so CI is repeatable, and no example database is written into the repo.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FULL = os.environ.get("YOUTHVOICE_STRESS", "").strip().lower() == "full"
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

settings.register_profile(
    "youthvoice-fuzz-quick",
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)
settings.register_profile(
    "youthvoice-fuzz-full",
    max_examples=5000,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)
PROFILE = "youthvoice-fuzz-full" if FULL else "youthvoice-fuzz-quick"
FUZZ = settings.get_profile(PROFILE)


def scaled(quick: int, full: int) -> settings:
    """FUZZ with its own number of examples, for the slower tests."""
    return settings(FUZZ, max_examples=full if FULL else quick)
