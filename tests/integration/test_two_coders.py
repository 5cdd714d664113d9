"""The two-coder flow end to end: workbooks out, filled, read back, consensus, final codes."""

import json

import openpyxl
import pandas as pd
import pytest

from distretti_survey.coding.consensus import read_consensus
from distretti_survey.coding.frame import load_frame
from distretti_survey.coding.run import code_wave, write_coding
from distretti_survey.coding.workbooks import read_coder_workbook

pytestmark = pytest.mark.integration

TEXTS = {
    ("D01", "gov_problems_text"): "Non c'è un manager. I comuni non si coordinano.",
    ("D02", "gov_problems_text"): "La burocrazia regionale è pesante. Le riunioni sono rare.",
    ("D03", "gov_problems_text"): "Nessun problema particolare.",
    ("D01", "training_needs_text"): "Corsi di inglese per i turisti.",
    ("D02", "training_needs_text"): "Servono vetrine curate e i social.",
}
# What each coder ticks, by (district, question, sentence): hand-written takes that differ on
# purpose in a few places (coder B is more conservative on GOV_DECISIONI and FOR_DIG_MARKETING).
A = {
    ("D01", "gov_problems_text", 1): {"GOV_MANAGER"},
    ("D01", "gov_problems_text", 2): {"GOV_COORDINAMENTO"},
    ("D02", "gov_problems_text", 1): {"GOV_BUROCRAZIA"},
    ("D02", "gov_problems_text", 2): {"GOV_DECISIONI"},
    ("D03", "gov_problems_text", 1): {"GOV_NESSUNA"},
    ("D01", "training_needs_text", 1): {"FOR_ACC_LINGUE"},
    ("D02", "training_needs_text", 1): {"FOR_VETRINE", "FOR_DIG_MARKETING"},
}
B = {
    ("D01", "gov_problems_text", 1): {"GOV_MANAGER"},
    ("D01", "gov_problems_text", 2): {"GOV_COORDINAMENTO"},
    ("D02", "gov_problems_text", 1): {"GOV_BUROCRAZIA"},
    ("D02", "gov_problems_text", 2): set(),  # «Nessun codice»
    ("D03", "gov_problems_text", 1): {"GOV_NESSUNA"},
    ("D01", "training_needs_text", 1): {"FOR_ACC_LINGUE", "FOR_ACCOGLIENZA"},
    ("D02", "training_needs_text", 1): {"FOR_VETRINE"},
}


@pytest.fixture(scope="module")
def wave():
    rows = [
        {
            "interview_id": f"{d}_2011",
            "wave": 2011,
            "district_id": d,
            "question": q,
            "theme": "governance" if q.startswith("gov") else "training",
            "text": text,
        }
        for (d, q), text in TEXTS.items()
    ]
    return pd.DataFrame(rows), load_frame()


def key(segment_id):
    interview, question, index = segment_id.split(":")
    return interview.split("_")[0], question, int(index)


