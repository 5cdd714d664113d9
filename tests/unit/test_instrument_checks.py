"""A questionnaire that cannot be loaded: each broken case gives findings, never a traceback.

Each test builds the broken workbook in code with openpyxl, then asserts the findings of
``check_instrument`` (sheet, cell = column and row) and that ``load_instrument`` raises the
Italian ``DistrettiError`` for callers that want an exception.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from distretti_survey.errors import ConfigError, DistrettiError, InputError
from distretti_survey.instrument import (
    CODING_FRAME_COLUMNS,
    ROLES,
    check_instrument,
    load_instrument,
)

ROOT = Path(__file__).resolve().parents[2]
IT, EN = "label::Italiano (it)", "label::English (en)"
SURVEY = ["type", "name", IT, EN, "required", "relevant", "constraint",
          "constraint_message::Italiano (it)", "theme", "pii"]  # fmt: skip
ROWS = [
    ["begin_group", "profilo", "Profilo", "Profile", "", "", "", "", "profile", ""],
    ["text", "district_id", "Distretto", "District", "yes", "", "", "", "profile", ""],
    ["select_one si_no", "quote_ok", "Citazioni?", "Quotes?", "", "", "", "", "profile", ""],
    ["integer", "age", "Età", "Age", "", "", ". >= 0", "Età non negativa.", "profile", ""],
    ["end_group", "", "", "", "", "", "", "", "", ""],
]
CHOICES = ["list_name", "name", IT, EN, "score", "role"]
OPTIONS = [["si_no", "si", "Sì", "Yes", None, None], ["si_no", "no", "No", "No", None, None]]
SETTINGS = ["form_title", "form_id", "version", "wave", "default_language"]
VALUES = [["Prova", "prova", "2011.1", 2011, "Italiano (it)"]]


def form(tmp_path: Path, *, survey=None, choices=None, settings=None, drop=(), name="q.xlsx"):
    """Write a small questionnaire; each argument replaces the rows of its sheet."""
    sheets = {
        "survey": (SURVEY, ROWS if survey is None else survey),
        "choices": (CHOICES, OPTIONS if choices is None else choices),
        "settings": (SETTINGS, VALUES if settings is None else settings),
        "coding_frame": (list(CODING_FRAME_COLUMNS), []),
    }
    wb = Workbook()
    wb.remove(wb.active)
    for title, (header, rows) in sheets.items():
        if title in drop:
            continue
        ws = wb.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def row(kind, name, *, relevant="", constraint="", required="", message=""):
    return [kind, name, name.title(), name.title(), required, relevant, constraint, message,
            "profile", ""]  # fmt: skip


def problems(path: Path) -> list[tuple[str, str]]:
    """Return (sheet, cell) of each finding, after checking the shared contract."""
    instrument, findings = check_instrument(path)
    assert instrument is None and len(findings) > 0
    assert all(f.severity == "error" and f.message and f.file == path.name for f in findings)
    with pytest.raises(DistrettiError) as info:
        load_instrument(path)
    assert path.name in str(info.value) or "questionario" in str(info.value).lower()
    return [(f.sheet, f.cell) for f in findings]


def messages(path: Path) -> str:
    return "\n".join(f.message for f in check_instrument(path)[1])


def test_valid_form_has_no_findings(tmp_path):
    instrument, findings = check_instrument(form(tmp_path))
    assert list(findings) == [] and instrument is not None
    assert instrument.question("age").constraint_message() == "Età non negativa."


@pytest.mark.parametrize("sheet", ["survey", "choices", "settings", "coding_frame"])
def test_missing_sheet(tmp_path, sheet):
    path = form(tmp_path, drop={sheet})
    assert (sheet, "") in problems(path)


def test_duplicate_names(tmp_path):
    path = form(tmp_path, survey=[*ROWS[:2], row("text", "district_id"), *ROWS[2:]])
    assert problems(path) == [("survey", "B4")]
    assert "duplicato" in messages(path)


def test_unknown_type(tmp_path):
    path = form(tmp_path, survey=[*ROWS[:2], row("geopoynt", "where"), *ROWS[2:]])
    assert problems(path) == [("survey", "A4")]


def test_unclosed_repeat(tmp_path):
    path = form(tmp_path, survey=[*ROWS, row("begin_repeat", "interventi"), row("text", "x")])
    assert problems(path) == [("survey", "A7")]
    assert "non è chiuso" in messages(path)


def test_list_not_defined(tmp_path):
    path = form(tmp_path, survey=[*ROWS[:2], row("select_one colori", "colore"), *ROWS[2:]])
    assert problems(path) == [("survey", "A4")]
    assert "colori" in messages(path)


@pytest.mark.parametrize("wave", ["duemilaundici", 11, 3011, "2011-12"])
def test_wave_not_a_year(tmp_path, wave):
    path = form(tmp_path, settings=[["Prova", "prova", "2011.1", wave, "Italiano (it)"]])
    assert problems(path) == [("settings", "D2")]


def test_empty_settings(tmp_path):
    path = form(tmp_path, settings=[])
    assert problems(path) == [("settings", "C2"), ("settings", "D2"), ("settings", "B2")]


def test_no_questions_at_all(tmp_path):
    path = form(tmp_path, survey=[])
    assert problems(path) == [("survey", "A2")]
    assert "non ha domande" in messages(path)


def test_missing_file_and_not_a_workbook_are_findings(tmp_path):
    instrument, findings = check_instrument(tmp_path / "assente.xlsx")
    assert instrument is None and "non trovato" in next(iter(findings)).message
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    assert check_instrument(junk)[0] is None
    with pytest.raises(InputError):
        load_instrument(junk)


def test_xml_cut_in_the_middle(tmp_path):
    good = form(tmp_path).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            dst.writestr(info, body)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(out.getvalue())
    instrument, findings = check_instrument(cut)
    assert instrument is None and len(findings) == 1
    assert "non è un file xlsx leggibile" in next(iter(findings)).message
    with pytest.raises(InputError):
        load_instrument(cut)


@pytest.mark.parametrize(
    ("constraint", "words"),
    [
        ("__import__('os').system('echo')", "__import__"),
        ("/data/age > 0", "percorsi"),
        ("pulldata('x', 'y', 'z', 'w')", "pulldata"),
        (". > " + "(" * 1000 + "1" + ")" * 1000, "annidata"),
        ("not(" * 1000 + "true()" + ")" * 1000, ""),
        (". > ${missing_question}", "missing_question"),
    ],
)
def test_unsupported_expressions_are_findings_at_their_cell(tmp_path, constraint, words):
    rows = [*ROWS[:3], row("integer", "age", constraint=constraint), ROWS[4]]
    path = form(tmp_path, survey=rows)
    assert problems(path) == [("survey", "G5")]  # column G (constraint), row 5
    assert words in messages(path)


def test_condition_on_a_calculated_field_is_refused(tmp_path):
    rows = [*ROWS[:3], row("calculate", "double"), row("text", "why", relevant="${double} > 2"),
            ROWS[4]]  # fmt: skip
    rows[3][7] = None
    path = form(tmp_path, survey=rows)
    assert problems(path) == [("survey", "F6")]
    assert "calculate" in messages(path)


def test_circular_relevant(tmp_path):
    rows = [
        *ROWS[:3],
        row("text", "a", relevant="${b} = 'x'"),
        row("text", "b", relevant="${a} != ''"),
        row("text", "c", relevant="${c} = 'x'"),
        ROWS[4],
    ]
    path = form(tmp_path, survey=rows)
    assert problems(path) == [("survey", "F5"), ("survey", "F7")]
    text = messages(path)
    assert "a → b → a" in text and "c → c" in text


def test_circular_relevant_through_a_group(tmp_path):
    rows = [
        row("text", "a", relevant="${inner} = 'x'"),
        row("begin_group", "g", relevant="${a} = 'y'"),
        row("text", "inner"),
        row("end_group", ""),
    ]
    rows[-1][1] = None
    path = form(tmp_path, survey=rows)
    assert problems(path) == [("survey", "F2")]
    assert "a → inner → g → a" in messages(path)


def test_required_with_a_condition_is_refused(tmp_path):
    rows = [*ROWS[:3], row("text", "why", required="${quote_ok} = 'no'"), ROWS[4]]
    assert problems(form(tmp_path, survey=rows)) == [("survey", "E5")]


def test_roles_are_checked(tmp_path):
    options = [
        ["si_no", "si", "Sì", "Yes", None, "completed"],
        ["si_no", "no", "No", "No", None, "finished"],
        ["si_no", "ns", "Non so", "Don't know", 3, "dont_know"],
    ]
    path = form(tmp_path, choices=options)
    assert problems(path) == [("choices", "F3"), ("choices", "E4")]


def test_every_problem_in_one_pass(tmp_path):
    rows = [*ROWS[:2], row("txet", "x"), row("text", "district_id"), *ROWS[2:]]
    path = form(tmp_path, survey=rows, settings=[["Prova", "", "2011.1", "x", "Italiano (it)"]])
    assert len(problems(path)) == 4
    with pytest.raises(ConfigError) as info:
        load_instrument(path)
    assert "4 problemi" in str(info.value) and len(info.value.findings) == 4


def test_demo_roles_and_ordered_lists():
    demo = load_instrument(ROOT / "data" / "raw" / "demo" / "2011" / "questionnaire.xlsx")
    assert demo.codes_with_role("completed", "stato") == ("completato",)
    assert demo.codes_with_role("not_started") == ("non_avviato",)
    assert demo.codes_with_role("cancelled") == ("annullato",)
    assert demo.codes_with_role("in_progress") == ("in_progettazione", "in_corso")
    assert demo.codes_with_role("dont_know") == ("non_so",)
    assert demo.codes_with_role("not_applicable", "accordo") == ("non_applicabile",)
    assert demo.codes_with_role("none", "problemi") == ("nessuno",)
    assert set(demo.ordered_lists) == {"stato", "livello", "accordo"}
    assert demo.lists_with_role("completed") == ("stato",)
    assert demo.lists_with_role("dont_know") == ("livello", "accordo")
    assert demo.roles("stato")["annullato"] == "cancelled"
    assert {c.role for c in demo.all_choices} <= {"", *ROLES}
    with pytest.raises(KeyError):
        demo.codes_with_role("finished")


def test_a_questionnaire_that_cannot_load_still_leaves_findings_and_accounting(tmp_path):
    import csv
    import json

    from distretti_survey.ingest.write import write_questionnaire_failure

    path = form(tmp_path, survey=[*ROWS[:2], row("txet", "x"), *ROWS[2:]], settings=[])
    instrument, findings = check_instrument(path)
    assert instrument is None
    written = write_questionnaire_failure(findings, tmp_path / "out", path)
    assert [p.name for p in written] == ["findings.csv", "findings.xlsx", "accounting.json"]
    with written[0].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(findings) == 4
    assert {(r["sheet"], r["cell"]) for r in rows} == {
        ("survey", "A4"),
        ("settings", "B2"),
        ("settings", "C2"),
        ("settings", "D2"),
    }
    accounting = json.loads(written[2].read_text(encoding="utf-8"))
    assert accounting["questionnaire_loaded"] is False
    assert accounting["questionnaire_errors"] == 4 and accounting["interviews_read"] == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_not_opened(tmp_path):
    pipe = tmp_path / "questionnaire.xlsx"
    os.mkfifo(pipe)  # opening it for reading would block forever
    instrument, findings = check_instrument(pipe)
    assert instrument is None and "non è un file regolare" in next(iter(findings)).message


def test_a_zip_bomb_is_not_opened(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (120 * 2**20) + b">")
    instrument, findings = check_instrument(bomb)
    assert instrument is None and "oltre il limite" in next(iter(findings)).message
