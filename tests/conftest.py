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


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory) -> Path:
    """Return a throwaway copy of the project's data (reference + demo waves), outside the repo.

    Commands find the registry, ``data/interim`` and ``reports`` from the wave folder upwards:
    in this copy they never see outputs of an earlier ``make report`` in the repository.
    """
    import shutil

    project = tmp_path_factory.mktemp("progetto")
    shutil.copytree(ROOT / "data" / "reference", project / "data" / "reference")
    shutil.copytree(ROOT / "data" / "raw" / "demo", project / "data" / "raw" / "demo")
    return project
