"""Compare survey waves: the same indicators per wave and district, through the crosswalk.

Every later wave is mapped onto the first wave's question and option ids with the crosswalk
of its questionnaire. Only items the crosswalk marks comparable are compared; everything
left out is listed with the reason, never dropped silently.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from distretti_survey import indicators as ind
from distretti_survey.crosswalk import build_crosswalk
from distretti_survey.errors import ConfigError
from distretti_survey.findings import Findings
from distretti_survey.report.analysis import NO_PROBLEM_CODES, THEME_QUESTIONS, interview_codes

ALL = "TUTTI"
POSITIVE_SCORE = 4
INDICATOR_LABELS = {
    "completamento": "Interventi completati (quota)",
    "realizzazione_budget": "Budget speso sul previsto",
    "tema_formazione": "Distretti che chiedono il tema di formazione (quota)",
    "giudizio_positivo": "Risposte d'accordo o alte (4-5) sulle risposte valutate",
    "criticita_chiusa": "Distretti che indicano la criticità (domanda chiusa, quota)",
    "criticita_codificata": "Distretti che citano la criticità (risposte aperte, quota)",
}


@dataclass(frozen=True)
class Comparison:
    """What comparing waves produced."""

    waves: tuple[int, ...]
    values: pd.DataFrame
    """indicator, item, district_id, one column per wave, ``change`` (last minus first)."""
    presence: pd.DataFrame
    """district_id, district_name, waves present, note for districts not in every wave."""
    excluded: pd.DataFrame
    """Items left out of the comparison, each with the reason."""
    handled: pd.DataFrame
    """The crosswalk rows applied, with what was done."""
    findings: Findings


def _harmonise(
    data: Any, rename: dict[str, str], recode: dict[str, dict[str, str]], instrument: Any
) -> dict[str, pd.DataFrame]:
    """Return a wave's Likert and multiple-choice tables in the first wave's ids.

    ``rename`` maps this wave's question ids to the first wave's; ``recode`` maps options that
    were later merged to the merged option (list -> {old: new}), for every wave alike.
    """
    likert = data.likert.assign(item=data.likert["item"].astype(str).replace(rename))
    multi = data.multi.assign(
        question=data.multi["question"].astype(str), option=data.multi["option"].astype(str)
    )
    for list_name, options in recode.items():
        questions = [q.name for q in instrument.questions if q.list_name == list_name]
        rows = multi["question"].isin(questions)
        multi.loc[rows, "option"] = multi.loc[rows, "option"].replace(options)
    multi["question"] = multi["question"].replace(rename)
    return {"likert": likert, "multi": multi}


def wave_values(
    data: Any, tables: dict[str, pd.DataFrame], final: pd.DataFrame, instrument: Any
) -> pd.DataFrame:
    """Return one wave's comparable values: indicator, item, district_id, value, n."""
    interviews, interventions = data.interviews, data.interventions
    rows = []

    def add(indicator: str, frame_: pd.DataFrame, item: str | pd.Series, district, value) -> None:
        part = pd.DataFrame(
            {
                "indicator": indicator,
                "item": item,
                "district_id": district,
                "value": frame_[value].astype("float64"),
                "n": frame_["n"],
            }
        )
        # Plain strings: categorical ids would make the wave table a product of all levels.
        rows.append(part.astype({"item": str, "district_id": str}))

    done = ind.completion(interventions, by=None)
    add("completamento", done, "", ALL, "share")
    done = ind.completion(interventions)
    add("completamento", done, "", done["district_id"], "share")
    budget = ind.budget_realisation(interventions, by=None)
    add("realizzazione_budget", budget, "", ALL, "realisation")
    budget = ind.budget_realisation(interventions)
    add("realizzazione_budget", budget, "", budget["district_id"], "realisation")
    for question, indicator in (
        ("training_topics", "tema_formazione"),
        ("gov_problems", "criticita_chiusa"),
    ):
        options = [c.name for c in instrument.choices(instrument.question(question).list_name)]
        ranking = ind.option_ranking(
            tables["multi"], interviews, question=question, options=options
        )
        add(indicator, ranking, ranking["option"], ALL, "share")
    likert = tables["likert"].dropna(subset=["score"])
    for key, group in [(ALL, likert), *likert.groupby("district_id")]:
        positive = group.assign(pos=group["score"] >= POSITIVE_SCORE).groupby("item")["pos"]
        stats = pd.DataFrame({"share": positive.mean(), "n": positive.size()}).reset_index()
        add("giudizio_positivo", stats, stats["item"], key, "share")
    frame = instrument.coding_frame
    codes = interview_codes(final, frame)
    top = frame.loc[frame["parent"].fillna("").eq("") & frame["theme"].eq("governance"), "code_id"]
    problems = [code for code in top if code not in NO_PROBLEM_CODES]
    mentions = ind.code_mentions(
        codes, interviews, question=THEME_QUESTIONS["governance"], code_ids=problems
    )
    add("criticita_codificata", mentions, mentions["code_id"], ALL, "share")
    out = pd.concat(rows, ignore_index=True)
    out["wave"] = instrument.wave
    return out


