"""The talk's tables: indicator frames relabelled in Italian, with titles and bases."""

from __future__ import annotations

import pandas as pd

from distretti_survey.outputs.tables import Table
from distretti_survey.report.analysis import WaveAnalysis

PCT, EUR, INT = "0.0%", '#,##0 "€"', "0"

# Indicator column -> Italian header; columns not listed are left out of the tables.
HEADERS = {
    "district_id": "Distretto",
    "area": "Ambito",
    "status": "Stato",
    "option": "Opzione",
    "code_id": "Codice",
    "item": "Domanda",
    "value": "Risposta",
    "type": "Tipo",
    "count": "Interventi",
    "share": "Quota",
    "k": "Distretti",
    "n": "Base (n)",
    "mentions": "Menzioni",
    "completed": "Completati",
    "budget_planned": "Budget previsto",
    "budget_spent": "Spesa sostenuta",
    "realisation": "Realizzazione",
    "behind": "In ritardo",
    "open": "Aperti",
    "n_comuni": "Comuni",
    "share_scored": "Quota sulle risposte valutate",
    "label": "Codice (etichetta)",
    "theme": "Tema",
    "n_segments": "Segmenti",
    "n_answers": "Risposte",
    "n_districts": "Distretti",
    "districts_text": "k di N distretti",
    "small_base": "Base ridotta",
    "n_planned": "Interventi programmati",
    "n_left_out": "Esclusi (importo mancante)",
    "budget_left_out": "Budget previsto degli esclusi",
    "n_undated": "Senza data d'intervista",
    "interviewed": "Intervistato",
}
# Likert tables count answers, not interventions, and show both bases.
LIKERT_HEADERS = {
    "count": "Risposte",
    "n": "Base: tutte le risposte",
    "share": "Quota su tutte le risposte",
    "n_scored": "Base: risposte valutate",
    "share_scored": "Quota sulle risposte valutate",
}
FORMATS = {
    "Quota": PCT,
    "Quota su tutte le risposte": PCT,
    "Budget previsto degli esclusi": EUR,
    "Realizzazione": PCT,
    "Quota sulle risposte valutate": PCT,
    "Budget previsto": EUR,
    "Spesa sostenuta": EUR,
}


