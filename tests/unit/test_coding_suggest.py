"""Segments and rule suggestions: evidence spans, negation, themes, fast == naive."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from distretti_survey.coding.frame import COLUMNS, load_frame
from distretti_survey.coding.suggest import (
    SUGGESTION_COLUMNS,
    Suggester,
    naive_suggest,
    split_segments,
    suggest_codes,
)


@pytest.fixture(scope="module")
def frame():
    return load_frame()


def _answers(*rows):
    return pd.DataFrame(
        [
            {
                "interview_id": i,
                "wave": 2011,
                "district_id": d,
                "question": q,
                "theme": t,
                "text": x,
            }
            for i, d, q, t, x in rows
        ]
    )


def test_segments_have_stable_ids_one_per_sentence():
    answers = _answers(("D01_2011", "D01", "gov_problems_text", "governance", "Uno. Due!\nTre"))
    segments = split_segments(answers)
    assert list(segments["segment_id"]) == [
        "D01_2011:gov_problems_text:01",
        "D01_2011:gov_problems_text:02",
        "D01_2011:gov_problems_text:03",
    ]
    assert list(segments["text"]) == ["Uno.", "Due!", "Tre"]


def test_keyword_matches_word_form_and_evidence_is_original_text(frame):
    answers = _answers(
        ("I1", "D01", "gov_problems_text", "governance", "Tra i Comuni manca il COORDINAMENTO.")
    )
    out = suggest_codes(answers, frame)
    assert list(out.columns) == list(SUGGESTION_COLUMNS)
    row = out.set_index("code_id").loc["GOV_COORDINAMENTO"]
    assert row["evidence"] == "COORDINAMENTO"
    assert row["rule"] == "keyword:coordinamento"
    assert row["segment_id"] == "I1:gov_problems_text:01"


def test_pattern_evidence_spans_original_words_with_apostrophes(frame):
    suggester = Suggester(frame)
    found = dict(
        (c, e) for c, e, _ in suggester.suggest_text("Purtroppo non c’è un manager.", "governance")
    )
    assert found["GOV_MANAGER"] == "non c’è un manager"


def test_negated_keyword_is_not_suggested(frame):
    suggester = Suggester(frame)
    codes = [
        c
        for c, _, _ in suggester.suggest_text(
            "Non ci sono problemi di coordinamento.", "governance"
        )
    ]
    assert "GOV_COORDINAMENTO" not in codes
    codes = [c for c, _, _ in suggester.suggest_text("Nessun ritardo nei lavori.", "progress")]
    assert "PRG_RITARDI" not in codes


def test_absence_of_a_need_is_the_need(frame):
    # issue 11: "Senza vetrine curate non si vende" says window displays are needed; an
    # earlier test locked in the miss. Training codes are absence codes in the frame.
    codes = [
        c
        for c, _, _ in Suggester(frame).suggest_text(
            "Senza vetrine curate non si vende.", "training"
        )
    ]
    assert codes == ["FOR_VETRINE"]


def test_later_unnegated_mention_is_found(frame):
    suggester = Suggester(frame)
    text = "Nessun ritardo nei pagamenti, ma il ritardo dei lavori pesa."
    # the first "ritardo" is negated by "Nessun": only the one after "ma" can suggest a code,
    # the sub-code of delayed works ("lavori in ritardo" in any order), without its parent
    found = {c: e for c, e, _ in suggester.suggest_text(text, "progress")}
    assert found == {"PRG_RIT_LAVORI": "ritardo dei lavori"}
    negated_only = "Nessun ritardo nei pagamenti."
    assert suggester.suggest_text(negated_only, "progress") == []


def test_only_codes_of_the_answer_theme(frame):
    # "vetrine" is a training keyword; asked under governance it must not be suggested
    answers = _answers(("I1", "D01", "gov_problems_text", "governance", "Corsi sulle vetrine."))
    assert suggest_codes(answers, frame).empty


def test_fast_and_naive_give_the_same_suggestions(frame):
    rng = np.random.default_rng(11)
    phrases = [
        "i lavori sono fermi",
        "non c'è un manager",
        "la Regione chiede rendicontazione",
        "nessun problema di coordinamento",
        "corsi di inglese",
        "vetrine",
        "e-commerce",
        "il patto di stabilità blocca il cofinanziamento",
        "le associazioni non partecipano",
        "abbiamo completato la segnaletica",
        "mancano i dati",
        "tutto bene",
        "ma",
        "non",
    ]
    themes = {
        "progress_difficulties": "progress",
        "training_needs_text": "training",
        "gov_problems_text": "governance",
    }
    rows = []
    for i in range(60):
        question = list(themes)[i % 3]
        words = rng.choice(phrases, size=rng.integers(1, 5))
        rows.append((f"I{i:02d}", f"D{i % 7:02d}", question, themes[question], " ".join(words)))
    segments = split_segments(_answers(*rows))
    fast = Suggester(frame).suggest(segments)
    assert len(fast) > 30
    assert_frame_equal(fast, naive_suggest(segments, frame))


def test_invalid_frame_raises(frame):
    from distretti_survey.errors import ConfigError

    broken = frame.copy()
    broken.loc[0, "patterns"] = "("
    assert list(broken.columns) == [*COLUMNS, "polarity"]
    with pytest.raises(ConfigError):
        Suggester(broken)
