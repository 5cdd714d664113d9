"""The talk's figures: which chart shows which indicator, and rendering them (in parallel).

A ``FigureSpec`` names a chart function of ``charts`` and carries its data and labels, so it
can be sent to another process; ``render_figures`` draws them with one or more processes and
returns the files in a fixed order, so ``--jobs`` never changes the outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distretti_survey.report.analysis import WaveAnalysis


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the talk: chart function, its data and keyword arguments, title."""

    stem: str
    chart: str
    data: Any
    title: str
    theme: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def figure_specs(analysis: WaveAnalysis) -> list[FigureSpec]:
    """Return the figures of a wave's talk in presentation order."""
    ind, lab = analysis.indicators, analysis.labels
    n = analysis.key_figures["n_districts"]
    specs = [
        FigureSpec(
            "01_stato_interventi",
            "status_chart",
            ind["status_by_district"],
            "Stato di attuazione degli interventi, per distretto",
            "progress",
            {"district_labels": lab["district"], "status_labels": lab["status"]},
            f"Base: {analysis.key_figures['n_interventions']} interventi di {n} distretti",
        ),
        FigureSpec(
            "02_budget",
            "budget_chart",
            ind["budget_by_district"],
            "Budget speso sul budget previsto, per distretto",
            "progress",
            {"district_labels": lab["district"]},
            "Base: interventi con budget previsto e speso indicati",
        ),
        FigureSpec(
            "03_difficolta_avanzamento",
            "ranked_bars",
            ind["coded_progress"],
            "Avanzamento dei programmi: temi citati dai referenti",
            "progress",
            {
                "key": "code_id",
                "option_labels": lab["code"],
                "xlabel": "Distretti che citano il tema",
                "colour": "#E69F00",
            },
            f"Risposte aperte codificate; base: {n} distretti",
        ),
        FigureSpec(
            "04_temi_formazione",
            "training_needs_chart",
            ind["training_topics"],
            "Temi di formazione richiesti per gli operatori",
            "training",
            {"option_labels": lab["training_topics"]},
            f"Base: {n} distretti",
        ),
        FigureSpec(
            "05_matrice_temi",
            "topic_heatmap",
            ind["training_matrix"],
            "Temi di formazione richiesti, distretto per distretto",
            "training",
            {"district_labels": lab["district"], "topic_labels": lab["training_topics"]},
            f"Base: {n} distretti",
        ),
        FigureSpec(
            "06_likert_formazione",
            "likert_chart",
            ind["training_likert"],
            "Consapevolezza e partecipazione degli operatori",
            "training",
            {"item_labels": lab["question"], "value_labels": lab["likert_value"], "wrap_width": 40},
            "Quote sul totale delle risposte; «non so» a parte",
        ),
        FigureSpec(
            "07_formati",
            "ranked_bars",
            ind["training_formats"],
            "Formati di formazione preferiti",
            "training",
            {
                "option_labels": lab["training_formats"],
                "xlabel": "Distretti che indicano il formato",
                "colour": "#009E73",
            },
            f"Base: {n} distretti",
        ),
        FigureSpec(
            "08_likert_governance",
            "likert_chart",
            ind["governance_likert"],
            "Come funziona il partenariato del distretto",
            "governance",
            {"item_labels": lab["question"], "value_labels": lab["likert_value"], "wrap_width": 40},
            "Quote sul totale delle risposte; «non so» e «non applicabile» a parte",
        ),
        FigureSpec(
            "09_criticita_governance",
            "governance_problems_chart",
            ind["coded_governance"],
            "Criticità di governance citate dai referenti",
            "governance",
            {"option_labels": lab["code"]},
            f"Risposte aperte codificate; base: {n} distretti",
        ),
    ]
    return specs


def render_figure(spec: FigureSpec, out_dir: Path, wave: int | str, synthetic: bool) -> list[Path]:
    """Draw one figure, add title, source and demo mark, and save it as PNG and SVG."""
    import matplotlib.pyplot as plt

    from distretti_survey.outputs import charts

    fig, ax = charts.new_figure()
    getattr(charts, spec.chart)(spec.data, ax=ax, **spec.kwargs)
    charts.finish_figure(
        fig, title=spec.title, source=charts.source_line(wave), synthetic=synthetic
    )
    paths = charts.save_figure(fig, out_dir / spec.stem, formats=("png", "svg"))
    plt.close(fig)
    return paths


def render_figures(
    specs: Sequence[FigureSpec],
    out_dir: Path,
    *,
    wave: int | str,
    synthetic: bool,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, list[Path]]:
    """Render every figure, with ``jobs`` processes; return stem -> files, in spec order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done: dict[str, list[Path]] = {}
    if jobs <= 1:
        for spec in specs:
            done[spec.stem] = render_figure(spec, out_dir, wave, synthetic)
            if progress:
                progress(spec.stem)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # "spawn" works the same on Linux, macOS and Windows (fork is unsafe on macOS and absent
        # on Windows); each worker imports matplotlib once, then draws several figures.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {
                pool.submit(render_figure, spec, out_dir, wave, synthetic): spec.stem
                for spec in specs
            }
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if progress:
                    progress(futures[future])
    return {spec.stem: done[spec.stem] for spec in specs}
