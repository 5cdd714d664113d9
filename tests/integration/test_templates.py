"""Data-entry workbooks, byte-stable writing and formula-safe text, checked on real files."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from distretti_survey.errors import ConfigError, InputError
from distretti_survey.instrument import load_instrument
from distretti_survey.templates import build_templates, master_columns
from distretti_survey.xlsx_io import safe_text, stable_save

pytestmark = pytest.mark.integration

DISTRICTS = pd.DataFrame(
    {"district_id": ["D01", "D19"], "district_name": ["DUC di Pavia", "Santa Maria della Versa"]}
)


@pytest.fixture(scope="module")
def instrument(repo_root):
    return load_instrument(repo_root / "data" / "raw" / "demo" / "2012" / "questionnaire.xlsx")


@pytest.fixture(scope="module")
def district_book(instrument, tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    paths = build_templates(instrument, DISTRICTS, out)
    assert [p.name for p in paths] == ["D01_2012.xlsx", "D19_2012.xlsx"]
    return load_workbook(paths[1])


def _answer_rows(ws):
    return {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value}


def test_sheets_and_hidden_sheets(district_book):
    wb = district_book
    assert wb.sheetnames == [
        "Istruzioni",
        "Profilo",
        "Formazione",
        "Governance",
        "Interventi",
        "_meta",
        "_liste",
    ]
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states["_liste"] == "hidden" and states["_meta"] == "hidden"
    assert all(states[t] == "visible" for t in wb.sheetnames[:5])
    assert wb.security.lockStructure


def test_meta_and_instructions_carry_version_and_district(district_book):
    meta = {r[0]: r[1] for r in district_book["_meta"].iter_rows(values_only=True)}
    assert meta == {
        "form_id": "distretti_pv",
        "version": "2012.1",
        "wave": 2012,
        "district_id": "D19",
        "district_name": "Santa Maria della Versa",
        "synthetic": "yes",
    }
    text = "\n".join(
        str(r[0]) for r in district_book["Istruzioni"].iter_rows(values_only=True) if r[0]
    )
    assert "Versione del questionario: 2012.1" in text
    assert "Santa Maria della Versa" in text and "DATI SINTETICI" in text


def test_question_sheet_layout_labels_and_prefill(district_book):
    ws = district_book["Profilo"]
    assert [c.value for c in ws[1]] == ["codice", "domanda", "risposta", "note"]
    rows = _answer_rows(ws)
    assert ws.cell(rows["district_id"], 3).value == "D19"
    assert ws.cell(rows["district_id"], 3).protection.locked  # pre-filled, not to be changed
    assert ws.cell(rows["referent_role"], 2).value == "Ruolo del referente intervistato"
    assert "progress_difficulties" in rows  # top-level question of the avanzamento group
    gov = district_book["Governance"]
    grows = _answer_rows(gov)
    # a select_multiple: the question once on a row without code, then one row per option
    first = grows["gov_problems/coordinamento_comuni"]
    assert gov.cell(first - 1, 1).value is None
    assert gov.cell(first - 1, 2).value == (
        "Quali sono le principali criticità nella governance del distretto?"
    )
    assert "«sì»" in gov.cell(first - 1, 4).value
    assert gov.cell(grows["gov_problems/nessuno"], 2).value == "Nessuna criticità"
    assert sum(1 for code in grows if code.startswith("gov_problems/")) == 9
    form = _answer_rows(district_book["Formazione"])
    assert "training_topics/sostenibilita_ambientale" in form


def test_answer_cells_unlocked_required_marked_and_sheet_protected(district_book):
    ws = district_book["Profilo"]
    rows = _answer_rows(ws)
    assert ws.protection.sheet
    role = ws.cell(rows["referent_role"], 3)
    assert role.protection.locked is False
    assert role.fill.fgColor.rgb.endswith("FFF2CC")
    assert ws.cell(rows["referent_role"], 4).value.startswith("obbligatoria")
    assert ws.cell(rows["referent_name"], 3).protection.locked is False
    assert not ws.cell(rows["referent_name"], 3).fill.fgColor.rgb.endswith("FFF2CC")
    assert ws.cell(rows["referent_role"], 2).protection.locked  # the question text is locked
    rep = district_book["Interventi"]
    assert rep.protection.sheet
    assert rep["A3"].protection.locked is False and rep["F42"].protection.locked is False


def _validations(ws):
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def test_dropdowns_reference_liste_ranges(district_book):
    wb = district_book
    ws = wb["Profilo"]
    rows = _answer_rows(ws)
    dv = _validations(ws)[f"C{rows['referent_role']}"]
    assert dv.type == "list" and dv.formula1.startswith("'_liste'!")
    # the range holds the Italian labels of the list, in order
    target = wb["_liste"][dv.formula1.split("!")[1].replace("$", "")]
    assert [c[0].value for c in target] == [
        "Sindaco",
        "Assessore al commercio",
        "Funzionario comunale",
        "Manager di distretto",
        "Rappresentante di associazione di categoria",
        "Altro",
    ]
    for sheet in ("Profilo", "Formazione", "Governance", "Interventi"):
        lists = [d for d in wb[sheet].data_validations.dataValidation if d.type == "list"]
        assert lists and all(d.formula1.startswith("'_liste'!$") for d in lists)


def test_interventi_layout_and_number_date_validation(district_book):
    ws = district_book["Interventi"]
    assert [c.value for c in ws[1]] == [
        "Ambito dell'intervento",
        "Descrizione dell'intervento",
        "Stato di attuazione",
        "Budget previsto (euro)",
        "Spesa sostenuta finora (euro)",
        "Data di conclusione prevista",
    ]
    assert [c.value for c in ws[2]] == [
        "area",
        "description",
        "status",
        "budget_planned",
        "budget_spent",
        "end_planned",
    ]
    assert ws.row_dimensions[2].hidden
    dvs = _validations(ws)
    for col in "DE":  # the constraint ". >= 0 and . <= 10000000"
        budget = dvs[f"{col}3:{col}42"]
        assert (budget.type, budget.operator, budget.formula1, budget.formula2) == (
            "decimal",
            "between",
            "0",
            "10000000",
        )
    assert dvs["F3:F42"].type == "date"
    assert "B3:B42" not in dvs  # free text


VISIBLE = ("Istruzioni", "Profilo", "Formazione", "Governance", "Interventi")


def test_wrapped_text_gets_rows_tall_enough(district_book):
    # openpyxl does not size rows: without a height, wrapped lines overprint the rows below.
    for title in VISIBLE:
        ws = district_book[title]
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
            for cell in row:
                text = str(cell.value or "")
                width = ws.column_dimensions[cell.column_letter].width
                if ws.row_dimensions[cell.row].hidden or len(text) <= width:
                    continue
                where = f"{title}!{cell.coordinate}"
                assert cell.alignment.wrap_text, where
                # a line holds at most about `width` characters; 14 points per 11-point line
                lines = math.ceil(len(text) / width)
                size = cell.font.sz or 11
                assert ws.row_dimensions[cell.row].height >= 14 * lines * size / 11, where


def test_codes_and_dropdown_labels_fit_their_columns(district_book):
    wb = district_book
    for title in ("Profilo", "Formazione", "Governance"):
        ws = wb[title]
        longest = max(len(code) for code in _answer_rows(ws))
        assert ws.column_dimensions["A"].width >= longest, title
        for dv in ws.data_validations.dataValidation:
            if dv.type != "list":
                continue
            cells = wb["_liste"][dv.formula1.split("!")[1].replace("$", "")]
            for (choice,) in cells:
                lines = math.ceil(len(choice.value) / ws.column_dimensions["C"].width)
                for rng in dv.sqref.ranges:
                    assert ws.row_dimensions[rng.min_row].height >= 14 * lines, (title, rng)
    rep = wb["Interventi"]
    area = wb["_liste"]["A1:Z1"][0]
    lists = {c.value: c.column_letter for c in area if c.value}
    labels = [c[0].value for c in wb["_liste"][f"{lists['area']}2:{lists['area']}20"] if c[0].value]
    assert rep.column_dimensions["A"].width >= max(len(label) for label in labels)


def test_sheets_print_one_page_wide_on_a4(district_book):
    for title in VISIBLE:
        ws = district_book[title]
        setup = ws.page_setup
        assert (setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (9, 1, 0), title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, title
    for title in VISIBLE[1:]:
        ws = district_book[title]
        assert (
            ws.page_setup.orientation == "landscape"
            and ws.print_title_rows.replace("$", "") == "1:1"
        )
        assert ws.print_options.gridLines  # the answer boxes show on paper
    # LibreOffice does not shrink a one-column sheet: the column must fit a portrait A4 page
    # (8.27 in minus 1 in of margins; about 8.3 pixels at 96 dpi per unit with DejaVu Sans).
    intro = district_book["Istruzioni"]
    assert intro.page_setup.orientation == "portrait"
    margins = intro.page_margins.left + intro.page_margins.right
    assert intro.column_dimensions["A"].width * 8.3 / 96 <= 8.27 - margins


@pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="LibreOffice and poppler needed",
)
def test_libreoffice_prints_every_word(instrument, tmp_path):
    [path] = build_templates(instrument, DISTRICTS.head(1), tmp_path)
    profile = (tmp_path / "lo-profile").as_uri()  # own profile: no clash with another soffice
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = path.with_suffix(".pdf")
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == len(VISIBLE)  # each sheet one page wide and (here) one page long
    printed = set(re.findall(r"\S+", "\n".join(pages)))
    wb = load_workbook(path)
    for title in VISIBLE:
        ws = wb[title]
        for row in ws.iter_rows():
            if ws.row_dimensions[row[0].row].hidden:
                continue
            for value in (cell.value for cell in row):
                missing = [w for w in str(value or "").split() if w not in printed]
                assert not missing, (title, value, missing)


def test_master_workbook(instrument, tmp_path):
    [path] = build_templates(instrument, DISTRICTS, tmp_path, master=True)
    assert path.name == "master_2012.xlsx"
    wb = load_workbook(path)
    assert wb["_liste"].sheet_state == "hidden" and wb["_meta"].sheet_state == "hidden"
    header = [c.value for c in wb["interviste"][1]]
    assert header[0] == "district_id"
    # 26 questions - 6 in the repeat - 3 select_multiple + their 9 + 5 + 9 options
    assert len(header) == 26 - 6 - 3 + 9 + 5 + 9
    assert "training_topics/sostenibilita_ambientale" in header and "training_topics" not in header
    assert [r[0] for r in wb["interviste"].iter_rows(min_row=2, values_only=True)] == ["D01", "D19"]
    assert [c.value for c in wb["interventi"][1]] == [
        "district_id",
        "area",
        "description",
        "status",
        "budget_planned",
        "budget_spent",
        "end_planned",
    ]
    assert master_columns(instrument)[0] == header
    # master holds codes, not labels
    role_col = header.index("referent_role") + 1
    dv = next(
        d
        for d in wb["interviste"].data_validations.dataValidation
        if d.sqref.ranges and next(iter(d.sqref.ranges)).min_col == role_col
    )
    cells = wb["_liste"][dv.formula1.split("!")[1].replace("$", "")]
    assert cells[0][0].value == "sindaco"


def test_templates_are_byte_identical_on_rebuild(instrument, tmp_path):
    first = build_templates(instrument, DISTRICTS, tmp_path / "a")
    first += build_templates(instrument, DISTRICTS, tmp_path / "a", master=True)
    second = build_templates(instrument, DISTRICTS, tmp_path / "b")
    second += build_templates(instrument, DISTRICTS, tmp_path / "b", master=True)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.parametrize(
    "districts",
    [
        DISTRICTS[["district_id"]],
        pd.DataFrame({"district_id": ["D01", "D01"], "district_name": ["a", "b"]}),
    ],
)
def test_bad_district_list(instrument, tmp_path, districts):
    with pytest.raises((InputError, ConfigError)):
        build_templates(instrument, districts, tmp_path)


def test_questionnaires_rebuild_byte_identical(repo_root, tmp_path):
    tool = repo_root / "tools" / "make_questionnaires.py"
    outputs = []
    for seed, name in (("1", "a"), ("2", "b")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, str(tool), "--root", str(tmp_path / name)],
            check=True,
            env=env,
            capture_output=True,
        )
        outputs.append(
            [(tmp_path / name / w / "questionnaire.xlsx").read_bytes() for w in ("2011", "2012")]
        )
    assert outputs[0] == outputs[1]
    for wave in (2011, 2012):
        load_instrument(tmp_path / "a" / str(wave) / "questionnaire.xlsx")  # valid as written


def test_stable_save_fixes_timestamps(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "x"
    path = stable_save(wb, tmp_path / "x.xlsx")
    with zipfile.ZipFile(path) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core
    assert core.count("2000-01-01T00:00:00Z") == 2  # created and modified


def test_safe_text_keeps_formula_like_strings_as_text(tmp_path):
    values = ["=1+1", "+39 0382 123456", "-20% di affluenza", "@sindaco", "=", "ok", 3]
    wb = Workbook()
    for col, value in enumerate(values, start=1):
        wb.active.cell(1, col, safe_text(value))
    wb.active.append([safe_text(v) for v in values])
    path = stable_save(wb, tmp_path / "safe.xlsx")
    back = load_workbook(path).active
    for row in (1, 2):
        cells = back[row]
        assert [c.value for c in cells] == values
        assert [c.data_type for c in cells] == ["s"] * 6 + ["n"]
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0][:6] == values[:6]
    with zipfile.ZipFile(path) as zf:
        assert "<f>" not in zf.read("xl/worksheets/sheet1.xml").decode()
