"""Compute everything the talk shows for one wave, as data: indicators, labels, quotes.

Pure: takes the tidy tables, the final codes and the questionnaire, returns a frozen
``WaveAnalysis``. The figures, tables, deck and HTML are rendered from it elsewhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from distretti_survey import indicators as ind
from distretti_survey.coding.outputs import code_frequencies, illustrative_quotes, roll_up
from distretti_survey.instrument import Instrument

LABEL_IT = "label::Italiano (it)"
THEME_QUESTIONS = {
    "progress": "progress_difficulties",
    "training": "training_needs_text",
    "governance": "gov_problems_text",
}
THEME_TITLES = {
    "progress": "Stato di avanzamento dei programmi",
    "training": "Esigenze di sensibilizzazione e formazione degli operatori",
    "governance": "Criticità di governance",
}
NO_PROBLEM_CODES = {"GOV_NESSUNA"}


@dataclass(frozen=True)
class WaveAnalysis:
    """The indicators of one wave with the labels to show them in Italian."""

    wave: int
    synthetic: bool
    title: str
    version: str
    reference_date: str
    indicators: dict[str, pd.DataFrame]
    key_figures: dict[str, Any]
    labels: dict[str, dict[str, str]]
    quotes: pd.DataFrame
    district_types: dict[str, str]
    notes: dict[str, Any] = field(default_factory=dict)


def _choice_labels(instrument: Instrument, list_name: str) -> dict[str, str]:
    return {c.name: c.label("it") for c in instrument.choices(list_name)}


def _labels(instrument: Instrument, districts: pd.DataFrame, frame: pd.DataFrame) -> dict:
    likert_values: dict[str, str] = {}
    for question in instrument.likert_items:
        likert_values.update(_choice_labels(instrument, question.list_name))
    return {
        "district": dict(zip(districts["district_id"], districts["district_name"], strict=True)),
        "status": _choice_labels(instrument, "stato"),
        "area": _choice_labels(instrument, "area"),
        "training_topics": _choice_labels(
            instrument, instrument.question("training_topics").list_name
        ),
        "training_formats": _choice_labels(
            instrument, instrument.question("training_formats").list_name
        ),
        "gov_problems": _choice_labels(instrument, instrument.question("gov_problems").list_name),
        "likert_value": likert_values,
        "question": {q.name: q.label("it") for q in instrument.questions},
        "code": dict(zip(frame["code_id"], frame[LABEL_IT], strict=True)),
    }


def _question(instrument: Instrument, *names: str) -> str:
    """Return the first of ``names`` the questionnaire has (a renamed question keeps working)."""
    for name in names:
        if name in instrument.question_names:
            return name
    return names[0]


def interview_codes(final: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (interview, question, code), parents of applied codes included."""
    rolled = roll_up(final, frame)
    keys = ["interview_id", "wave", "district_id", "question", "code_id"]
    return rolled[keys].drop_duplicates().reset_index(drop=True)


def analyse_wave(
    instrument: Instrument,
    data: Any,
    final: pd.DataFrame,
    segments: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    reference_date: str | None = None,
    threshold: int = ind.SMALL_BASE,
) -> WaveAnalysis:
    """Compute the indicators of one wave.

    Parameters
    ----------
    instrument
        The wave's questionnaire (labels, lists, coding frame).
    data
        ``SurveyData`` of the ingest.
    final, segments
        Final codes and the segments they refer to (coding stage).
    districts
        The registry's districts of the wave (``Registry.districts``).
    reference_date
        Date against which interventions are "behind schedule"; default: the last interview
        date of the wave, so the result depends on the data only, not on the day of the run.
    threshold
        Bases below this are flagged as small.
    """
    frame = instrument.coding_frame
    interviews, interventions = data.interviews, data.interventions
    if reference_date is None:
        dates = pd.to_datetime(interviews.get("interview_date"), errors="coerce").dropna()
        reference_date = dates.max().date() if len(dates) else dt.date(instrument.wave, 12, 31)
    reference = pd.Timestamp(reference_date).date().isoformat()
    codes = interview_codes(final, frame)
    top = frame.loc[frame["parent"].fillna("").eq(""), ["code_id", "theme"]]
    t = threshold
    awareness = _question(instrument, "training_awareness", "training_awareness_operators")
    gov_items = [q.name for q in instrument.likert_items if q.name.startswith("gov_")]

    def top_codes(theme: str) -> list[str]:
        return [c for c in top.loc[top["theme"] == theme, "code_id"] if c not in NO_PROBLEM_CODES]

    indicators = {
        "status_overall": ind.status_counts(interventions, threshold=t),
        "status_by_district": ind.status_counts(interventions, by="district_id", threshold=t),
        "status_by_area": ind.status_counts(interventions, by="area", threshold=t),
        "completion_by_district": ind.completion(interventions, threshold=t),
        "budget_by_district": ind.budget_realisation(interventions, threshold=t),
        "budget_by_area": ind.budget_realisation(interventions, by="area", threshold=t),
        "behind_schedule": ind.behind_schedule(
            interventions, reference_date=reference, threshold=t
        ),
        "training_topics": ind.option_ranking(
            data.multi,
            interviews,
            question="training_topics",
            options=[
                c.name for c in instrument.choices(instrument.question("training_topics").list_name)
            ],
            threshold=t,
        ),
        "training_matrix": ind.district_option_matrix(
            data.multi, interviews, question="training_topics"
        ),
        "training_formats": ind.option_ranking(
            data.multi, interviews, question="training_formats", threshold=t
        ),
        "training_likert": ind.likert_distribution(
            data.likert, items=[awareness, "training_participation"], threshold=t
        ),
        "governance_likert": ind.likert_distribution(data.likert, items=gov_items, threshold=t),
        "governance_closed": ind.option_ranking(
            data.multi, interviews, question="gov_problems", threshold=t
        ),
        "districts_by_type": ind.districts_by_type(interviews, districts, threshold=t),
        "comuni_per_district": ind.comuni_per_district(interviews, districts, threshold=t),
        "codes": code_frequencies(final, frame, n_districts=len(interviews)),
    }
    for theme, question in THEME_QUESTIONS.items():
        indicators[f"coded_{theme}"] = ind.code_mentions(
            codes, interviews, question=question, code_ids=top_codes(theme), threshold=t
        )
    indicators["governance_by_type"] = ind.codes_by_type(
        codes,
        interviews,
        districts,
        question=THEME_QUESTIONS["governance"],
        code_ids=top_codes("governance"),
        threshold=t,
    )

    ok = {}
    if "quote_district_ok" in interviews:
        ok = dict(
            zip(
                interviews["interview_id"],
                interviews["quote_district_ok"].astype(str).eq("si"),
                strict=True,
            )
        )
    quotes = illustrative_quotes(final, segments, frame, quote_district_ok=ok)
    types = dict(zip(districts["district_id"], districts["type"], strict=True))
    key = ind.key_figures(interviews, interventions, districts, reference_date=reference)
    return WaveAnalysis(
        wave=instrument.wave,
        synthetic=instrument.synthetic,
        title=instrument.form_title,
        version=instrument.version,
        reference_date=reference,
        indicators=indicators,
        key_figures=key,
        labels=_labels(instrument, districts, frame),
        quotes=quotes,
        district_types=types,
        notes={
            "threshold": threshold,
            "n_codes_by_source": final["source"].value_counts().sort_index().to_dict(),
        },
    )
