"""indicatori.csv: every indicator id recomputed here, in the test, from the tidy tables.

The expected values are computed with plain pandas in this file (never by calling the
package's indicator functions) on the two demo waves and on a hand-written wave with
non-response, started interventions without an amount spent, and interviews months apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from distretti_survey.ingest.model import SurveyData
from distretti_survey.instrument import load_instrument
from distretti_survey.pipeline import prepare_wave
from distretti_survey.report.analysis import analyse_wave
from distretti_survey.report.indicator_read import lookup
from distretti_survey.report.indicator_table import COLUMNS, write_indicator_csv

pytestmark = pytest.mark.integration

OPEN = {"non_avviato", "in_progettazione", "in_corso"}


def _keys(district: str) -> dict:
    return {"interview_id": f"2011_{district}", "wave": 2011, "district_id": district}


def hand_wave(instrument) -> tuple[SurveyData, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Four districts in the registry, three interviewed (Delta not), months apart."""
    districts = pd.DataFrame(
        {
            "district_id": ["D01", "D02", "D03", "D04"],
            "district_name": ["Alfa", "Beta", "Gamma", "Delta"],
            "type": ["DUC", "DID", "DID", "DID"],
            "n_comuni": [1, 5, 3, 4],
        }
    )
    dates = {"D01": "2011-03-15", "D02": "2011-09-30", "D03": "2011-11-20"}
    interviews = pd.DataFrame(
        [
            {
                **_keys(d),
                "source_file": f"interviews/{d}_2011.xlsx",
                "interview_date": pd.Timestamp(day),
                "quote_district_ok": "si",
            }
            for d, day in dates.items()
        ]
    )
    rows = [  # district, status, planned, spent, end
        ("D01", "completato", 100.0, 100.0, "2011-01-31"),
        ("D01", "in_corso", 200.0, np.nan, "2011-06-30"),  # started, no amount: left out
        ("D01", "non_avviato", 50.0, np.nan, "2011-02-28"),  # blank = 0; late in March
        ("D02", "in_progettazione", 80.0, 0.0, "2011-08-31"),  # late in September
        ("D02", "annullato", 40.0, 10.0, "2011-01-01"),  # cancelled: never late
        ("D02", "completato", 60.0, 60.0, "2011-05-31"),
        ("D03", "in_corso", 300.0, 150.0, "2011-12-31"),  # not yet due in November
        ("D03", "non_avviato", 20.0, np.nan, "2011-10-31"),  # late in November
    ]
    interventions = pd.DataFrame(
        [
            {
                **_keys(d),
                "row": i + 3,
                "area": "fiere",
                "description": "intervento",
                "status": s,
                "budget_planned": p,
                "budget_spent": sp,
                "end_planned": pd.Timestamp(e),
            }
            for i, (d, s, p, sp, e) in enumerate(rows)
        ]
    )
    multi = pd.DataFrame(
        [
            {**_keys(d), "question": q, "option": o}
            for d, q, o in [
                ("D01", "training_topics", "marketing_digitale"),
                ("D01", "training_topics", "reti_impresa"),
                ("D02", "training_topics", "marketing_digitale"),
                ("D01", "gov_problems", "burocrazia_bandi"),
                ("D02", "gov_problems", "burocrazia_bandi"),
                ("D02", "gov_problems", "decisioni_lente"),
                ("D03", "gov_problems", "nessuno"),
                ("D02", "training_formats", "online"),
            ]
        ]
    )
    likert = pd.DataFrame(
        [
            {**_keys(d), "item": item, "value": v, "score": s}
            for d, item, v, s in [
                ("D01", "training_awareness", "alto", 4.0),
                ("D02", "training_awareness", "non_so", np.nan),
                ("D03", "training_awareness", "basso", 2.0),
                ("D01", "gov_comuni", "molto", 4.0),
                ("D02", "gov_comuni", "non_applicabile", np.nan),
            ]
        ]
    )
    segments = pd.DataFrame(
        {
            "segment_id": ["s1", "s2", "s3"],
            "text": ["Poco coordinamento tra i comuni.", "Troppa burocrazia.", "Corsi digitali."],
        }
    )
    final = pd.DataFrame(
        [
            {"segment_id": sid, **_keys(d), "question": q, "code_id": c, "source": "rule"}
            for sid, d, q, c in [
                ("s1", "D01", "gov_problems_text", "GOV_COORD_CAPOFILA"),
                ("s2", "D02", "gov_problems_text", "GOV_BUROCRAZIA"),
                ("s3", "D03", "training_needs_text", "FOR_DIG_MARKETING"),
            ]
        ]
    )
    data = SurveyData(interviews, interviews[[]], interventions, multi, likert, final[[]])
    return data, final, segments, districts


