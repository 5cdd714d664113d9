"""Charts for the talk: each takes an indicator frame and ``ax=None`` and returns the Axes.

Charts never save or show; ``finish_figure`` adds the title, the source line and the
"DATI DIMOSTRATIVI" mark, and ``save_figure`` writes byte-reproducible files. Style comes from
the packaged ``resources/distretti.mplstyle`` (16:9, large type, Okabe-Ito palette), applied
with ``style_context`` so that importing this module touches neither matplotlib nor rcParams.
Labels are Italian texts passed in as mappings code -> label; a code without a label is shown
as is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from distretti_survey.outputs.chart_style import (
    axes_or_new,
    fit_row_labels,
    k_of_n,
    label_of,
    new_figure,  # noqa: F401  part of this module's API: charts.new_figure() makes a slide figure
    percent_axis,
    row_labels,
    style_context,
    top_legend,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Neutral source line for data without one of its own (the questionnaire's settings give
#: the real one: see ``report.names``).
SOURCE = "Fonte: dati d'indagine, {wave}"
SYNTHETIC_MARK = "DATI DIMOSTRATIVI"
# Okabe-Ito by the role of a status (the ``role`` column of the questionnaire's choices):
# completed first and strongest, cancelled apart in vermillion, not started grey; the other
# statuses (under way) take the blues, the one closest to completion darkest.
ROLE_COLOURS = {
    "completed": "#009E73",
    "not_started": "#BBBBBB",
    "cancelled": "#D55E00",
}
OPEN_COLOURS = ("#0072B2", "#56B4E9", "#A6D3F0", "#CDE6F7")
MISSING_COLOUR = "#EEEEEE"
# ColorBrewer PuOr, colour-blind safe, with a grey neutral that stays visible on white.
LIKERT_COLOURS = {
    3: ["#E66101", "#DDDDDD", "#5E3C99"],
    4: ["#E66101", "#FDB863", "#B2ABD2", "#5E3C99"],
    5: ["#E66101", "#FDB863", "#DDDDDD", "#B2ABD2", "#5E3C99"],
}
# Dark greys for answers kept apart ("non so", "non applicabile"), so they never look like the
# light-grey neutral point of the scale.
APART_COLOURS = ["#6E6E6E", "#3C3C3C", "#1E1E1E"]
WAVE_COLOURS = ["#E69F00", "#0072B2", "#009E73", "#CC79A7"]
BAR_COLOUR = "#0072B2"
MUTED = "#555555"
SOURCE_SIZE = 14


# --- progress -------------------------------------------------------------------------------


def status_order(statuses: Sequence[str], roles: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """Return (status, colour) in stacking order: completed, under way, not started, cancelled.

    ``statuses`` are the codes in questionnaire order; ``roles`` maps a code to its role
    (``completed``, ``cancelled``, ``not_started``). Other statuses (``in_progress`` or no
    role) are "under way", stacked from the last in the list (closest to completion) to the
    first; a code outside the list (no status given) comes last, in a light grey.
    """
    roles = roles or {}
    by_role = {role: [s for s in statuses if roles.get(s) == role] for role in ROLE_COLOURS}
    under_way = [s for s in statuses if roles.get(s) not in ROLE_COLOURS][::-1]
    ordered = [(s, ROLE_COLOURS["completed"]) for s in by_role["completed"]]
    ordered += [(s, OPEN_COLOURS[min(i, 3)]) for i, s in enumerate(under_way)]
    ordered += [(s, ROLE_COLOURS["not_started"]) for s in by_role["not_started"]]
    ordered += [(s, ROLE_COLOURS["cancelled"]) for s in by_role["cancelled"]]
    return ordered


def status_chart(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    district_labels: Mapping[str, str] | None = None,
    status_labels: Mapping[str, str] | None = None,
    status_roles: Mapping[str, str] | None = None,
    statuses: Sequence[str] | None = None,
    xlabel: str = "Quota degli interventi del distretto",
) -> Axes:
    """Draw horizontal stacked bars of intervention status per district.

    ``data`` is ``indicators.status_counts(..., by="district_id")``; ``statuses`` are the
    status codes of the questionnaire in order and ``status_roles`` their roles (which one is
    "completed", "cancelled", "not started"). Districts are sorted by share completed
    (highest on top); each label carries the number of interventions.
    """
    with style_context():
        ax = axes_or_new(ax)
        shares = data.pivot(index="district_id", columns="status", values="share").fillna(0.0)
        n = data.groupby("district_id")["n"].first()
        known = list(statuses) if statuses is not None else list(dict.fromkeys(data["status"]))
        ordered = [(s, c) for s, c in status_order(known, status_roles) if s in shares.columns]
        ordered += [(s, MISSING_COLOUR) for s in shares.columns if s not in dict(ordered)]
        done = [s for s, _ in ordered if (status_roles or {}).get(s) == "completed"]
        completed = shares[done].sum(axis=1) if done else pd.Series(0.0, index=shares.index)
        names = pd.Series({d: label_of(d, district_labels) for d in shares.index})
        order = (
            pd.DataFrame({"c": completed, "name": names})
            .sort_values(["c", "name"], ascending=[False, True], kind="stable")
            .index
        )
        y = np.arange(len(order))[::-1]
        left = np.zeros(len(order))
        for status, colour in ordered:
            width = shares.loc[order, status].to_numpy() * 100
            ax.barh(
                y,
                width,
                left=left,
                height=0.72,
                color=colour,
                label=label_of(status, status_labels),
                edgecolor="white",
                linewidth=0.8,
            )
            left += width
        ax.set_ylim(-0.6, len(order) - 0.4)
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 75, 100])
        percent_axis(ax)
        ax.set_xlabel(f"{xlabel} (tra parentesi: n. interventi)", loc="right")
        ax.tick_params(axis="y", length=0)
        top_legend(ax, len(ordered))
        row_labels(ax, y, [f"{names[d]} ({n[d]})" for d in order])
    return ax


def _budget_legend(ax: Axes, threshold: int) -> None:
    """Explain the dots and the 100% line; sorted from the highest, the lower right is free."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=10,
            color=BAR_COLOUR,
            label=f"{threshold} interventi o più con importi",
        ),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=10,
            markerfacecolor="white",
            markeredgecolor=BAR_COLOUR,
            markeredgewidth=2,
            label=f"meno di {threshold} interventi",
        ),
        Line2D([], [], color=MUTED, linestyle="--", label="100% = budget previsto"),
    ]
    # Sorted from the highest, so the lower right corner is free for the legend.
    ax.legend(handles=handles, loc="lower right", frameon=True, framealpha=0.9, edgecolor="white")


