"""Fingerprints, carry-over between waves, reconciliation and final codes."""

import hashlib

import numpy as np
import pandas as pd

from distretti_survey.coding.decisions import (
    DECISION_COLUMNS,
    FINAL_COLUMNS,
    carry_over,
    decisions_from_suggestions,
    final_codes,
    fingerprint,
    reconcile,
    simulate_second_coder,
    unresolved,
)


def test_fingerprint_is_sha256_of_normalised_text():
    expected = hashlib.sha256(b"l attivita e ferma").hexdigest()[:16]
    assert fingerprint("L’Attività è  ferma!") == expected
    assert fingerprint("l'attivita E FERMA") == expected
    assert fingerprint("L'attività è ferma ora") != expected


def _segments(wave, texts):
    rows = []
    for i, text in enumerate(texts, start=1):
        rows.append(
            {
                "segment_id": f"I{i}_{wave}:gov_problems_text:01",
                "interview_id": f"I{i}_{wave}",
                "wave": wave,
                "district_id": f"D0{i}",
                "question": "gov_problems_text",
                "theme": "governance",
                "segment": 1,
                "text": text,
                "fingerprint": fingerprint(text),
            }
        )
    return pd.DataFrame(rows)


def _decisions(segments, values, coder):
    """values: {segment index: {code: 0/1}}"""
    rows = []
    for index, codes in values.items():
        seg = segments.iloc[index]
        for code, value in codes.items():
            rows.append(
                (
                    seg["segment_id"],
                    seg["interview_id"],
                    seg["wave"],
                    seg["district_id"],
                    seg["question"],
                    seg["fingerprint"],
                    code,
                    value,
                    coder,
                )
            )
    out = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    out["value"] = out["value"].astype("Int64")
    return out


def test_carry_over_reuses_unchanged_text_and_counts():
    old = _segments(2011, ["Manca il manager.", "Troppa burocrazia.", "Decisioni lente."])
    new = _segments(2012, ["manca il MANAGER", "Troppa burocrazia regionale.", "Decisioni lente."])
    earlier = _decisions(
        old, {0: {"GOV_MANAGER": 1, "GOV_RISORSE": 0}, 2: {"GOV_DECISIONI": 1}}, "coder_a"
    )
    result = carry_over(new, earlier)
    reused, needs = result
    assert result.n_reused == 2
    assert result.n_needs_coding == 1
    assert list(needs["text"]) == ["Troppa burocrazia regionale."]
    assert list(reused.columns) == list(DECISION_COLUMNS)
    assert set(reused["segment_id"]) == {
        "I1_2012:gov_problems_text:01",
        "I3_2012:gov_problems_text:01",
    }
    assert (reused["wave"] == 2012).all()
    assert reused.set_index("code_id")["value"].to_dict() == {
        "GOV_DECISIONI": 1,
        "GOV_MANAGER": 1,
        "GOV_RISORSE": 0,
    }


def test_carry_over_needs_same_question():
    old = _segments(2011, ["Manca il manager."])
    new = _segments(2012, ["Manca il manager."]).assign(question="progress_difficulties")
    result = carry_over(new, _decisions(old, {0: {"GOV_MANAGER": 1}}, "coder_a"))
    assert (result.n_reused, result.n_needs_coding) == (0, 1)


def test_reconcile_priority_and_no_coder_wins_a_disagreement():
    seg = _segments(2011, ["a", "b", "c", "d", "e"])
    a = _decisions(seg, {0: {"X": 1}, 1: {"X": 1}, 2: {"X": 1}, 4: {"X": 1}}, "coder_a")
    b = _decisions(seg, {0: {"X": 0}, 1: {"X": 1}, 3: {"X": 1}, 4: {"X": 0}}, "coder_b")
    c = _decisions(seg, {0: {"X": 0}}, "consensus")
    out = reconcile(pd.concat([a, b, c])).set_index("segment_id")
    ids = list(seg["segment_id"])
    assert out.loc[ids, "source"].tolist() == [
        "consensus",  # A and B disagree, the consensus settles it
        "agreed",  # A and B agree
        "coder_a",  # only A coded it
        "coder_b",  # only B coded it
        "unresolved",  # A and B disagree, no consensus: nobody wins
    ]
    assert out.loc[ids[:4], "value"].tolist() == [0, 1, 1, 1]
    assert pd.isna(out.loc[ids[4], "value"])
    still_open = unresolved(pd.concat([a, b, c]))
    assert list(still_open["segment_id"]) == [ids[4]]
    assert still_open[["coder_a", "coder_b"]].values.tolist() == [[1, 0]]


