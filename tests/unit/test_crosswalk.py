"""Crosswalk between waves: one test per rule, and the id-reuse error."""

from __future__ import annotations

import pandas as pd
import pytest
from test_instrument import GOOD_CHOICES, GOOD_SURVEY, write_form

from distretti_survey.crosswalk import COLUMNS, build_crosswalk
from distretti_survey.errors import ConfigError
from distretti_survey.instrument import load_instrument

END = GOOD_SURVEY[-1]
TOPICS = [
    ["temi", "vetrine", "Vetrine", "Windows", None],
    ["temi", "web", "Web", "Web", None],
    ["temi", "social", "Social", "Social", None],
]


def question(kind, name, label):
    return [kind, name, label, label, "", "", "", "", "training", ""]


def form(tmp_path, name, extra, *, choices=TOPICS, wave=2011):
    path = write_form(
        tmp_path / name,
        survey=[*GOOD_SURVEY[:-1], *extra, END],
        choices=[*GOOD_CHOICES, *choices],
        settings=[["Prova", "prova", f"{wave}.1", wave, "Italiano (it)", "yes"]],
    )
    return load_instrument(path)


def rows(*records):
    return pd.DataFrame([dict(zip(COLUMNS, r, strict=True)) for r in records], columns=COLUMNS)


@pytest.fixture
def before(tmp_path):
    return form(
        tmp_path,
        "a.xlsx",
        [
            question("select_multiple temi", "topics", "Temi richiesti"),
            question("text", "needs", "Esigenze"),
        ],
    )


def test_unchanged_questions_compare(tmp_path, before):
    after = form(
        tmp_path,
        "b.xlsx",
        [
            question("select_multiple temi", "topics", "Temi richiesti"),
            question("text", "needs", "Esigenze"),
        ],
        wave=2012,
    )
    crosswalk, findings = build_crosswalk(None, before, after)
    assert len(findings) == 0
    assert crosswalk.rename_map()["topics"] == "topics"
    assert crosswalk.excluded().empty


def test_renamed_question_maps_back_to_the_old_id(tmp_path, before):
    after = form(
        tmp_path,
        "b.xlsx",
        [
            question("select_multiple temi", "topics_needed", "Temi richiesti"),
            question("text", "needs", "Esigenze"),
        ],
        wave=2012,
    )
    crosswalk, findings = build_crosswalk(
        rows(("question_renamed", 2011, 2012, "topics", "topics_needed", "yes", "")), before, after
    )
    assert len(findings) == 0
    assert crosswalk.rename_map()["topics_needed"] == "topics"


def test_id_reused_for_a_different_question_is_an_error(tmp_path, before):
    # "needs" becomes a multiple choice: same id, different question.
    after = form(
        tmp_path,
        "b.xlsx",
        [
            question("select_multiple temi", "topics", "Temi richiesti"),
            question("select_multiple temi", "needs", "Esigenze"),
        ],
        wave=2012,
    )
    _, findings = build_crosswalk(None, before, after, file="b.xlsx")
    [error] = findings.errors
    assert "needs" in error.message and "non si riusa" in error.message
    assert error.sheet == "survey" and error.cell.startswith("A")


def test_renamed_id_used_again_in_the_new_wave_is_an_error(tmp_path, before):
    after = form(
        tmp_path,
        "b.xlsx",
        [
            question("select_multiple temi", "topics_needed", "Temi richiesti"),
            question("text", "topics", "Altro testo"),
            question("text", "needs", "Esigenze"),
        ],
        wave=2012,
    )
    _, findings = build_crosswalk(
        rows(("question_renamed", 2011, 2012, "topics", "topics_needed", "yes", "")), before, after
    )
    assert any(f.cell == "D2" and "non si riusa" in f.message for f in findings.errors)


def test_new_id_that_existed_before_is_an_error(tmp_path, before):
    after = form(tmp_path, "b.xlsx", [question("text", "needs", "Esigenze")], wave=2012)
    _, findings = build_crosswalk(
        rows(("question_renamed", 2011, 2012, "topics", "needs", "yes", "")), before, after
    )
    assert any(f.cell == "E2" and "esisteva già" in f.message for f in findings.errors)


def test_reworded_question_needs_a_row_else_it_is_left_out(tmp_path, before):
    after = form(
        tmp_path,
        "b.xlsx",
        [
            question("select_multiple temi", "topics", "Temi richiesti"),
            question("text", "needs", "Esigenze formative degli operatori"),
        ],
        wave=2012,
    )
    crosswalk, findings = build_crosswalk(None, before, after)
    [warning] = findings.warnings
    assert "needs" in warning.message
    assert crosswalk.excluded().set_index("item").loc["needs", "reason"] == (
        "testo cambiato senza riga nel crosswalk"
    )
    crosswalk, findings = build_crosswalk(
        rows(("question_reworded", 2011, 2012, "needs", "needs", "no", "")), before, after
    )
    assert len(findings) == 0
    assert "non comparabile" in crosswalk.excluded().set_index("item").loc["needs", "reason"]
    crosswalk, _ = build_crosswalk(
        rows(("question_reworded", 2011, 2012, "needs", "needs", "yes", "")), before, after
    )
    assert crosswalk.excluded().empty


def test_removed_question_is_listed_with_the_reason(tmp_path, before):
    after = form(
        tmp_path,
        "b.xlsx",
        [question("select_multiple temi", "topics", "Temi richiesti")],
        wave=2012,
    )
    crosswalk, _ = build_crosswalk(None, before, after)
    assert crosswalk.excluded().set_index("item").loc["needs", "reason"] == (
        "assente dal questionario 2012"
    )


def test_added_option_is_left_out_and_must_be_new(tmp_path, before):
    after = form(
        tmp_path,
        "b.xlsx",
        [
            question("select_multiple temi", "topics", "Temi richiesti"),
            question("text", "needs", "Esigenze"),
        ],
        choices=[*TOPICS, ["temi", "green", "Sostenibilità", "Green", None]],
        wave=2012,
    )
    crosswalk, findings = build_crosswalk(
        rows(("option_added", 2011, 2012, "", "temi/green", "no", "")), before, after
    )
    assert len(findings) == 0
    assert list(crosswalk.excluded()["item"]) == ["temi/green"]
    _, findings = build_crosswalk(
        rows(("option_added", 2011, 2012, "", "temi/web", "no", "")), before, after
    )
    assert [f.cell for f in findings.errors] == ["E2"]


def test_merged_options_recode_the_old_codes(tmp_path, before):
    merged = [TOPICS[0], ["temi", "digitale", "Digitale", "Digital", None]]
    after = form(
        tmp_path,
        "b.xlsx",
        [
            question("select_multiple temi", "topics", "Temi richiesti"),
            question("text", "needs", "Esigenze"),
        ],
        choices=merged,
        wave=2012,
    )
    crosswalk, findings = build_crosswalk(
        rows(("option_merged", 2011, 2012, "temi/web;temi/social", "temi/digitale", "yes", "")),
        before,
        after,
    )
    assert not findings.has_errors
    assert crosswalk.recode == {"temi": {"web": "digitale", "social": "digitale"}}


def test_unknown_kind_and_missing_columns(tmp_path, before):
    _, findings = build_crosswalk(
        rows(("question_moved", 2011, 2012, "a", "b", "", "")), before, before
    )
    assert [f.cell for f in findings.errors] == ["A2"]
    with pytest.raises(ConfigError, match="comparable"):
        build_crosswalk(pd.DataFrame({"kind": ["option_added"]}), before, before)