def fill(path, takes):
    """Tick ``takes[key]`` in every row (an empty set ticks «Nessun codice»)."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        keys = [c.value for c in ws[2]] if ws.max_row >= 2 else []
        if "none" not in keys:
            continue
        for row in range(3, ws.max_row + 1):
            codes = takes[key(ws.cell(row, 1).value)]
            for code in codes or ["none"]:
                ws.cell(row, keys.index(code) + 1, 1)
    wb.save(path)


def expected_pairs(takes, segments, frame):
    """All (segment, code) pairs of a coder with 0/1, recomputed from the takes."""
    out = {}
    for seg in segments.itertuples():
        for code in frame.loc[frame["theme"] == seg.theme, "code_id"]:
            out[seg.segment_id, code] = int(code in takes[key(seg.segment_id)])
    return out


def test_two_coders_disagreements_consensus_and_final_codes(wave, tmp_path):
    answers, frame = wave
    first = code_wave(answers, frame)
    out = tmp_path / "coding"
    written = {p.name for p in write_coding(first, frame, out)}
    assert {"codifica_coder_a.xlsx", "codifica_coder_b.xlsx"} <= written
    assert "disaccordi.xlsx" not in written  # no coder has decided yet
    segments = first.segments

    fill(out / "codifica_coder_a.xlsx", A)
    fill(out / "codifica_coder_b.xlsx", B)
    a = read_coder_workbook(out / "codifica_coder_a.xlsx", segments, frame)
    b = read_coder_workbook(out / "codifica_coder_b.xlsx", segments, frame)
    assert (a.coder, b.coder) == ("coder_a", "coder_b")
    assert len(a.findings) == len(b.findings) == 0
    assert a.n_uncoded == b.n_uncoded == 0

    # Without a consensus: agreed codes are final, disagreements stay open and are listed.
    second = code_wave(answers, frame, coder_decisions=[a.decisions, b.decisions])
    ea, eb = expected_pairs(A, segments, frame), expected_pairs(B, segments, frame)
    disagree = {pair for pair in ea if ea[pair] != eb[pair]}
    assert disagree == {
        (s, c)
        for s, c in disagree
        if c in {"GOV_DECISIONI", "FOR_ACCOGLIENZA", "FOR_DIG_MARKETING"}
    }
    assert len(disagree) == 3
    assert set(zip(second.unresolved["segment_id"], second.unresolved["code_id"], strict=True)) == (
        disagree
    )
    agreed_ones = {pair for pair in ea if ea[pair] == eb[pair] == 1}
    got = set(zip(second.final["segment_id"], second.final["code_id"], strict=True))
    assert got == agreed_ones  # coder A does not win the disagreements
    assert second.counts["disagreements_unresolved"] == 3
    out2 = tmp_path / "coding2"
    names = {p.name for p in write_coding(second, frame, out2)}
    assert {"disaccordi.xlsx", "unresolved.csv"} <= names
    assert "codifica_coder_a.xlsx" not in names  # both coders coded everything
    listed = pd.read_csv(out2 / "unresolved.csv")
    assert len(listed) == 3 and set(listed.columns) >= {"text", "label", "coder_a", "coder_b"}
    counts = json.loads((out2 / "counts.json").read_text(encoding="utf-8"))
    assert counts["disagreements_unresolved"] == 3
    assert "NON è assegnato" in counts["final_rule"]

    # The coders meet: consensus 1 for FOR_ACCOGLIENZA, 0 for the others; one left open first.
    ws_book = openpyxl.load_workbook(out2 / "disaccordi.xlsx")
    ws = ws_book["disaccordi"]
    rows = {(ws.cell(r, 1).value, ws.cell(r, 6).value): r for r in range(3, ws.max_row + 1)}
    assert set(rows) == disagree
    decided = {pair: int(pair[1] == "FOR_ACCOGLIENZA") for pair in disagree}
    for pair, row in rows.items():
        ws.cell(row, 10, decided[pair])
    ws_book.save(out2 / "disaccordi.xlsx")
    consensus, findings = read_consensus(out2 / "disaccordi.xlsx", segments, frame)
    assert len(findings) == 0
    assert (consensus["coder"] == "consensus").all() and len(consensus) == 3

    third = code_wave(
        answers, frame, coder_decisions=[a.decisions, b.decisions], consensus=consensus
    )
    expected = {pair for pair in ea if (ea[pair] if ea[pair] == eb[pair] else decided[pair])}
    got = set(zip(third.final["segment_id"], third.final["code_id"], strict=True))
    assert got == expected
    sources = dict(
        zip(
            zip(third.final["segment_id"], third.final["code_id"], strict=True),
            third.final["source"],
            strict=True,
        )
    )
    assert {sources[p] for p in expected & disagree} == {"consensus"}
    assert third.counts["disagreements_unresolved"] == 0
    assert third.counts["codes_consensus"] == 3
    assert len(third.unresolved) == 0

    # Rewriting the outputs keeps the consensus in disaccordi.xlsx (never lost) and does not
    # overwrite the files read as inputs.
    write_coding(third, frame, out2, keep=[out2 / "disaccordi.xlsx"])
    again, _ = read_consensus(out2 / "disaccordi_nuovo.xlsx", segments, frame)
    assert again["value"].tolist() == consensus["value"].tolist()


def test_empty_consensus_cells_leave_disagreements_open(wave, tmp_path):
    answers, frame = wave
    first = code_wave(answers, frame)
    out = tmp_path / "c"
    write_coding(first, frame, out)
    fill(out / "codifica_coder_a.xlsx", A)
    fill(out / "codifica_coder_b.xlsx", B)
    a = read_coder_workbook(out / "codifica_coder_a.xlsx", first.segments, frame)
    b = read_coder_workbook(out / "codifica_coder_b.xlsx", first.segments, frame)
    second = code_wave(answers, frame, coder_decisions=[a.decisions, b.decisions])
    write_coding(second, frame, out)
    wb = openpyxl.load_workbook(out / "disaccordi.xlsx")
    wb["disaccordi"]["J3"] = 1
    wb["disaccordi"]["J4"] = "forse"
    wb.save(out / "disaccordi.xlsx")
    consensus, findings = read_consensus(out / "disaccordi.xlsx", first.segments, frame)
    assert len(consensus) == 1
    got = {(f.cell, f.severity) for f in findings}
    assert got == {("J4", "error"), ("J5", "warning")}
    warning = next(f for f in findings if f.severity == "warning")
    assert warning.message.startswith("1 disaccordi senza consenso")
    third = code_wave(
        answers, frame, coder_decisions=[a.decisions, b.decisions], consensus=consensus
    )
    assert third.counts["disagreements_unresolved"] == 2
    assert third.counts["codes_consensus"] == 1


def test_empty_coder_workbooks_leave_everything_to_code(wave, tmp_path):
    answers, frame = wave
    first = code_wave(answers, frame)
    write_coding(first, frame, tmp_path)
    a = read_coder_workbook(tmp_path / "codifica_coder_a.xlsx", first.segments, frame)
    assert len(a.decisions) == 0 and a.n_uncoded == len(first.segments)
    second = code_wave(answers, frame, coder_decisions=[a.decisions])
    assert second.counts["segments_not_coded"] == len(first.segments)
    assert (second.final["source"] == "rule").all()


def test_missing_or_broken_files_are_input_errors(wave, tmp_path):
    from distretti_survey.errors import InputError

    answers, frame = wave
    segments = code_wave(answers, frame).segments
    with pytest.raises(InputError, match="non trovata"):
        read_coder_workbook(tmp_path / "manca.xlsx", segments, frame)
    broken = tmp_path / "rotto.xlsx"
    broken.write_text("non è un file Excel", encoding="utf-8")
    with pytest.raises(InputError, match="illeggibile"):
        read_consensus(broken, segments, frame)


def test_two_workbooks_of_the_same_coder_are_an_error(wave, tmp_path):
    from distretti_survey.coding.run import check_readings

    answers, frame = wave
    first = code_wave(answers, frame)
    write_coding(first, frame, tmp_path)
    a = read_coder_workbook(tmp_path / "codifica_coder_a.xlsx", first.segments, frame)
    b = read_coder_workbook(tmp_path / "codifica_coder_b.xlsx", first.segments, frame)
    assert len(check_readings([a, b])) == 0
    found = check_readings([a, a])
    assert [(f.file, f.severity, f.value) for f in found] == [
        ("codifica_coder_a.xlsx", "error", "coder_a")
    ]


def test_read_coders_reads_the_demo_files(repo_root):
    from distretti_survey.coding.run import read_coders
    from distretti_survey.ingest import read_wave
    from distretti_survey.instrument import load_instrument
    from distretti_survey.registry import load_registry

    folder = repo_root / "data/raw/demo/2011"
    instrument = load_instrument(folder / "questionnaire.xlsx")
    frame = instrument.coding_frame
    answers = read_wave(folder, instrument, load_registry()).data.open_answers
    segments = code_wave(answers, frame).segments
    inputs = read_coders(
        segments,
        frame,
        [folder / "coding/coder_A.xlsx", folder / "coding/coder_B.xlsx"],
        folder / "coding/disaccordi.xlsx",
    )
    assert [r.coder for r in inputs.readings] == ["coder_a", "coder_b"]
    assert [f.severity for f in inputs.findings] == ["warning"]  # B's two empty rows
    result = code_wave(answers, frame, coder_decisions=inputs.decisions, consensus=inputs.consensus)
    assert result.counts["disagreements_unresolved"] == 0
