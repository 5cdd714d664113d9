"""Shared fixtures: paths of the repository's reference and demo data."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """Return the repository root (tests run against the installed package, data from here)."""
    return ROOT


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Return ``data/reference`` of the repository."""
    return ROOT / "data" / "reference"
