"""The model learned from coders' decisions, and how it combines with the rules."""

import pandas as pd
import pytest

from distretti_survey.coding.frame import load_frame
from distretti_survey.coding.model import train_model, training_from_decisions
from distretti_survey.coding.suggest import (
    RULES_AND_MODEL,
    RULES_ONLY,
    Suggester,
    split_segments,
    suggest_codes,
)


@pytest.fixture(scope="module")
def frame():
    return load_frame()


def _training(n_pos: int, n_neg: int) -> pd.DataFrame:
    # "zorblat" is an invented word no rule knows: only the model can learn it means a manager
    pos = [
        (f"Il zorblat numero {i} non basta mai", "governance", "GOV_MANAGER") for i in range(n_pos)
    ]
    neg = [(f"Le riunioni del lunedì {i} vanno lisce", "governance", "") for i in range(n_neg)]
    return pd.DataFrame(pos + neg, columns=["text", "theme", "codes"])


def _answers(*texts, theme="governance", question="gov_problems_text"):
    return pd.DataFrame(
        [
            {"interview_id": f"I{i}", "wave": 2012, "district_id": "D01", "question": question,
             "theme": theme, "text": text}
            for i, text in enumerate(texts)
        ]
    )  # fmt: skip


def test_model_learns_a_word_no_rule_knows_and_calibrates_with_enough_examples(frame):
    model = train_model(_training(10, 10), frame)
    probs = model.predict_texts([("Serve uno zorblat", "governance")])[
        ("Serve uno zorblat", "governance")
    ]
    assert probs["GOV_MANAGER"] > 0.6
    assert model.calibrated("GOV_MANAGER")
    few = train_model(_training(3, 10), frame)
    assert "GOV_MANAGER" in few.themes["governance"].classifiers
    assert not few.calibrated("GOV_MANAGER")
    # a code with no positive example gets no classifier: the rules alone speak for it
    assert "GOV_RISORSE" not in few.themes["governance"].classifiers


def test_model_alone_suggests_a_calibrated_code_with_source_model(frame):
    model = train_model(_training(10, 10), frame)
    out = Suggester(frame, model).suggest(split_segments(_answers("Ci manca uno zorblat")))
    row = out.set_index("code_id").loc["GOV_MANAGER"]
    assert row["source"] == "model" and row["rule"] == "model"
    assert 0.6 <= row["confidence"] <= 1
    assert out.attrs["mode"] == RULES_AND_MODEL


def test_without_training_only_rules_run_and_the_result_says_so(frame):
    out = suggest_codes(_answers("Non c'è coordinamento tra i comuni."), frame)
    assert out.attrs["mode"] == RULES_ONLY
    assert set(out["source"]) == {"rule"}
    assert Suggester(frame).mode == RULES_ONLY


def test_rule_that_coders_always_rejected_is_dropped(frame):
    # "tavolo" is a keyword of slow decisions; the coders never applied it to these texts
    rejected = pd.DataFrame(
        [(f"Il tavolo numero {i} è in sala", "governance", "") for i in range(6)],
        columns=["text", "theme", "codes"],
    )
    model = train_model(rejected, frame)
    assert model.rule_stats[("GOV_DECISIONI", "keyword:tavolo")] == (6, 0)
    answers = _answers("Il tavolo è rotondo.")
    assert "GOV_DECISIONI" in set(suggest_codes(answers, frame)["code_id"])
    assert "GOV_DECISIONI" not in set(suggest_codes(answers, frame, training=rejected)["code_id"])


def test_combined_rows_are_ranked_have_confidence_source_evidence(frame):
    dev = pd.read_csv("tests/data/coding_dev.csv", dtype=str, keep_default_na=False)
    training = dev[dev["split"] == "train"].rename(columns={"gold_codes": "codes"})
    test = dev[dev["split"] == "test"]
    answers = test.assign(interview_id=test["id"], wave=2012, district_id="D01")
    out = suggest_codes(answers, frame, training=training)
    assert out["confidence"].between(0, 1).all()
    assert set(out["source"]) <= {"rule", "model", "both"}
    ruled = out[out["source"] != "model"]
    assert (ruled["evidence"].str.len() > 0).all()
    for _, part in out.groupby("segment_id", sort=False):
        assert list(part["confidence"]) == sorted(part["confidence"], reverse=True)


def test_training_and_suggestions_are_deterministic(frame, tmp_path):
    dev = pd.read_csv("tests/data/coding_dev.csv", dtype=str, keep_default_na=False)
    training = dev[dev["split"] == "train"].rename(columns={"gold_codes": "codes"})
    answers = dev.assign(interview_id=dev["id"], wave=2012, district_id="D01")
    first = suggest_codes(answers, frame, training=training)
    second = suggest_codes(answers, frame, training=training)
    first.to_csv(tmp_path / "a.csv", index=False)
    second.to_csv(tmp_path / "b.csv", index=False)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_training_from_decisions_keeps_decided_segments_with_their_codes():
    segments = pd.DataFrame(
        {
            "segment_id": ["S1", "S2", "S3"],
            "theme": ["governance"] * 3,
            "text": ["uno", "due", "tre"],
        }
    )
    rows = [
        ("S1", "GOV_B", 1, "coder_a"), ("S1", "GOV_A", 1, "coder_a"), ("S1", "GOV_C", 0, "coder_a"),
        ("S2", "GOV_A", 1, "coder_a"), ("S2", "GOV_A", 0, "consensus"),
    ]  # fmt: skip
    decisions = pd.DataFrame(
        [
            {"segment_id": s, "interview_id": "I", "wave": 2011, "district_id": "D",
             "question": "q", "fingerprint": s, "code_id": c, "value": v, "coder": coder}
            for s, c, v, coder in rows
        ]
    )  # fmt: skip
    decisions["value"] = decisions["value"].astype("Int64")
    out = training_from_decisions(segments, decisions)
    # S3 was never decided; S2's consensus rejected the code: decided, with no code
    assert out.to_dict("records") == [
        {"text": "uno", "theme": "governance", "codes": "GOV_A;GOV_B"},
        {"text": "due", "theme": "governance", "codes": ""},
    ]
