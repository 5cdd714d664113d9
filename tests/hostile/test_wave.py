"""One hostile wave through ``validate``: files, encodings, bombs, contents, names.

The wave is the demo wave 2011 with some workbooks edited, four replaced by CSV exports in
four encodings, and about thirty broken or malicious files added (see ``conftest.py``).
Each case asserts: its finding (file, sheet, cell, value), nothing lost (every district
accepted, every file read or listed), no traceback, bounded time and memory, inputs unchanged.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import (
    CONTROL_TEXT,
    CSV_CASES,
    FAILING,
    ODD_NAME,
    TIMEOUT,
)
from corpus import EXCEL_ERRORS

from distretti_survey.ingest.guard import display_name

pytestmark = pytest.mark.integration


def shown(name: str) -> str:
    return "interviews/" + display_name(name)


def test_run_ends_cleanly_within_bounds(hostile_wave):
    run = hostile_wave.run
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stdout + run.stderr  # errors found, every file handled
    assert run.seconds < TIMEOUT / 2
    assert run.max_rss_mb < 1024


def test_inputs_unchanged(hostile_wave):
    assert hostile_wave.after == hostile_wave.before


def test_nothing_lost(hostile_wave):
    acc = hostile_wave.accounting
    assert acc["balanced"] is True
    # every demo district is accepted: edited, renamed, exported as CSV or not
    assert acc["accepted"] == 18 and acc["rejected"] == 0
    files = set(acc["files"])
    failed = {item["file"] for item in acc["files_failed"]}
    assert {shown(name) for name in FAILING} == failed
    assert failed <= files
    # every entry of the folder is either a file read or an entry ignored with a reason
    entries = {shown(p.name) for p in (hostile_wave.wave / "interviews").iterdir()}
    beside = {p.name for p in hostile_wave.wave.iterdir()} - {"interviews", "questionnaire.xlsx"}
    ignored = {item.split(" (", 1)[0] for item in acc["files_ignored"]}
    assert entries | beside == files | ignored


@pytest.mark.parametrize("name", FAILING)
def test_unreadable_file_is_one_error_finding(hostile_wave, name):
    about = hostile_wave.about(shown(name))
    errors = about[about["severity"] == "error"]
    assert len(errors) == 1, about
    assert errors["message"].iloc[0].startswith(("File non letto", "File non riconosciuto"))


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("bomba_dichiarata.xlsx", "dichiara"),
        ("bomba_rapporto.xlsx", "zip bomb"),
        ("troppi_elementi.xlsx", "troppi elementi"),
        ("dimensione.xlsx", "1.048.576 righe x 16.384 colonne"),
        ("a1_xfd1048576.xlsx", "16.384 colonne"),
        ("righe.xlsx", "righe"),
        ("riga_senza_rif.xlsx", "5.000 colonne"),
        ("xml_troncato.xlsx", "syntax error"),
        ("entita.xlsx", "DTD"),
        ("ripetute.ods", "1.000 colonne"),
        ("cifrato.xlsx", "password"),
        ("pipe.xlsx", "named pipe"),
        ("zero.xlsx", "fuori dalla cartella"),
        ("fuori.xlsx", "fuori dalla cartella"),
        ("utf16_rotto.csv", "utf-16"),
        ("campo_enorme.csv", "CSV non leggibile"),
        ("vuoto.csv", "vuoto"),
    ],
)
def test_refusal_says_why(hostile_wave, name, words):
    about = hostile_wave.about(shown(name))
    assert about["message"].str.contains(words, regex=False).any(), about["message"].tolist()


@pytest.mark.parametrize(("where", "error"), sorted(EXCEL_ERRORS.items()))
def test_excel_error_value_is_an_error_finding(hostile_wave, where, error):
    sheet, cell = where
    about = hostile_wave.about("interviews/D01_2011.xlsx")
    hit = about[(about["sheet"] == sheet) & (about["cell"] == cell) & (about["value"] == error)]
    assert list(hit["severity"]) == ["error"]


def test_serial_60_is_not_28_february(hostile_wave):
    about = hostile_wave.about("interviews/D02_2011.xlsx")
    hit = about[about["value"] == "29/02/1900"]
    assert list(hit["cell"]) == ["C3"] and list(hit["severity"]) == ["error"]
    interviews = pd.read_csv(hostile_wave.out / "interviews.csv", dtype=str)
    assert interviews.set_index("district_id").loc["D02", "interview_date"] != "1900-02-28"


def test_year_3011_is_implausible(hostile_wave):
    about = hostile_wave.about("interviews/D03_2011.xlsx")
    hit = about[(about["question"] == "interview_date") & (about["severity"] == "error")]
    # The questionnaire bounds the date (". <= today()"): its message, with the value typed.
    assert len(hit) == 1 and hit["value"].str.contains("3011").all()
    assert hit["message"].str.contains("futuro").all()


def test_budget_above_the_questionnaire_cap(hostile_wave):
    about = hostile_wave.about("interviews/D04_2011.xlsx")
    hit = about[(about["cell"] == "D3") & (about["severity"] == "error")]
    assert hit["message"].str.contains("10.000.000").all() and len(hit) == 1


def test_control_characters_cleaned_with_a_warning(hostile_wave):
    about = hostile_wave.about("interviews/D05_2011.xlsx")
    assert about["message"].str.contains("Caratteri di controllo").any()
    answers = pd.read_csv(hostile_wave.out / "open_answers.csv", dtype=str)
    text = answers.query("district_id == 'D05' and question == 'progress_difficulties'")["text"]
    expected = CONTROL_TEXT.replace("_x000B_", "\n").replace("_x0007_", "")
    assert list(text) == [expected]


def test_odd_file_name_is_read_and_escaped(hostile_wave):
    assert shown(ODD_NAME) in hostile_wave.accounting["files"]
    assert "\\xe9" in shown(ODD_NAME)
    # the findings writers (csv and xlsx) wrote; the CSV is valid UTF-8
    (hostile_wave.out / "findings.csv").read_text(encoding="utf-8")
    assert (hostile_wave.out / "findings.xlsx").stat().st_size > 0


@pytest.mark.parametrize("district", sorted(CSV_CASES))
def test_csv_encodings_decode_the_accents(hostile_wave, district):
    encoding, text = CSV_CASES[district]
    answers = pd.read_csv(hostile_wave.out / "open_answers.csv", dtype=str)
    got = answers.query(f"district_id == '{district}' and question == 'progress_difficulties'")
    assert list(got["text"]) == [text]
    warned = hostile_wave.about(f"interviews/{district}.csv")
    assert ("CSV non in UTF-8" in " ".join(warned["message"])) == (encoding != "utf-8-sig")


@pytest.mark.parametrize("district", ["D08", "D09", "D10"])
def test_formula_like_answers_are_neutralised_in_csv(hostile_wave, district):
    text = (hostile_wave.out / "open_answers.csv").read_text(encoding="utf-8")
    line = next(li for li in text.splitlines() if f",{district}," in li and "progress" in li)
    field = line.rsplit(",", 1)[-1]
    assert field.startswith("'") and field[1] in "=+-@"


def test_no_csv_cell_starts_like_a_formula(hostile_wave):
    for path in hostile_wave.out.glob("*.csv"):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in table.columns:
            stripped = table[column].str.lstrip()
            number = pd.to_numeric(table[column], errors="coerce").notna()
            risky = stripped.str.startswith(("=", "+", "-", "@")) & ~number
            assert not risky.any(), (path.name, column, table.loc[risky, column].tolist())


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("D02_copia.xlsx", "accanto alla cartella interviews/"),
        ("interviews/cartella.xlsx", "è una cartella"),
        ("interviews/note.txt", "estensione non letta"),
        ("interviews/~$D01_2011.xlsx", "file temporaneo"),
    ],
)
def test_entries_not_read_are_listed_with_the_reason(hostile_wave, entry, reason):
    about = hostile_wave.about(entry)
    assert list(about["severity"]) == ["warning"]
    assert reason in about["message"].iloc[0]
    assert any(item.startswith(entry + " (") for item in hostile_wave.accounting["files_ignored"])


def test_hidden_files_are_listed_but_not_warned(hostile_wave):
    assert "interviews/.DS_Store (file nascosto)" in hostile_wave.accounting["files_ignored"]
    assert hostile_wave.about("interviews/.DS_Store").empty


def test_long_and_odd_text_is_kept(hostile_wave):
    answers = pd.read_csv(hostile_wave.out / "open_answers.csv", dtype=str)
    by = answers.query("question == 'progress_difficulties'").set_index("district_id")["text"]
    assert by["D12"] == ("lungo " * 5_000).strip()
    assert by["D14"] == "emoji 🙂 e \u202edestra-sinistra"


def test_formula_without_value_is_reported(hostile_wave):
    about = hostile_wave.about("interviews/D13_2011.xlsx")
    assert list(about.loc[about["cell"] == "D3", "value"]) == ["'=1+1"]


def test_shifted_sheet_is_read_without_crash(hostile_wave):
    assert "interviews/D11_2011.xlsx" in hostile_wave.accounting["files"]
    assert any("D11" in item for item in hostile_wave.accounting["accepted_ids"])


def test_shifted_sheet_answers_are_found_or_an_error(hostile_wave):
    about = hostile_wave.about("interviews/D11_2011.xlsx")
    interviews = pd.read_csv(hostile_wave.out / "interviews.csv", dtype=str)
    date = interviews.set_index("district_id").loc["D11", "interview_date"]
    assert (about["severity"] == "error").any() or isinstance(date, str)
