"""The hostile wave through ``code``, and broken or malicious questionnaires through validate."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import TIMEOUT, run_cli, snapshot
from corpus import DEMO, REGISTRY, edit_workbook

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def coded(hostile_wave, tmp_path_factory):
    out = tmp_path_factory.mktemp("coded") / "coding"
    run = run_cli(
        "code", str(hostile_wave.wave), "--simulate", "--out", str(out),
        "--registry", str(REGISTRY), cwd=out.parent, label="code_hostile",
    )  # fmt: skip
    return run, out


def test_code_writes_every_workbook_without_traceback(coded, hostile_wave):
    run, out = coded
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stderr
    assert run.seconds < TIMEOUT and run.max_rss_mb < 1024
    for name in ("segments.csv", "citazioni.csv", "disaccordi.xlsx"):
        assert (out / name).is_file(), name
    assert snapshot(hostile_wave.wave) == hostile_wave.before


def test_segments_keep_control_free_text_and_neutralise_formulas(coded):
    _, out = coded
    segments = pd.read_csv(out / "segments.csv", dtype=str, keep_default_na=False)
    texts = set(segments["text"])
    assert {"'+39 risposta", "'-20% di affluenza", "'@SOMMA(A1)"} <= texts
    assert not any(ch in text for text in texts for ch in "\x0b\x07\x00")


def _small_wave(tmp_path: Path) -> Path:
    wave = tmp_path / "wave"
    (wave / "interviews").mkdir(parents=True)
    for district in ("D01", "D02"):
        shutil.copy2(DEMO / f"interviews/{district}_2011.xlsx", wave / "interviews")
    shutil.copy2(DEMO / "questionnaire.xlsx", wave / "questionnaire.xlsx")
    return wave


def _cut_zip(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _cut_sheet_xml(path: Path) -> None:
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())


def _constraint(text: str):
    def edit(path: Path) -> None:
        def edits(wb):
            ws = wb["survey"]
            header = [cell.value for cell in ws[1]]
            name, constraint = header.index("name"), header.index("constraint")
            for row in ws.iter_rows(min_row=2):
                if row[name].value == "budget_planned":
                    row[constraint].value = text

        edit_workbook(path, path, edits)

    return edit


def _no_questions(path: Path) -> None:
    edit_workbook(path, path, lambda wb: wb["survey"].delete_rows(2, wb["survey"].max_row))


QUESTIONNAIRES = {
    "zip_troncato": _cut_zip,
    "xml_troncato": _cut_sheet_xml,
    "vincolo_profondo": _constraint("not(" * 1000 + ". >= 0" + ")" * 1000),
    "vincolo_malevolo": _constraint("__import__('os').system('touch PWNED')"),
    "senza_domande": _no_questions,
}
#: what the `expr` helper fixes (issue 14 item 3); strict, so the lead drops the mark on merge


_RUNS: dict[str, object] = {}


def _validate(tmp_path: Path, case: str):
    """Run validate once per questionnaire case (both tests below look at the same run)."""
    if case in _RUNS:
        return _RUNS[case]
    wave = _small_wave(tmp_path)
    QUESTIONNAIRES[case](wave / "questionnaire.xlsx")
    before = snapshot(wave)
    run = run_cli(
        "validate", str(wave), "--out", str(tmp_path / "out"), "--registry", str(REGISTRY),
        cwd=tmp_path, label=f"questionnaire_{case}",
    )  # fmt: skip
    assert snapshot(wave) == before
    assert not (tmp_path / "PWNED").exists()
    run.out = tmp_path / "out"
    _RUNS[case] = run
    return run


@pytest.mark.parametrize("case", QUESTIONNAIRES)
def test_questionnaire_never_gives_a_traceback(tmp_path, case):
    run = _validate(tmp_path, case)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode in (0, 1, 2)
    assert run.seconds < TIMEOUT and run.max_rss_mb < 1024


@pytest.mark.parametrize("case", ["xml_troncato", "vincolo_profondo", "senza_domande"])
def test_broken_questionnaire_exits_2_with_findings(tmp_path, case):
    run = _validate(tmp_path, case)
    assert run.returncode == 2 and (run.out / "findings.csv").is_file()