def budget_chart(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    district_labels: Mapping[str, str] | None = None,
    xlabel: str = "Budget speso sul budget previsto",
    threshold: int = 5,
) -> Axes:
    """Draw a dot plot of budget realisation per district, with 100% marked.

    ``data`` is ``indicators.budget_realisation(...)``. Districts without usable amounts are
    listed at the bottom with "n.d."; hollow dots mark small bases (``small_base``, fewer
    than ``threshold`` interventions counted, the threshold the data were flagged with).
    """

    with style_context():
        ax = axes_or_new(ax)
        frame = data.assign(name=[label_of(d, district_labels) for d in data["district_id"]])
        frame = frame.sort_values(
            ["realisation", "name"], ascending=[False, True], na_position="last", kind="stable"
        ).reset_index(drop=True)
        y = np.arange(len(frame))[::-1]
        values = frame["realisation"].to_numpy(dtype="float64") * 100
        top = max(110.0, math.ceil(np.nanmax(values, initial=0) / 10) * 10 + 20)
        ax.hlines(y, 0, np.nan_to_num(values), color="#DDDDDD", linewidth=2, zorder=1)
        small = frame["small_base"].to_numpy()
        ax.scatter(values[~small], y[~small], s=110, color=BAR_COLOUR, zorder=3)
        ax.scatter(
            values[small],
            y[small],
            s=110,
            facecolor="white",
            edgecolor=BAR_COLOUR,
            linewidth=2,
            zorder=3,
        )
        for yi, value in zip(y, values, strict=True):
            text = "n.d." if np.isnan(value) else f"{value:.0f}%"
            ax.annotate(
                text,
                (0 if np.isnan(value) else value, yi),
                xytext=(10, 0),
                textcoords="offset points",
                va="center",
                fontsize=13,
                color=MUTED,
                style="italic" if np.isnan(value) else "normal",
            )
        ax.axvline(100, color=MUTED, linestyle="--", linewidth=1.2, zorder=2)
        ax.set_ylim(-0.6, len(frame) - 0.4)
        ax.set_xlim(0, top)
        percent_axis(ax)
        ax.set_xlabel(xlabel, loc="right")
        ax.tick_params(axis="y", length=0)
        _budget_legend(ax, threshold)
        row_labels(ax, y, list(frame["name"]))
    return ax


