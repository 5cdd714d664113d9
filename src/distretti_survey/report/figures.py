"""The talk's figures: which chart shows which indicator, and rendering them (in parallel).

A ``FigureSpec`` names a chart function of ``charts`` and carries its data and labels, so it
can be sent to another process; ``render_figures`` draws them with one or more processes and
returns the files in a fixed order, so ``--jobs`` never changes the outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

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
    ncols: int = 1


def _paired(analysis: WaveAnalysis, labels: str) -> dict[str, Any]:
    """Keyword arguments of a closed-vs-coded chart; the coded panel says what it rests on."""
    flag = analysis.coding.flag
    lab = analysis.labels
    return {
        "labels": (lab[labels], lab["code"]),
        "titles": (
            "Domanda a scelta multipla",
            "Risposte aperte codificate" + (f"\n({flag})" if flag else ""),
        ),
    }


@dataclass(frozen=True)
class _Context:
    """What every figure spec of a wave needs: data, labels, the bases said in words."""

    analysis: WaveAnalysis
    respondents: str
    coded: str
    paired: str

    def ranked(self, indicator: str, frame: str, key: str = "option") -> pd.DataFrame:
        """The ranking of a chart, read from the indicator table (the order of ``frame``)."""
        from distretti_survey.report.indicator_read import ranking_from_table

        items = list(self.analysis.indicators[frame][key])
        return ranking_from_table(self.analysis.table, indicator, items, key)


def _progress_specs(c: _Context) -> list[FigureSpec]:
    from distretti_survey.report.indicator_read import districts_from_table
    from distretti_survey.report.narrative import response_text

    analysis = c.analysis
    ind, lab, table = analysis.indicators, analysis.labels, analysis.table
    budget = table[table["indicator"].eq("budget_realisation") & table["district_id"].eq("")]
    roles = analysis.notes["status_roles"]
    ranked, coded = c.ranked, c.coded
    return [
        FigureSpec(
            "01_stato_interventi",
            "status_chart",
            ind["status_by_district"],
            "Stato di attuazione degli interventi, per distretto",
            "progress",
            {
                "district_labels": lab["district"],
                "status_labels": lab["status"],
                "status_roles": roles["roles"],
                "statuses": roles["order"],
            },
            f"Base: {analysis.key_figures['n_interventions']} interventi programmati dei "
            f"{response_text(analysis)}",
        ),
        FigureSpec(
            "02_budget",
            "budget_chart",
            districts_from_table(table, "budget_realisation", "realisation"),
            "Budget speso sul budget previsto, per distretto",
            "progress",
            {"district_labels": lab["district"], "threshold": analysis.notes["threshold"]},
            f"Base: {budget.iloc[0]['base']}; non avviati senza importo speso contati come 0",
        ),
        FigureSpec(
            "03_difficolta_avanzamento",
            "ranked_bars",
            ranked("coded_mentions", "coded_progress", "code_id"),
            "Avanzamento dei programmi: temi citati dai referenti",
            "progress",
            {
                "key": "code_id",
                "option_labels": lab["code"],
                "xlabel": "Distretti che citano il tema"
                + (f" ({analysis.coding.flag})" if analysis.coding.flag else ""),
                "colour": "#E69F00",
            },
            coded,
        ),
    ]


def _training_specs(c: _Context) -> list[FigureSpec]:
    analysis = c.analysis
    ind, lab = analysis.indicators, analysis.labels
    ranked, paired, respondents = c.ranked, c.paired, c.respondents
    return [
        FigureSpec(
            "04_temi_formazione",
            "paired_rankings",
            (
                ranked("training_topic_share", "training_topics"),
                ranked("coded_mentions", "coded_training", "code_id"),
            ),
            "Temi di formazione richiesti: domanda chiusa e risposte aperte",
            "training",
            _paired(analysis, "training_topics"),
            paired,
            ncols=2,
        ),
        FigureSpec(
            "05_matrice_temi",
            "topic_heatmap",
            ind["training_matrix"],
            "Temi di formazione richiesti, distretto per distretto",
            "training",
            {"district_labels": lab["district"], "topic_labels": lab["training_topics"]},
            f"Base: {respondents}",
        ),
        FigureSpec(
            "06_likert_formazione",
            "likert_chart",
            ind["training_likert"],
            "Consapevolezza e partecipazione degli operatori",
            "training",
            {
                "item_labels": lab["question"],
                "value_labels": lab["likert_value"],
                "wrap_width": 40,
                "apart_order": analysis.notes["apart_order"],
            },
            "Quote su tutte le risposte alla domanda (n accanto a ogni domanda); «non so» a "
            "parte. Le quote sulle sole risposte valutate, con la loro base, sono in tabella",
        ),
        FigureSpec(
            "07_formati",
            "ranked_bars",
            ranked("training_format_share", "training_formats"),
            "Formati di formazione preferiti",
            "training",
            {
                "option_labels": lab["training_formats"],
                "xlabel": "Distretti che indicano il formato",
                "colour": "#009E73",
            },
            f"Base: {respondents}",
        ),
    ]


def _governance_specs(c: _Context) -> list[FigureSpec]:
    analysis = c.analysis
    ind, lab = analysis.indicators, analysis.labels
    ranked, paired = c.ranked, c.paired
    return [
        FigureSpec(
            "08_likert_governance",
            "likert_chart",
            ind["governance_likert"],
            "Come funziona il partenariato del distretto",
            "governance",
            {
                "item_labels": lab["question"],
                "value_labels": lab["likert_value"],
                "wrap_width": 40,
                "apart_order": analysis.notes["apart_order"],
            },
            "Quote su tutte le risposte alla domanda (n accanto a ogni domanda); «non so» e "
            "«non applicabile» a parte. Le quote sulle sole risposte valutate sono in tabella",
        ),
        FigureSpec(
            "09_criticita_governance",
            "paired_rankings",
            (
                ranked("gov_problem_share", "governance_closed"),
                ranked("coded_mentions", "coded_governance", "code_id"),
            ),
            "Criticità di governance: domanda chiusa e risposte aperte",
            "governance",
            _paired(analysis, "gov_problems"),
            paired,
            ncols=2,
        ),
    ]


def figure_specs(analysis: WaveAnalysis) -> list[FigureSpec]:
    """Return the figures of a wave's talk in presentation order, each note with its base."""
    from distretti_survey.report.narrative import coding_note

    respondents = f"{analysis.key_figures['n_districts']} distretti intervistati"
    context = _Context(
        analysis,
        respondents,
        coded=f"Risposte aperte codificate; base: {respondents}. {coding_note(analysis)}",
        paired=(
            f"Base: {respondents}. A sinistra la domanda a scelta multipla, a destra le "
            f"risposte aperte codificate. {coding_note(analysis)}"
        ),
    )
    return [
        *_progress_specs(context),
        *_training_specs(context),
        *_governance_specs(context),
    ]


