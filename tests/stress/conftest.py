"""Sizes for the stress tests: quick in the normal suite, full with YOUTHVOICE_STRESS=full.

YOUTHVOICE_STRESS_SEED=N replays a run: each test prints the seed it used."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Stress:
    full: bool
    seed: int
    people: int  # simulated young people in the crash loop
    kills: int  # SIGKILLs of serve while they talk
    feedback_kills: int  # SIGKILLs while You Said We Did is delivered
    storm_people: int  # scripted conversations replayed in the storm

    def rng(self) -> random.Random:
        return random.Random(self.seed)


@pytest.fixture
def stress() -> Stress:
    full = os.environ.get("YOUTHVOICE_STRESS", "quick").lower() == "full"
    given = os.environ.get("YOUTHVOICE_STRESS_SEED")
    seed = int(given) if given else random.randrange(2**32)
    print(f"\nstress seed {seed} (replay with YOUTHVOICE_STRESS_SEED={seed})")
    if full:
        return Stress(True, seed, people=300, kills=50, feedback_kills=5, storm_people=60)
    return Stress(False, seed, people=10, kills=4, feedback_kills=2, storm_people=8)
