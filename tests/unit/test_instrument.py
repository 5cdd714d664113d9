"""Questionnaire loading: the demo questionnaires, and one broken questionnaire per rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from distretti_survey.errors import ConfigError, InputError
from distretti_survey.instrument import (
    CODING_FRAME_COLUMNS,
    CODING_FRAME_OPTIONAL,
    load_instrument,
)

IT, EN = "label::Italiano (it)", "label::English (en)"
SURVEY_HEADER = [
    "type",
    "name",
    IT,
    EN,
    "required",
    "constraint",
    "relevant",
    "hint",
    "theme",
    "pii",
]
GOOD_SURVEY = [
    ["begin_group", "profilo", "Profilo", "Profile", "", "", "", "", "profile", ""],
    ["text", "district_id", "Distretto", "District", "yes", "", "", "", "profile", ""],
    ["text", "referent_name", "Nome", "Name", "", "", "", "", "profile", "yes"],
    ["select_one si_no", "quote_ok", "Citazioni?", "Quotes?", "", "", "", "", "profile", ""],
    ["end_group", "", "", "", "", "", "", "", "", ""],
]
CHOICES_HEADER = ["list_name", "name", IT, EN, "score"]
GOOD_CHOICES = [["si_no", "si", "Sì", "Yes", None], ["si_no", "no", "No", "No", None]]
SETTINGS_HEADER = ["form_title", "form_id", "version", "wave", "default_language", "synthetic"]
GOOD_SETTINGS = [["Prova", "prova", "2011.1", 2011, "Italiano (it)", "yes"]]


def write_form(
    path: Path,
    *,
    survey=None,
    choices=None,
    settings=None,
    survey_header=None,
    settings_header=None,
    skip_sheet: str = "",
) -> Path:
    """Write a tiny XLSForm; each argument replaces the valid default of its sheet."""
    sheets = {
        "survey": (survey_header or SURVEY_HEADER, GOOD_SURVEY if survey is None else survey),
        "choices": (CHOICES_HEADER, GOOD_CHOICES if choices is None else choices),
        "settings": (
            settings_header or SETTINGS_HEADER,
            GOOD_SETTINGS if settings is None else settings,
        ),
        "coding_frame": (list(CODING_FRAME_COLUMNS), []),
    }
    wb = Workbook()
    wb.remove(wb.active)
    for title, (header, rows) in sheets.items():
        if title == skip_sheet:
            continue
        ws = wb.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def findings_of(path: Path):
    with pytest.raises(ConfigError) as info:
        load_instrument(path)
    return info.value.findings, str(info.value)


def test_valid_tiny_form_loads_with_stray_spaces_and_empty_rows(tmp_path):
    survey = [list(GOOD_SURVEY[0]), [None] * 10, *GOOD_SURVEY[1:]]
    survey[2] = [
        "  text ",
        " district_id ",
        " Distretto ",
        "District",
        "yes",
        "",
        "",
        "",
        "profile",
        "",
    ]
    form = load_instrument(write_form(tmp_path / "q.xlsx", survey=survey))
    assert form.question_names == ("district_id", "referent_name", "quote_ok")
    assert form.question("district_id").row == 4  # header, group, empty row, then this one
    assert form.label("district_id") == "Distretto"
    assert form.question("quote_ok").group == "profilo"
    assert form.choice_label("si_no", "si", lang="en") == "Yes"
    assert form.version == "2011.1" and form.wave == 2011 and form.synthetic
    assert form.crosswalk is None


def test_unknown_type_names_sheet_and_row(tmp_path):
    survey = [
        *GOOD_SURVEY[:2],
        ["txet", "q1", "Uno", "One", "", "", "", "", "profile", ""],
        *GOOD_SURVEY[2:],
    ]
    findings, message = findings_of(write_form(tmp_path / "q.xlsx", survey=survey))
    assert [(f.sheet, f.cell, f.value) for f in findings] == [("survey", "A4", "txet")]
    assert "sconosciuto" in message


def test_list_used_but_not_defined(tmp_path):
    survey = [
        *GOOD_SURVEY[:4],
        ["select_one colori", "colore", "Colore", "Colour", "", "", "", "", "profile", ""],
        GOOD_SURVEY[4],
    ]
    findings, _ = findings_of(write_form(tmp_path / "q.xlsx", survey=survey))
    assert [(f.sheet, f.cell, f.value) for f in findings] == [("survey", "A6", "colori")]


def test_duplicate_question_name(tmp_path):
    survey = [
        *GOOD_SURVEY[:4],
        ["text", "referent_name", "Altro", "Other", "", "", "", "", "profile", ""],
        GOOD_SURVEY[4],
    ]
    findings, _ = findings_of(write_form(tmp_path / "q.xlsx", survey=survey))
    assert [(f.sheet, f.cell) for f in findings] == [("survey", "B6")]
    assert "riga 4" in findings[0].message  # points at the first use too


def test_duplicate_option_name(tmp_path):
    choices = [*GOOD_CHOICES, ["si_no", "si", "Sì sì", "Yes yes", None]]
    findings, _ = findings_of(write_form(tmp_path / "q.xlsx", choices=choices))
    assert [(f.sheet, f.cell) for f in findings] == [("choices", "B4")]


def test_group_not_closed(tmp_path):
    findings, message = findings_of(write_form(tmp_path / "q.xlsx", survey=GOOD_SURVEY[:4]))
    assert [(f.sheet, f.cell, f.question) for f in findings] == [("survey", "A2", "profilo")]
    assert "non è chiuso" in message


def test_repeat_closed_without_opening(tmp_path):
    survey = [*GOOD_SURVEY, ["end_repeat", "", "", "", "", "", "", "", "", ""]]
    findings, _ = findings_of(write_form(tmp_path / "q.xlsx", survey=survey))
    assert [(f.sheet, f.cell) for f in findings] == [("survey", "A7")]


def test_end_group_closing_a_repeat_is_reported(tmp_path):
    survey = [
        ["begin_repeat", "r", "Rip", "Rep", "", "", "", "", "progress", ""],
        ["text", "x", "X", "X", "", "", "", "", "progress", ""],
        ["end_group", "", "", "", "", "", "", "", "", ""],
    ]
    findings, _ = findings_of(write_form(tmp_path / "q.xlsx", survey=survey))
    # the stray end_group (row 4) and the repeat left open (row 2)
    assert sorted((f.sheet, f.cell) for f in findings) == [("survey", "A2"), ("survey", "A4")]


def test_label_missing_in_declared_language(tmp_path):
    survey = [list(r) for r in GOOD_SURVEY]
    survey[2][3] = "   "  # English label of referent_name: only spaces
    choices = [GOOD_CHOICES[0], ["si_no", "no", "No", None, None]]
    findings, _ = findings_of(write_form(tmp_path / "q.xlsx", survey=survey, choices=choices))
    assert [(f.sheet, f.cell) for f in findings] == [("survey", "D4"), ("choices", "D3")]


def test_missing_sheet(tmp_path):
    findings, message = findings_of(write_form(tmp_path / "q.xlsx", skip_sheet="choices"))
    assert [f.sheet for f in findings] == ["choices"]
    assert "Manca il foglio" in message


def test_missing_column(tmp_path):
    header = [c for c in SURVEY_HEADER if c != "pii"]
    survey = [row[:-1] for row in GOOD_SURVEY]
    findings, _ = findings_of(write_form(tmp_path / "q.xlsx", survey=survey, survey_header=header))
    assert [(f.sheet, f.cell) for f in findings] == [("survey", "1")]
    assert "pii" in findings[0].message


@pytest.mark.parametrize(("column", "cell"), [("version", "C2"), ("wave", "D2")])
def test_settings_without_version_or_wave(tmp_path, column, cell):
    settings = [dict(zip(SETTINGS_HEADER, GOOD_SETTINGS[0], strict=True))]
    settings[0][column] = None
    findings, _ = findings_of(
        write_form(tmp_path / "q.xlsx", settings=[list(settings[0].values())])
    )
    assert [(f.sheet, f.cell) for f in findings] == [("settings", cell)]


def test_all_problems_are_collected_in_one_error(tmp_path):
    survey = [
        *GOOD_SURVEY[:4],
        ["bogus", "referent_name", "A", "B", "", "", "", "", "", ""],
        ["text", "district_id", "A", "B", "", "", "", "", "", ""],
    ]
    findings, message = findings_of(
        write_form(tmp_path / "q.xlsx", survey=survey, settings=[["T", "f", "", "", "", ""]])
    )
    kinds = sorted((f.sheet, f.cell) for f in findings)
    # group open (A2), unknown type (A6), duplicate name (B7), no version (C2), no wave (D2)
    assert kinds == [
        ("settings", "C2"),
        ("settings", "D2"),
        ("survey", "A2"),
        ("survey", "A6"),
        ("survey", "B7"),
    ]
    assert message.startswith("Il questionario q.xlsx ha 5 problemi")
    assert all(re.search(r"cella [A-Z]+\d+", line) for line in message.splitlines()[1:])


def test_not_a_workbook_is_an_input_error(tmp_path):
    bad = tmp_path / "q.xlsx"
    bad.write_text("non sono un xlsx", encoding="utf-8")
    with pytest.raises(InputError):
        load_instrument(bad)
    with pytest.raises(InputError):
        load_instrument(tmp_path / "assente.xlsx")


# ----------------------------------------------------------------- the demo questionnaires


@pytest.fixture(scope="module", params=[2011, 2012])
def demo(request, repo_root):
    return load_instrument(
        repo_root / "data" / "raw" / "demo" / str(request.param) / "questionnaire.xlsx"
    )


def test_demo_counts(demo):
    # ARCHITECTURE.md table: 7 profile + 6 repeat + 1 progress + 5 training + 7 governance
    assert len(demo.questions) == 26
    assert demo.list_names == (
        "ruolo",
        "si_no",
        "area",
        "stato",
        "temi_formazione",
        "livello",
        "formati",
        "accordo",
        "problemi",
    )
    assert demo.pii_fields == ("referent_name", "referent_email", "referent_phone")
    assert [q.name for q in demo.open_questions] == [
        "progress_difficulties",
        "training_needs_text",
        "gov_problems_text",
    ]
    assert [q.name for q in demo.repeat_fields("interventions")] == [
        "area",
        "description",
        "status",
        "budget_planned",
        "budget_spent",
        "end_planned",
    ]
    assert len(demo.likert_items) == 7
    assert demo.synthetic is True
    assert demo.version == f"{demo.wave}.1"
    assert demo.languages == ("it", "en")
    assert list(demo.coding_frame.columns) == [*CODING_FRAME_COLUMNS, *CODING_FRAME_OPTIONAL]


def test_demo_likert_scores(demo):
    assert demo.scores("livello") == {
        "molto_basso": 1,
        "basso": 2,
        "medio": 3,
        "alto": 4,
        "molto_alto": 5,
        "non_so": None,
    }
    assert demo.scores("accordo") == {
        "per_niente": 1,
        "poco": 2,
        "abbastanza": 3,
        "molto": 4,
        "del_tutto": 5,
        "non_so": None,
        "non_applicabile": None,
    }
    assert demo.choice_label("accordo", "del_tutto") == "Del tutto d'accordo"


def test_demo_question_attributes(demo):
    spent = demo.question("budget_spent")
    assert (spent.type, spent.constraint, spent.repeat, spent.group) == (
        "decimal",
        ". >= 0 and . <= 10000000",
        "interventions",
        "avanzamento",
    )
    assert spent.constraint_message("it").startswith("L'importo deve essere in euro")
    assert spent.soft_constraint == ". <= coalesce(${budget_planned}, .)"
    assert spent.relevant == ""  # asked for every intervention: 0 is an answer
    assert demo.question("district_id").required
    assert demo.question("training_topics").list_name == "temi_formazione"
    assert demo.question("gov_comuni").theme == "governance"


def test_demo_wave_differences(demo):
    topics = [c.name for c in demo.choices("temi_formazione")]
    if demo.wave == 2011:
        assert "training_awareness" in demo.question_names
        assert len(topics) == 8
        assert demo.crosswalk is None
    else:
        assert "training_awareness" not in demo.question_names
        assert "training_awareness_operators" in demo.question_names
        assert topics[-1] == "sostenibilita_ambientale" and len(topics) == 9
        cw = demo.crosswalk
        assert list(cw.columns) == [
            "kind",
            "from_wave",
            "to_wave",
            "old",
            "new",
            "comparable",
            "note",
        ]
        assert list(cw["kind"]) == [
            "question_renamed",
            "question_reworded",
            "option_added",
            "district_added",
        ]
        assert list(cw["comparable"][:2]) == ["yes", "no"]
