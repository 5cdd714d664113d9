"""Frequencies, district x code matrix, co-occurrence and quotes of coded answers."""

import pandas as pd
import pytest

from distretti_survey.coding.outputs import (
    code_cooccurrence,
    code_frequencies,
    district_code_matrix,
    illustrative_quotes,
    scrub_contacts,
)

FRAME = pd.DataFrame(
    {
        "code_id": ["G", "G1", "G2", "H"],
        "theme": ["governance"] * 4,
        "parent": ["", "G", "G", ""],
        "label::Italiano (it)": ["Gi", "Gi uno", "Gi due", "Acca"],
    }
)


def _final(rows):
    """rows: (interview, district, segment index, code, source)"""
    return pd.DataFrame(
        [
            {
                "segment_id": f"{i}:q:{s:02d}",
                "interview_id": i,
                "wave": 2011,
                "district_id": d,
                "question": "q",
                "code_id": c,
                "source": src,
            }
            for i, d, s, c, src in rows
        ]
    )


FINAL = _final(
    [
        ("I1", "D1", 1, "G1", "rule"),
        ("I1", "D1", 2, "G2", "rule"),
        ("I1", "D1", 2, "H", "rule"),
        ("I2", "D2", 1, "G1", "coder_a"),
        ("I3", "D2", 1, "H", "rule"),
    ]
)


def test_frequencies_roll_sub_codes_up_and_give_k_of_n():
    out = code_frequencies(FINAL, FRAME, n_districts=5).set_index("code_id")
    # G: segments I1:01, I1:02, I2:01 -> 3; answers I1, I2 -> 2; districts D1, D2 -> 2
    assert out.loc["G", ["n_segments", "n_answers", "n_districts"]].tolist() == [3, 2, 2]
    assert out.loc["G2", ["n_segments", "n_answers", "n_districts"]].tolist() == [1, 1, 1]
    assert out.loc["H", "districts_text"] == "2 di 5 distretti"
    assert out.loc["G", "share_districts"] == 0.4


def test_matrix_has_every_district_and_code():
    out = district_code_matrix(FINAL, FRAME, districts=["D1", "D2", "D3"])
    assert out.loc["D1"].tolist() == [1, 1, 1, 1]
    assert out.loc["D2"].tolist() == [1, 1, 0, 1]
    assert out.loc["D3"].tolist() == [0, 0, 0, 0]


def test_cooccurrence_by_answer_and_by_district():
    by_answer = code_cooccurrence(FINAL, FRAME)
    # answers: I1 {G1, G2, H}, I2 {G1}, I3 {H}
    assert by_answer.loc["G1", "G1"] == 2
    assert by_answer.loc["G1", "H"] == 1
    assert by_answer.loc["G2", "H"] == 1
    assert by_answer.loc["G", "G"] == 0
    by_district = code_cooccurrence(FINAL, FRAME, unit="district")
    # districts: D1 {G1, G2, H}, D2 {G1, H}
    assert by_district.loc["G1", "H"] == 2


def test_frequencies_of_a_wave_without_coded_answers_are_all_zero():
    # a wave where no open question was answered: every code counted 0, no crash
    out = code_frequencies(FINAL.iloc[0:0], FRAME, n_districts=2)
    assert list(out["code_id"]) == list(FRAME["code_id"])
    assert out[["n_segments", "n_answers", "n_districts"]].to_numpy().sum() == 0
    assert set(out["districts_text"]) == {"0 di 2 distretti"}
    pairs = code_cooccurrence(FINAL.iloc[0:0], FRAME)
    assert list(pairs.index) == list(FRAME["code_id"]) and pairs.to_numpy().sum() == 0


def test_scrub_contacts():
    text = "Chiamare 347 123 4567 o +39 0382.123456, scrivere a a.b@x.it, vedi www.x.it"
    assert scrub_contacts(text) == (
        "Chiamare [TELEFONO] o [TELEFONO], scrivere a [EMAIL], vedi [omesso]"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Spesi 1.234.567 euro su 2.500.000 previsti",
        "Il bando è scaduto il 12/03/2012 e il saldo arriverà il 31.12.2012",
        "Costo totale 150000 euro, cofinanziamento del 30%",
    ],
)
def test_quotes_keep_amounts_and_dates(text):
    # a quote on a slide keeps the figures the referent gave (they were blanked before)
    assert scrub_contacts(text) == text


def test_quotes_show_district_only_when_allowed_and_prefer_human_codes():
    segments = pd.DataFrame(
        {
            "segment_id": ["I1:q:01", "I1:q:02", "I2:q:01", "I3:q:01"],
            "text": [
                "breve",
                "Email mario@rossi.it per il tavolo",
                "Il coordinamento manca",
                "Altro",
            ],
        }
    )
    out = illustrative_quotes(FINAL, segments, FRAME, quote_district_ok={"I2": True}, per_code=1)
    row = out.set_index("code_id").loc["G1"]
    assert row["segment_id"] == "I2:q:01"  # coder_a beats rule
    assert row["district_id"] == "D2"
    g2 = out.set_index("code_id").loc["G2"]
    assert g2["quote"] == "Email [EMAIL] per il tavolo"
    assert g2["district_id"] == ""
    assert list(out["code_id"]) == ["G1", "G2", "H"]
