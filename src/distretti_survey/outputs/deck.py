"""PPTX deck: a title slide, chart / key-figure / quote / section slides and a closing slide.

Slides are 16:9, Italian text in large type; with synthetic data every slide carries a red
"DATI DIMOSTRATIVI" mark. The file is byte-reproducible: fixed document properties and zip
dates. python-pptx is imported only when a deck is built.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distretti_survey.errors import InputError
from distretti_survey.outputs.deck_charts import NativeChartSlide
from distretti_survey.stable import stable_zip

SYNTHETIC_MARK = "DATI DIMOSTRATIVI"
SLIDE_WIDTH_EMU = 12192000  # 13.333 in
SLIDE_HEIGHT_EMU = 6858000  # 7.5 in
_EMU_PER_INCH = 914400
_FIXED_TIME = dt.datetime(2000, 1, 1)
_LAYOUT_TITLE, _LAYOUT_SECTION, _LAYOUT_TITLE_ONLY, _LAYOUT_BLANK = 0, 2, 5, 6
_ACCENT = (0x1F, 0x4E, 0x79)
_GREY = (0x59, 0x59, 0x59)
_RED = (0xC0, 0x00, 0x00)


@dataclass(frozen=True)
class ChartSlide:
    """A chart (PNG, as bytes or a file) fitted to the slide, with a source note under it."""

    title: str
    image_png: bytes | Path
    source_note: str = ""
    full_bleed: bool = False
    """The picture carries its own title and source: show it large, with no slide title, and
    keep ``title`` and ``source_note`` in the speaker notes."""


@dataclass(frozen=True)
class KeyFiguresSlide:
    """Up to eight key figures, each a (figure, label) pair, e.g. ("18", "distretti")."""

    title: str
    figures: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class QuotesSlide:
    """Up to four quotes, each a (text, attribution) pair, e.g. (..., "un distretto DID")."""

    title: str
    quotes: Sequence[tuple[str, str]]
    note: str = ""
    """A line under the quotes, e.g. what their codes rest on (reviewed, unreviewed...)."""


@dataclass(frozen=True)
class SectionSlide:
    """A section divider."""

    title: str
    subtitle: str = ""


@dataclass(frozen=True)
class ClosingSlide:
    """The last slide; one is added when the slides do not end with one."""

    title: str = "Grazie per l'attenzione"
    text: str = ""


Slide = ChartSlide | NativeChartSlide | KeyFiguresSlide | QuotesSlide | SectionSlide | ClosingSlide


def _inches(value: float) -> int:
    return round(value * _EMU_PER_INCH)


def _png(image: bytes | Path) -> bytes:
    """Return the PNG bytes of a chart given as bytes (rendered in memory) or as a file."""
    if isinstance(image, bytes):
        return image
    try:
        return Path(image).read_bytes()
    except OSError as error:
        raise InputError(f"Immagine del grafico non trovata: «{image}».") from error


def png_size(image: bytes | Path) -> tuple[int, int]:
    """Return (width, height) in pixels read from a PNG header (bytes or a file).

    Raises
    ------
    InputError
        The file is missing or is not a PNG.
    """
    head = _png(image)[:24]
    path = "immagine" if isinstance(image, bytes) else image
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise InputError(f"«{path}» non è un'immagine PNG: salvare il grafico come PNG.")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def fit_box(
    image_size: tuple[int, int], box: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    """Return (left, top, width, height) of the largest same-aspect rectangle centred in box."""
    img_w, img_h = image_size
    left, top, width, height = box
    scale = min(width / img_w, height / img_h)
    fitted_w, fitted_h = round(img_w * scale), round(img_h * scale)
    return left + (width - fitted_w) // 2, top + (height - fitted_h) // 2, fitted_w, fitted_h


def _style_runs(
    frame: Any,
    size: int,
    *,
    bold: bool = False,
    italic: bool = False,
    color: tuple[int, int, int] | None = None,
) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.italic = italic
            if color is not None:
                run.font.color.rgb = RGBColor(*color)


def _text_box(
    slide: Any,
    box: tuple[float, float, float, float],
    text: str,
    size: int,
    *,
    bold: bool = False,
    italic: bool = False,
    color: tuple[int, int, int] | None = None,
    align: str = "left",
) -> Any:
    from pptx.enum.text import PP_ALIGN

    shape = slide.shapes.add_textbox(*(_inches(value) for value in box))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        paragraph.alignment = {
            "left": PP_ALIGN.LEFT,
            "center": PP_ALIGN.CENTER,
            "right": PP_ALIGN.RIGHT,
        }[align]
    _style_runs(frame, size, bold=bold, italic=italic, color=color)
    return shape


def _add_paragraph(
    frame: Any,
    text: str,
    size: int,
    *,
    color: tuple[int, int, int] | None = None,
    align: str = "left",
) -> None:
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    paragraph = frame.add_paragraph()
    paragraph.alignment = PP_ALIGN.RIGHT if align == "right" else PP_ALIGN.LEFT
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = RGBColor(*color)


def _set_title(
    slide: Any,
    text: str,
    box: tuple[float, float, float, float],
    size: int,
    *,
    align: str = "left",
    lines: int = 2,
) -> None:
    from pptx.enum.text import PP_ALIGN

    title = slide.shapes.title
    title.left, title.top, title.width, title.height = (_inches(value) for value in box)
    title.text_frame.text = text
    title.text_frame.word_wrap = True
    for paragraph in title.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.CENTER if align == "center" else PP_ALIGN.LEFT
    # at most ``lines`` lines: on a content slide a third runs into what is below the title
    _style_runs(title.text_frame, _fit_size(text, box[2] * 72, size, lines=lines, bold=True),
                bold=True, color=_ACCENT)  # fmt: skip


def _fill_placeholder(
    slide: Any,
    idx: int,
    text: str,
    box: tuple[float, float, float, float],
    size: int,
    *,
    align: str = "center",
) -> None:
    from pptx.enum.text import PP_ALIGN

    placeholder = slide.placeholders[idx]
    if not text:
        placeholder.element.getparent().remove(placeholder.element)  # no empty prompt
        return
    placeholder.left, placeholder.top, placeholder.width, placeholder.height = (
        _inches(value) for value in box
    )
    placeholder.text_frame.text = text
    for paragraph in placeholder.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.CENTER if align == "center" else PP_ALIGN.LEFT
    _style_runs(placeholder.text_frame, size, color=_GREY)


_CONTENT_TITLE_BOX = (0.6, 0.35, 11.2, 1.0)


def _add_title_slide(prs: Any, title: str, subtitle: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE])
    _set_title(slide, title, (0.8, 2.0, 11.73, 1.9), 44, align="center", lines=3)
    _fill_placeholder(slide, 1, subtitle, (0.8, 4.1, 11.73, 1.4), 24)


def _add_chart(prs: Any, spec: ChartSlide) -> None:
    if spec.full_bleed:
        slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_BLANK])
        box = (_inches(0.3), _inches(0.4), _inches(12.73), _inches(6.95))
        left, top, width, height = fit_box(png_size(spec.image_png), box)
        slide.shapes.add_picture(io.BytesIO(_png(spec.image_png)), left, top, width, height)
        notes = "\n".join(text for text in (spec.title, spec.source_note) if text)
        slide.notes_slide.notes_text_frame.text = notes
        return
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
    _set_title(slide, spec.title, _CONTENT_TITLE_BOX, 32)
    box = (_inches(0.6), _inches(1.45), _inches(12.13), _inches(5.15))
    left, top, width, height = fit_box(png_size(spec.image_png), box)
    slide.shapes.add_picture(io.BytesIO(_png(spec.image_png)), left, top, width, height)
    if spec.source_note:
        _text_box(slide, (0.6, 6.7, 12.13, 0.5), spec.source_note, 12, color=_GREY)


def _add_native_chart(prs: Any, spec: NativeChartSlide) -> None:
    """A chart PowerPoint draws from the numbers (restyled by the researcher), see deck_charts."""
    from distretti_survey.outputs.deck_charts import add_native_chart

    slide = add_native_chart(
        prs,
        spec,
        layout=_LAYOUT_TITLE_ONLY,
        style_title=lambda s, text: _set_title(s, text, _CONTENT_TITLE_BOX, 32),
    )
    if spec.source_note:
        _text_box(slide, (0.6, 6.7, 12.13, 0.5), spec.source_note, 12, color=_GREY)


def _add_key_figures(prs: Any, spec: KeyFiguresSlide) -> None:
    figures = list(spec.figures)
    if not 1 <= len(figures) <= 8:
        raise ValueError(f"Diapositiva «{spec.title}»: da 1 a 8 cifre chiave, non {len(figures)}.")
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
    _set_title(slide, spec.title, _CONTENT_TITLE_BOX, 32)
    per_row = len(figures) if len(figures) <= 4 else (len(figures) + 1) // 2
    rows = (len(figures) + per_row - 1) // per_row
    cell_w = 12.13 / per_row
    row_h = 2.3
    first_top = 1.5 + (5.4 - rows * row_h) / 2  # centre the grid below the title
    # one size for all the figures of the slide, the largest that keeps each on one line;
    # each label as large as fits in three lines
    width = (cell_w - 0.2) * 72
    big = min(_fit_size(f, width, 54 if rows == 1 else 44, lines=1, bold=True) for f, _ in figures)
    for position, (figure, label) in enumerate(figures):
        row, col = divmod(position, per_row)
        left, top = 0.6 + col * cell_w, first_top + row * row_h
        _text_box(
            slide,
            (left, top, cell_w - 0.2, 1.2),
            figure,
            big,
            bold=True,
            color=_ACCENT,
            align="center",
        )
        size = _fit_size(label, width, 20, lines=3)
        _text_box(slide, (left, top + 1.2, cell_w - 0.2, 1.0), label, size, align="center")


def _fit_size(text: str, width_pt: float, size: int, *, lines: int, bold: bool = False) -> int:
    """Return the largest font size, from ``size`` down to 10 pt, that fits ``text`` in
    ``lines`` lines of a box ``width_pt`` wide (less its 0.1 in insets): a key figure such as
    "8% → 39%" must not wrap onto its label.

    Widths are DejaVu Sans's (matplotlib's own font): LibreOffice draws the theme's Calibri
    with it where Calibri is missing, and it is wider than Calibri, so what fits here fits in
    PowerPoint too. Lines break between words.

    Examples
    --------
    >>> _fit_size("18", 204, 44, lines=1, bold=True)
    44
    >>> _fit_size("8% → 39%", 204, 44, lines=1, bold=True)
    33
    """
    room = width_pt - 14.4
    while size > 10 and _lines_needed(text, room, size, bold) > lines:
        size -= 1
    return size


def _lines_needed(text: str, room: float, size: int, bold: bool) -> int:
    """Return how many lines ``text`` takes in ``room`` points, broken between words."""
    space = _width_1pt(" ", bold) * size
    lines, used = 1, 0.0
    for word in text.split():
        width = _width_1pt(word, bold) * size
        if used and used + space + width > room:
            lines, used = lines + 1, width
        else:
            used += (space if used else 0.0) + width
    return lines


@functools.lru_cache(maxsize=4096)
def _width_1pt(text: str, bold: bool) -> float:
    """Return the width of ``text`` in DejaVu Sans at 1 pt (outlines scale with the size):
    each word is measured once, whatever sizes are tried."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal", size=100)
    return TextToPath().get_text_width_height_descent(text, font, ismath=False)[0] / 100


