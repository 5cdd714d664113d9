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
}
FORMATS = {
    "Quota": PCT,
    "Realizzazione": PCT,
    "Quota sulle risposte valutate": PCT,
    "Budget previsto": EUR,
    "Spesa sostenuta": EUR,
}


def present(frame: pd.DataFrame, labels: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """Return the frame with codes replaced by Italian labels and Italian headers."""
    labels = labels or {}
    out = frame.copy()
    for column, mapping in labels.items():
        if column in out:
            out[column] = out[column].map(lambda v, m=mapping: m.get(v, v))
    keep = [c for c in out.columns if c in HEADERS]
    out = out[keep].rename(columns=HEADERS)
    if "Base ridotta" in out:
        out["Base ridotta"] = out["Base ridotta"].map({True: "sì", False: ""})
    return out


def _table(
    name: str,
    title: str,
    frame: pd.DataFrame,
    note: str,
    labels: dict[str, dict[str, str]] | None = None,
) -> Table:
    shown = present(frame, labels)
    formats = {c: f for c, f in FORMATS.items() if c in shown}
    return Table(name, title, shown, note, formats)


def wave_tables(analysis: WaveAnalysis, agreement: pd.DataFrame | None) -> list[Table]:
    """Return the tables of a wave's talk, in order, each with its base in the note."""
    ind, lab = analysis.indicators, analysis.labels
    n = analysis.key_figures["n_districts"]
    small = f"«Base ridotta»: meno di {analysis.notes['threshold']} casi."
    districts = {"district_id": lab["district"]}
    matrix = ind["training_matrix"].rename(columns=lab["training_topics"])
    matrix.index = matrix.index.map(lambda d: lab["district"].get(d, d))
    matrix.index.name = "Distretto"
    tables = [
        _table(
            "profilo",
            "Distretti rispondenti per tipo",
            ind["districts_by_type"],
            f"Base: {n} distretti rispondenti. DUC: distretto urbano; DID: diffuso.",
        ),
        _table(
            "comuni",
            "Comuni per distretto",
            ind["comuni_per_district"],
            "Base: comuni del registro nell'ondata.",
            districts,
        ),
        _table(
            "stato",
            "Interventi per stato di attuazione",
            ind["status_overall"],
            f"Base: {analysis.key_figures['n_interventions']} interventi. {small}",
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
            f"Base: interventi con entrambi gli importi. {small}",
            districts,
        ),
        _table(
            "budget_ambito",
            "Budget speso sul previsto, per ambito",
            ind["budget_by_area"],
            f"Base: interventi con entrambi gli importi. {small}",
            {"area": lab["area"]},
        ),
        _table(
            "ritardi",
            "Interventi oltre la data di conclusione prevista",
            ind["behind_schedule"],
            f"Interventi non completati né annullati con data prevista anteriore al "
            f"{analysis.reference_date}. {small}",
            districts,
        ),
        _table(
            "temi_formazione",
            "Temi di formazione richiesti",
            ind["training_topics"],
            f"Base: {n} distretti rispondenti.",
            {"option": lab["training_topics"]},
        ),
        Table(
            "matrice_temi",
            "Temi di formazione per distretto (1 = richiesto)",
            matrix.reset_index(),
            f"Base: {n} distretti rispondenti.",
        ),
        _table(
            "formati",
            "Formati di formazione preferiti",
            ind["training_formats"],
            f"Base: {n} distretti rispondenti.",
            {"option": lab["training_formats"]},
        ),
        _table(
            "likert_formazione",
            "Consapevolezza e partecipazione degli operatori",
            ind["training_likert"],
            "Base: risposte a ciascuna domanda; «non so» a parte.",
            {"item": lab["question"], "value": lab["likert_value"]},
        ),
        _table(
            "likert_governance",
            "Giudizi sul partenariato del distretto",
            ind["governance_likert"],
            "Base: risposte a ciascuna domanda; «non so» e «non applicabile» a parte.",
            {"item": lab["question"], "value": lab["likert_value"]},
        ),
        _table(
            "criticita_chiuse",
            "Criticità di governance (domanda a scelta multipla)",
            ind["governance_closed"],
            f"Base: {n} distretti rispondenti.",
            {"option": lab["gov_problems"]},
        ),
        _table(
            "criticita_codificate",
            "Criticità di governance (risposte aperte codificate)",
            ind["coded_governance"],
            f"Base: {n} distretti rispondenti.",
            {"code_id": lab["code"]},
        ),
        _table(
            "criticita_tipo",
            "Criticità di governance per tipo di distretto",
            ind["governance_by_type"],
            f"Base: distretti di ciascun tipo. {small}",
            {"code_id": lab["code"]},
        ),
        _table(
            "codici",
            "Frequenza dei codici delle risposte aperte",
            ind["codes"],
            f"Base: {n} distretti; i codici generali contano anche i loro sottocodici.",
            {
                "theme": {
                    "progress": "avanzamento",
                    "training": "formazione",
                    "governance": "governance",
                }
            },
        ),
    ]
    if agreement is not None:
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
        tables.append(
            Table(
                "accordo",
                "Accordo tra i due codificatori, per codice",
                shown,
                "Alfa e kappa non definiti (vuoti) quando un codice non varia; "
                "la nota dice perché.",
                {"Accordo": PCT, "Kappa di Cohen": "0.000", "Alfa di Krippendorff": "0.000"},
            )
        )
    return tables
