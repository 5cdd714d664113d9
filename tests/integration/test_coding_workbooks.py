"""Coder workbooks: round trip, byte stability, formula-like text, every finding on edits."""

import openpyxl
import pandas as pd
import pytest

from distretti_survey.coding.decisions import DECISION_COLUMNS
from distretti_survey.coding.frame import load_frame
from distretti_survey.coding.suggest import Suggester, split_segments
from distretti_survey.coding.workbooks import (
    read_coder_workbook,
    read_disagreements,
    write_coder_workbook,
    write_disagreements,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def setup():
    frame = load_frame()
    answers = pd.DataFrame(
        {
            "interview_id": ["D01_2011", "D02_2011", "D02_2011"],
            "wave": [2011] * 3,
            "district_id": ["D01", "D02", "D02"],
            "question": ["gov_problems_text", "gov_problems_text", "training_needs_text"],
            "theme": ["governance", "governance", "training"],
            "text": [
                "Non c'è un manager. I comuni non si coordinano.",
                "=SOMMA(A1) troppa burocrazia regionale.",
                "Corsi di inglese.",
            ],
        }
    )
    segments = split_segments(answers)
    suggestions = Suggester(frame).suggest(segments)
    return frame, segments, suggestions


def test_round_trip_returns_the_suggestions_and_no_findings(setup, tmp_path):
    frame, segments, suggestions = setup
    path = write_coder_workbook(segments, suggestions, frame, tmp_path / "a.xlsx", coder="coder_a")
    decisions, findings = read_coder_workbook(path, segments, frame)
    assert len(findings) == 0
    assert list(decisions.columns) == list(DECISION_COLUMNS)
    ticked = decisions[decisions["value"] == 1]
    assert set(zip(ticked["segment_id"], ticked["code_id"], strict=True)) == set(
        zip(suggestions["segment_id"], suggestions["code_id"], strict=True)
    )
    # every segment gets every code of its theme: 3 governance x 11 + 1 training x 11
    assert len(decisions) == 44
    assert (decisions["coder"] == "coder_a").all()


def test_layout_blind_and_bytes_are_stable(setup, tmp_path):
    frame, segments, suggestions = setup
    one = write_coder_workbook(
        segments, suggestions, frame, tmp_path / "1.xlsx", coder="b", blind=True
    )
    two = write_coder_workbook(
        segments, suggestions, frame, tmp_path / "2.xlsx", coder="b", blind=True
    )
    assert one.read_bytes() == two.read_bytes()
    wb = openpyxl.load_workbook(one)
    ws = wb["governance"]
    assert ws.freeze_panes == "G3"
    assert wb["_liste"].sheet_state == "hidden"
    assert ws.data_validations.dataValidation[0].formula1 == "_liste!$A$1:$A$1"
    texts = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=6) for r in range(3, 6)}
    formula_like = texts["D02_2011:gov_problems_text:01"]
    assert formula_like.data_type == "s"
    assert str(formula_like.value) == "=SOMMA(A1) troppa burocrazia regionale."
    assert all(ws.cell(row=r, column=c).value is None for r in range(3, 6) for c in range(7, 18))
    decisions, findings = read_coder_workbook(one, segments, frame)
    assert len(findings) == 0
    assert (decisions["value"] == 0).all()
    assert (decisions["coder"] == "b").all()


def test_broken_workbook_gives_one_finding_per_problem(setup, tmp_path):
    frame, segments, suggestions = setup
    path = write_coder_workbook(segments, suggestions, frame, tmp_path / "a.xlsx", coder="coder_a")
    wb = openpyxl.load_workbook(path)
    ws = wb["governance"]
    # rows 3..5: D01 :01, D01 :02, D02 :01 (sorted by segment id)
    assert ws["A3"].value == "D01_2011:gov_problems_text:01"
    assert (ws["G2"].value, ws["H2"].value) == ("GOV_COORDINAMENTO", "GOV_COORD_CAPOFILA")
    ws["R2"] = "GOV_INVENTATO"  # a code column that is not in the frame
    ws["R3"] = 1
    ws["G3"] = "sì"  # a value other than 1/empty
    ws["F4"] = "Testo cambiato dal codificatore"  # changed text
    ws["A5"] = "D99_2011:gov_problems_text:01"  # unknown segment id
    ws["H5"] = 1
    wb["formazione"].delete_rows(3)  # the only training row goes missing
    wb.save(path)

    decisions, findings = read_coder_workbook(path, segments, frame)
    got = {(f.sheet, f.cell, f.severity): f for f in findings}
    assert set(got) == {
        ("governance", "R2", "error"),
        ("governance", "G3", "error"),
        ("governance", "F4", "warning"),
        ("governance", "A5", "error"),
        ("governance", "", "warning"),  # the row whose id was overwritten is now missing
        ("formazione", "", "warning"),
    }
    assert got["governance", "", "warning"].value == "D02_2011:gov_problems_text:01"
    assert "1 valori non letti" in got["governance", "R2", "error"].message
    assert got["governance", "G3", "error"].value == "sì"
    # H is the second governance code; GOV_BUROCRAZIA was pre-filled from the suggestions
    assert got["governance", "A5", "error"].suggestion.endswith(
        "codici segnati: GOV_COORD_CAPOFILA, GOV_BUROCRAZIA."
    )
    assert got["formazione", "", "warning"].value == "D02_2011:training_needs_text:01"
    assert all(f.file == "a.xlsx" for f in findings)
    # nothing lost: the bad cell is a missing value, the edited row keeps its decisions
    bad = decisions[
        (decisions["segment_id"] == "D01_2011:gov_problems_text:01")
        & (decisions["code_id"] == "GOV_COORDINAMENTO")
    ]
    assert bad["value"].isna().all()
    assert len(decisions) == 2 * 11


def test_disagreements_round_trip(setup, tmp_path):
    frame, segments, suggestions = setup
    path = write_coder_workbook(segments, suggestions, frame, tmp_path / "a.xlsx", coder="coder_a")
    a, _ = read_coder_workbook(path, segments, frame)
    b = a.copy()
    b["coder"] = "coder_b"
    flip = (b["code_id"] == "GOV_MANAGER") | (b["code_id"] == "FOR_VETRINE")
    b.loc[flip, "value"] = 1 - b.loc[flip, "value"]
    out = write_disagreements(a, b, segments, tmp_path / "d.xlsx", frame)
    ws = openpyxl.load_workbook(out)["disaccordi"]
    assert ws.max_row == 2 + 4  # 3 governance segments for GOV_MANAGER + 1 training
    ws["J3"] = 1
    ws["J4"] = "forse"
    ws.parent.save(out)
    consensus, findings = read_disagreements(out, segments)
    assert len(consensus) == 1 and consensus.iloc[0]["coder"] == "consensus"
    assert [f.cell for f in findings] == ["J4"]
