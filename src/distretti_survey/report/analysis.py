"""Compute everything the talk shows for one wave, as data: indicators, labels, quotes.

Pure: takes the tidy tables, the final codes and the questionnaire, returns a frozen
``WaveAnalysis``. The figures, tables, deck and HTML are rendered from it elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from distretti_survey import headline
from distretti_survey import indicators as ind
from distretti_survey.coding.outputs import code_frequencies, illustrative_quotes, roll_up
from distretti_survey.findings import Finding, Findings
from distretti_survey.instrument import Instrument
from distretti_survey.report.coding_status import CodingStatus, coding_status
from distretti_survey.report.indicator_table import indicator_table
from distretti_survey.report.names import SurveyNames, choice_roles, survey_names

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


def problem_codes(frame: pd.DataFrame, theme: str) -> list[str]:
    """Return the top-level codes of ``theme`` that name a problem, in frame order.

    A code whose ``polarity`` is ``none`` says there is no problem ("nessuna criticità"):
    it is coded, but not ranked among the problems.
    """
    polarity = frame["polarity"] if "polarity" in frame else pd.Series("", index=frame.index)
    keep = (
        frame["parent"].fillna("").eq("")
        & frame["theme"].eq(theme)
        & ~polarity.fillna("").astype(str).str.strip().eq("none")
    )
    return list(frame.loc[keep, "code_id"])


@dataclass(frozen=True)
class WaveAnalysis:
    """The indicators of one wave with the labels to show them in Italian.

    ``table`` is the long table of every number the talk shows (``indicatori.csv``);
    sentences and slides take their numbers from it.
    """

    wave: int
    synthetic: bool
    title: str
    version: str
    reference_date: str
    """ISO date every intervention was judged at, or "" for each interview's own date."""
    indicators: dict[str, pd.DataFrame]
    key_figures: dict[str, Any]
    labels: dict[str, dict[str, str]]
    quotes: pd.DataFrame
    district_types: dict[str, str]
    notes: dict[str, Any] = field(default_factory=dict)
    names: SurveyNames = field(default_factory=lambda: SurveyNames("", "indagine", ""))
    coding: CodingStatus = field(default_factory=lambda: CodingStatus("none"))
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: Findings = field(default_factory=Findings)


def _choice_labels(instrument: Instrument, list_name: str) -> dict[str, str]:
    return {c.name: c.label("it") for c in instrument.choices(list_name)}


def _list_of(instrument: Instrument, question: str) -> str:
    if question == "status":  # the list with a "completed" option, whatever its question
        found = getattr(instrument, "lists_with_role", lambda role: ())("completed")
        if found:
            return found[0]
    return instrument.question(question).list_name or ""


def _labels(instrument: Instrument, districts: pd.DataFrame, frame: pd.DataFrame) -> dict:
    likert_values: dict[str, str] = {}
    for question in instrument.likert_items:
        likert_values.update(_choice_labels(instrument, question.list_name))
    return {
        "district": dict(zip(districts["district_id"], districts["district_name"], strict=True)),
        "status": _choice_labels(instrument, _list_of(instrument, "status")),
        "area": _choice_labels(instrument, _list_of(instrument, "area")),
        "training_topics": _choice_labels(instrument, _list_of(instrument, "training_topics")),
        "training_formats": _choice_labels(instrument, _list_of(instrument, "training_formats")),
        "gov_problems": _choice_labels(instrument, _list_of(instrument, "gov_problems")),
        "likert_value": likert_values,
        "question": {q.name: q.label("it") for q in instrument.questions},
        "code": dict(zip(frame["code_id"], frame[LABEL_IT], strict=True)),
        "type": {},
    }


def status_roles(instrument: Instrument) -> dict[str, Any]:
    """Return the status codes by role: completed, not started, open (neither closed)."""
    list_name = _list_of(instrument, "status")
    order = [c.name for c in instrument.choices(list_name)]
    roles = choice_roles(instrument, list_name)
    completed = [c for c in order if roles.get(c) == "completed"]
    closed = {c for c in order if roles.get(c) in ("completed", "cancelled")}
    return {
        "order": tuple(order),
        "roles": roles,
        "completed": completed[0] if completed else "",
        "not_started": tuple(c for c in order if roles.get(c) == "not_started"),
        "open": tuple(c for c in order if c not in closed),
    }