def _add_quotes(prs: Any, spec: QuotesSlide) -> None:
    quotes = list(spec.quotes)
    if not 1 <= len(quotes) <= 4:
        raise ValueError(f"Diapositiva «{spec.title}»: da 1 a 4 citazioni, non {len(quotes)}.")
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
    _set_title(slide, spec.title, _CONTENT_TITLE_BOX, 32)
    total_chars = sum(len(text) for text, _ in quotes)
    size = 24 if total_chars <= 300 else 20 if total_chars <= 600 else 16
    slot = 5.3 / len(quotes)
    for position, (text, attribution) in enumerate(quotes):
        shape = _text_box(
            slide, (0.9, 1.5 + position * slot, 11.5, slot - 0.15), f"«{text}»", size, italic=True
        )
        _add_paragraph(shape.text_frame, f"— {attribution}", 16, color=_GREY, align="right")
    if spec.note:
        _text_box(slide, (0.6, 6.85, 12.13, 0.4), spec.note, 12, color=_GREY)


def _add_section(prs: Any, spec: SectionSlide) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_SECTION])
    _set_title(slide, spec.title, (0.8, 2.4, 11.73, 1.5), 40, lines=3)
    _fill_placeholder(slide, 1, spec.subtitle, (0.8, 4.0, 11.73, 1.2), 24, align="left")


