"""Questionnaire rules applied to interviews: relevant/required, constraints, messages, cells.

The interviews are the demo data-entry workbook filled in code (``test_validate.filled``);
where a rule needs another questionnaire, the demo questionnaire is edited in the test.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from distretti_survey.findings import Finding, Findings
from distretti_survey.ingest.districts import nearest_ids
from distretti_survey.ingest.write import errors_first, write_findings
from distretti_survey.instrument import load_instrument

sys.path.insert(0, str(Path(__file__).parent))
from test_validate import QUESTIONNAIRE, _rows, filled, only, run


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(QUESTIONNAIRE)


def _set(wb, sheet: str, code: str, value) -> str:
    """Write the answer of question row ``code`` and return its cell."""
    ws = wb[sheet]
    row = _rows(ws)[code]
    ws.cell(row, 3).value = value
    return f"C{row}"


def edited_questionnaire(tmp_path: Path, changes: dict[str, dict[str, str]]) -> Path:
    """Return a copy of the demo questionnaire with survey cells changed by question name."""
    wb = load_workbook(QUESTIONNAIRE)
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        name = ws.cell(r, header.index("name") + 1).value
        for column, value in changes.get(name, {}).items():
            ws.cell(r, header.index(column) + 1).value = value
    path = tmp_path / "questionnaire.xlsx"
    wb.save(path)
    return path


def test_interview_dated_in_the_future_is_an_error_in_the_questionnaire_words(tmp_path, instrument):
    wb = filled(instrument)
    cell = _set(wb, "Profilo", "interview_date", dt.datetime(2031, 5, 4))
    f = only(run(tmp_path, instrument, wb), question="interview_date")
    assert (f.severity, f.cell) == ("error", cell)
    assert "non può essere nel futuro" in f.message and "today()" not in f.message


def test_invalid_email_is_an_error(tmp_path, instrument):
    wb = filled(instrument)
    _set(wb, "Profilo", "referent_email", "mario.rossi@comune")
    f = only(run(tmp_path, instrument, wb), question="referent_email")
    assert f.severity == "error" and "email non valido" in f.message


def test_budget_cap_and_negative_budget(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["D3"] = 10**15
    result = run(tmp_path, instrument, wb)
    f = only(result, cell="D3")
    assert f.severity == "error" and "10.000.000" in f.message


def test_select_multiple_constraint_points_at_the_ticked_option_rows(tmp_path, instrument):
    wb = filled(instrument)
    first = _set(wb, "Governance", "gov_problems/nessuno", "sì")
    ticked = sorted([first, f"C{_rows(wb['Governance'])['gov_problems/decisioni_lente']}"],
                    key=lambda c: int(c[1:]))  # fmt: skip
    f = only(run(tmp_path, instrument, wb), question="gov_problems")
    assert (f.severity, f.sheet) == ("error", "Governance")
    assert f.cell == ",".join(ticked)
    assert "esclude le altre risposte" in f.message


def test_soft_constraint_is_a_warning_naming_the_other_cell(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["D3"], wb["Interventi"]["E3"] = 1000, 2000
    f = only(run(tmp_path, instrument, wb), cell="E3")
    assert f.severity == "warning" and "supera il budget previsto" in f.message
    assert "Interventi!D3" in f.message


def test_soft_constraint_holds_when_the_other_answer_is_missing(tmp_path, instrument):
    wb = filled(instrument)
    wb["Interventi"]["D3"], wb["Interventi"]["E3"] = None, 2000
    assert list(run(tmp_path, instrument, wb).findings) == []


def test_required_applies_only_where_relevant_holds(tmp_path):
    path = edited_questionnaire(
        tmp_path,
        {"budget_spent": {"required": "yes", "relevant": "${status} != 'non_avviato'"}},
    )
    instrument = load_instrument(path)
    not_started = filled(instrument)
    not_started["Interventi"]["C3"], not_started["Interventi"]["E3"] = "Non avviato", None
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert list(run(tmp_path / "a", instrument, not_started).findings) == []
    under_way = filled(instrument)
    under_way["Interventi"]["E3"] = None  # "In corso": the question applies
    f = only(run(tmp_path / "b", instrument, under_way), question="budget_spent")
    assert (f.severity, f.cell) == ("warning", "E3") and "obbligatoria" in f.message


def test_a_group_relevant_applies_to_its_questions(tmp_path):
    path = edited_questionnaire(
        tmp_path, {"formazione": {"relevant": "${quote_district_ok} = 'si'"}}
    )
    instrument = load_instrument(path)
    wb = filled(instrument)
    _set(wb, "Profilo", "quote_district_ok", "No")
    _set(wb, "Formazione", "training_awareness", None)  # required, but the group does not apply
    _set(wb, "Formazione", "training_participation", None)
    (tmp_path / "a").mkdir()
    result = run(tmp_path / "a", instrument, wb)
    needless = [f for f in result.findings if f.question.startswith("training")]
    # the answers still typed in the group are reported as not applicable, nothing as missing
    assert needless and all("non si applica" in f.message for f in needless)
    assert not any("obbligatoria" in f.message for f in result.findings)


def test_answer_where_not_relevant_names_the_question_it_depends_on(tmp_path):
    path = edited_questionnaire(
        tmp_path, {"budget_spent": {"relevant": "${status} != 'non_avviato'"}}
    )
    instrument = load_instrument(path)
    wb = filled(instrument)
    wb["Interventi"]["C3"] = "Non avviato"
    (tmp_path / "a").mkdir()
    f = only(run(tmp_path / "a", instrument, wb), cell="E3")
    assert "«Stato di attuazione» (Interventi!C3)" in f.message
    assert "${" not in f.message


def test_one_district_typo_gives_one_finding_and_spares_the_real_district(tmp_path, instrument):
    typo = filled(instrument, "D01")
    _set(typo, "Profilo", "district_id", "D02")  # the D01 workbook, typed as D02
    result = run(tmp_path, instrument, typo, filled(instrument, "D02"))
    assert [(f.file, f.severity) for f in result.findings] == [("file1.xlsx", "error")]
    assert "D01" in result.findings.errors[0].message
    assert result.accounting.accepted == ("2011_D02",)


def test_spaced_unknown_district_gives_one_finding_with_nearest_ids(tmp_path, instrument):
    wb = filled(instrument, "D42")
    _set(wb, "Profilo", "district_id", " d 42 ")
    result = run(tmp_path, instrument, wb)
    assert len(result.findings) == 1
    # "D42" is one deletion from D2 (D02) and D4 (D04), one substitution from D12
    suggestion = result.findings.errors[0].suggestion
    assert suggestion.startswith("Forse: D02 (Distretto D02), D04 (Distretto D04), D12")
    assert suggestion.count("(") == 3  # a few ids, not the whole registry


def test_nearest_ids_are_few_and_closest_first():
    known = [f"D{i:02d}" for i in range(1, 19)]
    assert nearest_ids("D2", known) == ["D02", "D12", "D01"]
    assert nearest_ids("d 17", known)[0] == "D17"
    assert len(nearest_ids("D1", known, limit=3)) == 3
    assert nearest_ids("Pavia", known) == []


def test_findings_are_written_errors_first(tmp_path):
    items = [Finding(message="a", severity="warning"), Finding(message="b"),
             Finding(message="c", severity="warning"), Finding(message="d")]  # fmt: skip
    assert [f.message for f in errors_first(items)] == ["b", "d", "a", "c"]
    csv, xlsx = write_findings(Findings(items), tmp_path)
    lines = csv.read_text(encoding="utf-8").splitlines()[1:]
    assert [line.split(",")[7] for line in lines] == ["b", "d", "a", "c"]
    ws = load_workbook(xlsx).active
    assert [ws.cell(r, 8).value for r in range(2, 6)] == ["b", "d", "a", "c"]
