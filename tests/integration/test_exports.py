"""KoboToolbox and ODK Central exports as they come: every interview and repeat row accounted for.

The fixtures of ``tests/data/kobo/`` were written by KoboToolbox's export library (formpack)
and, for ODK Central, following its ``briefcase.js`` (see ``tools/make_export_fixtures.py``).
Every expected count is recomputed here from the fixture files with python-calamine / csv /
zipfile, never copied from the package's output.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as pc
from openpyxl import load_workbook

from distretti_survey.ingest import read_wave
from distretti_survey.instrument import load_instrument
from distretti_survey.registry import load_registry

pytestmark = pytest.mark.integration
KOBO = Path(__file__).resolve().parents[1] / "data" / "kobo"
XLSX = [
    "kobo_xml.xlsx",
    "kobo_labels_it.xlsx",
    "kobo_labels_en_dot.xlsx",
    "kobo_xml_dot.xlsx",
    "kobo_xml.xls",
]
ALL = [*XLSX, "odk_central.zip"]
NOT_APPROVED = {"validation_status_not_approved", "Not approved", "rejected"}


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(KOBO / "questionnaire.xlsx")


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    """Return the fixture's tables as rows of text, read without the package."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            return {
                Path(m).stem: list(csv.reader(io.StringIO(zf.read(m).decode("utf-8"))))
                for m in zf.namelist()
            }
    if path.suffix == ".csv":
        text = path.read_text(encoding="utf-8")
        return {path.stem: list(csv.reader(io.StringIO(text), delimiter=";"))}
    wb = pc.CalamineWorkbook.from_path(str(path))
    return {s: wb.get_sheet_by_name(s).to_python() for s in wb.sheet_names}


PENDING = {"validation_status_on_hold", "On hold", "hasIssues"}


def _expected(path: Path) -> dict[str, object]:
    """Count submissions, not-approved and pending ones, repeat rows straight from the fixture."""
    sheets = _sheets(path)
    main_name = next(iter(sheets)) if path.suffix != ".zip" else "distretti_pv_kobo"
    main = sheets[main_name]
    header = [str(h) for h in main[0]]
    status_col = next(i for i, h in enumerate(header) if h in ("_validation_status", "ReviewState"))
    rows = [r for r in main[1:] if any(str(v).strip() for v in r)]
    repeats = {}
    for name, table in sheets.items():
        if name == main_name:
            continue
        repeat = "pagamenti" if "pagamenti" in name else "interventi"
        repeats[repeat] = len([r for r in table[1:] if any(str(v).strip() for v in r)])
    return {
        "submissions": len(rows),
        "not_approved": sum(str(r[status_col]) in NOT_APPROVED for r in rows),
        "pending": sum(str(r[status_col]) in PENDING for r in rows),
        "repeats": repeats,
    }


@pytest.mark.parametrize("name", ALL)
def test_every_submission_and_repeat_row_is_accounted_for(name, instrument, registry):
    expected = _expected(KOBO / name)
    result = read_wave(KOBO / name, instrument, registry)
    acc = result.accounting
    assert acc.balanced
    assert acc.read == expected["submissions"]
    assert len(acc.rejected) == expected["not_approved"] == 1
    assert len(acc.accepted) == expected["submissions"] - expected["not_approved"]
    assert set(result.data.interviews["interview_id"]) == set(acc.accepted)
    for repeat, count in expected["repeats"].items():
        counted = acc.repeats[repeat]
        assert counted.read == count
        assert counted.accepted == len(result.data.repeats[repeat])
        assert counted.accepted + counted.rejected_count == count
    # the not-approved submission's interventions are listed, not dropped silently
    assert acc.repeats["interventi"].rejected_count >= 1
    assert acc.to_dict()["repeat_rows_read"] == sum(expected["repeats"].values())
    # Kobo's and ODK's bookkeeping columns are known: no "unknown column" warning
    assert not [f for f in result.findings if "Colonna sconosciuta" in f.message]
    assert [f.one_line() for f in result.findings.errors] == []
    # a submission still under review (Kobo on hold, ODK with issues) is read, with a warning
    pending = [f for f in result.findings if "in revisione" in f.message]
    assert len(pending) == expected["pending"] == (0 if name.endswith(".zip") else 1)


def _comparable(result) -> dict[str, pd.DataFrame]:
    data = result.data
    tables = {"interviews": data.interviews.drop(columns=["source_file"])}
    tables.update({name: table for name, table in data.repeats.items()})
    tables["multi"], tables["likert"] = data.multi, data.likert
    tables["contacts"] = data.contacts
    return tables


@pytest.mark.parametrize("name", ALL[1:])
def test_names_labels_languages_separators_and_formats_give_the_same_data(
    name, instrument, registry
):
    reference = _comparable(read_wave(KOBO / "kobo_xml.xlsx", instrument, registry))
    other = _comparable(read_wave(KOBO / name, instrument, registry))
    assert other.keys() == reference.keys()
    for table in reference:
        pd.testing.assert_frame_equal(other[table], reference[table], obj=f"{name}: {table}")


