"""Shared layout of the charts: the house style, slide figures, labels that never overlap.

``charts`` and ``comparison_charts`` draw with these helpers; nothing here knows an
indicator. Importing the module touches neither matplotlib nor rcParams.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@contextlib.contextmanager
def style_context() -> Iterator[None]:
    """Apply the packaged house style for the duration of a ``with`` block."""
    import matplotlib.pyplot as plt

    style = resources.files("distretti_survey").joinpath("resources/distretti.mplstyle")
    with resources.as_file(style) as path, plt.style.context(str(path)):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, **subplot_kw: object) -> tuple[Figure, Axes]:
    """Create a 16:9 slide figure in the house style, outside pyplot's figure registry.

    Returns
    -------
    tuple
        The figure and its Axes (an array of Axes when ``nrows`` or ``ncols`` > 1).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with style_context():
        fig = Figure(layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


def axes_or_new(ax: Axes | None) -> Axes:
    return new_figure()[1] if ax is None else ax


def wrap(text: object, width: int) -> str:
    """Wrap a label on word boundaries, never cutting a word."""
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False)) or str(text)


def label_of(code: object, labels: Mapping[str, str] | None) -> str:
    return str((labels or {}).get(code, code))


def percent_axis(ax: Axes, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    formatter = FuncFormatter(lambda value, _pos: f"{abs(value):.0f}%")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def k_of_n(k: int, n: int) -> str:
    return f"{k} di {n} distretti"


# Wrap widths tried in turn for a row label that collides with its neighbour.
ROW_WRAPS = (44, 64, 1000)
MIN_LABEL_GAP_PT = 5.0


def top_legend(ax: Axes, entries: int, **kwargs: object) -> None:
    """Put the legend above the plot, right-aligned with it.

    Anchored at the right edge, a legend wider than the plot runs over the label margin on
    the left, which constrained layout then widens if needed, instead of leaving the figure.
    """
    ncols = entries if entries <= 5 else math.ceil(entries / 2)
    ax.legend(
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        borderaxespad=0.3,
        ncols=ncols,
        handlelength=1.2,
        columnspacing=1.2,
        **kwargs,
    )


def row_labels(ax: Axes, positions: Sequence[float], labels: Sequence[str]) -> None:
    """Set the y tick labels of a chart with one row per district and fit them."""
    ax._distretti_rows = (list(positions), list(labels))  # refitted by finish_figure
    fit_row_labels(ax.figure)


def fit_row_labels(fig: Figure) -> None:
    """Wrap long row labels, unwrapping only those that would overlap a neighbour.

    Two-line labels read well but need more height than a row has when a chart shows many
    districts; a label that collides after layout is widened (up to one line) and the layout
    redone, so no label is ever cut or overlapping.
    """
    for ax in fig.axes:
        rows = getattr(ax, "_distretti_rows", None)
        if rows is None:
            continue
        positions, labels = rows
        level = [0] * len(labels)
        for _ in range(len(labels) * len(ROW_WRAPS)):
            texts = [wrap(text, ROW_WRAPS[k]) for text, k in zip(labels, level, strict=True)]
            ax.set_yticks(positions, texts, linespacing=1.0)
            fig.draw_without_rendering()
            boxes = sorted(
                (t.get_window_extent().y0, t.get_window_extent().y1, i)
                for i, t in enumerate(ax.get_yticklabels())
            )
            gap = MIN_LABEL_GAP_PT * fig.dpi / 72
            clashes = [(a[2], b[2]) for a, b in itertools.pairwise(boxes) if b[0] - a[1] < gap]
            widen = {
                i
                for pair in clashes
                for i in pair
                if "\n" in texts[i] and level[i] < len(ROW_WRAPS) - 1
            }
            if not widen:
                break
            for i in widen:
                level[i] += 1


_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """Return the figure rendered as ``fmt`` (png, svg, pdf), byte-identical for the same figure.

    Dates and software versions are left out of the metadata and SVG ids are salted from the
    style, so rendering twice (or on another day) gives the same bytes.
    """
    import io

    buffer = io.BytesIO()
    with style_context():
        fig.savefig(buffer, format=fmt, metadata=_METADATA.get(fmt, {}))
    return buffer.getvalue()


def save_figure(
    fig: Figure, stem: str | Path, formats: Sequence[str] = ("png", "svg")
) -> list[Path]:
    """Write the figure as ``<stem>.<format>`` files (``figure_bytes``); return the paths."""
    written = []
    for fmt in formats:
        path = Path(f"{stem}.{fmt}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(figure_bytes(fig, fmt))
        written.append(path)
    return written