# --- ranked k-of-N bars -------------------------------------------------------------------


def ranked_bars(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    key: str = "option",
    option_labels: Mapping[str, str] | None = None,
    xlabel: str = "Distretti",
    colour: str = BAR_COLOUR,
    wrap_width: int = 34,
) -> Axes:
    """Draw horizontal bars of k districts of N, in the order of ``data`` (first on top).

    ``data`` has columns ``key, k, n`` (``indicators.option_ranking`` or ``code_mentions``).
    Each bar carries the text "k di N distretti"; the axis runs to N, the whole base.
    """
    with style_context():
        ax = axes_or_new(ax)
        frame = data.reset_index(drop=True)
        total = int(frame["n"].max()) if len(frame) else 0
        y = np.arange(len(frame))[::-1]
        ax.barh(y, frame["k"], height=0.7, color=colour)
        for yi, k in zip(y, frame["k"], strict=True):
            inside = total and k / total > 0.55
            ax.annotate(
                k_of_n(int(k), total),
                (k, yi),
                xytext=(-8 if inside else 8, 0),
                textcoords="offset points",
                va="center",
                ha="right" if inside else "left",
                fontsize=14,
                color="white" if inside else "#222222",
            )
        ax.set_yticks(y, [wrap(label_of(c, option_labels), wrap_width) for c in frame[key]])
        ax.set_ylim(-0.6, len(frame) - 0.4)
        ax.set_xlim(0, max(total, 1))
        ax.xaxis.get_major_locator().set_params(integer=True)
        note = " (base ridotta)" if frame["small_base"].any() else ""
        ax.set_xlabel(f"{xlabel}: {total} rispondenti{note}", loc="right")
        ax.tick_params(axis="y", length=0)
    return ax


def training_needs_chart(data: pd.DataFrame, **kwargs: object) -> Axes:
    """Draw the training topics ranked by the districts asking for them."""
    kwargs.setdefault("xlabel", "Distretti che chiedono il tema")
    return ranked_bars(data, key="option", **kwargs)


def governance_problems_chart(data: pd.DataFrame, **kwargs: object) -> Axes:
    """Draw the coded governance problems ranked by the districts mentioning them."""
    kwargs.setdefault("xlabel", "Distretti che segnalano il problema")
    kwargs.setdefault("colour", "#D55E00")
    return ranked_bars(data, key="code_id", **kwargs)


