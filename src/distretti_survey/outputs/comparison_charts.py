"""Charts that set two things side by side: a closed question and the coded answers.

``paired_rankings`` draws two "k of N" rankings on a pair of Axes, so a figure never shows
one of two measures of the same thing alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from distretti_survey.outputs.chart_style import new_figure, style_context, wrap
from distretti_survey.outputs.charts import BAR_COLOUR, ranked_bars

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def paired_rankings(
    data: tuple[pd.DataFrame, pd.DataFrame],
    *,
    ax: Sequence[Axes] | None = None,
    titles: tuple[str, str] = ("Domanda a scelta multipla", "Risposte aperte codificate"),
    keys: tuple[str, str] = ("option", "code_id"),
    labels: tuple[Mapping[str, str] | None, Mapping[str, str] | None] = (None, None),
    colours: tuple[str, str] = (BAR_COLOUR, "#D55E00"),
    xlabel: str = "Distretti",
    wrap_width: int = 30,
) -> Sequence[Axes]:
    """Draw two k-of-N rankings side by side: a closed question and the coded open answers.

    When both measure the same thing (governance problems, training topics) neither is
    shown alone: the audience sees both, each with its base, on the same scale.
    ``ax`` is a pair of Axes (``new_figure(1, 2)``).
    """
    with style_context():
        axes = list(ax) if ax is not None else list(new_figure(1, 2)[1])
        for axis, frame, title, key, names, colour in zip(
            axes, data, titles, keys, labels, colours, strict=True
        ):
            ranked_bars(
                frame,
                ax=axis,
                key=key,
                option_labels=names,
                xlabel=xlabel,
                colour=colour,
                wrap_width=wrap_width,
            )
            # Long titles (the coding status) wrap inside the panel instead of leaving the figure.
            lines = [wrap(line, 36) for line in title.split("\n")]
            axis.set_title("\n".join(lines), loc="left")
    return axes
