"""Workbooks opened and saved by LibreOffice Calc (xlsx and ods): every answer read the same.

The fixtures in ``tests/data/libreoffice/`` are LibreOffice's own output for two demo district
workbooks (``tools/make_libreoffice_fixtures.py``): shared strings instead of inline ones,
LibreOffice's styles, and an ods. The tidy tables must equal those of the workbooks before
the round trip, and the interventions are checked against the saved file read with openpyxl.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from distretti_survey.ingest import read_wave
from distretti_survey.instrument import load_instrument
from distretti_survey.registry import load_registry

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "raw" / "demo" / "2011"
SAVED = ROOT / "tests" / "data" / "libreoffice"
DISTRICTS = ("D01_2011", "D03_2011")
TABLES = ("interviews", "interventions", "multi", "likert", "open_answers", "contacts")


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(DEMO / "questionnaire.xlsx")


@pytest.fixture(scope="module")
def original(instrument, tmp_path_factory):
    folder = tmp_path_factory.mktemp("original")
    for district in DISTRICTS:
        shutil.copyfile(DEMO / "interviews" / f"{district}.xlsx", folder / f"{district}.xlsx")
    return read_wave(folder, instrument, load_registry())


def _read(fmt: str, instrument, folder: Path):
    for district in DISTRICTS:
        shutil.copyfile(SAVED / f"{district}.{fmt}", folder / f"{district}.{fmt}")
    return read_wave(folder, instrument, load_registry())


def _amount(value: object) -> float:
    """Read an amount as the interviewer meant it: D03 typed "€ 12.500,00" as text."""
    if isinstance(value, str):
        return float(value.replace("€", "").strip().replace(".", "").replace(",", "."))
    return float(value)


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_libreoffice_save_changes_no_answer(fmt, instrument, original, tmp_path):
    saved = _read(fmt, instrument, tmp_path)
    assert saved.accounting.balanced and len(saved.accounting.accepted) == len(DISTRICTS)
    for table in TABLES:
        before = getattr(original.data, table).drop(columns="source_file", errors="ignore")
        after = getattr(saved.data, table).drop(columns="source_file", errors="ignore")
        pd.testing.assert_frame_equal(before, after, check_dtype=False, obj=table)
    # the same findings, file names aside (D03's amount typed as text is still text)
    assert [(f.sheet, f.cell, f.message) for f in saved.findings] == [
        (f.sheet, f.cell, f.message) for f in original.findings
    ]
    assert any("come testo" in f.message for f in saved.findings)


def test_interventions_match_the_saved_workbook(instrument, tmp_path):
    saved = _read("xlsx", instrument, tmp_path).data.interventions
    for district in DISTRICTS:
        book = load_workbook(SAVED / f"{district}.xlsx", read_only=True)
        rows = list(book["Interventi"].iter_rows(values_only=True))
        book.close()  # read-only mode keeps the file open until closed
        names = rows[1]  # the hidden row of question names
        typed = [dict(zip(names, r, strict=False)) for r in rows[2:] if any(r)]
        ours = saved[saved["district_id"] == district.split("_")[0]]
        assert list(ours["description"]) == [t["description"] for t in typed]
        planned = [_amount(t["budget_planned"]) for t in typed]
        assert list(ours["budget_planned"]) == pytest.approx(planned)
