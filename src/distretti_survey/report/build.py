"""Build one wave's talk from its folder: figures, tables, deck, HTML report and manifest.

``build_report`` renders a wave prepared by ``pipeline.prepare_wave`` (read, validated, coded)
and writes everything under ``reports/<wave>/``; it returns what it wrote.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distretti_survey import __version__
from distretti_survey.report import narrative
from distretti_survey.report.analysis import THEME_TITLES, WaveAnalysis, analyse_wave
from distretti_survey.report.coding_status import coding_status
from distretti_survey.report.figures import FigureSpec, deck_slide, figure_specs, render_figures
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
    pool: Any = None,
) -> ReportResult:
    """Render and write the talk of one prepared wave under ``out_dir``.

    Writes ``indicatori.csv``, ``figure/*.png|svg`` (charts and maps), ``tabelle.xlsx``,
    ``presentazione.pptx``, ``report.html`` and ``manifest.json``; the same inputs give
    byte-identical files, whatever ``jobs`` is. Figures are rendered once, in memory: the deck
    and the HTML take the same bytes that are written to ``figure/``.
    """
    from distretti_survey.outputs.tables import write_tables_xlsx
    from distretti_survey.report.figures import figure_workers, write_figures

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Workers import matplotlib while the indicators are computed (or, given a ``pool`` started
    # by ``pipeline.report_wave``, while the wave is read and coded).
    with nullcontext(pool) if pool is not None else figure_workers(jobs) as workers:
        analysis = _analyse(prepared, reference_date)
        specs = figure_specs(analysis)
        map_args = _map_args(prepared, analysis)
        map_job = workers.submit(render_maps, *map_args) if workers and map_args else None
        rendered = render_figures(
            specs,
            wave=analysis.wave,
            synthetic=analysis.synthetic,
            pool=workers,
            progress=_counting(progress, len(specs)),
            source=analysis.names.source_line(analysis.wave),
        )
        maps = map_job.result() if map_job else render_maps(*map_args) if map_args else {}
    indicators_csv = write_indicator_csv(analysis.table, out / "indicatori.csv")
    files = write_figures({**rendered, **{stem: m[1] for stem, m in maps.items()}}, out / "figure")
    tables = wave_tables(analysis, prepared.coding.agreement)
    xlsx = write_tables_xlsx(tables, out / "tabelle.xlsx", synthetic=analysis.synthetic)
    deck = _write_deck(prepared, analysis, specs, rendered, maps, out / "presentazione.pptx")
    html = _write_html(prepared, analysis, specs, rendered, maps, tables, out / "report.html")
    outputs = [p for paths in files.values() for p in paths] + [indicators_csv, xlsx, deck, html]
    manifest = _write_manifest(prepared, analysis, outputs, out / "manifest.json")
    return ReportResult(out, analysis, tuple(outputs), manifest, prepared)


def _analyse(prepared: Any, reference_date: str | None) -> WaveAnalysis:
    coding = prepared.coding
    return analyse_wave(
        prepared.instrument,
        prepared.ingest.data,
        coding.final,
        coding.segments,
        prepared.districts,
        reference_date=reference_date,
        agreement=coding.agreement,
        redaction=prepared.ingest.accounting.redaction,
        coding=coding_status(
            coding.final,
            coding.agreement,
            simulated=getattr(prepared, "simulated_coders", False),
        ),
    )


def _counting(progress: Callable[[str, int, int], None] | None, total: int):
    """Return a per-figure callback that reports (figure, done, total), or None."""
    if progress is None:
        return None
    done: list[str] = []

    def figure_done(stem: str) -> None:
        done.append(stem)
        progress(stem, len(done), total)

    return figure_done


MAP_TITLES = {
    "mappa_distretti": "I distretti e i loro comuni",
    "mappa_completamento": "Interventi completati, distretto per distretto",
}


def _map_args(prepared: Any, analysis: WaveAnalysis) -> tuple | None:
    """Return what ``render_maps`` needs for the wave, or None without a registry."""
    registry = getattr(prepared, "registry", None)
    if registry is None:
        return None
    return (
        registry,
        analysis.wave,
        analysis.indicators["completion_by_district"],
        analysis.synthetic,
        analysis.labels["district"],
        analysis.names.source_line(analysis.wave),
    )


def render_maps(registry, wave, completion, synthetic, names, source):
    """Draw the district map and the completion choropleth; stem -> (title, format -> bytes)."""
    import matplotlib.pyplot as plt

    from distretti_survey.outputs.chart_style import figure_bytes
    from distretti_survey.outputs.maps import map_figures
    from distretti_survey.report.figures import FORMATS

    figures = map_figures(
        registry, wave, completion, synthetic=synthetic, names=names, source=source
    )
    out = {}
    for stem, fig in figures.items():
        out[stem] = (MAP_TITLES.get(stem, stem), {f: figure_bytes(fig, f) for f in FORMATS})
        plt.close(fig)
    return out


def _theme_specs(specs: list[FigureSpec]) -> dict[str, list[FigureSpec]]:
    by_theme: dict[str, list[FigureSpec]] = {}
    for spec in specs:
        by_theme.setdefault(spec.theme, []).append(spec)
    return by_theme


def _write_deck(prepared, analysis, specs, rendered, maps, path: Path) -> Path:
    from distretti_survey.outputs.deck import (
        ChartSlide,
        KeyFiguresSlide,
        QuotesSlide,
        SectionSlide,
        build_deck,
    )

    source = analysis.names.source_line(analysis.wave)
    frame = prepared.instrument.coding_frame
    slides: list[Any] = [
        KeyFiguresSlide(f"Il quadro in cifre, {analysis.wave}", narrative.key_figures(analysis))
    ]
    slides += [ChartSlide(title, m["png"], source, full_bleed=True) for title, m in maps.values()]
    for theme, theme_specs in _theme_specs(specs).items():
        slides.append(SectionSlide(THEME_TITLES[theme], f"Ondata {analysis.wave}"))
        slides += [
            deck_slide(s, rendered[s.stem]["png"], f"{source}. {s.note}") for s in theme_specs
        ]
        quotes = narrative.quotes(analysis, theme, frame)
        if quotes:
            slides.append(
                QuotesSlide(
                    f"Nelle parole dei referenti: {THEME_TITLES[theme]}",
                    quotes,
                    note=f"Citazioni scelte per codice. {narrative.coding_note(analysis)}",
                )
            )
    title, subtitle = narrative.title_and_subtitle(analysis)
    return build_deck(slides, path, title=title, subtitle=subtitle, synthetic=analysis.synthetic)


def _write_html(prepared, analysis, specs, rendered, maps, tables, path: Path) -> Path:
    from distretti_survey.outputs.html import Section, render_report, write_report
    from distretti_survey.privacy import method_note as redaction_note

    sections = []
    if maps:
        sections.append(
            Section("Il territorio", figures=[(m["png"], title) for title, m in maps.values()])
        )
    for theme, theme_specs in _theme_specs(specs).items():
        sections.append(
            Section(
                THEME_TITLES[theme],
                text="\n\n".join(f"{s.title}. {s.note.rstrip('.')}." for s in theme_specs),
                figures=[(rendered[s.stem]["png"], s.title) for s in theme_specs],
                tables=[t for t in tables if t.name in _THEME_TABLES[theme]],
            )
        )
    sections.append(
        Section(
            "Profilo dei distretti e qualità della codifica",
            tables=[t for t in tables if t.name in _THEME_TABLES["other"]],
        )
    )
    ingest = prepared.ingest
    notes = narrative.method_note(analysis, prepared.instrument.form_id)
    notes.append(redaction_note(ingest.accounting.redaction))
    if getattr(prepared, "decisions", None) is not None:
        from distretti_survey.coding.decisions import FINAL_RULE

        notes.append(f"Codici finali: {FINAL_RULE}")
    title, _ = narrative.title_and_subtitle(analysis)
    page = render_report(
        sections,
        title=title,
        synthetic=analysis.synthetic,
        method_note=notes,
        findings_summary=narrative.findings_summary(analysis, ingest.accounting, ingest.findings),
    )
    return write_report(page, path)


def _write_manifest(prepared: Any, analysis: WaveAnalysis, outputs: list[Path], path: Path):
    from distretti_survey.manifest import build_manifest, write_manifest

    data, coding = prepared.ingest.data, prepared.coding
    counts = {
        name: len(getattr(data, name))
        for name in ("interviews", "interventions", "multi", "likert", "open_answers")
    }
    counts.update(segments=len(coding.segments), final_codes=len(coding.final))
    files_in = [p.resolve() for p in prepared.inputs]
    files_out = [p.resolve() for p in outputs]
    manifest = build_manifest(
        files_in,
        files_out,
        row_counts=counts,
        questionnaire_version=analysis.version,
        package_version=__version__,
        parameters={
            "wave": analysis.wave,
            "reference_date": analysis.reference_date or "data di ciascuna intervista",
            "small_base_threshold": analysis.notes["threshold"],
            "synthetic": analysis.synthetic,
        },
        root=Path(os.path.commonpath([*files_in, *files_out])),
    )
    return write_manifest(manifest, path)


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
