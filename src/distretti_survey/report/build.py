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

from distretti_survey import __version__
from distretti_survey.report import narrative
from distretti_survey.report.analysis import THEME_TITLES, WaveAnalysis, analyse_wave
from distretti_survey.report.coding_status import coding_status
from distretti_survey.report.figures import FigureSpec, figure_specs, render_figures
from distretti_survey.report.indicator_table import write_indicator_csv
from distretti_survey.report.wave_tables import wave_tables


@dataclass(frozen=True)
class ReportResult:
    """What ``build_report`` wrote."""

    out_dir: Path
    analysis: WaveAnalysis
    outputs: tuple[Path, ...]
    manifest: Path
    prepared: Any


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
        agreement=coding.agreement,
        coding=coding_status(
            coding.final,
            coding.agreement,
            simulated=getattr(prepared, "coding_status", "") == "simulated",
        ),
    )
    indicators_csv = write_indicator_csv(analysis.table, out / "indicatori.csv")
    source = analysis.names.source_line(analysis.wave)
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
        source=source,
    )
    tables = wave_tables(analysis, coding.agreement)
    xlsx = write_tables_xlsx(tables, out / "tabelle.xlsx", synthetic=analysis.synthetic)

    frame = prepared.instrument.coding_frame
    by_theme: dict[str, list[FigureSpec]] = {}
    for spec in specs:
        by_theme.setdefault(spec.theme, []).append(spec)
    slides: list[Any] = [
        KeyFiguresSlide(f"Il quadro in cifre, {analysis.wave}", narrative.key_figures(analysis))
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
        quotes = narrative.quotes(analysis, theme, frame)
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
    title, subtitle = narrative.title_and_subtitle(analysis)
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
            method_note=narrative.method_note(analysis, prepared.instrument.form_id, coding.counts),
            findings_summary=narrative.findings_summary(
                analysis, prepared.ingest.accounting, prepared.ingest.findings
            ),
        ),
        out / "report.html",
    )

    outputs = [p for stem in figures for p in figures[stem]] + [indicators_csv, xlsx, deck, html]
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
    "training": {
        "temi_formazione",
        "temi_confronto",
        "matrice_temi",
        "formati",
        "likert_formazione",
    },
    "governance": {
        "likert_governance",
        "criticita_chiuse",
        "criticita_codificate",
        "criticita_confronto",
        "criticita_tipo",
    },
    "other": {"risposta", "profilo", "comuni", "codici", "accordo"},
}
