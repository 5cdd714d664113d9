"""Coder workbooks: empty decision cells, blind coder B, round trip, every finding on edits."""

import openpyxl
import pandas as pd
import pytest

from distretti_survey.coding.decisions import DECISION_COLUMNS
from distretti_survey.coding.frame import load_frame
from distretti_survey.coding.suggest import Suggester, split_segments
from distretti_survey.coding.workbooks import read_coder_workbook, write_coder_workbook

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


def codes_of(frame, theme):
    return list(frame.loc[frame["theme"] == theme, "code_id"])


def fill(path, choose):
    """Fill a coder workbook as a coder would: ``choose(segment_id, text)`` returns the codes
    to tick (an empty set ticks «Nessun codice»; None leaves the row empty)."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        keys = [c.value for c in ws[2]] if ws.max_row >= 2 else []
        if "segment_id" not in keys or "none" not in keys:
            continue
        for row in range(3, ws.max_row + 1):
            seg_id = ws.cell(row, keys.index("segment_id") + 1).value
            codes = choose(seg_id, ws.cell(row, keys.index("text") + 1).value)
            if codes is None:
                continue
            for code in codes or ["none"]:
                ws.cell(row, keys.index(code) + 1, 1)
    wb.save(path)


def test_coder_a_starts_empty_and_reads_back_what_was_ticked(setup, tmp_path):
    frame, segments, suggestions = setup
    path = write_coder_workbook(segments, suggestions, frame, tmp_path / "a.xlsx", coder="coder_a")
    ws = openpyxl.load_workbook(path)["governance"]
    keys = [c.value for c in ws[2]]
    info = [k for k in ("confidence", "source") if k in suggestions]  # when the rules give them
    assert keys[6:] == ["suggested", "evidence", *info, *codes_of(frame, "governance"), "none"]
    first = 9 + len(info)  # 1-based column of the first code
    # every decision cell is empty: nothing is pre-ticked
    assert all(
        ws.cell(r, c).value is None for r in range(3, 6) for c in range(first, len(keys) + 1)
    )
    # the suggestions and their evidence sit in their own read-only columns
    shown = {ws.cell(r, 1).value: (ws.cell(r, 7).value, ws.cell(r, 8).value) for r in (3, 4, 5)}
    for seg in suggestions[suggestions["segment_id"].isin(shown)].itertuples():
        assert seg.code_id in shown[seg.segment_id][0]
        assert f"«{seg.evidence}»" in shown[seg.segment_id][1]
    assert ws.protection.sheet and ws.cell(3, 7).protection.locked
    assert ws.cell(3, first).protection.locked is False
    assert ws.cell(3, 1).protection.locked is True

    accepted = {}
    for s in suggestions.itertuples():
        accepted.setdefault(s.segment_id, set()).add(s.code_id)
    fill(path, lambda seg_id, text: accepted.get(seg_id, set()))
    reading = read_coder_workbook(path, segments, frame)
    decisions, findings = reading
    assert len(findings) == 0
    assert reading.n_uncoded == 0 and reading.n_rows == len(segments)
    assert list(decisions.columns) == list(DECISION_COLUMNS)
    ticked = decisions[decisions["value"] == 1]
    assert set(zip(ticked["segment_id"], ticked["code_id"], strict=True)) == set(
        zip(suggestions["segment_id"], suggestions["code_id"], strict=True)
    )
    n_codes = frame["theme"].value_counts()
    assert len(decisions) == 3 * n_codes["governance"] + n_codes["training"]
    assert (decisions["coder"] == "coder_a").all()


def test_coder_b_is_blind_and_bytes_are_stable(setup, tmp_path):
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
    assert ws.data_validations.dataValidation[0].formula1 == "_liste!$A$1:$A$2"
    keys = [c.value for c in ws[2]]
    assert "suggested" not in keys and "evidence" not in keys
    texts = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=6) for r in range(3, 6)}
    formula_like = texts["D02_2011:gov_problems_text:01"]
    assert formula_like.data_type == "s"
    assert str(formula_like.value) == "=SOMMA(A1) troppa burocrazia regionale."
    # no suggestion, no evidence anywhere in coder B's workbook (cells of every sheet)
    cells = {
        str(c.value) for sheet in wb.worksheets for row in sheet.iter_rows() for c in row if c.value
    }
    for s in suggestions.itertuples():
        assert not any(f"«{s.evidence}»" in v or v.startswith(f"{s.code_id} (") for v in cells)
    assert not any("Suggerimento" in v or "Evidenza" in v for v in cells)


def test_empty_workbook_is_not_coded_never_zero(setup, tmp_path):
    frame, segments, suggestions = setup
    path = write_coder_workbook(segments, suggestions, frame, tmp_path / "a.xlsx", coder="coder_a")
    reading = read_coder_workbook(path, segments, frame)
    assert len(reading.decisions) == 0  # not a single 0
    assert reading.n_uncoded == len(segments) == reading.n_rows
    assert set(reading.uncoded) == set(segments["segment_id"])
    found = {(f.sheet, f.cell): f for f in reading.findings}
    keys = [c.value for c in openpyxl.load_workbook(path)["governance"][2]]
    letter = openpyxl.utils.get_column_letter
    first = letter(keys.index(codes_of(frame, "governance")[0]) + 1)
    cells = f"{first}3:{letter(keys.index('none') + 1)}3"  # the decision cells of row 3
    assert set(found) == {("governance", cells), ("formazione", found_key(found))}
    gov = found["governance", cells]
    assert gov.severity == "warning" and gov.file == "a.xlsx"
    assert gov.message.startswith("3 righe non compilate") and "righe 3-5" in gov.message


def found_key(found):
    return next(cell for sheet, cell in found if sheet == "formazione")


def test_partly_filled_row_counts_empty_cells_as_zero_and_none_column(setup, tmp_path):
    frame, segments, suggestions = setup
    path = write_coder_workbook(
        segments, suggestions, frame, tmp_path / "b.xlsx", coder="coder_b", blind=True
    )
    first, second, third = sorted(segments.loc[segments["theme"] == "governance", "segment_id"])
    picks = {first: {"GOV_MANAGER"}, second: set()}  # third left empty
    fill(path, lambda seg_id, text: picks.get(seg_id))
    reading = read_coder_workbook(path, segments, frame)
    d = reading.decisions.set_index(["segment_id", "code_id"])["value"]
    assert d[first, "GOV_MANAGER"] == 1
    assert d[first].drop("GOV_MANAGER").eq(0).all()
    assert d[second].eq(0).all()  # «Nessun codice»: every code 0
    assert third in reading.uncoded
    training = segments.loc[segments["theme"] == "training", "segment_id"].iloc[0]
    assert set(reading.uncoded) == {third, training}


def test_broken_workbook_gives_one_finding_per_problem(setup, tmp_path):
    frame, segments, suggestions = setup
    path = write_coder_workbook(
        segments, suggestions, frame, tmp_path / "b.xlsx", coder="coder_b", blind=True
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["governance"]
    # rows 3..5: D01 :01, D01 :02, D02 :01 (sorted by segment id)
    assert ws["A3"].value == "D01_2011:gov_problems_text:01"
    assert (ws["G2"].value, ws["H2"].value) == ("GOV_COORDINAMENTO", "GOV_COORD_CAPOFILA")
    ws["Z2"] = "GOV_INVENTATO"  # a code column that is not in the frame
    ws["Z3"] = 1
    ws["G3"] = "sì"  # a value other than 1/0/empty
    ws["H4"] = 1
    ws["F4"] = "Testo cambiato dal codificatore"  # changed text
    ws["A5"] = "D99_2011:gov_problems_text:01"  # unknown segment id
    ws["H5"] = 1
    wb["formazione"].delete_rows(3)  # the only training row goes missing
    wb.save(path)

    decisions, findings = read_coder_workbook(path, segments, frame)
    got = {(f.sheet, f.cell, f.severity): f for f in findings}
    assert set(got) == {
        ("governance", "Z2", "error"),
        ("governance", "G3", "error"),
        ("governance", "F4", "warning"),
        ("governance", "A5", "error"),
        ("governance", "", "warning"),  # the row whose id was overwritten is now missing
        ("formazione", "", "warning"),
    }
    assert got["governance", "", "warning"].value == "D02_2011:gov_problems_text:01"
    assert "1 valori non letti" in got["governance", "Z2", "error"].message
    assert got["governance", "G3", "error"].value == "sì"
    assert got["governance", "A5", "error"].suggestion.endswith(
        "codici segnati: GOV_COORD_CAPOFILA."
    )
    assert got["formazione", "", "warning"].value == "D02_2011:training_needs_text:01"
    assert all(f.file == "b.xlsx" for f in findings)
    # nothing lost: the bad cell is a missing value, the edited row keeps its decisions
    bad = decisions[
        (decisions["segment_id"] == "D01_2011:gov_problems_text:01")
        & (decisions["code_id"] == "GOV_COORDINAMENTO")
    ]
    assert bad["value"].isna().all()
    assert len(decisions) == 2 * frame["theme"].eq("governance").sum()


def test_coder_a_sees_confidence_and_uncertain_first(setup, tmp_path):
    frame, segments, _suggestions = setup
    gov = sorted(segments.loc[segments["theme"] == "governance", "segment_id"])
    keys = segments.set_index("segment_id").loc[
        gov, ["interview_id", "wave", "district_id", "question"]
    ]
    sugg = keys.reset_index().assign(
        code_id=["GOV_MANAGER", "GOV_COORDINAMENTO", "GOV_BUROCRAZIA"],
        evidence=["manager", "coordinano", "burocrazia"],
        confidence=[0.9, 0.35, 0.6],
        source=["both", "model", "rule"],
    )
    path = write_coder_workbook(segments, sugg, frame, tmp_path / "a.xlsx", coder="coder_a")
    ws = openpyxl.load_workbook(path)["governance"]
    keys = [c.value for c in ws[2]]
    assert keys[6:10] == ["suggested", "evidence", "confidence", "source"]
    order = [ws.cell(r, 1).value for r in (3, 4, 5)]
    assert order == [gov[1], gov[2], gov[0]]  # 0.35, 0.6, 0.9: the least sure first
    assert ws.cell(3, 7).value == "GOV_COORDINAMENTO (0,35)"
    assert ws.cell(3, 9).value == pytest.approx(0.35)
    assert ws.cell(3, 10).value == "GOV_COORDINAMENTO: modello"
    reading = read_coder_workbook(path, segments, frame)
    assert not [f for f in reading.findings if f.severity == "error"]
