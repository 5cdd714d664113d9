"""Coding of the demo waves from the CLI: outputs, the demo coders, carry-over to 2012."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from cli_run import run

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def coded(repo_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("coding")
    # The committed workbooks of the demo coders A and B (tools/make_demo_coders.py).
    first = run(
        "code",
        "data/raw/demo/2011",
        "--coder",
        "data/raw/demo/2011/coding/coder_A.xlsx",
        "--coder",
        "data/raw/demo/2011/coding/coder_B.xlsx",
        "--out",
        str(out / "2011"),
        cwd=repo_root,
    )
    assert first.returncode == 0, first.stderr
    # No coders in 2012: what the earlier decisions do not cover goes to the coders.
    second = run(
        "code",
        "data/raw/demo/2012",
        "--reuse",
        str(out / "2011" / "decisions.csv"),
        "--out",
        str(out / "2012"),
        cwd=repo_root,
    )
    assert second.returncode == 0, second.stderr
    return out, first.stdout, second.stdout


def test_outputs_of_a_coded_wave(coded):
    out, stdout, _ = coded
    names = {p.name for p in (out / "2011").iterdir()}
    assert {
        "suggestions.csv",
        "decisions.csv",
        "final_codes.csv",
        "agreement.csv",
        "frequenze_codici.csv",
        "matrice_distretti_codici.csv",
        "cooccorrenze_codici.csv",
        "citazioni.csv",
        "disaccordi.xlsx",
        "unresolved.csv",
        "counts.json",
    } <= names
    assert "SIMULATI" not in stdout
    # coder B left two rows empty: reported as not coded, never read as 0
    assert "2 righe non compilate" in stdout and "coder_B.xlsx" in stdout
    counts = json.loads((out / "2011" / "counts.json").read_text(encoding="utf-8"))
    assert counts["segments_coded_a"] == counts["segments"]
    assert counts["segments_coded_b"] == counts["segments"] - 2
    # without the consensus, the disagreements stay open and are listed one by one
    unresolved = pd.read_csv(out / "2011" / "unresolved.csv")
    assert counts["disagreements_unresolved"] == len(unresolved) > 0
    final = pd.read_csv(out / "2011" / "final_codes.csv")
    listed = set(zip(unresolved["segment_id"], unresolved["code_id"], strict=True))
    assert not listed & set(zip(final["segment_id"], final["code_id"], strict=True))
    assert set(final["source"]) <= {"rule", "coder_a", "coder_b", "consensus", "agreed"}
    matrix = pd.read_csv(out / "2011" / "matrice_distretti_codici.csv")
    assert len(matrix) == 18 and set(matrix.drop(columns="district_id").stack()) <= {0, 1}


def test_carry_over_reuses_every_unchanged_answer(coded):
    out, _, stdout = coded
    earlier = pd.read_csv(out / "2011" / "segments.csv")
    later = pd.read_csv(out / "2012" / "segments.csv")
    # a sentence with a disagreement still open in 2011 goes back to the coders
    still_open = set(pd.read_csv(out / "2011" / "unresolved.csv")["segment_id"])
    earlier = earlier[~earlier["segment_id"].isin(still_open)]
    seen = set(zip(earlier["fingerprint"], earlier["question"], strict=True))
    unchanged = sum(
        (f, q) in seen for f, q in zip(later["fingerprint"], later["question"], strict=True)
    )
    counts = json.loads((out / "2012" / "counts.json").read_text(encoding="utf-8"))
    assert unchanged > 0
    assert counts["segments_reused"] == unchanged
    assert counts["segments_to_code"] == len(later) - unchanged
    assert f"{unchanged} segmenti" in stdout
    # Only the new text goes to the coders' workbooks.
    from openpyxl import load_workbook

    book = load_workbook(out / "2012" / "codifica_coder_a.xlsx", read_only=True)
    themes = ("avanzamento", "formazione", "governance")
    rows = sum(
        1
        for name in themes
        for (cell,) in book[name].iter_rows(min_row=3, max_col=1, values_only=True)
        if cell
    )
    assert rows == len(later) - unchanged


def test_simulated_coders_are_said_so(tmp_path, repo_root):
    result = run("code", "data/raw/demo/2011", "--simulate", "--out", str(tmp_path), cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert "SIMULATI" in result.stdout
    counts = json.loads((tmp_path / "counts.json").read_text(encoding="utf-8"))
    assert counts["simulated_coders"] is True


def test_simulation_is_refused_on_real_data(tmp_path, repo_root):
    import shutil

    from openpyxl import load_workbook

    wave = tmp_path / "2011"
    shutil.copytree(repo_root / "data/raw/demo/2011", wave)
    book = load_workbook(wave / "questionnaire.xlsx")
    sheet = book["settings"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("synthetic") + 1, value="no")
    book.save(wave / "questionnaire.xlsx")
    result = run("code", str(wave), "--simulate", "--out", str(tmp_path / "out"), cwd=repo_root)
    assert result.returncode != 0
    assert "solo su dati dimostrativi" in result.stderr and "Traceback" not in result.stderr
