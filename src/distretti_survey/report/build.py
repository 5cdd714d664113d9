"""Build one wave's talk from its folder: figures, tables, deck, HTML report and manifest.

``build_report`` renders a wave prepared by ``pipeline.prepare_wave`` (read, validated, coded)
and writes everything under ``reports/<wave>/``; it returns what it wrote.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from distretti_survey import __version__
from distretti_survey.outputs.charts import source_line
from distretti_survey.report.analysis import THEME_TITLES, WaveAnalysis, analyse_wave
from distretti_survey.report.figures import FigureSpec, figure_specs, render_figures
from distretti_survey.report.wave_tables import wave_tables


@dataclass(frozen=True)
class ReportResult:
    """What ``build_report`` wrote."""

    out_dir: Path
    analysis: WaveAnalysis
    outputs: tuple[Path, ...]
    manifest: Path
    prepared: Any


def _pct(value: float | None) -> str:
    return "n.d." if value is None else f"{value:.0%}".replace(".", ",")


def _euro(value: float | None) -> str:
    """Format an amount in euro the Italian way, in millions from one million up."""
    if value is None:
        return "n.d."
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f} mln €".replace(".", ",")
    return f"{value:,.0f} €".replace(",", ".")


def _date_it(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _key_figures(analysis: WaveAnalysis) -> list[tuple[str, str]]:
    k = analysis.key_figures
    types = ", ".join(f"{n} {t}" for t, n in sorted(k["n_by_type"].items()))
    return [
        (str(k["n_districts"]), f"distretti intervistati ({types})"),
        (str(k["n_comuni"]), "comuni coinvolti"),
        (str(k["n_interventions"]), "interventi programmati"),
        (_pct(k["share_completed"]), "interventi completati"),
        (
            _pct(k["budget_realisation"]),
            f"del budget previsto ({_euro(k['budget_planned'])}) già speso",
        ),
        (
            str(k["n_districts_behind"]),
            f"distretti con interventi in ritardo al {_date_it(k['reference_date'])}",
        ),
    ]


def _quotes(analysis: WaveAnalysis, theme: str, codes: pd.DataFrame) -> list[tuple[str, str]]:
    theme_codes = set(codes.loc[codes["theme"] == theme, "code_id"])
    picked = analysis.quotes[analysis.quotes["code_id"].isin(theme_codes)]
    picked = picked.drop_duplicates("quote").head(4)
    out = []
    for row in picked.itertuples(index=False):
        # The district is named only where the referent allowed it (quote_district_ok).
        who = analysis.labels["district"].get(row.district_id) if row.district_id else None
        out.append((row.quote, f"{who or 'un referente (distretto non indicato)'} · {row.label}"))
    return out


def _method_note(prepared: Any, analysis: WaveAnalysis) -> list[str]:
    c = prepared.coding.counts
    sources = analysis.notes["n_codes_by_source"]
    source_text = ", ".join(f"{n} da {s}" for s, n in sources.items()) or "nessuno"
    notes = [
        f"Questionario {prepared.instrument.form_id}, versione {analysis.version}; ondata "
        f"{analysis.wave}. Interviste ai referenti dei distretti del registro.",
        f"Risposte aperte: {c['answers']} risposte, {c['segments']} segmenti (frasi). Prima "
        "codifica con regole sul testo normalizzato (radici delle parole, negazioni semplici), "
        f"poi decisioni dei codificatori. Codici finali: {source_text} (rule = regola non "
        "ancora rivista da un codificatore).",
        f"Le basi sono indicate sotto ogni tabella e grafico; basi con meno di "
        f"{analysis.notes['threshold']} casi sono segnalate.",
        f"Ritardi: interventi non completati né annullati con data di conclusione prevista "
        f"anteriore al {_date_it(analysis.reference_date)} (data dell'ultima intervista).",
    ]
    if analysis.synthetic:
        notes.insert(
            0,
            "DATI DIMOSTRATIVI: le interviste sono sintetiche, generate per provare "
            "il pacchetto; nessun valore descrive i distretti reali.",
        )
    return notes


def _findings_summary(prepared: Any, analysis: WaveAnalysis) -> list[str]:
    acc, findings = prepared.ingest.accounting, prepared.ingest.findings
    k = analysis.key_figures
    top_need = analysis.indicators["training_topics"].iloc[0]
    top_problem = analysis.indicators["coded_governance"].iloc[0]
    lab = analysis.labels
    return [
        f"Interviste lette: {acc.read}, accettate: {len(acc.accepted)}, scartate: "
        f"{len(acc.rejected)}; problemi di compilazione: {len(findings.errors)} errori, "
        f"{len(findings.warnings)} avvisi (dettaglio in findings.xlsx della validazione).",
        f"Avanzamento: {_pct(k['share_completed'])} degli interventi completati, "
        f"{_pct(k['budget_realisation'])} del budget previsto già speso.",
        f"Formazione: il tema più richiesto è «{lab['training_topics'].get(top_need['option'])}» "
        f"({top_need['k']} di {top_need['n']} distretti).",
        f"Governance: la criticità più citata è «{lab['code'].get(top_problem['code_id'])}» "
        f"({top_problem['k']} di {top_problem['n']} distretti).",
    ]


def build_report(
    prepared: Any,
    out_dir: str | Path,
    *,
    jobs: int = 1,
    reference_date: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ReportResult:
    """Render and write the talk of one prepared wave under ``out_dir``.

    Writes ``figure/*.png|svg``, ``tabelle.xlsx``, ``presentazione.pptx``, ``report.html`` and
    ``manifest.json``; the same inputs give byte-identical files, whatever ``jobs`` is.
    """
    from distretti_survey.manifest import build_manifest, write_manifest
    from distretti_survey.outputs.deck import (
        ChartSlide,
        KeyFiguresSlide,
        QuotesSlide,
        SectionSlide,
        build_deck,
    )
    from distretti_survey.outputs.html import Section, render_report, write_report
    from distretti_survey.outputs.tables import write_tables_xlsx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    coding = prepared.coding
    analysis = analyse_wave(
        prepared.instrument,
        prepared.ingest.data,
        coding.final,
        coding.segments,
        prepared.districts,
        reference_date=reference_date,
    )
    specs = figure_specs(analysis)
    done: list[str] = []

    def figure_done(stem: str) -> None:
        done.append(stem)
        if progress:
            progress(stem, len(done), len(specs))

    figures = render_figures(
        specs,
        out / "figure",
        wave=analysis.wave,
        synthetic=analysis.synthetic,
        jobs=jobs,
        progress=figure_done,
    )
    tables = wave_tables(analysis, coding.agreement)
    xlsx = write_tables_xlsx(tables, out / "tabelle.xlsx", synthetic=analysis.synthetic)

    frame = prepared.instrument.coding_frame
    by_theme: dict[str, list[FigureSpec]] = {}
    for spec in specs:
        by_theme.setdefault(spec.theme, []).append(spec)
    source = source_line(analysis.wave)
    slides: list[Any] = [
        KeyFiguresSlide(f"Il quadro in cifre, {analysis.wave}", _key_figures(analysis))
    ]
    sections = []
    for theme, theme_specs in by_theme.items():
        slides.append(SectionSlide(THEME_TITLES[theme], f"Ondata {analysis.wave}"))
        for spec in theme_specs:
            slides.append(
                ChartSlide(
                    spec.title, figures[spec.stem][0], f"{source}. {spec.note}", full_bleed=True
                )
            )
        quotes = _quotes(analysis, theme, frame)
        if quotes:
            slides.append(QuotesSlide(f"Nelle parole dei referenti: {THEME_TITLES[theme]}", quotes))
        sections.append(
            Section(
                THEME_TITLES[theme],
                text="\n\n".join(f"{s.title}. {s.note}." for s in theme_specs),
                figures=[(figures[s.stem][0], s.title) for s in theme_specs],
                tables=[t for t in tables if t.name in _THEME_TABLES[theme]],
            )
        )
    sections.append(
        Section(
            "Profilo dei distretti e qualità della codifica",
            tables=[t for t in tables if t.name in _THEME_TABLES["other"]],
        )
    )
    title = f"I Distretti del Commercio della Provincia di Pavia: indagine {analysis.wave}"
    subtitle = "Paviasviluppo - Camera di Commercio di Pavia" + (
        " · DATI DIMOSTRATIVI" if analysis.synthetic else ""
    )
    deck = build_deck(
        slides,
        out / "presentazione.pptx",
        title=title,
        subtitle=subtitle,
        synthetic=analysis.synthetic,
    )
    html = write_report(
        render_report(
            sections,
            title=title,
            synthetic=analysis.synthetic,
            method_note=_method_note(prepared, analysis),
            findings_summary=_findings_summary(prepared, analysis),
        ),
        out / "report.html",
    )

    outputs = [p for stem in figures for p in figures[stem]] + [xlsx, deck, html]
    data = prepared.ingest.data
    counts = {
        name: len(getattr(data, name))
        for name in ("interviews", "interventions", "multi", "likert", "open_answers")
    }
    counts.update(segments=len(coding.segments), final_codes=len(coding.final))
    files_in = [p.resolve() for p in prepared.inputs]
    files_out = [p.resolve() for p in outputs]
    root = Path(os.path.commonpath([*files_in, *files_out]))
    manifest = build_manifest(
        files_in,
        files_out,
        row_counts=counts,
        questionnaire_version=analysis.version,
        package_version=__version__,
        parameters={
            "wave": analysis.wave,
            "reference_date": analysis.reference_date,
            "small_base_threshold": analysis.notes["threshold"],
            "synthetic": analysis.synthetic,
        },
        root=root,
    )
    manifest_path = write_manifest(manifest, out / "manifest.json")
    return ReportResult(out, analysis, tuple(outputs), manifest_path, prepared)


_THEME_TABLES = {
    "progress": {
        "stato",
        "stato_distretto",
        "stato_ambito",
        "completamento",
        "budget",
        "budget_ambito",
        "ritardi",
    },
    "training": {"temi_formazione", "matrice_temi", "formati", "likert_formazione"},
    "governance": {
        "likert_governance",
        "criticita_chiuse",
        "criticita_codificate",
        "criticita_tipo",
    },
    "other": {"profilo", "comuni", "codici", "accordo"},
}
