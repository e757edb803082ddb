"""The fuzz tests run the quick profile unless YOUTHVOICE_STRESS=full (tests/fuzz/profiles.py)."""

from __future__ import annotations

import pytest

from tests.fuzz.profiles import PROFILE


def pytest_report_header(config: pytest.Config) -> str:
    return f"youthvoice fuzz profile: {PROFILE}"