def topic_heatmap(
    matrix: pd.DataFrame,
    *,
    ax: Axes | None = None,
    district_labels: Mapping[str, str] | None = None,
    topic_labels: Mapping[str, str] | None = None,
    topic_wrap: int = 30,
) -> Axes:
    """Draw the district x topic matrix: a filled cell where the district asks for the topic.

    ``matrix`` is ``indicators.district_option_matrix``. Topics are sorted by how many
    districts ask for them, districts by how many topics they ask for. Columns are numbered;
    the key on the right gives each topic's name and "k di N", since eight long topic
    names cannot stand side by side above narrow columns at a readable size.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D

    with style_context():
        ax = axes_or_new(ax)
        names = pd.Series({d: label_of(d, district_labels) for d in matrix.index})
        cols = matrix.sum().sort_values(ascending=False, kind="stable").index
        rows = (
            pd.DataFrame({"t": matrix.sum(axis=1), "name": names})
            .sort_values(["t", "name"], ascending=[False, True], kind="stable")
            .index
        )
        grid = matrix.loc[rows, cols]
        ax.imshow(
            grid.to_numpy(),
            cmap=ListedColormap(["#E4E4E4", BAR_COLOUR]),
            vmin=0,
            vmax=1,
            aspect="auto",
            interpolation="nearest",
        )
        total = int(matrix.attrs.get("n", len(matrix)))
        ax.set_xticks(np.arange(len(cols)), [str(i) for i in range(1, len(cols) + 1)])
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        ax.set_xticks(np.arange(len(cols) + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="white", linewidth=2)
        ax.tick_params(which="minor", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        key = [
            f"{i}. {wrap(label_of(c, topic_labels), topic_wrap)} ({grid[c].sum()} di {total})"
            for i, c in enumerate(cols, start=1)
        ]
        handles = [Line2D([], [], linestyle="none", label=text) for text in key]
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            borderaxespad=0,
            handlelength=0,
            handletextpad=0,
            labelspacing=0.5,
            title="Temi (in blu se richiesto)",
            alignment="left",
        )
        row_labels(ax, np.arange(len(rows)), [names[d] for d in rows])
    return ax


# --- Likert ---------------------------------------------------------------------------------


def _likert_segments(
    ax: Axes,
    y: np.ndarray,
    share: pd.DataFrame,
    values: Sequence[str],
    left: pd.Series,
    palette: Sequence[str],
    value_labels: Mapping[str, str] | None,
) -> None:
    """Stack one bar segment per value from ``left``, labelled with its % when 5% or more."""
    left = left.to_numpy(dtype="float64").copy()
    for value, colour in zip(values, palette, strict=False):
        width = share[value].to_numpy()
        ax.barh(
            y,
            width,
            left=left,
            height=0.62,
            color=colour,
            label=label_of(value, value_labels),
            edgecolor="white",
            linewidth=0.8,
        )
        dark = colour in ("#5E3C99", *APART_COLOURS)
        for yi, x0, w in zip(y, left, width, strict=True):
            if w >= 5:
                ax.text(
                    x0 + w / 2,
                    yi,
                    f"{w:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=12,
                    color="white" if dark else "#222222",
                )
        left += width


def no_data(ax: Axes) -> Axes:
    """Write, in place of a chart, that no interview answered its questions."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, "Nessuna risposta a queste domande nelle interviste dell'ondata",
            ha="center", va="center", fontsize=16, color=MUTED, transform=ax.transAxes)  # fmt: skip
    return ax


def likert_chart(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    item_labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, str] | None = None,
    wrap_width: int = 30,
    apart_order: Sequence[str] = (),
) -> Axes:
    """Draw diverging stacked bars for Likert items, neutral centred, "non so" apart.

    ``data`` is ``indicators.likert_distribution``; percentages are of all answers to the
    item (``n``, shown in each label), so a bar and its "non so" block add up to 100%.
    The answers kept apart are drawn as a separate block right of a dotted line, in the
    order of ``apart_order`` ("don't know" first, from the questionnaire's roles), so each
    keeps the same grey in every chart.
    """
    with style_context():
        ax = axes_or_new(ax)
        items = list(dict.fromkeys(data["item"]))
        scale = list(dict.fromkeys(data.loc[~data["apart"], "value"]))
        rank = {code: i for i, code in enumerate(apart_order)}
        apart = sorted(
            dict.fromkeys(data.loc[data["apart"], "value"]),
            key=lambda v: (rank.get(v, len(rank)), v),
        )
        share = data.pivot(index="item", columns="value", values="share").fillna(0.0) * 100
        n = data.groupby("item")["n"].first()
        colours = LIKERT_COLOURS.get(len(scale)) or [BAR_COLOUR] * len(scale)
        mid = len(scale) // 2
        below = share[scale[:mid]].sum(axis=1)
        neutral = share[scale[mid]] / 2 if len(scale) % 2 else 0.0
        start = -(below + neutral)
        y = np.arange(len(items))[::-1]
        reach = max(
            10.0,
            math.ceil(max((start).abs().max(), (share[scale].sum(axis=1) + start).max()) / 10) * 10,
        )
        gap = reach * 0.12
        apart_start = reach + gap

        def segments(values: Sequence[str], left: pd.Series, palette: Sequence[str]) -> None:
            _likert_segments(
                ax, y, share.loc[items], values, left.loc[items], palette, value_labels
            )

        segments(scale, start, colours)
        if apart:
            segments(apart, pd.Series(apart_start, index=share.index), APART_COLOURS)
            ax.axvline(reach + gap / 2, color=MUTED, linestyle=":", linewidth=1.2)
        ax.axvline(0, color="#222222", linewidth=1.0)
        width_apart = share[apart].sum(axis=1).max() if apart else 0.0
        ax.set_xlim(-reach, apart_start + max(width_apart, 5) + 2 if apart else reach)
        step = 25 if reach > 60 else 10 if reach <= 30 else 20
        ticks = np.arange(-math.floor(reach / step) * step, reach + 0.1, step)
        ax.set_xticks(ticks)
        percent_axis(ax)
        ax.set_xlabel("Quota delle risposte", loc="right")
        ax.set_yticks(
            y, [f"{wrap(label_of(i, item_labels), wrap_width)}\n(n = {n[i]})" for i in items]
        )
        ax.set_ylim(-0.6, len(items) - 0.4)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        top_legend(ax, len(scale) + len(apart))
    return ax