def test_unresolved_disagreement_applies_no_code_and_is_not_reused():
    seg = _segments(2011, ["Manca il manager e la Regione è lenta."])
    a = _decisions(seg, {0: {"GOV_MANAGER": 1, "GOV_BUROCRAZIA": 1}}, "coder_a")
    b = _decisions(seg, {0: {"GOV_MANAGER": 1, "GOV_BUROCRAZIA": 0}}, "coder_b")
    empty = pd.DataFrame(
        columns=[
            "segment_id",
            "interview_id",
            "wave",
            "district_id",
            "question",
            "code_id",
            "evidence",
            "rule",
        ]
    )
    final = final_codes(empty, pd.concat([a, b]))
    # coder A alone does not impose GOV_BUROCRAZIA; the agreed code stays
    assert list(zip(final["code_id"], final["source"], strict=True)) == [("GOV_MANAGER", "agreed")]
    # the same sentence in the next wave goes back to the coders
    new = _segments(2012, ["Manca il manager e la Regione è lenta."])
    result = carry_over(new, pd.concat([a, b]))
    assert (result.n_reused, result.n_needs_coding) == (0, 1)


def test_final_codes_prefers_human_decisions_and_keeps_rule_elsewhere():
    seg = _segments(2011, ["uno", "due", "tre"])
    keys = seg[["segment_id", "interview_id", "wave", "district_id", "question"]]
    suggestions = pd.concat(
        [
            keys.iloc[[0]].assign(code_id="GOV_A"),
            keys.iloc[[1]].assign(code_id="GOV_A"),
            keys.iloc[[2]].assign(code_id="GOV_B"),
        ]
    )
    suggestions = suggestions.assign(evidence="x", rule="keyword:x")
    human = pd.concat(
        [
            _decisions(seg, {0: {"GOV_A": 0, "GOV_B": 1}, 1: {"GOV_A": 1}}, "coder_a"),
            _decisions(seg, {1: {"GOV_A": 1}}, "coder_b"),
        ]
    )
    out = final_codes(suggestions, human)
    assert list(out.columns) == list(FINAL_COLUMNS)
    got = list(zip(out["segment_id"].str[:2], out["code_id"], out["source"], strict=True))
    assert got == [
        ("I1", "GOV_B", "coder_a"),
        ("I2", "GOV_A", "agreed"),
        ("I3", "GOV_B", "rule"),
    ]


def test_decisions_from_suggestions_and_simulated_coder():
    seg = _segments(2011, ["uno", "due"])
    frame = pd.DataFrame(
        {"code_id": ["GOV_A", "GOV_B", "FOR_C"], "theme": ["governance", "governance", "training"]}
    )
    sugg = pd.DataFrame({"segment_id": [seg.at[0, "segment_id"]], "code_id": ["GOV_B"]})
    a = decisions_from_suggestions(sugg, seg, frame, coder="coder_a")
    assert len(a) == 4  # 2 segments x 2 governance codes
    assert a["value"].tolist() == [0, 1, 0, 0]
    never = simulate_second_coder(a, np.random.default_rng(1), flip=0.0)
    assert never["value"].tolist() == a["value"].tolist()
    assert (never["coder"] == "coder_b").all()
    always = simulate_second_coder(a, np.random.default_rng(1), flip=1.0)
    assert always["value"].tolist() == [1, 0, 1, 1]
    same = simulate_second_coder(a, np.random.default_rng(5), flip=0.5)
    again = simulate_second_coder(a, np.random.default_rng(5), flip=0.5)
    assert same["value"].tolist() == again["value"].tolist()