def expected(data: SurveyData, final: pd.DataFrame, frame: pd.DataFrame, registry: pd.DataFrame):
    """Recompute every indicator id from the tidy tables with plain pandas."""
    iv, interviews = data.interventions, data.interviews
    respondents = set(interviews["district_id"])
    k = len(respondents)
    out = {("districts_interviewed", ""): (k / len(registry), k, len(registry))}
    done = int((iv["status"].astype(str) == "completato").sum())
    out["interventions_completed_share", ""] = (done / len(iv), done, len(iv))
    status = iv["status"].astype(str)
    spent = iv["budget_spent"].where(iv["budget_spent"].notna() | (status != "non_avviato"), 0.0)
    keep = iv["budget_planned"].notna() & spent.notna()
    s, p = spent[keep].sum(), iv["budget_planned"][keep].sum()
    out["budget_realisation", ""] = (s / p, s, p)
    own_date = iv["interview_id"].map(interviews.set_index("interview_id")["interview_date"])
    late = int(((iv["end_planned"] < own_date) & status.isin(OPEN)).sum())
    out["interventions_late", ""] = (late, late, len(iv))
    multi = data.multi[data.multi["district_id"].isin(respondents)]
    for question, indicator in (
        ("training_topics", "training_topic_share"),
        ("gov_problems", "gov_problem_share"),
    ):
        rows = multi[multi["question"].astype(str) == question]
        for option, group in rows.groupby(rows["option"].astype(str)):
            n = group["district_id"].nunique()
            out[indicator, option] = (n / k, n, k)
    parent = dict(zip(frame["code_id"], frame["parent"].fillna(""), strict=True))
    codes = pd.concat(
        [final[["district_id", "code_id"]], final.assign(code_id=final["code_id"].map(parent))]
    )
    codes = codes[codes["code_id"].astype(str) != ""]
    for code, group in codes.groupby("code_id"):
        n = group["district_id"].nunique()
        out["coded_mentions", code] = (n / k, n, k)
    return out


def _check(table: pd.DataFrame, want: dict) -> None:
    for (indicator, item), (value, numerator, denominator) in want.items():
        row = lookup(table, indicator, item)
        assert row["value"] == pytest.approx(value), (indicator, item)
        assert row["numerator"] == pytest.approx(numerator), (indicator, item)
        assert row["denominator"] == pytest.approx(denominator), (indicator, item)


@pytest.fixture(scope="module")
def instrument(repo_root):
    return load_instrument(repo_root / "data/raw/demo/2011/questionnaire.xlsx")


@pytest.fixture(scope="module")
def hand(instrument):
    data, final, segments, districts = hand_wave(instrument)
    analysis = analyse_wave(instrument, data, final, segments, districts)
    return analysis, data, final, districts


def test_every_indicator_id_on_the_hand_written_wave(hand, instrument):
    analysis, data, final, districts = hand
    want = expected(data, final, instrument.coding_frame, districts)
    _check(analysis.table, want)
    # The figures worked out by hand, so the recomputation above is itself checked:
    assert want["districts_interviewed", ""][1:] == (3, 4)
    # counted: 100/100, 50/0 (not started), 80/0, 40/10, 60/60, 300/150, 20/0 -> 320 of 650
    assert want["budget_realisation", ""] == pytest.approx((320 / 650, 320, 650))
    # late at each interview's own date: D01 Feb < Mar, D02 Aug < Sep, D03 Oct < Nov = 3;
    # at the last interview date (20 Nov) D01's June intervention would count too (4).
    assert want["interventions_late", ""][0] == 3
    assert want["coded_mentions", "GOV_COORDINAMENTO"] == pytest.approx((1 / 3, 1, 3))


