"""Each validation rule on a small data-entry workbook built in the test."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from distretti_survey.ingest import read_wave
from distretti_survey.instrument import load_instrument
from distretti_survey.templates import build_district_workbook
from distretti_survey.xlsx_io import workbook_bytes

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE = ROOT / "data" / "raw" / "demo" / "2011" / "questionnaire.xlsx"


class FakeRegistry:
    """Only what read_wave asks of a registry: the districts of a wave."""

    def districts(self, wave: int) -> pd.DataFrame:
        ids = [f"D{i:02d}" for i in range(1, 19)]
        return pd.DataFrame({"district_id": ids, "district_name": [f"Distretto {i}" for i in ids]})


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(QUESTIONNAIRE)


def _rows(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value}


def filled(instrument, district="D01"):
    """Return a workbook with every required answer given, in the form a data-entry clerk types."""
    wb = build_district_workbook(instrument, district, "Distretto di prova")
    answers = {
        "Profilo": {
            "interview_date": dt.datetime(2011, 6, 1),
            "referent_role": "Sindaco",
            "quote_district_ok": "Sì",
            "referent_name": "Referente Sintetico 01",
        },
        "Formazione": {
            "training_awareness": "Medio",
            "training_participation": "Non so",
            "training_topics/marketing_digitale": "sì",
            "training_needs_text": "Servono corsi brevi.",
        },
        "Governance": {
            name: "Molto d'accordo"
            for name in (
                "gov_comuni",
                "gov_associazioni",
                "gov_camera",
                "gov_regione",
                "gov_manager",
            )
        }
        | {"gov_problems/decisioni_lente": "sì", "gov_problems_text": "Decisioni lente."},
    }
    for sheet, values in answers.items():
        rows = _rows(wb[sheet])
        for code, value in values.items():
            wb[sheet].cell(rows[code], 3).value = value
    ws = wb["Interventi"]
    for col, value in enumerate(
        [
            "Arredo urbano e riqualificazione",
            "Panchine",
            "In corso",
            100000,
            40000,
            dt.datetime(2012, 6, 30),
        ],
        start=1,
    ):
        ws.cell(3, col).value = value
    return wb


def run(tmp_path, instrument, *books, registry=None):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for i, wb in enumerate(books, start=1):
        data = wb if isinstance(wb, bytes) else workbook_bytes(wb)
        (folder / f"file{i}.xlsx").write_bytes(data)
    return read_wave(folder, instrument, registry or FakeRegistry())


def only(result, **fields):
    found = [f for f in result.findings if all(getattr(f, k) == v for k, v in fields.items())]
    assert len(found) == 1, [f.one_line() for f in result.findings]
    return found[0]


def test_clean_workbook_has_no_findings_and_fills_every_table(tmp_path, instrument):
    result = run(tmp_path, instrument, filled(instrument))
    assert list(result.findings) == []
    data = result.data
    assert data.interviews.loc[0, "referent_role"] == "sindaco"
    assert data.interventions.loc[0, ["area", "status", "budget_planned"]].tolist() == [
        "arredo_urbano",
        "in_corso",
        100000.0,
    ]
    likert = data.likert.set_index("item")
    assert likert.loc["training_awareness", "score"] == 3.0  # "Medio" is point 3 of 5
    assert pd.isna(likert.loc["training_participation", "score"])  # "Non so" is not scored
    assert set(data.multi["option"]) == {"marketing_digitale", "decisioni_lente"}
    assert "referent_name" not in data.interviews and "referent_name" in data.contacts
    assert data.interventions["status"].cat.ordered


def test_status_in_capitals_is_resolved_with_a_warning(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["C3"] = "IN CORSO"
    result = run(tmp_path, instrument, wb)
    f = only(result, cell="C3")
    assert (f.severity, f.question, f.value) == ("warning", "status", "IN CORSO")
    assert "In corso" in f.message
    assert result.data.interventions.loc[0, "status"] == "in_corso"


@pytest.mark.parametrize(
    ("sheet", "question", "typed", "code", "label"),
    [
        ("Profilo", "referent_role", "  assessore   al COMMERCIO ", "assessore_commercio",
         "Assessore al commercio"),
        ("Governance", "gov_comuni", "MOLTO D\u2019ACCORDO", "molto", "Molto d'accordo"),
        ("Formazione", "training_awareness", "medio.", "medio", "Medio"),
    ],
)  # fmt: skip
def test_dropdown_label_typed_with_other_case_or_spacing_is_a_warning(
    tmp_path, instrument, sheet, question, typed, code, label
):
    wb = filled(instrument)
    ws = wb[sheet]
    ws.cell(_rows(ws)[question], 3).value = typed
    result = run(tmp_path, instrument, wb)
    f = only(result, question=question)
    assert (f.severity, f.sheet, f.cell, f.value) == (
        "warning",
        sheet,
        f"C{_rows(ws)[question]}",
        typed,
    )
    assert f"«{label}» ({code})" in f.message
    table = result.data.likert.set_index("item")["value"] if sheet != "Profilo" else None
    got = table[question] if table is not None else result.data.interviews.loc[0, question]
    assert got == code


def test_unknown_value_is_an_error_with_suggestion(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["C3"] = "Completat"
    f = only(run(tmp_path, instrument, wb), cell="C3")
    assert f.severity == "error" and "Completato" in f.suggestion


def test_italian_number_text_is_read_with_a_warning(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["D3"] = "€ 12.500,00"
    result = run(tmp_path, instrument, wb)
    assert only(result, cell="D3").severity == "warning"
    assert result.data.interventions.loc[0, "budget_planned"] == 12500.0


def test_text_date_is_a_warning_and_bad_date_an_error(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["F3"] = "dic 2012"
    rows = _rows(wb["Profilo"])
    wb["Profilo"].cell(rows["interview_date"], 3).value = "31/02/2011"
    result = run(tmp_path, instrument, wb)
    assert only(result, cell="F3").severity == "warning"
    assert only(result, question="interview_date").severity == "error"
    assert result.data.interventions.loc[0, "end_planned"] == pd.Timestamp(2012, 12, 1)


def test_required_missing_is_a_warning(tmp_path, instrument):
    wb = filled(instrument)
    wb["Profilo"].cell(_rows(wb["Profilo"])["referent_role"], 3).value = None
    f = only(run(tmp_path, instrument, wb), question="referent_role")
    assert f.severity == "warning" and "obbligatoria" in f.message


def test_constraint_and_spent_over_planned(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["D3"] = -5
    wb["Interventi"]["C4"], wb["Interventi"]["D4"], wb["Interventi"]["E4"] = "In corso", 10, 20
    result = run(tmp_path, instrument, wb)
    assert only(result, cell="D3").severity == "error"
    assert only(result, cell="E4").severity == "warning"


def test_answer_where_not_relevant_is_a_warning(tmp_path, instrument):
    wb = filled(instrument)
    ws = wb["Governance"]
    rows = _rows(ws)
    # gov_problems_text is asked only when "nessuno" (no problem) is not ticked.
    ws.cell(rows["gov_problems/nessuno"], 3, "sì")
    ws.cell(rows["gov_problems_text"], 3, "Nessun problema particolare.")
    f = only(run(tmp_path, instrument, wb), cell=f"C{rows['gov_problems_text']}")
    assert f.severity == "warning" and "non si applica" in f.message


def test_district_not_in_registry_is_rejected(tmp_path, instrument):
    result = run(tmp_path, instrument, filled(instrument, "D42"))
    assert only(result, question="district_id").severity == "error"
    assert result.accounting.read == 1 and len(result.accounting.rejected) == 1
    assert result.data.interviews.empty


def test_duplicates_are_both_rejected(tmp_path, instrument):
    result = run(
        tmp_path, instrument, filled(instrument), filled(instrument), filled(instrument, "D02")
    )
    dupes = [f for f in result.findings if "duplicata" in f.message]
    assert {f.file for f in dupes} == {"file1.xlsx", "file2.xlsx"}
    assert result.accounting.accepted == ("2011_D02",)
    assert len(result.accounting.rejected) == 2


def test_version_mismatch_is_a_warning(tmp_path, instrument):
    wb = filled(instrument)
    ws = wb["_meta"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "version")
    ws.cell(row, 2).value = "2010.9"
    f = only(run(tmp_path, instrument, wb), question="version")
    assert f.severity == "warning" and f.value == "2010.9"


def test_renamed_hidden_and_merged_sheets_are_reported(tmp_path, instrument):
    wb = filled(instrument)
    wb["Governance"].title = "governance "
    wb["Formazione"].sheet_state = "hidden"
    wb["Interventi"].merge_cells("B3:B4")
    result = run(tmp_path, instrument, wb)
    assert only(result, sheet="governance ").severity == "warning"
    assert only(result, sheet="Formazione").severity == "warning"
    assert only(result, cell="B3:B4").severity == "warning"
    assert result.data.likert["item"].str.startswith("gov_").sum() == 5  # renamed sheet still read


def _with_cache(data: bytes, formula: str, value: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            body = re.sub(
                rb"<f>" + re.escape(formula.encode()) + rb"</f><v\s*/?>(</v>)?",
                b"<f>" + formula.encode() + b"</f><v>" + value.encode() + b"</v>",
                body,
            )
            dst.writestr(info, body)
    return out.getvalue()


def test_formula_with_and_without_cached_value(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["D3"] = "=1000+500"
    wb["Interventi"]["C4"], wb["Interventi"]["D4"] = "In corso", "=2*3"
    result = run(tmp_path, instrument, _with_cache(workbook_bytes(wb), "1000+500", "1500"))
    cached, missing = only(result, cell="D3"), only(result, cell="D4")
    assert "valore calcolato" in cached.message and "senza" in missing.message
    assert result.data.interventions["budget_planned"].tolist()[0] == 1500.0
    assert pd.isna(result.data.interventions["budget_planned"].tolist()[1])


def test_blank_rows_are_ignored_and_stray_space_in_district(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["A10"] = "Fiere e mercati"  # after blank rows 4-9
    wb["Interventi"]["C10"] = "Completato"
    wb["Interventi"]["B20"] = "   "  # whitespace only: blank
    rows = _rows(wb["Profilo"])
    wb["Profilo"].cell(rows["district_id"], 3).value = " d01 "
    result = run(tmp_path, instrument, wb)
    assert len(result.data.interventions) == 2
    assert only(result, question="district_id").severity == "warning"
    assert result.data.interviews["district_id"].tolist() == ["D01"]


def test_not_a_workbook_and_password_are_findings(tmp_path, instrument):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)  # what an encrypted xlsx starts with
    result = run(tmp_path, instrument, b"not a workbook", ole, filled(instrument))
    errors = {f.file: f.message for f in result.findings if f.severity == "error"}
    assert set(errors) == {"file1.xlsx", "file2.xlsx"} and "password" in errors["file2.xlsx"]
    assert len(result.accounting.files_failed) == 2 and result.accounting.accepted == ("2011_D01",)


def test_unfilled_district_workbook_is_listed_not_read(tmp_path, instrument):
    empty = build_district_workbook(instrument, "D03", "Distretto di prova")
    result = run(tmp_path, instrument, empty, filled(instrument, "D02"))
    acc = result.accounting
    assert acc.accepted == ("2011_D02",) and acc.read == 1 and acc.balanced
    assert [(b.file, b.sheet, b.row, b.district_id) for b in acc.blank_rows] == [
        ("file1.xlsx", "", None, "D03")
    ]
    assert list(result.findings) == []  # no "missing answer" warnings for a blank form
