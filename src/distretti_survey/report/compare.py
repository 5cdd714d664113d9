"""Compare survey waves: the same indicators per wave and district, through the crosswalk.

Every later wave is mapped onto the first wave's question and option ids with the crosswalk
of its questionnaire. Only items the crosswalk marks comparable are compared; everything
left out is listed with the reason, never dropped silently.

Changes are computed on a stated base: by default the districts interviewed in every wave
compared (the panel, ``PANEL``); the figures of all the districts interviewed in each wave
(``ALL``) are shown apart, with their own bases, so a district new in the registry or not
interviewed in one wave never moves a change by itself. Coded figures rest on the coding
status of each wave: unreviewed rule suggestions are refused unless explicitly allowed.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from distretti_survey import indicators as ind
from distretti_survey.crosswalk import build_crosswalk
from distretti_survey.errors import ConfigError
from distretti_survey.findings import Findings
from distretti_survey.report.analysis import (
    THEME_QUESTIONS,
    interview_codes,
    problem_codes,
    status_roles,
)
from distretti_survey.report.coding_status import CodingStatus, coding_status

ALL = "TUTTI"
PANEL = "PANEL"
BASE_UNITS = {
    "completamento": "interventi",
    "realizzazione_budget": "interventi con importi",
    "giudizio_positivo": "risposte valutate",
}
GROUP_LABELS = {
    PANEL: "distretti intervistati in tutte le ondate",
    ALL: "tutti i distretti intervistati in ciascuna ondata",
}
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
    """indicator, item, district_id (``PANEL``, ``ALL`` or a district), one value column per
    wave, ``n_<wave>`` (districts the value rests on), ``change`` (last minus first),
    ``bases`` ("18 -> 19 distretti")."""
    presence: pd.DataFrame
    """district_id, district_name, waves interviewed, ``status`` (panel, non intervistato,
    nuovo, soppresso) and a note naming the waves."""
    excluded: pd.DataFrame
    """Items left out of the comparison, each with the reason."""
    handled: pd.DataFrame
    """The crosswalk rows applied, with what was done."""
    findings: Findings
    coding: dict[int, CodingStatus] = dataclasses.field(default_factory=dict)
    """What the coded figures of each wave rest on."""


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


def _only(frame: pd.DataFrame, districts: set[str] | None) -> pd.DataFrame:
    return frame if districts is None else frame[frame["district_id"].isin(districts)]


def wave_values(
    data: Any,
    tables: dict[str, pd.DataFrame],
    final: pd.DataFrame,
    instrument: Any,
    *,
    districts: set[str] | None = None,
    label: str = ALL,
) -> pd.DataFrame:
    """Return one wave's comparable values: indicator, item, district_id, value, n, n_districts.

    ``districts`` restricts every figure to those districts (the panel); overall rows carry
    ``label`` as their district id. Per-district rows are given only for the whole wave.
    """
    interviews = _only(data.interviews, districts)
    interventions = _only(data.interventions, districts)
    multi, likert = _only(tables["multi"], districts), _only(tables["likert"], districts)
    n_districts = interviews["district_id"].nunique()
    roles = status_roles(instrument)
    per_district = districts is None
    rows = []

    def add(indicator: str, frame_: pd.DataFrame, item: str | pd.Series, district, value) -> None:
        part = pd.DataFrame(
            {
                "indicator": indicator,
                "item": item,
                "district_id": district,
                "value": frame_[value].astype("float64"),
                "n": frame_["n"],
                "n_districts": 1 if isinstance(district, pd.Series) else n_districts,
            }
        )
        # Plain strings: categorical ids would make the wave table a product of all levels.
        rows.append(part.astype({"item": str, "district_id": str}))

    done = ind.completion(interventions, by=None, completed=roles["completed"])
    add("completamento", done, "", label, "share")
    budget = ind.budget_realisation(interventions, by=None, not_started=roles["not_started"])
    add("realizzazione_budget", budget, "", label, "realisation")
    if per_district:
        done = ind.completion(interventions, completed=roles["completed"])
        add("completamento", done, "", done["district_id"], "share")
        budget = ind.budget_realisation(interventions, not_started=roles["not_started"])
        add("realizzazione_budget", budget, "", budget["district_id"], "realisation")
    for question, indicator in (
        ("training_topics", "tema_formazione"),
        ("gov_problems", "criticita_chiusa"),
    ):
        options = [c.name for c in instrument.choices(instrument.question(question).list_name)]
        ranking = ind.option_ranking(multi, interviews, question=question, options=options)
        add(indicator, ranking, ranking["option"], label, "share")
    scored = likert.dropna(subset=["score"])
    groups = [(label, scored)] + (list(scored.groupby("district_id")) if per_district else [])
    for key, group in groups:
        positive = group.assign(pos=group["score"] >= POSITIVE_SCORE).groupby("item")["pos"]
        stats = pd.DataFrame({"share": positive.mean(), "n": positive.size()}).reset_index()
        add("giudizio_positivo", stats, stats["item"], key, "share")
    frame = instrument.coding_frame
    codes = _only(interview_codes(final, frame), districts)
    problems = problem_codes(frame, "governance")
    mentions = ind.code_mentions(
        codes, interviews, question=THEME_QUESTIONS["governance"], code_ids=problems
    )
    add("criticita_codificata", mentions, mentions["code_id"], label, "share")
    out = pd.concat(rows, ignore_index=True)
    out["wave"] = instrument.wave
    return out


def _coding_of(prepared: list[Any], coding: dict[int, CodingStatus] | None) -> dict:
    """Return the coding status of each wave: given, or read from its final codes."""
    out = dict(coding or {})
    for p in prepared:
        if p.instrument.wave not in out:
            # ``pipeline.prepare_wave`` says whether the decisions it found were simulated.
            simulated = getattr(p, "simulated_coders", False) or p.coding.simulated
            out[p.instrument.wave] = coding_status(
                p.coding.final, p.coding.agreement, simulated=simulated
            )
    return out


def _check_coding(status: dict[int, CodingStatus], allow_unreviewed: bool) -> None:
    unreviewed = [w for w, s in sorted(status.items()) if s.kind in ("unreviewed",)]
    if unreviewed and not allow_unreviewed:
        waves = ", ".join(map(str, unreviewed))
        raise ConfigError(
            f"Ondata {waves}: i codici delle risposte aperte sono solo suggerimenti automatici "
            "non rivisti. Indicare le decisioni dei codificatori di ogni ondata (--decisions "
            "decisions.csv, nello stesso ordine delle ondate) oppure accettare "
            "esplicitamente i codici non rivisti (--allow-unreviewed)."
        )


def _crosswalks(prepared: list[Any], findings: Findings) -> tuple[list, list, list]:
    """Build the crosswalk of each later wave; return them, the items left out, the rows."""
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
    return crosswalks, excluded, handled


def compare(
    prepared: list[Any],
    *,
    coding: dict[int, CodingStatus] | None = None,
    allow_unreviewed: bool = False,
) -> Comparison:
    """Compare prepared waves (``pipeline.prepare_wave``), in the order given.

    Parameters
    ----------
    prepared
        The waves, read, validated and coded.
    coding
        The coding status of each wave (wave -> ``CodingStatus``), from the decisions the
        pipeline found for it; a wave left out is described from its final codes.
    allow_unreviewed
        Compare coded figures that rest on unreviewed rule suggestions (otherwise refused).

    Raises
    ------
    ConfigError
        When a crosswalk has errors (for example a question id reused for another question),
        or a wave's codes are unreviewed suggestions and ``allow_unreviewed`` is false.
    """
    if len(prepared) < 2:
        raise ConfigError("Per il confronto servono almeno due ondate.")
    prepared = sorted(prepared, key=lambda p: p.instrument.wave)
    waves = tuple(p.instrument.wave for p in prepared)
    if len(set(waves)) != len(waves):
        raise ConfigError(f"Ondate ripetute nel confronto: {waves}.")
    status = _coding_of(prepared, coding)
    _check_coding(status, allow_unreviewed)
    findings = Findings()
    crosswalks, excluded, handled = _crosswalks(prepared, findings)
    recode: dict[str, dict[str, str]] = {}
    for crosswalk in crosswalks:
        for list_name, options in crosswalk.recode.items():
            recode.setdefault(list_name, {}).update(options)
    panel = set.intersection(*(set(p.ingest.data.interviews["district_id"]) for p in prepared))
    values, rename = [], {}
    for index, wave in enumerate(prepared):
        if index:  # chain the renames back to the first wave's ids
            step = crosswalks[index - 1].rename_map()
            rename = {new: rename.get(old, old) for new, old in step.items()}
        tables = _harmonise(wave.ingest.data, rename, recode, wave.instrument)
        args = (wave.ingest.data, tables, wave.coding.final, wave.instrument)
        values.append(wave_values(*args, districts=panel, label=PANEL))
        values.append(wave_values(*args))

    long = pd.concat(values, ignore_index=True)
    excluded_frame = pd.concat(excluded, ignore_index=True)
    # Excluded options are written list/option; values name options by their code alone.
    left_out = {item.rsplit("/", 1)[-1] for item in excluded_frame["item"]}
    long = long[~long["item"].isin(left_out)]
    return Comparison(
        waves,
        _wide(long, waves),
        _presence(prepared),
        excluded_frame,
        pd.concat(handled, ignore_index=True),
        findings,
        status,
    )


def _wide(long: pd.DataFrame, waves: tuple[int, ...]) -> pd.DataFrame:
    """One row per indicator, item and district (or group), values and bases per wave."""
    keys = ["indicator", "item", "district_id", "wave"]
    wide = long.set_index(keys)["value"].unstack("wave").reindex(columns=list(waves))
    bases = long.set_index(keys)["n_districts"].unstack("wave").reindex(columns=list(waves))
    bases.columns = [f"n_{w}" for w in waves]
    wide = wide.join(bases).reset_index()
    wide.columns.name = None
    wide["change"] = wide[waves[-1]] - wide[waves[0]]
    counts = long.set_index(keys)["n"].unstack("wave").reindex(columns=list(waves))
    counts = counts.reindex(pd.MultiIndex.from_frame(wide[keys[:-1]])).to_numpy()
    groups = wide["district_id"].isin([PANEL, ALL]).to_numpy()
    unit = wide["indicator"].map(BASE_UNITS).fillna("casi").to_numpy()
    wide["bases"] = [
        # A group states its districts; one district states what its share is of.
        " -> ".join("–" if pd.isna(n) else str(int(n)) for n in (row if group else count))
        + (" distretti" if group else f" {what}")
        for row, count, group, what in zip(
            wide[[f"n_{w}" for w in waves]].to_numpy(), counts, groups, unit, strict=True
        )
    ]
    order = {name: i for i, name in enumerate(INDICATOR_LABELS)}
    group = {PANEL: "0", ALL: "1"}
    return wide.sort_values(
        ["indicator", "district_id", "item"],
        key=lambda s: (
            s.map(order)
            if s.name == "indicator"
            else s.map(lambda d: group.get(d, "2" + d))
            if s.name == "district_id"
            else s
        ),
        kind="stable",
        ignore_index=True,
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
    """Say for every district what it is in the comparison: panel, not interviewed, new, dissolved.

    Three different things, named as such: a district of the registry that was not
    interviewed in a wave, a district new in the registry (absent from an earlier wave's
    registry), and a district dissolved (absent from a later wave's registry).
    """
    names: dict[str, str] = {}
    registry = {}
    interviewed = {}
    for p in prepared:
        wave = p.instrument.wave
        names.update(zip(p.districts["district_id"], p.districts["district_name"], strict=True))
        registry[wave] = set(p.districts["district_id"])
        interviewed[wave] = set(p.ingest.data.interviews["district_id"])
    waves = [p.instrument.wave for p in prepared]
    everyone = sorted(set().union(*registry.values(), *interviewed.values()))
    rows = []
    for d in everyone:
        present = [w for w in waves if d in interviewed[w]]
        in_registry = [w for w in waves if d in registry[w]]
        notes, status = [], "panel" if present == waves else ""
        if in_registry and in_registry[0] != waves[0]:
            notes.append(f"distretto nuovo dall'ondata {in_registry[0]}")
            status = status or "nuovo"
        if in_registry and in_registry[-1] != waves[-1]:
            notes.append(f"distretto soppresso dopo l'ondata {in_registry[-1]}")
            status = status or "soppresso"
        missing = [w for w in in_registry if w not in present]
        if missing:
            notes.append(f"non intervistato nell'ondata {', '.join(map(str, missing))}")
            status = status or "non intervistato"
        rows.append(
            {
                "district_id": d,
                "district_name": names.get(d, d),
                "waves": ", ".join(map(str, present)),
                "status": status or "fuori registro",
                "note": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows, columns=["district_id", "district_name", "waves", "status", "note"])
