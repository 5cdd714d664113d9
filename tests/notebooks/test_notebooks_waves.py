"""The notebooks run on any wave by changing their parameter cell: here a new wave 2013.

The wave is made with ``create_wave`` from the 2012 demo wave (its registry rows go to a copy
of the registry, the repository's stays as it is) and filled with the 2012 demo workbooks
stamped as 2013, standing in for the field work.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_notebooks import _check_run, _execute, _images, _shown, project  # noqa: F401

from distretti_survey.new_wave import create_wave

pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.filterwarnings("ignore:Jupyter is migrating its paths:DeprecationWarning"),
]


@pytest.fixture
def wave_2013(project) -> Path:
    """A wave 2013 made by ``create_wave`` inside the test's copy of the project."""
    from openpyxl import load_workbook

    from distretti_survey.xlsx_io import stable_save

    demo = project / "data" / "raw" / "demo" / "2012"
    wave_dir = project / "data" / "raw" / "2013"
    create_wave(2013, demo, wave_dir, project / "data" / "reference" / "registry.csv")
    for path in sorted((demo / "interviews").glob("*.xlsx")):
        wb = load_workbook(path)
        for key, value in wb["_meta"].iter_rows(min_col=1, max_col=2):
            if key.value in ("wave", "version", "synthetic"):
                value.value = {"wave": 2013, "version": "2013.1", "synthetic": "no"}[key.value]
        stable_save(wb, wave_dir / "interviews" / path.name.replace("2012", "2013"))
    return wave_dir


def test_validation_notebook_on_the_new_wave(project, wave_2013, tmp_path):
    nb = _execute(
        project,
        "01_acquisizione_e_validazione.ipynb",
        {"wave_dir": str(wave_2013), "out_dir": str(tmp_path)},
    )
    _check_run(nb)
    accounting = json.loads((tmp_path / "accounting.json").read_text(encoding="utf-8"))
    assert accounting["accepted"] == 19 and accounting["balanced"]
    assert "ondata 2013" in _shown(nb)


def test_talk_notebook_on_the_new_wave(project, wave_2013, tmp_path):
    nb = _execute(
        project,
        "03_grafici_del_talk.ipynb",
        {"wave_dir": str(wave_2013), "out_dir": str(tmp_path)},
    )
    _check_run(nb)
    shown = _shown(nb)
    assert "Ondata 2013" in shown and "DATI DIMOSTRATIVI" not in shown
    assert _images(nb) == 3
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert "2013" in json.dumps(manifest)


def test_comparison_notebook_titles_follow_the_waves(project, wave_2013, tmp_path):
    nb = _execute(
        project,
        "04_confronto_tra_ondate.ipynb",
        {"wave_dirs": ["../data/raw/demo/2012", str(wave_2013)], "out_dir": str(tmp_path)},
    )
    _check_run(nb)
    shown = _shown(nb)
    assert "Confronto tra le ondate 2012 e 2013" in shown
    assert "2011" not in nb.cells[0].source  # the title cell names no fixed wave
    assert (tmp_path / "confronto.html").is_file()
