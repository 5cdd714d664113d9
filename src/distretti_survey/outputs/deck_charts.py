"""Native PowerPoint charts for the deck: bars, stacked bars and dots a researcher can restyle.

A `NativeChartSlide` carries the numbers, not a picture: python-pptx writes a chart part
(``ppt/charts/chartN.xml``) with its data in an embedded workbook, so PowerPoint or LibreOffice
can change colours, labels or the chart type later. The colours are the house palette of
``resources/distretti.mplstyle``; the PNG/SVG figures stay for the HTML report and for print.

The embedded workbook that python-pptx writes (with XlsxWriter) is stamped with the current
time; `stabilise_embedded_workbooks` rewrites it so the deck stays byte-identical on rerun.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

CHART_KINDS = ("bar", "stacked", "dot")
_FIXED_W3CDTF = "2000-01-01T00:00:00Z"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class NativeChartSlide:
    """A chart drawn by PowerPoint from the numbers given, with a source note under it.

    Parameters
    ----------
    title
        Slide title (Italian).
    kind
        ``bar`` (clustered bars), ``stacked`` (stacked bars, e.g. interventions by status) or
        ``dot`` (markers only, e.g. one series per wave).
    categories
        One label per bar (row), e.g. district names, in reading order (top to bottom).
    series
        ``(name, values)`` pairs, one value per category; None for a missing value.
    number_format
        Excel number format of the data labels and the value axis, e.g. ``0``, ``0%``,
        ``#,##0 €``; percentages are given as fractions (0.25 for 25%).
    colours
        One ``#RRGGBB`` per series; default: the house palette in order.
    """

    title: str
    kind: Literal["bar", "stacked", "dot"]
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float | None]]]
    source_note: str = ""
    number_format: str = "0"
    colours: Sequence[str] | None = None
    data_labels: bool = True
    value_max: float | None = None
    """Upper end of the value axis (1.0 for shares adding up to 100%); default: automatic."""


def house_palette() -> list[str]:
    """Return the colour cycle of the packaged matplotlib style, as ``#RRGGBB``.

    >>> house_palette()[:3]
    ['#0072B2', '#E69F00', '#009E73']
    """
    style = resources.files("distretti_survey").joinpath("resources/distretti.mplstyle")
    text = style.read_text(encoding="utf-8")
    match = re.search(r"^axes\.prop_cycle\s*:.*?\[(.*?)\]", text, re.MULTILINE)
    if match is None:
        raise ValueError("distretti.mplstyle: axes.prop_cycle senza colori")
    return ["#" + c.upper() for c in re.findall(r"'#?([0-9A-Fa-f]{6})'", match.group(1))]


def _check(spec: NativeChartSlide) -> None:
    if spec.kind not in CHART_KINDS:
        raise ValueError(
            f"Grafico «{spec.title}»: tipo {spec.kind!r} non previsto ({CHART_KINDS})."
        )
    if not spec.categories or not spec.series:
        raise ValueError(f"Grafico «{spec.title}»: servono almeno una categoria e una serie.")
    for name, values in spec.series:
        if len(values) != len(spec.categories):
            raise ValueError(
                f"Grafico «{spec.title}»: la serie «{name}» ha {len(values)} valori per "
                f"{len(spec.categories)} categorie."
            )


def chart_data(spec: NativeChartSlide) -> Any:
    """Return the python-pptx ``CategoryChartData`` of a slide (categories and series)."""
    from pptx.chart.data import CategoryChartData

    _check(spec)
    data = CategoryChartData(number_format=spec.number_format)
    data.categories = list(spec.categories)
    for name, values in spec.series:
        data.add_series(name, [None if v is None else float(v) for v in values])
    return data


def add_native_chart(prs: Any, spec: NativeChartSlide, *, layout: int, style_title) -> Any:
    """Add a slide with a native chart to ``prs``; return the chart.

    ``layout`` is the title-only layout index and ``style_title(slide, text)`` sets the title
    as the deck's other slides do.
    """
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION

    slide = prs.slides.add_slide(prs.slide_layouts[layout])
    style_title(slide, spec.title)
    chart_type = {
        "bar": XL_CHART_TYPE.BAR_CLUSTERED,
        "stacked": XL_CHART_TYPE.BAR_STACKED,
        "dot": XL_CHART_TYPE.LINE_MARKERS,
    }[spec.kind]
    emu = 914400
    frame = slide.shapes.add_chart(
        chart_type,
        int(0.6 * emu),
        int(1.45 * emu),
        int(12.13 * emu),
        int(5.15 * emu),
        chart_data(spec),
    )
    chart = frame.chart
    chart.font.size = _pt(14)
    chart.font.name = "DejaVu Sans"
    chart.has_title = False  # the slide title says it; one series would show its name here
    chart.has_legend = len(spec.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
    _style_axes(chart, spec)
    _style_series(chart, spec)
    if spec.kind != "dot":
        _room_for_labels(chart, spec, width_pt=12.13 * 72)
    return slide


def _room_for_labels(chart: Any, spec: NativeChartSlide, *, width_pt: float) -> None:
    """Place the bars right of a label column wide enough for the longest category name.

    Left to itself, LibreOffice gives the labels a quarter of the chart, wraps the long names
    and then hides every other label; PowerPoint honours the same layout.
    """
    from pptx.oxml.ns import qn

    longest = max((len(str(c)) for c in spec.categories), default=0)
    size = chart.category_axis.tick_labels.font.size.pt
    share = min(0.5, max(0.15, longest * size * 0.55 / width_pt + 0.02))
    top = 0.1 if chart.has_legend else 0.03
    area = chart._chartSpace.find(qn("c:chart")).find(qn("c:plotArea"))
    layout = area.find(qn("c:layout"))
    if layout is None:
        layout = area.makeelement(qn("c:layout"), {})
        area.insert(0, layout)
    for child in list(layout):
        layout.remove(child)
    manual = layout.makeelement(qn("c:manualLayout"), {})
    layout.append(manual)
    for tag, value in (
        ("layoutTarget", "inner"),
        ("xMode", "edge"),
        ("yMode", "edge"),
        ("x", f"{share:.3f}"),
        ("y", f"{top:.3f}"),
        ("w", f"{0.98 - share:.3f}"),
        ("h", f"{0.9 - top:.3f}"),
    ):
        manual.append(manual.makeelement(qn(f"c:{tag}"), {"val": value}))


def _category_size(n: int) -> int:
    """Return the font size of the category labels of a chart of ``n`` categories."""
    return 14 if n <= 10 else 11 if n <= 20 else 9


def _pt(size: float) -> Any:
    from pptx.util import Pt

    return Pt(size)


def _style_axes(chart: Any, spec: NativeChartSlide) -> None:
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn

    grey = RGBColor(0x55, 0x55, 0x55)
    categories = chart.category_axis
    n = len(spec.categories)
    categories.tick_labels.font.size = _pt(_category_size(n))
    # Every label shown (PowerPoint honours it; LibreOffice 7 still thins out long lists).
    skip = categories._element.makeelement(qn("c:tickLblSkip"), {"val": "1"})
    anchor = categories._element.find(qn("c:lblOffset"))
    if anchor is not None:  # schema order: ... lblOffset, tickLblSkip, ...
        anchor.addnext(skip)
    # Labels horizontal, as stated: without rot="0" LibreOffice (7.4) turns the text as it
    # likes and hides every other label of a long list; one line per label where it fits.
    body = categories._element.find(qn("c:txPr")).find(qn("a:bodyPr"))
    body.set("rot", "0")
    body.set("vert", "horz")
    body.set("wrap", "none")
    categories.format.line.color.rgb = grey
    if spec.kind != "dot":
        categories.reverse_order = True  # bars read top to bottom, as in the PNG charts
        # ... and the value axis stays at the bottom: it crosses at the last category.
        for crosses in chart.value_axis._element.findall(qn("c:crosses")):
            crosses.set("val", "max")
    values = chart.value_axis
    values.has_major_gridlines = True
    values.major_gridlines.format.line.color.rgb = RGBColor(0xDD, 0xDD, 0xDD)
    values.tick_labels.font.size = _pt(13)
    values.tick_labels.number_format = spec.number_format
    values.tick_labels.number_format_is_linked = False
    values.format.line.fill.background()  # no axis line, as the house style's open spines
    if spec.value_max is not None:
        values.maximum_scale = spec.value_max
        values.minimum_scale = 0


def _style_series(chart: Any, spec: NativeChartSlide) -> None:
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_LABEL_POSITION, XL_MARKER_STYLE

    palette = list(spec.colours or house_palette())
    plot = chart.plots[0]
    if spec.kind != "dot":
        plot.gap_width = 60
        if spec.kind == "stacked":
            plot.overlap = 100
    for index, series in enumerate(plot.series):
        colour = RGBColor.from_string(palette[index % len(palette)].lstrip("#").upper())
        if spec.kind == "dot":
            series.format.line.fill.background()  # markers only: a dot plot
            series.smooth = False
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.size = 14
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = colour
            series.marker.format.line.color.rgb = colour
        else:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = colour
            series.invert_if_negative = False
    if not spec.data_labels:
        return
    plot.has_data_labels = True
    labels = plot.data_labels
    # Stacked segments of zero would show a stray "0": the third (zero) format section is empty.
    fmt = spec.number_format
    labels.number_format = f"{fmt};-{fmt};;@" if spec.kind == "stacked" else fmt
    labels.number_format_is_linked = False
    labels.font.size = _pt(12)
    if spec.kind == "bar":
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
    elif spec.kind == "stacked":
        labels.position = XL_LABEL_POSITION.CENTER
        labels.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    else:  # dots of two waves often sit close: labels on either side
        for index, series in enumerate(plot.series):
            series_labels = series.data_labels
            series_labels.number_format = fmt
            series_labels.number_format_is_linked = False
            series_labels.font.size = _pt(12)
            series_labels.show_value = True
            series_labels.position = (
                XL_LABEL_POSITION.LEFT if index % 2 == 0 else XL_LABEL_POSITION.RIGHT
            )


def stabilise_embedded_workbooks(prs: Any) -> None:
    """Give every embedded chart workbook fixed timestamps, so reruns give the same bytes."""
    for part in prs.part.package.iter_parts():
        if str(part.partname).endswith(".xlsx"):
            part._blob = _fixed_xlsx(part.blob)


def _fixed_xlsx(blob: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()


# --- from the report's indicator frames ------------------------------------------------------


def status_slide(
    data: Any,
    *,
    title: str,
    source_note: str = "",
    district_labels: dict[str, str] | None = None,
    status_labels: dict[str, str] | None = None,
    status_roles: dict[str, str] | None = None,
    statuses: list[str] | None = None,
) -> NativeChartSlide:
    """Return the stacked-bar slide of ``charts.status_chart``: shares of status per district.

    ``data`` is ``indicators.status_counts(..., by="district_id")``; districts are ordered by
    share completed (highest on top) and statuses coloured as in the PNG chart.
    """
    from distretti_survey.outputs.charts import MISSING_COLOUR, status_order

    shares = data.pivot(index="district_id", columns="status", values="share").fillna(0.0)
    known = list(statuses) if statuses is not None else list(dict.fromkeys(data["status"]))
    ordered = [(s, c) for s, c in status_order(known, status_roles) if s in shares.columns]
    ordered += [(s, MISSING_COLOUR) for s in shares.columns if s not in dict(ordered)]
    done = [s for s, _ in ordered if (status_roles or {}).get(s) == "completed"]
    completed = shares[done].sum(axis=1) if done else 0.0 * shares.iloc[:, 0]
    names = {d: (district_labels or {}).get(d, d) for d in shares.index}
    order = sorted(shares.index, key=lambda d: (-completed[d], names[d]))
    statuses = [s for s, _ in ordered]
    colours = dict(ordered)
    return NativeChartSlide(
        title=title,
        kind="stacked",
        categories=[names[d] for d in order],
        series=[
            ((status_labels or {}).get(s, s), [float(shares.loc[d, s]) for d in order])
            for s in statuses
        ],
        source_note=source_note,
        number_format="0%",
        colours=[colours[s] for s in statuses],
        value_max=1.0,
    )


def ranked_slide(
    data: Any,
    *,
    title: str,
    key: str = "option",
    source_note: str = "",
    option_labels: dict[str, str] | None = None,
) -> NativeChartSlide:
    """Return the bar slide of ``charts.ranked_bars``: districts (k) per option, in order.

    ``data`` has ``key, k, n`` (``indicators.option_ranking`` or ``code_mentions``).
    """
    labels = option_labels or {}
    return NativeChartSlide(
        title=title,
        kind="bar",
        categories=[labels.get(c, c) for c in data[key]],
        series=[("Distretti", [float(k) for k in data["k"]])],
        source_note=source_note,
        number_format="0",
        value_max=float(data["n"].max()) if len(data) else None,  # the axis runs to N
    )


def dumbbell_slide(
    data: Any,
    *,
    title: str,
    item: str = "item",
    wave: str = "wave",
    value: str = "value",
    source_note: str = "",
    item_labels: dict[str, str] | None = None,
    percent: bool = True,
) -> NativeChartSlide:
    """Return the dot slide of ``charts.dumbbell_chart``: one series (colour) per wave.

    Items are ordered by the latest wave's value, highest first; a missing value stays empty.
    """
    import pandas as pd

    from distretti_survey.outputs.charts import WAVE_COLOURS

    waves = sorted(data[wave].unique())
    wide = data.pivot(index=item, columns=wave, values=value).reindex(columns=waves)
    labels = item_labels or {}
    latest = pd.DataFrame(
        {"v": wide[waves[-1]], "name": [labels.get(i, i) for i in wide.index]}, index=wide.index
    )
    order = list(
        latest.sort_values(
            ["v", "name"], ascending=[False, True], na_position="last", kind="stable"
        ).index
    )
    return NativeChartSlide(
        title=title,
        kind="dot",
        data_labels=len(order) <= 8,  # beyond that the labels of two waves crowd the dots
        categories=[labels.get(i, i) for i in order],
        series=[
            (str(w), [None if pd.isna(v) else float(v) for v in wide.loc[order, w]]) for w in waves
        ],
        source_note=source_note,
        number_format="0%" if percent else "0.0",
        colours=[WAVE_COLOURS[i % len(WAVE_COLOURS)] for i in range(len(waves))],
        value_max=1.0 if percent else None,
    )


def native_twin(
    chart: str, data: Any, *, title: str, source_note: str = "", kwargs: dict | None = None
) -> NativeChartSlide | None:
    """Return the native slide for a figure drawn by ``charts.<chart>``, or None if none.

    ``data`` and ``kwargs`` are those given to the chart function (a report ``FigureSpec``'s
    ``data`` and ``kwargs``), so the deck can show the same numbers as an editable chart.
    """
    kw = dict(kwargs or {})
    if chart == "status_chart":
        return status_slide(
            data,
            title=title,
            source_note=source_note,
            district_labels=kw.get("district_labels"),
            status_labels=kw.get("status_labels"),
            status_roles=kw.get("status_roles"),
            statuses=kw.get("statuses"),
        )
    if chart in ("ranked_bars", "training_needs_chart", "governance_problems_chart"):
        key = kw.get("key", "code_id" if chart == "governance_problems_chart" else "option")
        slide = ranked_slide(
            data, title=title, key=key, source_note=source_note,
            option_labels=kw.get("option_labels"),
        )  # fmt: skip
        colour = kw.get("colour", "#D55E00" if chart == "governance_problems_chart" else None)
        return slide if colour is None else dataclasses.replace(slide, colours=[colour])
    if chart == "dumbbell_chart":
        slide = dumbbell_slide(
            data,
            title=title,
            source_note=source_note,
            item=kw.get("item", "item"),
            wave=kw.get("wave", "wave"),
            value=kw.get("value", "value"),
            item_labels=kw.get("item_labels"),
            percent=kw.get("percent", True),
        )
        # The native dot chart writes its names under the dots; the picture, beside them.
        return slide if labels_fit_below(slide.categories) else None
    return None


def labels_fit_below(categories: list[str], *, width_pt: float = 12.13 * 72 * 0.9) -> bool:
    """Return True when every name fits in three lines under its own column of the chart.

    Examples
    --------
    >>> labels_fit_below(["2011", "2012", "Fidelizzazione dei clienti"])
    True
    >>> labels_fit_below(["Una strada, un Distretto: la Via Emilia tra Casteggio e Broni"] * 19)
    False
    """
    n = max(len(categories), 1)
    size = _category_size(n)
    per_line = width_pt / n / (size * 0.55)
    return all(len(str(c)) <= 3 * per_line for c in categories)
