"""Write a wave comparison: dumbbell charts, tables, a deck section and an HTML report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from distretti_survey import __version__
from distretti_survey.outputs.tables import Table
from distretti_survey.report.compare import ALL, INDICATOR_LABELS, Comparison
from distretti_survey.report.figures import FigureSpec, render_figures

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
        part = part[part["district_id"] != ALL] if by_district else part[part["district_id"] == ALL]
        key = "district_id" if by_district else "item"
        long = part.melt(
            id_vars=[key], value_vars=list(comparison.waves), var_name="wave", value_name="value"
        ).rename(columns={key: "item"})
        return long.dropna(subset=["value"])

    def spec(stem, indicator, title, xlabel, *, by_district=False):
        # District names are long: keep them on one line rather than wrap into neighbours.
        wrap = 70 if by_district else 40
        return FigureSpec(
            stem,
            "dumbbell_chart",
            tidy(indicator, by_district=by_district),
            f"{title}, {waves}",
            "compare",
            {"item_labels": labels, "xlabel": xlabel, "wrap_width": wrap},
            INDICATOR_LABELS[indicator],
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
    values["Distretto"] = values["district_id"].map(
        lambda d: "tutti i distretti" if d == ALL else labels.get(d, d)
    )
    shown = values[["Indicatore", "Voce", "Distretto", *waves, "change"]].rename(
        columns={"change": f"Variazione {waves[0]}-{waves[-1]}"}
    )
    formats = {c: PCT for c in [*waves, f"Variazione {waves[0]}-{waves[-1]}"]}
    presence = comparison.presence.rename(
        columns={
            "district_id": "Distretto (id)",
            "district_name": "Distretto",
            "waves": "Ondate",
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
            "confronto",
            "Indicatori per ondata e variazione",
            shown,
            "Variazione: ultima ondata meno la prima, in punti percentuali. Solo voci "
            "comparabili secondo il crosswalk.",
            formats,
        ),
        Table(
            "distretti",
            "Distretti rispondenti per ondata",
            presence,
            "Distretti presenti in una sola ondata: confrontabili solo dove presenti.",
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


def write_comparison(
    comparison: Comparison, prepared: list[Any], out_dir: str | Path, *, jobs: int = 1
) -> list[Path]:
    """Write the comparison's charts, ``confronto.xlsx``, ``.pptx``, ``.html`` and manifest."""
    from distretti_survey.manifest import build_manifest, write_manifest
    from distretti_survey.outputs.deck import ChartSlide, KeyFiguresSlide, SectionSlide, build_deck
    from distretti_survey.outputs.html import Section, render_report, write_report
    from distretti_survey.outputs.tables import write_tables_xlsx

    out = Path(out_dir)
    synthetic = any(p.instrument.synthetic for p in prepared)
    labels = comparison_labels(prepared)
    specs = comparison_specs(comparison, labels)
    figures = render_figures(
        specs,
        out / "figure",
        wave=" e ".join(map(str, comparison.waves)),
        synthetic=synthetic,
        jobs=jobs,
    )
    tables = comparison_tables(comparison, labels)
    xlsx = write_tables_xlsx(tables, out / "confronto.xlsx", synthetic=synthetic)
    first, last = comparison.waves[0], comparison.waves[-1]
    overall = comparison.values[
        (comparison.values["district_id"] == ALL)
        & comparison.values["indicator"].isin(["completamento", "realizzazione_budget"])
    ]
    key = [
        (
            f"{row[first]:.0%} → {row[last]:.0%}".replace(".", ","),
            INDICATOR_LABELS[row["indicator"]],
        )
        for _, row in overall.iterrows()
    ]
    only = comparison.presence[comparison.presence["note"] != ""]
    key.append((str(len(only)), "distretti presenti in una sola ondata"))
    key.append((str(len(comparison.excluded)), "voci escluse dal confronto (vedi tabelle)"))
    title = f"Distretti del Commercio: confronto tra le ondate {first} e {last}"
    slides = [
        SectionSlide("Confronto tra le ondate", f"{first} e {last}"),
        KeyFiguresSlide(f"Dal {first} al {last}", key),
    ]
    slides += [ChartSlide(s.title, figures[s.stem][0], s.note, full_bleed=True) for s in specs]
    deck = build_deck(
        slides,
        out / "confronto.pptx",
        title=title,
        subtitle="Paviasviluppo - Camera di Commercio di Pavia"
        + (" · DATI DIMOSTRATIVI" if synthetic else ""),
        synthetic=synthetic,
    )
    excluded_text = [f"{r['item']}: {r['reason']}" for _, r in comparison.excluded.iterrows()]
    html = write_report(
        render_report(
            [
                Section(
                    "Confronto tra le ondate",
                    text="Solo voci comparabili secondo il crosswalk.",
                    figures=[(figures[s.stem][0], s.title) for s in specs],
                    tables=tables,
                )
            ],
            title=title,
            synthetic=synthetic,
            method_note=[
                "Ogni ondata successiva è ricondotta ai codici della prima con il "
                "crosswalk del suo questionario.",
                *excluded_text,
            ],
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