def test_repeats_keep_their_questionnaire_names_and_nesting(instrument, registry):
    data = read_wave(KOBO / "kobo_xml.xlsx", instrument, registry).data
    assert set(data.repeats) == {"interventi", "pagamenti"}
    assert data.interventions is data.repeats["interventi"]  # the first repeat of the form
    payments = data.repeats["pagamenti"]
    sheets = _sheets(KOBO / "kobo_xml.xlsx")
    header = sheets["pagamenti"][0]
    parent_col = header.index("_parent_index")
    parents = [int(r[parent_col]) for r in sheets["pagamenti"][1:]]
    # each payment hangs under an intervention row of the same interview
    assert payments["parent_row"].notna().all() and len(payments) == len(parents)
    rows = data.interventions.set_index(["interview_id", "row"]).index
    for iid, parent in zip(payments["interview_id"], payments["parent_row"], strict=True):
        assert (iid, parent) in rows


def test_machine_numbers_use_the_dot_as_decimal_mark(instrument, registry):
    sheets = _sheets(KOBO / "kobo_xml.xlsx")
    header = sheets["interventi"][0]
    col = header.index("avanzamento/interventi/budget_spent")
    written = [r[col] for r in sheets["interventi"][1:] if "." in str(r[col])]
    assert "0.125" in written  # the fixture holds a machine decimal
    data = read_wave(KOBO / "kobo_xml.xlsx", instrument, registry).data
    spent = set(data.interventions["budget_spent"].dropna())
    assert {float(v) for v in written} <= spent
    pay = sheets["pagamenti"]
    amounts = {
        float(r[pay[0].index("avanzamento/interventi/pagamenti/payment_amount")]) for r in pay[1:]
    }
    assert 1.234 in amounts and amounts == set(data.repeats["pagamenti"]["payment_amount"])


def test_not_approved_submission_is_replaced_by_its_resubmission(instrument, registry):
    result = read_wave(KOBO / "kobo_xml.xlsx", instrument, registry)
    excluded = [f for f in result.findings if f.message.startswith("Compilazione esclusa")]
    assert len(excluded) == 1 and excluded[0].district == "D03"
    assert "sostituita dalla nuova compilazione" in excluded[0].message
    assert list(result.data.interviews["district_id"]).count("D03") == 1
    assert not [f for f in result.findings if "duplicata" in f.message]


def test_csv_export_warns_that_repeats_are_missing(instrument, registry):
    expected = _expected(KOBO / "kobo_xml.csv")
    result = read_wave(KOBO / "kobo_xml.csv", instrument, registry)
    assert result.accounting.read == expected["submissions"] and result.accounting.balanced
    notes = [f for f in result.findings.warnings if f.message.startswith("Export CSV")]
    assert len(notes) == 1 and "XLSX" in notes[0].suggestion


def test_export_sheet_matching_no_repeat_is_an_error_with_its_rows(instrument, registry, tmp_path):
    path = tmp_path / "export.xlsx"
    shutil.copy(KOBO / "kobo_xml.xlsx", path)
    wb = load_workbook(path)
    extra = wb.create_sheet("appunti")
    for row in (["nota", "chi"], ["richiamare D05", "mario"], ["verificare budget", "anna"]):
        extra.append(row)
    wb.save(path)
    result = read_wave(path, instrument, registry)
    errors = [f for f in result.findings.errors if f.sheet == "appunti"]
    assert len(errors) == 1 and "righe 1-3" in errors[0].message
    assert [(r.sheet, r.rows) for r in result.accounting.rows_not_read] == [("appunti", (1, 2, 3))]


def test_repeat_row_without_its_interview_is_reported(instrument, registry, tmp_path):
    path = tmp_path / "export.xlsx"
    shutil.copy(KOBO / "kobo_xml.xlsx", path)
    wb = load_workbook(path)
    ws = wb["interventi"]
    col = [c.value for c in ws[1]].index("_parent_index") + 1
    ws.cell(row=2, column=col, value=99)
    wb.save(path)
    result = read_wave(path, instrument, registry)
    acc = result.accounting
    lost = [r for r in acc.repeats["interventi"].rejected if r.reason == "senza intervista"]
    assert [(r.sheet, r.rows) for r in lost] == [("interventi", (2,))]
    assert (
        acc.balanced
        and acc.repeats["interventi"].read
        == _expected(KOBO / "kobo_xml.xlsx")["repeats"]["interventi"]
    )
    assert any(f.sheet == "interventi" and f.cell.endswith("2") for f in result.findings.errors)


def test_outputs_hold_every_repeat_and_its_accounting(instrument, registry, tmp_path):
    import json

    from distretti_survey.ingest import write_outputs

    expected = _expected(KOBO / "kobo_xml.xlsx")
    result = read_wave(KOBO / "kobo_xml.xlsx", instrument, registry)
    written = {p.name for p in write_outputs(result, tmp_path)}
    assert {"interventions.csv", "repeat_pagamenti.csv", "accounting.json"} <= written
    payments = pd.read_csv(tmp_path / "repeat_pagamenti.csv")
    assert len(payments) == expected["repeats"]["pagamenti"]
    acc = json.loads((tmp_path / "accounting.json").read_text(encoding="utf-8"))
    for repeat, count in expected["repeats"].items():
        entry = acc["repeats"][repeat]
        assert entry["read"] == count == entry["accepted"] + entry["rejected"]
    assert acc["repeat_rows_read"] == sum(expected["repeats"].values())
    assert acc["balanced"] is True