def apart_order(instrument: Instrument) -> list[str]:
    """Return the Likert options kept apart, "don't know" first, then "not applicable"."""
    rank = {"dont_know": 0, "not_applicable": 1}
    found: dict[str, int] = {}
    for question in instrument.likert_items:
        for code, role in choice_roles(instrument, question.list_name).items():
            if role in rank:
                found.setdefault(code, rank[role])
    return sorted(found, key=lambda c: (found[c], c))


def none_options(instrument: Instrument) -> list[str]:
    """Return the options meaning "none" (no problem, no need) of the closed questions."""
    return sorted(
        code
        for question in ("training_topics", "gov_problems")
        for code, role in choice_roles(instrument, _list_of(instrument, question)).items()
        if role == "none"
    )


def _quotes(
    final: pd.DataFrame, segments: pd.DataFrame, frame: pd.DataFrame, interviews: pd.DataFrame
) -> pd.DataFrame:
    """Pick the quotes, naming the district only where the referent allowed it."""
    ok = {}
    if "quote_district_ok" in interviews:
        ok = dict(
            zip(
                interviews["interview_id"],
                interviews["quote_district_ok"].astype(str).eq("si"),
                strict=True,
            )
        )
    return illustrative_quotes(final, segments, frame, quote_district_ok=ok)


