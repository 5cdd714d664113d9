"""A messy wave of hand-filled workbooks, built here from the demo ones: nothing read is lost.

Title row above a header, columns reordered, an extra sheet, 3-decimal numbers, an invalid
e-mail, a date in the future, a table whose header was wiped. The expected totals are counted
in the test from the workbooks written, with openpyxl, not taken from the package.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from distretti_survey.ingest import read_wave
from distretti_survey.instrument import load_instrument
from distretti_survey.registry import load_registry

pytestmark = pytest.mark.integration
DEMO = Path(__file__).resolve().parents[2] / "data" / "raw" / "demo" / "2011"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(DEMO / "questionnaire.xlsx")


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _copy(folder: Path, *districts: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for d in districts:
        out[d] = folder / f"{d}_2011.xlsx"
        shutil.copy(DEMO / "interviews" / f"{d}_2011.xlsx", out[d])
    return out


def _interventions_in(path: Path) -> int:
    """Count intervention rows: rows with any value below the last header row.

    The header rows are the one with the Italian labels and the one with the names.
    """
    ws = load_workbook(path)["Interventi"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = [i for i, r in enumerate(rows) if "area" in r or "Ambito dell'intervento" in r]
    return sum(any(v not in (None, "") for v in r) for r in rows[max(header) + 1 :])


def _messy_wave(folder: Path) -> dict[str, Path]:
    files = _copy(folder, "D01", "D02", "D03", "D06", "D07", "D08", "D09")
    wb = load_workbook(files["D01"])  # a title row above the header of Interventi
    wb["Interventi"].insert_rows(1)
    wb["Interventi"]["A1"] = "Interventi del distretto - compilato il 3 ottobre"
    wb.save(files["D01"])
    wb = load_workbook(files["D02"])  # columns reordered, the hidden names row removed
    ws = wb["Interventi"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    ws.delete_rows(1, ws.max_row)
    order = [5, 3, 0, 4, 1, 2]
    for i, row in enumerate(rows):
        if i != 1:
            ws.append([row[c] if c < len(row) else None for c in order])
    wb.save(files["D02"])
    wb = load_workbook(files["D03"])  # an extra sheet with notes
    notes = wb.create_sheet("Appunti")
    for row in (["Richiamare il sindaco"], ["Budget da verificare con l'ufficio"]):
        notes.append(row)
    wb.save(files["D03"])
    wb = load_workbook(files["D06"])  # 3-decimal numbers as a program writes them
    wb["Interventi"]["D3"] = 1234.567
    wb["Interventi"]["E3"] = 0.125
    wb.save(files["D06"])
    wb = load_workbook(files["D07"])  # an invalid e-mail, a date in the future
    ws = wb["Profilo"]
    for code, value in (
        ("referent_email", "referente chiocciola esempio"),
        ("interview_date", dt.datetime(2031, 3, 1)),
    ):
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == code)
        ws.cell(row, 3).value = value
    wb.save(files["D07"])
    wb = load_workbook(files["D08"])  # the header of Interventi wiped: a table not located
    ws = wb["Interventi"]
    for r in (1, 2):
        for c in range(1, 7):
            ws.cell(r, c).value = None
    wb.save(files["D08"])
    wb = load_workbook(files["D09"])  # an answer whose code was deleted
    ws = wb["Profilo"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "referent_phone")
    ws.cell(row, 1).value = None
    wb.save(files["D09"])
    return files


def test_messy_wave_totals(tmp_path, instrument, registry):
    files = _messy_wave(tmp_path / "interviews")
    expected = {d: _interventions_in(p) for d, p in files.items() if d != "D08"}
    ws = load_workbook(files["D08"])["Interventi"]
    d08_rows = [r for r in range(1, ws.max_row + 1) if any(c.value is not None for c in ws[r])]
    result = read_wave(tmp_path, instrument, registry)
    acc = result.accounting
    assert acc.read == len(files) and acc.balanced
    assert len(acc.accepted) == len(files)  # every interview read and usable
    counted = result.data.interventions.groupby("district_id").size().to_dict()
    assert counted == expected  # the title row, the reordered columns: all interventions read
    assert acc.repeats["interventions"].read == sum(expected.values())
    # D08: the table cannot be located: an error naming the rows not read
    lost = [r for r in acc.rows_not_read if r.file.endswith("D08_2011.xlsx")]
    assert [r.rows for r in lost] == [tuple(d08_rows)]
    errors = [f for f in result.findings.errors if f.file.endswith("D08_2011.xlsx")]
    assert len(errors) == 1 and "non lette" in errors[0].message
    # D09: the answer without its code is an error naming its row, listed as not read
    ws = load_workbook(files["D09"])["Profilo"]
    phone = next(
        r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Telefono del referente"
    )
    lost = [r for r in acc.rows_not_read if r.file.endswith("D09_2011.xlsx")]
    assert [(r.sheet, r.rows) for r in lost] == [("Profilo", (phone,))]
    assert any(
        f.file.endswith("D09_2011.xlsx") and f.cell == f"A{phone}" for f in result.findings.errors
    )
    # D03: the extra sheet is reported with its rows
    extra = [f for f in result.findings if f.sheet == "Appunti"]
    assert len(extra) == 1 and "righe 1-2" in extra[0].message
    # D06: numbers in numeric cells are kept to the last decimal
    d06 = result.data.interventions[result.data.interventions["district_id"] == "D06"]
    assert d06.iloc[0]["budget_planned"] == 1234.567 and d06.iloc[0]["budget_spent"] == 0.125
    # D07: the invalid e-mail is kept where it belongs (contacts), never lost
    contacts = result.data.contacts.set_index("district_id")
    assert contacts.loc["D07", "referent_email"] == "referente chiocciola esempio"
    # D07: the date in the future is in the table or in the findings, never silently dropped
    interviews = result.data.interviews.set_index("district_id")
    dated = interviews.loc["D07", "interview_date"] == pd.Timestamp(2031, 3, 1)
    flagged = any(f.district == "D07" and f.question == "interview_date" for f in result.findings)
    assert dated or flagged


def test_title_row_above_interventi_keeps_the_interventions(tmp_path, instrument, registry):
    files = _copy(tmp_path / "interviews", "D01")
    before = _interventions_in(files["D01"])
    wb = load_workbook(files["D01"])
    wb["Interventi"].insert_rows(1, amount=2)
    wb["Interventi"]["A1"] = "DISTRETTO DUC DI PAVIA"
    wb.save(files["D01"])
    result = read_wave(tmp_path, instrument, registry)
    assert len(result.data.interventions) == before > 0
    assert [f.one_line() for f in result.findings.errors] == []
