"""Indicators on small hand-built data; expected numbers worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distretti_survey import headline
from distretti_survey import indicators as ind
from distretti_survey.errors import InputError


def _interviews(ids=("D01", "D02", "D03")) -> pd.DataFrame:
    return pd.DataFrame(
        {"interview_id": [f"I{d}" for d in ids], "wave": 2011, "district_id": list(ids)}
    )


def _interventions() -> pd.DataFrame:
    # D01: 4 interventions, D02: 2, D03: 1.
    rows = [
        ("D01", "arredo_urbano", "completato", 100.0, 100.0, "2011-06-30"),
        ("D01", "arredo_urbano", "in_corso", 200.0, 50.0, "2011-09-30"),  # late at 2011-12-01
        ("D01", "fiere", "annullato", 50.0, 0.0, "2011-01-31"),  # cancelled: never late
        ("D01", "fiere", "non_avviato", 50.0, np.nan, "2012-06-30"),  # not yet due
        ("D02", "fiere", "completato", 0.0, 10.0, "2011-03-31"),
        ("D02", "arredo_urbano", None, 80.0, 40.0, "2011-02-28"),  # no status: not late
        ("D03", "sicurezza", "in_progettazione", np.nan, np.nan, "2011-11-30"),  # late
    ]
    frame = pd.DataFrame(
        rows,
        columns=["district_id", "area", "status", "budget_planned", "budget_spent", "end_planned"],
    )
    frame["end_planned"] = pd.to_datetime(frame["end_planned"])
    frame["interview_id"] = "I" + frame["district_id"]
    frame["wave"] = 2011
    frame["row"] = range(3, 3 + len(frame))
    frame["description"] = "intervento"
    return frame


def test_status_counts_overall_keeps_every_intervention():
    out = ind.status_counts(_interventions())
    assert list(out["status"]) == [*ind.STATUS_ORDER, ind.MISSING_STATUS]
    # completato 2, in_corso 1, annullato 1, non_avviato 1, in_progettazione 1, missing 1.
    assert dict(zip(out["status"], out["count"], strict=True)) == {
        "non_avviato": 1,
        "in_progettazione": 1,
        "in_corso": 1,
        "completato": 2,
        "annullato": 1,
        "non_indicato": 1,
    }
    assert (out["n"] == 7).all()
    assert out["share"].sum() == pytest.approx(1.0)
    assert out.attrs["base"] == "interventi"
    assert out["small_base"].eq(False).all()


def test_status_counts_per_district_fills_zero_and_flags_small_bases():
    out = ind.status_counts(_interventions(), by="district_id")
    d01 = out[out["district_id"] == "D01"].set_index("status")
    assert d01.loc["completato", "count"] == 1
    assert d01.loc["in_progettazione", "count"] == 0
    assert d01.loc["completato", "share"] == pytest.approx(1 / 4)
    assert set(out.loc[out["district_id"] == "D02", "n"]) == {2}
    assert out["small_base"].all()  # 4, 2, 1 interventions: all below 5


def test_completion_per_district_and_overall():
    out = ind.completion(_interventions()).set_index("district_id")
    assert out.loc["D01", "share"] == pytest.approx(0.25)  # 1 of 4
    assert out.loc["D02", "share"] == pytest.approx(0.5)  # 1 of 2
    assert out.loc["D03", "share"] == 0.0
    overall = ind.completion(_interventions(), by=None)
    assert overall.loc[0, "completed"] == 2 and overall.loc[0, "n"] == 7
    assert overall.loc[0, "share"] == pytest.approx(2 / 7)


def test_completion_by_area():
    out = ind.completion(_interventions(), by="area").set_index("area")
    # arredo_urbano: 3 rows, 1 completed; fiere: 3 rows, 1 completed; sicurezza: 1, 0.
    assert out.loc["arredo_urbano", "share"] == pytest.approx(1 / 3)
    assert out.loc["sicurezza", "n"] == 1


def test_budget_realisation_never_infinite():
    out = ind.budget_realisation(_interventions()).set_index("district_id")
    # D01: 100/100, 200/50, 50/0 and the not-started 50 with no amount spent (counts as 0)
    # -> spent 150 of planned 400, all four interventions counted.
    assert out.loc["D01", "n"] == 4
    assert out.loc["D01", "budget_planned"] == 400.0
    assert out.loc["D01", "realisation"] == pytest.approx(150 / 400)
    # D02: planned 0 + 80, spent 10 + 40 -> 50 / 80.
    assert out.loc["D02", "realisation"] == pytest.approx(50 / 80)
    # D03: no amounts at all -> left out, NaN, not inf or 0.
    assert out.loc["D03", "n"] == 0 and math.isnan(out.loc["D03", "realisation"])
    assert out.loc["D03", "n_left_out"] == 1
    assert np.isfinite(out["realisation"].dropna()).all()


def test_budget_realisation_zero_planned_is_nan():
    frame = _interventions().iloc[[4]]  # the single D02 row with planned 0, spent 10
    out = ind.budget_realisation(frame, by="area")
    assert math.isnan(out.loc[0, "realisation"])


def test_budget_realisation_overall():
    out = ind.budget_realisation(_interventions(), by=None)
    # planned 100+200+50+50+0+80 = 480, spent 100+50+0+0+10+40 = 200 (D03 has no plan).
    assert out.loc[0, "realisation"] == pytest.approx(200 / 480)
    assert out.loc[0, "n"] == 6 and out.loc[0, "n_planned"] == 7


def test_budget_realisation_leaves_out_started_without_amount_and_says_so():
    frame = _interventions()
    frame.loc[1, "budget_spent"] = np.nan  # D01 in_corso, planned 200: spent unknown
    out = ind.budget_realisation(frame, by=None)
    # counted: 100/100, 50/0, 50/(blank, not started: 0), 0/10, 80/40 -> spent 150 of 280
    assert out.loc[0, "budget_planned"] == 280.0
    assert out.loc[0, "budget_spent"] == 150.0
    assert out.loc[0, "n_left_out"] == 2  # the in_corso one and D03 without a plan
    assert out.loc[0, "budget_left_out"] == 200.0
    left = ind.started_without_amount(frame)
    assert sorted(left["reason"]) == ["planned_missing", "spent_missing"]


def test_behind_schedule_at_each_interview_date():
    frame = _interventions()
    # D01 interviewed in April: its in_corso intervention (end 2011-09-30) is not yet late;
    # D03 interviewed in December: late (end 2011-11-30); D02 without a date: not judged.
    dates = pd.Series({"ID01": "2011-04-15", "ID02": None, "ID03": "2011-12-15"}, dtype=object)
    out = ind.behind_schedule(frame, interview_dates=dates).set_index("district_id")
    assert out["behind"].to_dict() == {"D01": 0, "D02": 0, "D03": 1}
    assert out.loc["D02", "n_undated"] == 2


def test_behind_schedule_uses_reference_date_and_open_statuses():
    out = ind.behind_schedule(_interventions(), reference_date="2011-12-01")
    assert dict(zip(out["district_id"], out["behind"], strict=True)) == {
        "D01": 1,
        "D02": 0,
        "D03": 1,
    }
    earlier = ind.behind_schedule(_interventions(), reference_date="2011-10-01")
    assert earlier.set_index("district_id").loc["D03", "behind"] == 0  # not due yet


def _multi() -> pd.DataFrame:
    rows = [
        ("D01", "training_topics", "marketing_digitale"),
        ("D01", "training_topics", "reti_impresa"),
        ("D02", "training_topics", "marketing_digitale"),
        ("D03", "training_topics", "marketing_digitale"),
        ("D03", "training_topics", "vetrine_allestimento"),
        ("D04", "training_topics", "reti_impresa"),  # not a respondent: ignored
        ("D02", "training_formats", "online"),
    ]
    frame = pd.DataFrame(rows, columns=["district_id", "question", "option"])
    frame["interview_id"] = "I" + frame["district_id"]
    frame["wave"] = 2011
    return frame


def test_option_ranking_k_of_n():
    out = ind.option_ranking(
        _multi(),
        _interviews(),
        question="training_topics",
        options=["vetrine_allestimento", "reti_impresa", "marketing_digitale", "fiere_locali"],
    )
    assert list(out["option"]) == [
        "marketing_digitale",
        "vetrine_allestimento",
        "reti_impresa",
        "fiere_locali",
    ]
    assert list(out["k"]) == [3, 1, 1, 0]
    assert (out["n"] == 3).all()
    assert out["share"].iloc[0] == pytest.approx(1.0)
    assert out.attrs["base"] == "distretti rispondenti"
    assert out["small_base"].all()
    assert not ind.option_ranking(_multi(), _interviews(), question="training_topics", threshold=3)[
        "small_base"
    ].any()


def test_district_option_matrix():
    out = ind.district_option_matrix(_multi(), _interviews(), question="training_topics")
    assert list(out.index) == ["D01", "D02", "D03"]
    assert list(out.columns) == ["marketing_digitale", "reti_impresa", "vetrine_allestimento"]
    assert out.to_numpy().tolist() == [[1, 1, 0], [1, 0, 0], [1, 0, 1]]
    assert out.attrs == {"base": "distretti rispondenti", "n": 3}


def _likert() -> pd.DataFrame:
    score = {"per_niente": 1, "poco": 2, "abbastanza": 3, "molto": 4, "del_tutto": 5}
    answers = {
        "gov_comuni": ["molto", "molto", "poco", "non_so", "del_tutto", "abbastanza"],
        "gov_manager": ["non_applicabile", "non_so", "per_niente"],
    }
    rows = [
        (f"D{i:02d}", item, value, score.get(value, np.nan))
        for item, values in answers.items()
        for i, value in enumerate(values, start=1)
    ]
    return pd.DataFrame(rows, columns=["district_id", "item", "value", "score"])


def test_likert_distribution_keeps_non_so_apart():
    out = ind.likert_distribution(_likert(), items=["gov_comuni", "gov_manager"])
    comuni = out[out["item"] == "gov_comuni"].set_index("value")
    assert list(comuni.index) == [
        "per_niente",
        "poco",
        "abbastanza",
        "molto",
        "del_tutto",
        "non_applicabile",
        "non_so",
    ]
    assert comuni.loc["molto", "count"] == 2
    assert comuni.loc["molto", "share"] == pytest.approx(2 / 6)
    assert comuni.loc["molto", "share_scored"] == pytest.approx(2 / 5)
    assert comuni.loc["non_so", "apart"] and math.isnan(comuni.loc["non_so", "share_scored"])
    assert comuni["n"].eq(6).all() and comuni["n_scored"].eq(5).all()
    manager = out[out["item"] == "gov_manager"].set_index("value")
    assert manager.loc["per_niente", "share_scored"] == pytest.approx(1.0)
    assert manager["n"].eq(3).all() and manager["small_base"].all()
    assert not comuni["small_base"].any()


def _codes() -> pd.DataFrame:
    rows = [
        ("D01", "gov_problems_text", "burocrazia"),
        ("D01", "gov_problems_text", "burocrazia"),  # a second mention by the same district
        ("D01", "gov_problems_text", "coordinamento"),
        ("D02", "gov_problems_text", "burocrazia"),
        ("D03", "progress_difficulties", "burocrazia"),
    ]
    frame = pd.DataFrame(rows, columns=["district_id", "question", "code_id"])
    frame["interview_id"] = "I" + frame["district_id"]
    frame["wave"] = 2011
    return frame


def _districts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district_id": ["D01", "D02", "D03"],
            "district_name": ["DUC di Pavia", "Distretto di Belgioioso", "Colli dell'Oltrepò"],
            "type": ["DUC", "DID", "DID"],
            "n_comuni": [1, 11, 4],
        }
    )


def test_code_mentions_counts_districts_not_mentions():
    out = ind.code_mentions(
        _codes(),
        _interviews(),
        question="gov_problems_text",
        code_ids=["coordinamento", "burocrazia", "manager"],
    )
    assert list(out["code_id"]) == ["burocrazia", "coordinamento", "manager"]
    assert list(out["k"]) == [2, 1, 0]
    assert list(out["mentions"]) == [3, 1, 0]
    assert (out["n"] == 3).all()
    shares = ind.mention_shares(_codes(), _interviews(), question="gov_problems_text")
    assert shares.attrs["base"] == "menzioni"
    assert shares.set_index("code_id").loc["burocrazia", "share"] == pytest.approx(3 / 4)


def test_codes_by_type():
    out = ind.codes_by_type(_codes(), _interviews(), _districts(), code_ids=["burocrazia"])
    by_type = out.set_index("type")
    # burocrazia: D01 (DUC) and D02, D03 (DID) -> DUC 1 of 1, DID 2 of 2.
    assert by_type.loc["DUC", "k"] == 1 and by_type.loc["DUC", "n"] == 1
    assert by_type.loc["DID", "k"] == 2 and by_type.loc["DID", "n"] == 2


def test_profile_and_key_figures():
    by_type = ind.districts_by_type(_interviews(), _districts())
    assert dict(zip(by_type["type"], by_type["k"], strict=True)) == {"DID": 2, "DUC": 1}
    comuni = ind.comuni_per_district(_interviews(), _districts())
    assert list(comuni["district_id"]) == ["D02", "D03", "D01"]
    interviews = _interviews().assign(
        interview_date=pd.to_datetime(["2011-12-01", "2011-12-01", "2011-12-01"])
    )
    figures = headline.key_figures(interviews, _interventions(), _districts())
    assert figures == {
        "n_registry": 3,
        "n_districts": 3,
        "not_interviewed": [],
        "n_comuni": 16,
        "n_by_type": {"DID": 2, "DUC": 1},
        "n_interventions": 7,
        "n_completed": 2,
        "share_completed": pytest.approx(2 / 7),
        "budget_planned": 480.0,
        "budget_spent": 200.0,
        "budget_realisation": pytest.approx(200 / 480),
        "n_budget_counted": 6,
        "n_budget_left_out": 1,
        "budget_left_out": 0.0,
        "n_behind": 2,
        "n_districts_behind": 2,
        "n_undated": 0,
    }
    assert all(type(v) in (int, float, str, dict, list) for v in figures.values())
    fewer = headline.key_figures(interviews.iloc[:2], _interventions(), _districts())
    assert (fewer["n_districts"], fewer["n_registry"]) == (2, 3)
    assert fewer["not_interviewed"] == ["D03"]


def test_missing_column_is_a_user_error():
    with pytest.raises(InputError, match="status"):
        ind.status_counts(_interventions().drop(columns="status"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["D01", "D02", "D03"]), st.sampled_from([*ind.STATUS_ORDER, None])
        ),
        min_size=1,
        max_size=30,
    )
)
def test_status_counts_add_up_to_base(rows):
    frame = pd.DataFrame(rows, columns=["district_id", "status"])
    out = ind.status_counts(frame, by="district_id")
    assert out["count"].sum() == len(frame)
    sums = out.groupby("district_id")["share"].sum()
    assert np.allclose(sums, 1.0)


def test_problem_codes_leave_out_the_no_problem_code_of_the_frame():
    # "No problem" is said by the frame (polarity none), not by a code name in the package.
    from distretti_survey.report.analysis import problem_codes

    frame = pd.DataFrame(
        {
            "code_id": ["G_A", "G_A1", "G_OK", "G_B", "T_X"],
            "theme": ["governance", "governance", "governance", "governance", "training"],
            "parent": ["", "G_A", "", None, ""],
            "polarity": ["absence", "", " none ", "", "none"],
        }
    )
    assert problem_codes(frame, "governance") == ["G_A", "G_B"]
    assert problem_codes(frame, "training") == []
    assert problem_codes(frame.drop(columns="polarity"), "governance") == ["G_A", "G_OK", "G_B"]
