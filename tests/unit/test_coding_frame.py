"""Validation of the coding frame: each rule names the sheet and the Excel cell."""

import pandas as pd
import pytest

from distretti_survey.coding.frame import COLUMNS, THEMES, check_frame, load_frame, validate_frame
from distretti_survey.errors import ConfigError


def _frame(rows):
    """Build a frame from (code_id, theme, parent, keywords, patterns) tuples."""
    data = []
    for code, theme, parent, keywords, patterns in rows:
        row = dict.fromkeys(COLUMNS, "")
        row.update(code_id=code, theme=theme, parent=parent, keywords=keywords, patterns=patterns)
        data.append(row)
    return pd.DataFrame(data, columns=list(COLUMNS))


GOOD = [
    ("GOV_A", "governance", "", "coordinamento", ""),
    ("GOV_A1", "governance", "GOV_A", "capofila", ""),
    ("FOR_B", "training", "", "", r"vetrin\w*"),
]


def _cells(findings, severity="error"):
    return [(f.sheet, f.cell) for f in findings if f.severity == severity]


def test_packaged_frame_is_valid_and_covers_three_themes_with_hierarchy():
    frame = load_frame()
    assert len(validate_frame(frame)) == 0
    counts = frame["theme"].value_counts()
    assert set(counts.index) == set(THEMES)
    assert all(8 <= counts[theme] <= 12 for theme in THEMES)
    for theme in THEMES:
        assert (frame.loc[frame["theme"] == theme, "parent"] != "").any()


def test_good_frame_has_no_findings():
    assert len(validate_frame(_frame(GOOD))) == 0


def test_duplicate_id_is_reported_on_second_row():
    findings = validate_frame(_frame([*GOOD, ("GOV_A", "governance", "", "x", "")]))
    assert _cells(findings) == [("coding_frame", "A5")]
    assert "riga 2" in findings.errors[0].message


def test_unknown_parent_names_parent_cell():
    findings = validate_frame(_frame([*GOOD, ("GOV_C", "governance", "GOV_X", "x", "")]))
    assert _cells(findings) == [("coding_frame", "C5")]


def test_parent_of_other_theme_is_an_error():
    findings = validate_frame(_frame([*GOOD, ("FOR_C", "training", "GOV_A", "x", "")]))
    assert _cells(findings) == [("coding_frame", "C5")]


def test_cycle_of_parents_is_reported_on_each_code_of_the_cycle():
    rows = [("GOV_P", "governance", "GOV_Q", "x", ""), ("GOV_Q", "governance", "GOV_P", "y", "")]
    findings = validate_frame(_frame(rows), sheet="piano")
    assert _cells(findings) == [("piano", "C2"), ("piano", "C3")]


def test_pattern_that_does_not_compile():
    findings = validate_frame(_frame([*GOOD, ("GOV_C", "governance", "", "", "ok;(non chiusa")]))
    assert _cells(findings) == [("coding_frame", "K5")]
    assert findings.errors[0].value == "(non chiusa"


def test_theme_outside_the_three():
    findings = validate_frame(_frame([*GOOD, ("PRO_C", "profile", "", "x", "")]))
    assert _cells(findings) == [("coding_frame", "B5")]


def test_leaf_code_without_rules_is_a_warning():
    findings = validate_frame(_frame([*GOOD, ("GOV_C", "governance", "", "", "")]))
    assert _cells(findings) == []
    assert _cells(findings, "warning") == [("coding_frame", "J5")]


def test_missing_column_and_check_frame_raise_config_error():
    with pytest.raises(ConfigError, match="patterns"):
        validate_frame(_frame(GOOD).drop(columns="patterns"))
    with pytest.raises(ConfigError, match="Piano di codifica non valido"):
        check_frame(_frame([*GOOD, ("GOV_A", "governance", "", "x", "")]))