# --- waves ----------------------------------------------------------------------------------


def dumbbell_chart(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    item: str = "item",
    wave: str = "wave",
    value: str = "value",
    item_labels: Mapping[str, str] | None = None,
    xlabel: str = "Quota dei distretti",
    percent: bool = True,
    wrap_width: int = 40,
) -> Axes:
    """Draw a dumbbell chart: one row per item, one dot per wave joined by a line.

    ``data`` is tidy: columns ``item, wave, value`` (shares 0..1 when ``percent``). Rows are
    sorted by the value of the latest wave; an item missing in a wave has one dot only.
    """
    with style_context():
        ax = axes_or_new(ax)
        waves = sorted(data[wave].unique())
        wide = data.pivot(index=item, columns=wave, values=value).reindex(columns=waves)
        scale = 100.0 if percent else 1.0
        wide = wide * scale
        names = pd.Series({i: label_of(i, item_labels) for i in wide.index})
        order = (
            wide.assign(_name=names)
            .sort_values(
                [waves[-1], "_name"], ascending=[False, True], na_position="last", kind="stable"
            )
            .index
        )
        wide = wide.loc[order]
        y = np.arange(len(wide))[::-1]
        ax.hlines(y, wide.min(axis=1), wide.max(axis=1), color="#BBBBBB", linewidth=3, zorder=1)
        for colour, w in zip(WAVE_COLOURS * 3, waves, strict=False):
            ax.scatter(wide[w], y, s=140, color=colour, label=str(w), zorder=3)
        ax.set_yticks(y, [wrap(names[i], wrap_width) for i in wide.index])
        ax.set_ylim(-0.6, len(wide) - 0.4)
        if percent:
            ax.set_xlim(0, 100)
            percent_axis(ax)
        ax.set_xlabel(xlabel, loc="right")
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x")
        top_legend(ax, len(waves))
    return ax


# --- finishing and saving -------------------------------------------------------------------


def source_line(wave: int | str, template: str = SOURCE) -> str:
    """Return the Italian source line for a survey wave (``{wave}`` in ``template``)."""
    return template.format(wave=wave)


def finish_figure(fig: Figure, *, title: str, source: str | int, synthetic: bool) -> Figure:
    """Add the Italian title, the source line and, for synthetic data, the demo mark.

    Parameters
    ----------
    fig
        A figure from ``new_figure`` (constrained layout makes room for title and source).
    title
        Slide title, wrapped if long.
    source
        The source line, or a wave (int) to build the standard one with ``source_line``.
    synthetic
        When true, a large "DATI DIMOSTRATIVI" mark goes across the chart and in the source.
    """
    with style_context():
        text = source_line(source) if isinstance(source, int) else str(source)
        if synthetic:
            text = f"{SYNTHETIC_MARK} (sintetici, non reali) · {text}"
        fig.suptitle(wrap(title, 72), x=0.01, ha="left")
        fig.supxlabel(
            wrap(text, 130),
            x=0.01,
            ha="left",
            fontsize=SOURCE_SIZE,
            color="#D55E00" if synthetic else MUTED,
        )
        if synthetic:
            fig.text(
                0.5,
                0.5,
                SYNTHETIC_MARK,
                ha="center",
                va="center",
                rotation=18,
                fontsize=64,
                fontweight="bold",
                color="#D55E00",
                alpha=0.16,
                zorder=10,
                gid="synthetic-mark",
            )
        fit_row_labels(fig)  # the title and source took height from the rows
    return fig
