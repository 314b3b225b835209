"""Test set-up of the mdc-steps package."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

# With --import-mode=importlib pytest does not put test directories on sys.path; the helper
# module mdc_steps_fakes (a name unique to this package) is imported from here.
sys.path.insert(0, str(Path(__file__).parent))

from mdc_steps_fakes import World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def penguins() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "species": ["Adelie", "Adelie", "Gentoo", "Chinstrap"],
            "island": ["Torgersen", "Biscoe", "Biscoe", "Dream"],
            "body_mass_g": [3750, 3800, 5000, 3500],
            "sex": ["male", "female", "female", None],
        }
    )


@pytest.fixture
def with_penguins(world: World, penguins: pl.DataFrame) -> World:
    world.add_source("palmer-penguins", penguins, version=3)
    return world