def _add_closing(prs: Any, spec: ClosingSlide) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE])
    _set_title(slide, spec.title, (0.8, 2.4, 11.73, 1.5), 40, align="center", lines=3)
    _fill_placeholder(slide, 1, spec.text, (0.8, 4.1, 11.73, 1.4), 22)


_BUILDERS = {
    ChartSlide: _add_chart,
    NativeChartSlide: _add_native_chart,
    KeyFiguresSlide: _add_key_figures,
    QuotesSlide: _add_quotes,
    SectionSlide: _add_section,
    ClosingSlide: _add_closing,
}


def deck_bytes(slides: Sequence[Slide], *, title: str, subtitle: str, synthetic: bool) -> bytes:
    """Return the bytes of the deck; the same arguments always give the same bytes.

    See `build_deck` for the parameters.
    """
    from pptx import Presentation

    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH_EMU, SLIDE_HEIGHT_EMU
    _add_title_slide(prs, title, subtitle)
    specs = list(slides)
    if not specs or not isinstance(specs[-1], ClosingSlide):
        specs.append(ClosingSlide())
    for spec in specs:
        builder = _BUILDERS.get(type(spec))
        if builder is None:
            raise TypeError(f"Tipo di diapositiva sconosciuto: {type(spec).__name__}.")
        builder(prs, spec)
    if synthetic:
        for slide in prs.slides:
            _text_box(
                slide,
                (7.7, 0.05, 5.5, 0.4),
                SYNTHETIC_MARK + " - dati sintetici",
                14,
                bold=True,
                color=_RED,
                align="right",
            )

    props = prs.core_properties
    props.title = title
    props.subject = subtitle
    props.author = props.last_modified_by = "distretti_survey"
    props.keywords = SYNTHETIC_MARK if synthetic else ""
    props.comments = ""
    props.created = props.modified = _FIXED_TIME
    props.last_printed = _FIXED_TIME
    props.revision = 1
    from distretti_survey.outputs.deck_charts import stabilise_embedded_workbooks

    stabilise_embedded_workbooks(prs)
    buffer = io.BytesIO()
    prs.save(buffer)
    return stable_zip(buffer.getvalue())


def build_deck(
    slides: Sequence[Slide], path: Path | str, *, title: str, subtitle: str, synthetic: bool
) -> Path:
    """Build the PPTX deck and write it to `path`.

    Parameters
    ----------
    slides
        Content slides in order. A title slide is always first; a `ClosingSlide` is added
        at the end unless the last slide is one.
    path
        Destination ``.pptx``; its folder is created if missing.
    title, subtitle
        Text of the title slide (Italian).
    synthetic
        Put a red "DATI DIMOSTRATIVI - dati sintetici" mark on every slide.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    InputError
        A chart image is missing or is not a PNG.
    """
    data = deck_bytes(slides, title=title, subtitle=subtitle, synthetic=synthetic)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