def present(
    frame: pd.DataFrame,
    labels: dict[str, dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Return the frame with codes replaced by Italian labels and Italian headers.

    ``headers`` overrides ``HEADERS`` for one table (a count of answers is not "Interventi").
    """
    labels = labels or {}
    names = {**HEADERS, **(headers or {})}
    out = frame.copy()
    for column, mapping in labels.items():
        if column in out:
            out[column] = out[column].map(lambda v, m=mapping: m.get(v, v))
    keep = [c for c in out.columns if c in names]
    out = out[keep].rename(columns=names)
    for flag in ("Base ridotta", "Intervistato"):
        if flag in out:
            out[flag] = out[flag].map({True: "sì", False: "no" if flag == "Intervistato" else ""})
    return out


def _table(
    name: str,
    title: str,
    frame: pd.DataFrame,
    note: str,
    labels: dict[str, dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Table:
    shown = present(frame, labels, headers)
    formats = {c: f for c, f in FORMATS.items() if c in shown}
    return Table(name, title, shown, note, formats)


def _side_by_side(
    closed: pd.DataFrame,
    coded: pd.DataFrame,
    closed_labels: dict[str, str],
    code_labels: dict[str, str],
) -> pd.DataFrame:
    """Put a closed question's ranking and the coded answers' ranking in adjacent columns."""
    left = closed.reset_index(drop=True)
    right = coded.reset_index(drop=True)
    rows = max(len(left), len(right))
    left, right = left.reindex(range(rows)), right.reindex(range(rows))
    return pd.DataFrame(
        {
            "Domanda a scelta multipla": left["option"].map(lambda v: closed_labels.get(v, v)),
            "Distretti (domanda chiusa)": left["k"].astype("Int64"),
            "Quota (domanda chiusa)": left["share"],
            "Risposte aperte codificate": right["code_id"].map(lambda v: code_labels.get(v, v)),
            "Distretti (risposte aperte)": right["k"].astype("Int64"),
            "Quota (risposte aperte)": right["share"],
        }
    )


def _progress_tables(analysis: WaveAnalysis, small: str, districts: dict) -> list[Table]:
    ind, lab = analysis.indicators, analysis.labels
    from distretti_survey.report.narrative import date_it

    when = (
        f"al {date_it(analysis.reference_date)}"
        if analysis.reference_date
        else "alla data dell'intervista di ciascun distretto"
    )
    budget_note = (
        "Base: tutti gli interventi programmati; non avviati senza importo speso contati "
        "come 0; avviati senza importo speso esclusi (colonne «Esclusi» e «Budget previsto "
        f"degli esclusi»). {small}"
    )
    return [
        _table(
            "stato",
            "Interventi per stato di attuazione",
            ind["status_overall"],
            f"Base: {analysis.key_figures['n_interventions']} interventi programmati. {small}",
            {"status": lab["status"]},
        ),
        _table(
            "stato_distretto",
            "Interventi per stato e distretto",
            ind["status_by_district"],
            f"Base: interventi di ciascun distretto. {small}",
            {**districts, "status": lab["status"]},
        ),
        _table(
            "stato_ambito",
            "Interventi per stato e ambito",
            ind["status_by_area"],
            f"Base: interventi di ciascun ambito. {small}",
            {"area": lab["area"], "status": lab["status"]},
        ),
        _table(
            "completamento",
            "Interventi completati per distretto",
            ind["completion_by_district"],
            f"Base: interventi del distretto, annullati compresi. {small}",
            districts,
        ),
        _table(
            "budget",
            "Budget speso sul previsto, per distretto",
            ind["budget_by_district"],
            budget_note,
            districts,
            {"n": "Interventi con importi"},
        ),
        _table(
            "budget_ambito",
            "Budget speso sul previsto, per ambito",
            ind["budget_by_area"],
            budget_note,
            {"area": lab["area"]},
            {"n": "Interventi con importi"},
        ),
        _table(
            "ritardi",
            "Interventi oltre la data di conclusione prevista",
            ind["behind_schedule"].drop(columns="share"),
            f"Interventi non completati né annullati con data prevista anteriore {when}. {small}",
            districts,
            {"n": "Interventi programmati"},
        ),
    ]


def _coded_tables(analysis: WaveAnalysis, n: int, small: str) -> list[Table]:
    from distretti_survey.report.narrative import coding_note

    ind, lab = analysis.indicators, analysis.labels
    note = coding_note(analysis)
    return [
        Table(
            "temi_confronto",
            "Temi di formazione: domanda chiusa e risposte aperte, affiancate",
            _side_by_side(
                ind["training_topics"], ind["coded_training"], lab["training_topics"], lab["code"]
            ),
            f"Base: {n} distretti intervistati in entrambe le colonne. Risposte aperte: {note}",
            {"Quota (domanda chiusa)": PCT, "Quota (risposte aperte)": PCT},
        ),
        _table(
            "criticita_chiuse",
            "Criticità di governance (domanda a scelta multipla)",
            ind["governance_closed"],
            f"Base: {n} distretti intervistati.",
            {"option": lab["gov_problems"]},
        ),
        _table(
            "criticita_codificate",
            "Criticità di governance (risposte aperte codificate)",
            ind["coded_governance"],
            f"Base: {n} distretti intervistati. {note}",
            {"code_id": lab["code"]},
        ),
        Table(
            "criticita_confronto",
            "Criticità di governance: domanda chiusa e risposte aperte, affiancate",
            _side_by_side(
                ind["governance_closed"], ind["coded_governance"], lab["gov_problems"], lab["code"]
            ),
            f"Base: {n} distretti intervistati in entrambe le colonne. Risposte aperte: {note}",
            {"Quota (domanda chiusa)": PCT, "Quota (risposte aperte)": PCT},
        ),
        _table(
            "criticita_tipo",
            "Criticità di governance per tipo di distretto",
            ind["governance_by_type"],
            f"Base: distretti intervistati di ciascun tipo. {small} {note}",
            {"code_id": lab["code"]},
        ),
        _table(
            "codici",
            "Frequenza dei codici delle risposte aperte",
            ind["codes"],
            f"Base: {n} distretti intervistati; i codici generali contano anche i loro "
            f"sottocodici. {note}",
            {
                "theme": {
                    "progress": "avanzamento",
                    "training": "formazione",
                    "governance": "governance",
                }
            },
        ),
    ]


def _agreement_table(analysis: WaveAnalysis, agreement: pd.DataFrame) -> Table:
    from distretti_survey.report.narrative import coding_note

    shown = agreement.rename(
        columns={
            "code": "Codice",
            "n_units": "Segmenti",
            "percent_agreement": "Accordo",
            "cohen_kappa": "Kappa di Cohen",
            "krippendorff_alpha": "Alfa di Krippendorff",
            "reason": "Nota",
        }
    )
    simulated = analysis.coding.kind == "simulated"
    return Table(
        "accordo",
        "Accordo tra i due codificatori"
        + (" (simulati: dati dimostrativi)" if simulated else "")
        + ", per codice",
        shown,
        f"{coding_note(analysis)} Alfa e kappa non definiti (vuoti) quando un codice non "
        "varia; la nota dice perché.",
        {"Accordo": PCT, "Kappa di Cohen": "0.000", "Alfa di Krippendorff": "0.000"},
    )


def _profile_tables(analysis: WaveAnalysis, n: int, districts: dict) -> list[Table]:
    from distretti_survey.report.narrative import response_text

    ind = analysis.indicators
    response = ind["response"][["district_name", "type", "interviewed"]]
    return [
        Table(
            "risposta",
            "Distretti del registro e interviste",
            present(response.rename(columns={"district_name": "district_id"}), {}),
            f"{response_text(analysis)}. Base: distretti del registro nell'ondata.",
        ),
        _table(
            "profilo",
            "Distretti intervistati per tipo",
            ind["districts_by_type"],
            f"Base: {n} distretti intervistati. DUC: distretto urbano; DID: diffuso.",
        ),
        _table(
            "comuni",
            "Comuni per distretto",
            ind["comuni_per_district"],
            "Base: comuni del registro nell'ondata.",
            districts,
        ),
    ]


def wave_tables(analysis: WaveAnalysis, agreement: pd.DataFrame | None) -> list[Table]:
    """Return the tables of a wave's talk, in order, each with its base in the note.

    The last sheet, ``indicatori``, is the long table of every number (``indicatori.csv``).
    """
    ind, lab = analysis.indicators, analysis.labels
    n = analysis.key_figures["n_districts"]
    small = f"«Base ridotta»: meno di {analysis.notes['threshold']} casi."
    districts = {"district_id": lab["district"]}
    matrix = ind["training_matrix"].rename(columns=lab["training_topics"])
    matrix.index = matrix.index.map(lambda d: lab["district"].get(d, d))
    matrix.index.name = "Distretto"
    likert = {"item": lab["question"], "value": lab["likert_value"]}
    likert_note = (
        "Due basi: tutte le risposte alla domanda e le sole risposte valutate (esclusi "
        "«non so» e «non applicabile»), ciascuna con la sua quota."
    )
    tables = [
        *_profile_tables(analysis, n, districts),
        *_progress_tables(analysis, small, districts),
        _table(
            "temi_formazione",
            "Temi di formazione richiesti",
            ind["training_topics"],
            f"Base: {n} distretti intervistati.",
            {"option": lab["training_topics"]},
        ),
        Table(
            "matrice_temi",
            "Temi di formazione per distretto (1 = richiesto)",
            matrix.reset_index(),
            f"Base: {n} distretti intervistati.",
        ),
        _table(
            "formati",
            "Formati di formazione preferiti",
            ind["training_formats"],
            f"Base: {n} distretti intervistati.",
            {"option": lab["training_formats"]},
        ),
        _table(
            "likert_formazione",
            "Consapevolezza e partecipazione degli operatori",
            ind["training_likert"],
            likert_note,
            likert,
            LIKERT_HEADERS,
        ),
        _table(
            "likert_governance",
            "Giudizi sul partenariato del distretto",
            ind["governance_likert"],
            likert_note,
            likert,
            LIKERT_HEADERS,
        ),
        *_coded_tables(analysis, n, small),
    ]
    if agreement is not None:
        tables.append(_agreement_table(analysis, agreement))
    tables.append(
        Table(
            "indicatori",
            "Tutti i numeri del report (indicatori.csv)",
            analysis.table,
            "Una riga per ogni numero mostrato in grafici, tabelle, presentazione e report; "
            "value = quota (0-1), conteggio o importo secondo «unit».",
        )
    )
    return tables