def interview_codes(final: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (interview, question, code), parents of applied codes included."""
    rolled = roll_up(final, frame)
    keys = ["interview_id", "wave", "district_id", "question", "code_id"]
    return rolled[keys].drop_duplicates().reset_index(drop=True)


def _budget_findings(interventions: pd.DataFrame, interviews: pd.DataFrame, roles) -> Findings:
    """Warn about every started intervention whose amount spent is blank."""
    files = dict(zip(interviews["interview_id"], interviews.get("source_file", ""), strict=False))
    found = Findings()
    left = ind.started_without_amount(interventions, not_started=roles["not_started"])
    for row in left.itertuples(index=False):
        missing = "previsto" if row.reason == "planned_missing" else "speso"
        found.add(
            Finding(
                file=str(files.get(row.interview_id, "")),
                sheet="Interventi",
                # The tidy table numbers interventions within the interview, not Excel rows.
                cell="",
                district=str(row.district_id),
                question="budget_planned" if missing == "previsto" else "budget_spent",
                value=str(row.status),
                severity="warning",
                message=f"Intervento n. {getattr(row, 'row', '?')} ({row.status}) senza importo "
                f"{missing}: escluso dalla realizzazione del budget.",
                suggestion="Indicare l'importo (0 se non si è speso nulla).",
            )
        )
    return found


def _indicators(instrument, data, codes, districts, roles, t, reference) -> dict:
    interviews, interventions = data.interviews, data.interventions
    training_items = [q.name for q in instrument.likert_items if q.theme == "training"]
    gov_items = [q.name for q in instrument.likert_items if q.theme == "governance"]
    if reference:
        late = {"reference_date": reference}
    else:
        late = {"interview_dates": interviews.set_index("interview_id").get("interview_date")}
    statuses, not_started = roles["order"], roles["not_started"]

    def options(question: str) -> list[str]:
        return [c.name for c in instrument.choices(_list_of(instrument, question))]

    def top_codes(theme: str) -> list[str]:
        return problem_codes(instrument.coding_frame, theme)

    def ranking(question: str, **kw: Any) -> pd.DataFrame:
        return ind.option_ranking(data.multi, interviews, question=question, threshold=t, **kw)

    out = {
        "response": headline.response(interviews, districts),
        "status_overall": ind.status_counts(interventions, statuses=statuses, threshold=t),
        "status_by_district": ind.status_counts(
            interventions, by="district_id", statuses=statuses, threshold=t
        ),
        "status_by_area": ind.status_counts(
            interventions, by="area", statuses=statuses, threshold=t
        ),
        "completion_by_district": ind.completion(
            interventions, completed=roles["completed"], threshold=t
        ),
        "budget_by_district": ind.budget_realisation(
            interventions, not_started=not_started, threshold=t
        ),
        "budget_by_area": ind.budget_realisation(
            interventions, by="area", not_started=not_started, threshold=t
        ),
        "behind_schedule": ind.behind_schedule(
            interventions, open_statuses=roles["open"], threshold=t, **late
        ),
        "training_topics": ranking("training_topics", options=options("training_topics")),
        "training_matrix": ind.district_option_matrix(
            data.multi, interviews, question="training_topics", options=options("training_topics")
        ),
        "training_formats": ranking("training_formats"),
        "training_likert": ind.likert_distribution(data.likert, items=training_items, threshold=t),
        "governance_likert": ind.likert_distribution(data.likert, items=gov_items, threshold=t),
        "governance_closed": ranking("gov_problems", options=options("gov_problems")),
        "districts_by_type": ind.districts_by_type(interviews, districts, threshold=t),
        "comuni_per_district": ind.comuni_per_district(interviews, districts, threshold=t),
    }
    for theme, question in THEME_QUESTIONS.items():
        out[f"coded_{theme}"] = ind.code_mentions(
            codes, interviews, question=question, code_ids=top_codes(theme), threshold=t
        )
    out["governance_by_type"] = ind.codes_by_type(
        codes,
        interviews,
        districts,
        question=THEME_QUESTIONS["governance"],
        code_ids=top_codes("governance"),
        threshold=t,
    )
    return out


def _key_figures(data: Any, districts, roles, late: pd.DataFrame, reference: str) -> dict:
    key = headline.key_figures(
        data.interviews,
        data.interventions,
        districts,
        completed=roles["completed"],
        not_started=roles["not_started"],
        open_statuses=roles["open"],
    )
    if reference:  # one date for every intervention: the headline follows it
        key.update(
            n_behind=int(late["behind"].sum()), n_districts_behind=int((late["behind"] > 0).sum())
        )
    return key


def _method_counts(data: Any, final: pd.DataFrame, segments: pd.DataFrame, redaction) -> Any:
    """Return the counts of the method note as rows (indicator, item, n)."""
    sources = final["source"].value_counts().sort_index()
    rows = [
        ("open_answers", "", len(data.open_answers)),
        ("open_segments", "", len(segments)),
        *(("final_codes_by_source", str(s), int(n)) for s, n in sources.items()),
        *(("personal_data_redacted", k, int(n)) for k, n in sorted((redaction or {}).items())),
    ]
    return pd.DataFrame(rows, columns=["indicator", "item", "n"])


def analyse_wave(
    instrument: Instrument,
    data: Any,
    final: pd.DataFrame,
    segments: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    reference_date: str | None = None,
    threshold: int = ind.SMALL_BASE,
    coding: CodingStatus | None = None,
    agreement: pd.DataFrame | None = None,
    redaction: Mapping[str, int] | None = None,
) -> WaveAnalysis:
    """Compute the indicators of one wave.

    Parameters
    ----------
    instrument
        The wave's questionnaire (labels, lists, roles, settings, coding frame).
    data
        ``SurveyData`` of the ingest.
    final, segments
        Final codes and the segments they refer to (coding stage).
    districts
        The registry's districts of the wave (``Registry.districts``): every district, so
        that "k of N districts interviewed" has the registry's N.
    reference_date
        One date against which every intervention is "behind schedule" (to reproduce an
        earlier report); default: each intervention at its own interview's date.
    threshold
        Bases below this are flagged as small.
    coding
        What the final codes rest on; default: read from ``final`` and ``agreement``
        (a simulation cannot be seen there: pass it).
    agreement
        The coders' agreement table, when two coders coded.
    redaction
        What the redaction took out of the open answers (``Accounting.redaction``).
    """
    frame = instrument.coding_frame
    interviews, interventions = data.interviews, data.interventions
    reference = pd.Timestamp(reference_date).date().isoformat() if reference_date else ""
    roles = status_roles(instrument)
    codes = interview_codes(final, frame)
    indicators = _indicators(instrument, data, codes, districts, roles, threshold, reference)
    n_respondents = interviews["district_id"].nunique()
    indicators["codes"] = code_frequencies(final, frame, n_districts=n_respondents)
    if agreement is not None:
        indicators["agreement"] = agreement
    indicators["method"] = _method_counts(data, final, segments, redaction)
    coding = coding or coding_status(final, agreement)

    quotes = _quotes(final, segments, frame, interviews)
    types = dict(zip(districts["district_id"], districts["type"], strict=True))
    key = _key_figures(data, districts, roles, indicators["behind_schedule"], reference)
    labels = _labels(instrument, districts, frame)
    notes = {
        "threshold": threshold,
        "status_roles": roles,
        "apart_order": apart_order(instrument),
        "none_options": none_options(instrument),
    }
    table = indicator_table(indicators, key, coding, threshold=threshold)
    return WaveAnalysis(
        wave=instrument.wave,
        synthetic=instrument.synthetic,
        title=instrument.form_title,
        version=instrument.version,
        reference_date=reference,
        indicators=indicators,
        key_figures=key,
        labels=labels,
        quotes=quotes,
        district_types=types,
        notes=notes,
        names=survey_names(instrument),
        coding=coding,
        table=table,
        findings=_budget_findings(interventions, interviews, roles),
    )