def compare(prepared: list[Any]) -> Comparison:
    """Compare prepared waves (``pipeline.prepare_wave``), in the order given.

    Raises
    ------
    ConfigError
        When a crosswalk has errors (for example a question id reused for another question).
    """
    if len(prepared) < 2:
        raise ConfigError("Per il confronto servono almeno due ondate.")
    prepared = sorted(prepared, key=lambda p: p.instrument.wave)
    waves = tuple(p.instrument.wave for p in prepared)
    if len(set(waves)) != len(waves):
        raise ConfigError(f"Ondate ripetute nel confronto: {waves}.")
    findings = Findings()
    excluded, handled, crosswalks = [], [], []
    for before, after in itertools.pairwise(prepared):
        source = f"{after.wave_dir.name}/questionnaire.xlsx"
        crosswalk, found = build_crosswalk(
            after.instrument.crosswalk, before.instrument, after.instrument, file=source
        )
        findings.extend(found)
        if found.has_errors:
            raise ConfigError(
                f"Crosswalk {source} non valido: "
                + "; ".join(f"{f.cell} {f.message}" for f in found.errors)
            )
        crosswalks.append(crosswalk)
        excluded.append(
            crosswalk.excluded().assign(waves=f"{before.instrument.wave}-{after.instrument.wave}")
        )
        rows = crosswalk.rows.copy()
        rows["esito"] = [_handled(kind) for kind in rows["kind"]]
        handled.append(rows)

    recode: dict[str, dict[str, str]] = {}
    for crosswalk in crosswalks:
        for list_name, options in crosswalk.recode.items():
            recode.setdefault(list_name, {}).update(options)
    values, rename = [], {}
    for index, wave in enumerate(prepared):
        if index:  # chain the renames back to the first wave's ids
            step = crosswalks[index - 1].rename_map()
            rename = {new: rename.get(old, old) for new, old in step.items()}
        tables = _harmonise(wave.ingest.data, rename, recode, wave.instrument)
        values.append(wave_values(wave.ingest.data, tables, wave.coding.final, wave.instrument))

    long = pd.concat(values, ignore_index=True)
    excluded_frame = pd.concat(excluded, ignore_index=True)
    # Excluded options are written list/option; values name options by their code alone.
    left_out = {item.rsplit("/", 1)[-1] for item in excluded_frame["item"]}
    long = long[~long["item"].isin(left_out)]
    wide = long.set_index(["indicator", "item", "district_id", "wave"])["value"].unstack("wave")
    wide = wide.reindex(columns=list(waves)).reset_index()
    wide.columns.name = None
    wide["change"] = wide[waves[-1]] - wide[waves[0]]
    order = {name: i for i, name in enumerate(INDICATOR_LABELS)}
    wide = wide.sort_values(
        ["indicator", "district_id", "item"],
        key=lambda s: s.map(order) if s.name == "indicator" else s,
        kind="stable",
        ignore_index=True,
    )
    return Comparison(
        waves,
        wide,
        _presence(prepared),
        excluded_frame,
        pd.concat(handled, ignore_index=True),
        findings,
    )


def _handled(kind: str) -> str:
    return {
        "question_renamed": "domanda rinominata: confrontata con il nome precedente",
        "question_reworded": "domanda riformulata: confrontata solo se comparabile",
        "option_added": "opzione nuova: esclusa dal confronto",
        "option_removed": "opzione eliminata: esclusa dal confronto",
        "option_merged": "opzioni unite: ricodificate nell'opzione nuova",
        "district_added": "distretto nuovo: presente in una sola ondata",
    }.get(kind, "registrato")


def _presence(prepared: list[Any]) -> pd.DataFrame:
    """Return which districts answered in which wave, noting those not in every wave."""
    rows = {}
    names = {}
    for p in prepared:
        names.update(zip(p.districts["district_id"], p.districts["district_name"], strict=True))
        for district in p.ingest.data.interviews["district_id"]:
            rows.setdefault(district, []).append(p.instrument.wave)
    waves = [p.instrument.wave for p in prepared]
    out = pd.DataFrame(
        [
            {
                "district_id": d,
                "district_name": names.get(d, d),
                "waves": ", ".join(map(str, present)),
                "note": ""
                if present == waves
                else f"presente solo nell'ondata {', '.join(map(str, present))}",
            }
            for d, present in sorted(rows.items())
        ]
    )
    return out