def test_hand_wave_names_non_response_and_what_budget_leaves_out(hand):
    analysis, *_ = hand
    table = analysis.table
    reply = lookup(table, "districts_interviewed")
    assert "Delta" in reply["flag"]
    assert lookup(table, "district_interviewed", district_id="D04")["value"] == 0
    budget = lookup(table, "budget_realisation")
    assert "escluso 1 intervento senza importo, con 200 € previsti" in budget["base"]
    assert lookup(table, "budget_left_out")["value"] == 200.0
    assert [f.question for f in analysis.findings] == ["budget_spent"]
    assert analysis.findings.warnings and not analysis.findings.errors
    # Unreviewed rule codes are flagged on every coded row.
    coded = table[table["indicator"] == "coded_mentions"]
    assert coded["flag"].str.contains("codici automatici non rivisti").all()


def test_likert_rows_give_both_bases(hand):
    table = hand[0].table
    all_answers = lookup(table, "likert_share", "training_awareness/alto")
    rated = lookup(table, "likert_share_rated", "training_awareness/alto")
    assert (all_answers["numerator"], all_answers["denominator"]) == (1, 3)  # non so counts
    assert (rated["numerator"], rated["denominator"]) == (1, 2)  # non so left out
    assert "non so" in rated["base"]


@pytest.mark.parametrize("wave", [2011, 2012])
def test_every_indicator_id_on_the_demo_waves(repo_root, wave):
    prepared = prepare_wave(repo_root / f"data/raw/demo/{wave}")
    analysis = analyse_wave(
        prepared.instrument,
        prepared.ingest.data,
        prepared.coding.final,
        prepared.coding.segments,
        prepared.districts,
    )
    want = expected(
        prepared.ingest.data,
        prepared.coding.final,
        prepared.instrument.coding_frame,
        prepared.districts,
    )
    assert len(want) > 30
    _check(analysis.table, want)


def test_indicator_csv_has_the_columns_and_is_byte_stable(hand, tmp_path):
    table = hand[0].table
    first = write_indicator_csv(table, tmp_path / "a" / "indicatori.csv").read_bytes()
    second = write_indicator_csv(table, tmp_path / "b" / "indicatori.csv").read_bytes()
    assert first == second
    header = first.decode("utf-8").splitlines()[0]
    assert header == ",".join(COLUMNS)
    read = pd.read_csv(tmp_path / "a" / "indicatori.csv", keep_default_na=False)
    assert len(read) == len(table)
    assert {
        "budget_realisation",
        "interventions_completed_share",
        "interventions_late",
        "districts_interviewed",
        "training_topic_share",
        "gov_problem_share",
        "coded_mentions",
    } <= set(read["indicator"])


def test_charts_read_their_rankings_from_the_indicator_table(hand):
    from distretti_survey.report.figures import figure_specs

    analysis = hand[0]
    specs = {spec.stem: spec for spec in figure_specs(analysis)}
    closed, coded = specs["09_criticita_governance"].data
    for frame, indicator in ((closed, "gov_problem_share"), (coded, "coded_mentions")):
        key = "option" if indicator == "gov_problem_share" else "code_id"
        for row in frame.itertuples(index=False):
            table_row = lookup(analysis.table, indicator, getattr(row, key))
            assert (row.k, row.n) == (table_row["numerator"], table_row["denominator"])
    assert list(frame["k"]) == sorted(frame["k"], reverse=True)
    budget = specs["02_budget"].data.set_index("district_id")["realisation"]
    assert budget["D01"] == pytest.approx(
        lookup(analysis.table, "budget_realisation", "", "D01")["value"]
    )


def test_indicator_csv_is_formula_safe(hand, tmp_path):
    table = hand[0].table.copy()
    table.loc[0, "flag"] = '=HYPERLINK("http://x")'  # a district named by an attacker
    text = write_indicator_csv(table, tmp_path / "indicatori.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
