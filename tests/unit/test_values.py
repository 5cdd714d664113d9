"""Value parsing: Italian numbers, dates, percentages, list answers (expected values by hand)."""

import datetime as dt

import pytest

from distretti_survey.ingest.values import (
    Choice,
    column_letter,
    fold,
    parse_date,
    parse_number,
    parse_tick,
    resolve_choice,
)


@pytest.mark.parametrize(
    ("typed", "value", "kind", "unit"),
    [
        (1234.5, 1234.5, "number", ""),
        (3, 3.0, "number", ""),
        ("1.234,50", 1234.5, "text", ""),
        ("€ 2.000", 2000.0, "text", "€"),
        ("2.000 euro", 2000.0, "text", "€"),
        ("€ 12.500,00", 12500.0, "text", "€"),
        ("12.500,-", 12500.0, "text", ""),
        ("1.234.567", 1234567.0, "text", ""),
        ("1,234.50", 1234.5, "text", ""),
        ("12,5", 12.5, "text", ""),
        ("2.5", 2.5, "text", ""),
        ("1 234", 1234.0, "text", ""),
        ("-300", -300.0, "text", ""),
        ("15%", 15.0, "text", "%"),
        ("0,5 %", 0.5, "text", "%"),
        ("1.23.4", None, "invalid", ""),
        ("circa mille", None, "invalid", ""),
        ("", None, "empty", ""),
        (None, None, "empty", ""),
    ],
)
def test_parse_number(typed, value, kind, unit):
    parsed = parse_number(typed)
    assert (parsed.value, parsed.kind, parsed.unit) == (value, kind, unit)


@pytest.mark.parametrize(
    ("typed", "value", "kind"),
    [
        (dt.datetime(2012, 12, 31, 0, 0), dt.date(2012, 12, 31), "date"),
        (dt.date(2011, 5, 2), dt.date(2011, 5, 2), "date"),
        ("31/12/2012", dt.date(2012, 12, 31), "text"),
        ("31.12.12", dt.date(2012, 12, 31), "text"),
        ("12 dicembre 2011", dt.date(2011, 12, 12), "text"),
        ("dic 2012", dt.date(2012, 12, 1), "month"),
        ("Dicembre 2012", dt.date(2012, 12, 1), "month"),
        ("3/2012", dt.date(2012, 3, 1), "month"),
        ("2012-03-01", dt.date(2012, 3, 1), "iso"),
        ("2012-03-01T10:15:00.000+01:00", dt.date(2012, 3, 1), "iso"),
        # 41274 days after 1899-12-30 is 2012-12-31 (Excel's serial for that day)
        (41274.0, dt.date(2012, 12, 31), "serial"),
        ("31/02/2012", None, "invalid"),
        ("presto", None, "invalid"),
        (12.0, None, "invalid"),
        ("", None, "empty"),
    ],
)
def test_parse_date(typed, value, kind):
    parsed = parse_date(typed)
    assert (parsed.value, parsed.kind) == (value, kind)


STATO = [
    Choice("non_avviato", "Non avviato"),
    Choice("in_corso", "In corso"),
    Choice("completato", "Completato"),
]


@pytest.mark.parametrize(
    ("typed", "code", "how"),
    [
        ("in_corso", "in_corso", "code"),
        ("In corso", "in_corso", "label"),
        ("IN CORSO", "in_corso", "variant"),
        ("  in   corso ", "in_corso", "variant"),
        ("in corso", "in_corso", "variant"),
        ("Non avviàto", "non_avviato", "variant"),
        ("in ritardo", None, "unknown"),
    ],
)
def test_resolve_choice(typed, code, how):
    found = resolve_choice(typed, STATO)
    assert (found.code, found.how) == (code, how)


def test_unknown_choice_suggests_the_closest_label():
    assert resolve_choice("completo", STATO).suggestions[0] == "Completato"


@pytest.mark.parametrize(
    ("typed", "tick"),
    [
        ("sì", True),
        ("Si", True),
        ("x", True),
        (1.0, True),
        (1, True),
        ("", False),
        (None, False),
        (0.0, False),
        ("no", False),
        ("forse", None),
    ],
)
def test_parse_tick(typed, tick):
    assert parse_tick(typed) is tick


def test_column_letters_and_fold():
    assert [column_letter(i) for i in (0, 2, 25, 26, 27, 51, 52)] == [
        "A",
        "C",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
    ]
    assert fold(" Sì,  Molto_Alto. ") == "si, molto alto"


def test_exact_choice_lookup_agrees_with_resolve_choice(repo_root):
    # The validator's one-lookup shortcut must give resolve_choice's answer for every text
    # typed exactly: every code and label of the demo lists, and a label that is another
    # choice's code (the code wins).
    from distretti_survey.ingest.spec import FormSpec, form_spec
    from distretti_survey.instrument import load_instrument

    spec = form_spec(load_instrument(repo_root / "data/raw/demo/2011/questionnaire.xlsx"))
    clash = (Choice("a", "b"), Choice("b", "Bi", labels=("Bi", "a")), Choice("c", "b"))
    tricky = FormSpec(questions={}, choices={"clash": clash})
    for source in (spec, tricky):
        for list_name, choices in source.choices.items():
            table = source.exact_choices[list_name]
            texts = {t for c in choices for t in (c.code, c.label, *c.labels)}
            for text in texts:
                found = resolve_choice(text, choices)
                assert table[text] == (found.code, found.how), (list_name, text)
