"""Columns recognised by content: names, labels in any language, group paths, meta columns."""

from __future__ import annotations

import pytest

from distretti_survey.ingest.columns import locate_header, meta_name, resolve_column
from distretti_survey.ingest.spec import FormSpec, QuestionSpec, RepeatSpec
from distretti_survey.ingest.values import (
    Choice,
    parse_machine_date,
    parse_machine_number,
    parse_number,
    resolve_choice,
)


@pytest.fixture
def spec() -> FormSpec:
    topics = (
        Choice(
            "marketing_digitale",
            "Marketing digitale",
            None,
            ("Marketing digitale", "Digital marketing"),
        ),
        Choice("reti_impresa", "Reti d'impresa", None, ("Reti d'impresa", "Business networks")),
    )
    questions = {
        "district_id": QuestionSpec("district_id", "text", label="Codice del distretto",
                                    labels=("Codice del distretto", "District code")),
        "status": QuestionSpec("status", "select_one", "stato", label="Stato", repeat="interventi",
                               labels=("Stato", "Status of the work")),
        "budget": QuestionSpec("budget", "decimal", label="Budget (euro)", repeat="interventi",
                               labels=("Budget (euro)", "Budget (EUR)")),
        "topics": QuestionSpec("topics", "select_multiple", "temi", label="Temi",
                               labels=("Temi", "Topics")),
    }  # fmt: skip
    return FormSpec(
        questions=questions,
        choices={"temi": topics, "stato": ()},
        repeats={"interventi": RepeatSpec("interventi")},
    )


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("district_id", ("district_id", False)),
        ("profilo/district_id", ("district_id", False)),
        ("profilo.district_id", ("district_id", False)),
        ("profilo-district_id", ("district_id", False)),
        ("Codice del distretto", ("district_id", True)),
        ("Interview profile.District code", ("district_id", True)),
        ("  district code ", ("district_id", True)),
        ("topics/reti_impresa", ("topics/reti_impresa", False)),
        ("formazione/topics/marketing_digitale", ("topics/marketing_digitale", False)),
        ("Topics/Digital marketing", ("topics/marketing_digitale", True)),
        ("Training.Topics.Business networks", ("topics/reti_impresa", True)),
        ("status", ("status", False)),  # a question, not ODK's Status column
        ("Status", ("_odk_status", False)),
        ("KEY", ("_key", False)),
        ("meta/instanceID", ("_instance_id", False)),
        ("meta-instanceID", ("_instance_id", False)),
        ("_validation_status", ("_validation_status", False)),
        ("something else", (None, False)),
    ],
)
def test_resolve_column(spec, column, expected):
    assert resolve_column(column, spec) == expected


def test_meta_name_never_takes_a_question(spec):
    assert meta_name("status", spec) is None
    assert meta_name("start", spec) == "_start"


def test_locate_header_below_a_title_and_with_columns_in_any_order(spec):
    rows = [
        ["Interventi del distretto", None, None],
        [None, None, None],
        ["Budget (EUR)", "Stato", "note"],
        [1200.5, "Completato", "x"],
    ]
    header, columns, labels = locate_header(rows, spec, {"status", "budget"})
    assert header == 2 and columns == {0: "budget", 1: "status"} and labels


def test_labels_row_then_names_row_are_both_header(spec):
    rows = [["Stato", "Budget (euro)"], ["status", "budget"], ["in_corso", 3]]
    header, columns, _ = locate_header(rows, spec, {"status", "budget"})
    assert header == 1 and columns == {0: "status", 1: "budget"}


def test_choice_labels_in_every_language_resolve_to_the_code(spec):
    options = spec.choices["temi"]
    assert resolve_choice("Business networks", options).code == "reti_impresa"
    assert resolve_choice("digital MARKETING", options).code == "marketing_digitale"


@pytest.mark.parametrize(
    ("text", "machine", "italian"),
    [
        ("0.125", 0.125, 0.125),
        ("1.234", 1.234, 1234.0),
        ("12.500", 12.5, 12500.0),
        ("12000", 12000.0, 12000.0),
    ],
)
def test_machine_numbers_against_italian_typing(text, machine, italian):
    assert parse_machine_number(text) == machine
    assert parse_number(text).value == italian


def test_machine_values_leave_anything_else_to_the_validator():
    assert parse_machine_number("1.234,50") == "1.234,50"
    assert parse_machine_date("marzo 2013") == "marzo 2013"
    assert str(parse_machine_date("2013-03-31T23:10:00.000+02:00")) == "2013-03-31"
