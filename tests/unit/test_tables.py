"""Formatted xlsx tables: layout, number formats, formula-safe text, byte-stable rewrite."""

from __future__ import annotations

import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from distretti_survey.outputs.tables import (
    HEADER_ROW,
    MARK_ROW,
    NOTE_ROW,
    SYNTHETIC_MARK,
    TITLE_ROW,
    Table,
    cell_value,
    write_tables_xlsx,
)


def _table(name: str = "Interventi") -> Table:
    frame = pd.DataFrame(
        {
            "area": ["Arredo urbano", "Promozione ed eventi", "=SUM(A1)"],
            "quota": [0.25, 0.5, np.nan],
            "budget": [1200.0, 35000.5, 0.0],
            "n": np.array([3, 6, 1], dtype=np.int64),
        }
    )
    return Table(
        name=name,
        title="Interventi per area",
        frame=frame,
        note="Base: 10 interventi in 3 distretti.",
        number_formats={"quota": "0.0%", "budget": '#,##0 "€"'},
    )


def test_layout_title_note_mark_header(tmp_path):
    path = write_tables_xlsx([_table()], tmp_path / "t.xlsx", synthetic=True)
    ws = openpyxl.load_workbook(path)["Interventi"]
    assert ws.cell(TITLE_ROW, 1).value == "Interventi per area"
    assert ws.cell(NOTE_ROW, 1).value == "Base: 10 interventi in 3 distretti."
    assert ws.cell(MARK_ROW, 1).value == SYNTHETIC_MARK == "DATI DIMOSTRATIVI - dati sintetici"
    assert [c.value for c in ws[HEADER_ROW]] == ["area", "quota", "budget", "n"]
    assert all(c.font.bold for c in ws[HEADER_ROW])
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"


def test_no_mark_when_not_synthetic(tmp_path):
    path = write_tables_xlsx([_table()], tmp_path / "t.xlsx", synthetic=False)
    ws = openpyxl.load_workbook(path)["Interventi"]
    assert ws.cell(MARK_ROW, 1).value is None
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("DIMOSTRATIVI" in str(v) for v in values)


def test_numbers_stay_numeric_with_formats(tmp_path):
    path = write_tables_xlsx([_table()], tmp_path / "t.xlsx", synthetic=False)
    ws = openpyxl.load_workbook(path)["Interventi"]
    first = HEADER_ROW + 1
    quota, budget, n = ws.cell(first, 2), ws.cell(first + 1, 3), ws.cell(first, 4)
    assert (quota.value, quota.data_type, quota.number_format) == (0.25, "n", "0.0%")
    assert (budget.value, budget.data_type, budget.number_format) == (35000.5, "n", '#,##0 "€"')
    assert (n.value, n.data_type) == (3, "n")
    assert ws.cell(first + 2, 2).value is None  # NaN -> empty cell


def test_formula_like_text_stays_text(tmp_path):
    texts = ["=SUM(A1)", "@cmd", "-5 negozi", "+39 0382 1234"]
    table = Table("Testi", "Risposte aperte", pd.DataFrame({"testo": texts}))
    path = write_tables_xlsx([table], tmp_path / "t.xlsx", synthetic=False)
    ws = openpyxl.load_workbook(path)["Testi"]
    cells = [ws.cell(HEADER_ROW + 1 + i, 1) for i in range(len(texts))]
    assert [c.value for c in cells] == texts
    assert [c.data_type for c in cells] == ["s"] * len(texts)
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_title_and_header_are_formula_safe(tmp_path):
    frame = pd.DataFrame({"=colonna": [1]})
    path = write_tables_xlsx([Table("T", "=titolo", frame)], tmp_path / "t.xlsx", synthetic=False)
    ws = openpyxl.load_workbook(path)["T"]
    assert (ws.cell(TITLE_ROW, 1).value, ws.cell(TITLE_ROW, 1).data_type) == ("=titolo", "s")
    assert (ws.cell(HEADER_ROW, 1).value, ws.cell(HEADER_ROW, 1).data_type) == ("=colonna", "s")


def test_byte_identical_on_rewrite(tmp_path):
    first = write_tables_xlsx([_table(), _table("Altro")], tmp_path / "a.xlsx", synthetic=True)
    second = write_tables_xlsx([_table(), _table("Altro")], tmp_path / "b.xlsx", synthetic=True)
    assert first.read_bytes() == second.read_bytes()


def test_column_widths_fit_content(tmp_path):
    frame = pd.DataFrame({"a": ["x"], "b": ["y" * 30], "c": ["z" * 500]})
    path = write_tables_xlsx([Table("W", "Larghezze", frame)], tmp_path / "w.xlsx", synthetic=False)
    widths = openpyxl.load_workbook(path)["W"].column_dimensions
    assert widths["A"].width == 8  # minimum
    assert widths["B"].width == 32  # 30 characters + 2 of margin
    assert widths["C"].width == 60  # capped


def test_named_index_is_written_as_column(tmp_path):
    frame = pd.DataFrame({"n": [2, 5]}, index=pd.Index(["D01", "D02"], name="distretto"))
    path = write_tables_xlsx(
        [Table("I", "Per distretto", frame)], tmp_path / "i.xlsx", synthetic=False
    )
    ws = openpyxl.load_workbook(path)["I"]
    assert [c.value for c in ws[HEADER_ROW]] == ["distretto", "n"]
    assert [c.value for c in ws[HEADER_ROW + 1]] == ["D01", 2]


def test_sheet_names_are_checked(tmp_path):
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match="31"):
        Table("x" * 32, "Titolo", frame)
    with pytest.raises(ValueError, match="non può contenere"):
        Table("a/b", "Titolo", frame)
    with pytest.raises(ValueError, match="ripetuti"):
        write_tables_xlsx(
            [Table("Uno", "A", frame), Table("uno", "B", frame)],
            tmp_path / "d.xlsx",
            synthetic=False,
        )
    with pytest.raises(ValueError, match="Nessuna"):
        write_tables_xlsx([], tmp_path / "e.xlsx", synthetic=False)


def test_cell_value_conversions():
    assert cell_value(np.int64(4)) == 4 and type(cell_value(np.int64(4))) is int
    assert cell_value(np.float64(0.5)) == 0.5 and type(cell_value(np.float64(0.5))) is float
    assert cell_value(np.nan) is None
    assert cell_value(pd.NA) is None
    assert cell_value(pd.NaT) is None
    assert cell_value("a\x01b") == "ab"  # control characters cannot go in an xlsx