FORMATS = ("png", "svg")
"""Every figure is rendered as PNG (deck, HTML) and SVG (print, editing)."""

Rendered = dict[str, bytes]
"""One figure rendered: format -> bytes."""


def has_data(data: Any) -> bool:
    """Return False for a figure's data with no row (or every part without a row)."""
    if isinstance(data, tuple | list):
        return any(has_data(part) for part in data)
    return not hasattr(data, "__len__") or len(data) > 0


def render_figure(
    spec: FigureSpec, wave: int | str, synthetic: bool, source: str | None = None
) -> Rendered:
    """Draw one figure with title, source and demo mark; return it as PNG and SVG bytes."""
    import matplotlib.pyplot as plt

    from distretti_survey.outputs import chart_style, charts, comparison_charts

    fig, ax = charts.new_figure(1, spec.ncols)
    module = comparison_charts if hasattr(comparison_charts, spec.chart) else charts
    if has_data(spec.data):
        getattr(module, spec.chart)(spec.data, ax=ax, **spec.kwargs)
    else:  # a block of questions nobody answered this wave: say so, in the chart's place
        charts.no_data(ax)
    charts.finish_figure(
        fig, title=spec.title, source=source or charts.source_line(wave), synthetic=synthetic
    )
    rendered = {fmt: chart_style.figure_bytes(fig, fmt) for fmt in FORMATS}
    plt.close(fig)
    return rendered


def _warm_up() -> None:
    """Import the plotting stack in a worker, so it is ready when the figures arrive."""
    import matplotlib.pyplot  # noqa: F401

    from distretti_survey.outputs import charts, comparison_charts  # noqa: F401


@contextmanager
def figure_workers(jobs: int) -> Iterator[Any]:
    """Start ``jobs`` worker processes (None for one job), warmed up, and shut them down after.

    Workers start with "spawn", the same on Linux, macOS and Windows (fork is unsafe on macOS
    and absent on Windows); each imports matplotlib first, so callers start them before other
    work (reading the wave, computing the indicators) and the two overlap.
    """
    if jobs <= 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    try:
        for _ in range(jobs):
            pool.submit(_warm_up)
        yield pool
    finally:
        pool.shutdown()


def render_figures(
    specs: Sequence[FigureSpec],
    *,
    wave: int | str,
    synthetic: bool,
    pool: Any = None,
    progress: Callable[[str], None] | None = None,
    source: str | None = None,
) -> dict[str, Rendered]:
    """Render every figure in memory, in ``pool`` (``figure_workers``) or here; stem -> bytes.

    ``source`` is the source line under every figure (from the questionnaire's settings).
    Nothing is written: ``write_figures`` does that, and the deck and HTML take the bytes.
    """
    done: dict[str, Rendered] = {}
    if pool is None:
        for spec in specs:
            done[spec.stem] = render_figure(spec, wave, synthetic, source)
            if progress:
                progress(spec.stem)
    else:
        from concurrent.futures import as_completed

        futures = {
            pool.submit(render_figure, spec, wave, synthetic, source): spec.stem for spec in specs
        }
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if progress:
                progress(futures[future])
    return {spec.stem: done[spec.stem] for spec in specs}


def deck_slide(spec: FigureSpec, png: bytes, note: str):
    """Return the deck slide of a figure: a native (editable) chart where one exists, else the
    rendered picture, with ``note`` (source and base) under it."""
    from distretti_survey.outputs.deck import ChartSlide
    from distretti_survey.outputs.deck_charts import native_twin

    native = native_twin(spec.chart, spec.data, title=spec.title, source_note=note,
                         kwargs=spec.kwargs) if has_data(spec.data) else None  # fmt: skip
    return native or ChartSlide(spec.title, png, note, full_bleed=True)


def write_figures(rendered: dict[str, Rendered], out_dir: Path) -> dict[str, list[Path]]:
    """Write rendered figures as ``<out_dir>/<stem>.<format>``; return stem -> paths."""
    from distretti_survey.stable import write_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        stem: [write_atomic(out_dir / f"{stem}.{fmt}", data) for fmt, data in formats.items()]
        for stem, formats in rendered.items()
    }
