"""Write a wave comparison: dumbbell charts, tables, a deck section and an HTML report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from distretti_survey import __version__
from distretti_survey.outputs.tables import Table
from distretti_survey.report.compare import ALL, GROUP_LABELS, INDICATOR_LABELS, PANEL, Comparison
from distretti_survey.report.figures import (
    FigureSpec,
    deck_slide,
    figure_workers,
    render_figures,
    write_figures,
)
from distretti_survey.report.names import survey_names
from distretti_survey.report.narrative import pct, pp

PCT = "0.0%"


def comparison_labels(prepared: list[Any]) -> dict[str, str]:
    """Return Italian labels for every item id of the waves (questions, options, codes)."""
    labels: dict[str, str] = {}
    for p in reversed(prepared):  # the first wave's labels win: its ids are the reference
        instrument = p.instrument
        labels.update({q.name: q.label("it") for q in instrument.questions})
        labels.update({c.name: c.label("it") for c in instrument.all_choices})
        frame = instrument.coding_frame
        labels.update(zip(frame["code_id"], frame["label::Italiano (it)"], strict=True))
        labels.update(zip(p.districts["district_id"], p.districts["district_name"], strict=True))
    return labels


def comparison_specs(comparison: Comparison, labels: dict[str, str]) -> list[FigureSpec]:
    """Return the dumbbell charts of the comparison."""
    values = comparison.values
    waves = " e ".join(map(str, comparison.waves))

    def tidy(indicator: str, *, by_district: bool = False) -> pd.DataFrame:
        part = values[values["indicator"] == indicator]
        groups = {ALL, PANEL}
        part = (
            part[~part["district_id"].isin(groups)]
            if by_district
            else part[part["district_id"] == PANEL]
        )
        key = "district_id" if by_district else "item"
        long = part.melt(
            id_vars=[key], value_vars=list(comparison.waves), var_name="wave", value_name="value"
        ).rename(columns={key: "item"})
        return long.dropna(subset=["value"])

    panel = values[values["district_id"] == PANEL]
    n_panel = int(panel[f"n_{comparison.waves[0]}"].max()) if len(panel) else 0
    coded = "; ".join(
        f"{wave}: {status.note('').rstrip('.')}" for wave, status in comparison.coding.items()
    )

    def spec(stem, indicator, title, xlabel, *, by_district=False):
        # District names are long: keep them on one line rather than wrap into neighbours.
        wrap = 70 if by_district else 40
        base = (
            "Base: ciascun distretto nelle ondate in cui è stato intervistato"
            if by_district
            else f"Base: gli stessi {n_panel} distretti intervistati in tutte le ondate"
        )
        if indicator == "criticita_codificata":
            base += f". Codici: {coded}"
        return FigureSpec(
            stem,
            "dumbbell_chart",
            tidy(indicator, by_district=by_district),
            f"{title}, {waves}",
            "compare",
            {"item_labels": labels, "xlabel": xlabel, "wrap_width": wrap},
            f"{INDICATOR_LABELS[indicator]}. {base}",
        )

    return [
        spec(
            "c1_completamento_distretti",
            "completamento",
            "Interventi completati per distretto",
            "Quota degli interventi completati",
            by_district=True,
        ),
        spec(
            "c2_temi_formazione",
            "tema_formazione",
            "Temi di formazione richiesti",
            "Quota dei distretti che chiedono il tema",
        ),
        spec(
            "c3_giudizi",
            "giudizio_positivo",
            "Giudizi positivi (4-5) su formazione e partenariato",
            "Quota delle risposte valutate",
        ),
        spec(
            "c4_criticita",
            "criticita_codificata",
            "Criticità di governance citate",
            "Quota dei distretti che citano la criticità",
        ),
    ]


def comparison_tables(comparison: Comparison, labels: dict[str, str]) -> list[Table]:
    """Return the comparison tables with Italian headers and labels."""
    waves = [str(w) for w in comparison.waves]
    values = comparison.values.copy()
    values.columns = [str(c) for c in values.columns]
    values.insert(0, "Indicatore", values["indicator"].map(INDICATOR_LABELS))
    values["Voce"] = values["item"].map(lambda i: labels.get(i, i))
    values["Distretti"] = values["district_id"].map(
        lambda d: GROUP_LABELS.get(d) or labels.get(d, d)
    )
    change = f"Variazione {waves[0]}-{waves[-1]}"
    values[change] = values["change"].map(pp)
    coded = "; ".join(
        f"{wave}: {status.flag or 'codici rivisti da due codificatori'}"
        for wave, status in comparison.coding.items()
    )
    values["Nota"] = values["indicator"].map(lambda i: coded if i == "criticita_codificata" else "")
    shown = values[["Indicatore", "Voce", "Distretti", *waves, change, "bases", "Nota"]].rename(
        columns={"bases": "Base per ondata"}
    )
    formats = {c: PCT for c in waves}
    return [
        Table(
            "confronto",
            "Indicatori per ondata e variazione",
            shown,
            "Variazione: ultima ondata meno la prima, in punti percentuali (p.p.). Prima "
            "gli stessi distretti intervistati in tutte le ondate (la base dei confronti), poi "
            "tutti gli intervistati di ciascuna ondata, poi ogni distretto; la base di ogni "
            "riga è nell'ultima colonna. Solo voci comparabili secondo il crosswalk.",
            formats,
        ),
        *_context_tables(comparison),
    ]


def comparison_key_figures(comparison: Comparison) -> list[tuple[str, str]]:
    """Return the key figures of the comparison: changes on the panel, districts by status."""
    first, last = comparison.waves[0], comparison.waves[-1]
    overall = comparison.values[
        (comparison.values["district_id"] == PANEL)
        & comparison.values["indicator"].isin(["completamento", "realizzazione_budget"])
    ]
    key = [
        (
            f"{pct(row[first])} → {pct(row[last])}",
            f"{INDICATOR_LABELS[row['indicator']]} ({pp(row['change'])}; stessi {row['bases']})",
        )
        for _, row in overall.iterrows()
    ]
    presence = comparison.presence
    for status, text in (
        ("panel", "distretti intervistati in tutte le ondate (base dei confronti)"),
        ("non intervistato", "distretti del registro non intervistati in un'ondata"),
        ("nuovo", "distretti nuovi nel registro"),
        ("soppresso", "distretti soppressi"),
    ):
        key.append((str(int((presence["status"] == status).sum())), text))
    return key


def _context_tables(comparison: Comparison) -> list[Table]:
    """Return the tables that frame the values: districts per wave, exclusions, crosswalk."""
    presence = comparison.presence.rename(
        columns={
            "district_id": "Distretto (id)",
            "district_name": "Distretto",
            "waves": "Ondate con intervista",
            "status": "Nel confronto",
            "note": "Nota",
        }
    )
    excluded = comparison.excluded.rename(
        columns={
            "item": "Voce",
            "item_after": "Voce nell'ondata successiva",
            "reason": "Motivo",
            "waves": "Ondate",
        }
    )
    handled = comparison.handled.rename(
        columns={
            "kind": "Modifica",
            "from_wave": "Dall'ondata",
            "to_wave": "All'ondata",
            "old": "Prima",
            "new": "Dopo",
            "comparable": "Comparabile",
            "note": "Nota",
            "esito": "Come è trattata",
        }
    )
    return [
        Table(
            "distretti",
            "Distretti per ondata: intervistati, non intervistati, nuovi, soppressi",
            presence,
            "Un distretto non intervistato, un distretto nuovo nel registro e un distretto "
            "soppresso sono casi diversi; solo i distretti intervistati in tutte le ondate "
            "entrano nella base dei confronti.",
        ),
        Table(
            "esclusi",
            "Voci escluse dal confronto",
            excluded,
            "Ogni voce esclusa con il motivo: nulla è tolto in silenzio.",
        ),
        Table(
            "crosswalk",
            "Modifiche tra le ondate (crosswalk)",
            handled,
            "Dal foglio crosswalk del questionario dell'ondata successiva.",
        ),
    ]


def comparison_method_note(comparison: Comparison) -> list[str]:
    """Return the method note: crosswalk, base of the changes, coding of each wave, exclusions."""
    return [
        "Ogni ondata successiva è ricondotta ai codici della prima con il "
        "crosswalk del suo questionario.",
        "Base dei confronti: i distretti intervistati in tutte le ondate; i valori di "
        "tutti gli intervistati di ciascuna ondata sono mostrati a parte, con le loro basi.",
        *(f"Ondata {wave}: {status.note('')}" for wave, status in comparison.coding.items()),
        *(f"{r['item']}: {r['reason']}" for _, r in comparison.excluded.iterrows()),
    ]


def write_comparison(
    comparison: Comparison, prepared: list[Any], out_dir: str | Path, *, jobs: int = 1
) -> list[Path]:
    """Write the comparison's charts, ``confronto.xlsx``, ``.pptx``, ``.html`` and manifest."""
    from distretti_survey.manifest import build_manifest, write_manifest
    from distretti_survey.outputs.deck import KeyFiguresSlide, SectionSlide, build_deck
    from distretti_survey.outputs.html import Section, render_report, write_report
    from distretti_survey.outputs.tables import write_tables_xlsx

    out = Path(out_dir)
    synthetic = any(p.instrument.synthetic for p in prepared)
    labels = comparison_labels(prepared)
    specs = comparison_specs(comparison, labels)
    names = survey_names(prepared[-1].instrument)
    waves = " e ".join(map(str, comparison.waves))
    with figure_workers(jobs) as pool:
        rendered = render_figures(
            specs, wave=waves, synthetic=synthetic, pool=pool, source=names.source_line(waves)
        )
    figures = write_figures(rendered, out / "figure")
    tables = comparison_tables(comparison, labels)
    xlsx = write_tables_xlsx(tables, out / "confronto.xlsx", synthetic=synthetic)
    first, last = comparison.waves[0], comparison.waves[-1]
    key = comparison_key_figures(comparison)
    key.append((str(len(comparison.excluded)), "voci escluse dal confronto (vedi tabelle)"))
    title = f"{names.survey_title}: confronto tra le ondate {first} e {last}"
    slides = [
        SectionSlide("Confronto tra le ondate", f"{first} e {last}"),
        KeyFiguresSlide(f"Dal {first} al {last}", key),
    ]
    slides += [deck_slide(s, rendered[s.stem]["png"], s.note) for s in specs]
    deck = build_deck(
        slides,
        out / "confronto.pptx",
        title=title,
        subtitle=" · ".join(
            t for t in (names.organisation, "DATI DIMOSTRATIVI" if synthetic else "") if t
        ),
        synthetic=synthetic,
    )
    html = write_report(
        render_report(
            [
                Section(
                    "Confronto tra le ondate",
                    text="Solo voci comparabili secondo il crosswalk.",
                    figures=[(rendered[s.stem]["png"], s.title) for s in specs],
                    tables=tables,
                )
            ],
            title=title,
            synthetic=synthetic,
            method_note=comparison_method_note(comparison),
            findings_summary=[f"{t}: {v}" for v, t in key],
        ),
        out / "confronto.html",
    )
    outputs = [p for stem in figures for p in figures[stem]] + [xlsx, deck, html]
    inputs = list(dict.fromkeys(path for p in prepared for path in p.inputs))  # registry once
    files_in = [p.resolve() for p in inputs]
    files_out = [p.resolve() for p in outputs]
    root = Path(os.path.commonpath([*files_in, *files_out]))
    manifest = build_manifest(
        files_in,
        files_out,
        row_counts={"values": len(comparison.values), "excluded": len(comparison.excluded)},
        questionnaire_version=" / ".join(p.instrument.version for p in prepared),
        package_version=__version__,
        parameters={"waves": list(comparison.waves)},
        root=root,
    )
    return [*outputs, write_manifest(manifest, out / "manifest.json")]
