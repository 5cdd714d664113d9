"""Byte-stable xlsx writing and formula-safe text for every workbook the package writes.

openpyxl stamps the save time in ``docProps/core.xml`` and in every zip entry, so two runs on
the same inputs would give different bytes; ``stable_save`` writes them through
``stable.stable_zip``.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distretti_survey.stable import stable_zip, write_atomic

if TYPE_CHECKING:
    from openpyxl import Workbook

_FORMULA_PREFIXES = ("=", "+", "-", "@")
#: Characters XML 1.0 (so xlsx, pptx, docx) cannot hold: C0 controls but tab, LF and CR.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_control_chars(text: str) -> str:
    """Return ``text`` without the control characters an xlsx cannot hold.

    A vertical tab or a form feed (Word's manual line and page breaks, pasted into a cell)
    becomes a line break; the other controls are dropped. Every xlsx writer goes through
    ``safe_text``, which calls this; the ingest calls it on the text it reads.

    Examples
    --------
    >>> clean_control_chars("riga uno\\x0briga due\\x07")
    'riga uno\\nriga due'
    """
    if not _CONTROL_CHARS.search(text):
        return text
    return _CONTROL_CHARS.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else "", text)


def column_letter(index: int) -> str:
    """Return the Excel letters of a 0-based column index (openpyxl's, the one helper).

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    from openpyxl.utils.cell import get_column_letter

    return get_column_letter(index + 1)


def looks_like_formula(value: object) -> bool:
    """Return True for a string that a spreadsheet could take for a formula.

    Parameters
    ----------
    value
        Any cell value.

    Returns
    -------
    True when ``value`` is a string starting with ``=``, ``+``, ``-`` or ``@``.
    """
    return isinstance(value, str) and value.startswith(_FORMULA_PREFIXES)


def safe_text(value: object) -> object:
    """Return ``value`` ready for a cell, so text that looks like a formula stays text.

    openpyxl turns any string starting with ``=`` into a formula; an answer such as
    ``=HYPERLINK(...)`` or ``-20% di affluenza`` must be stored as the text typed, and refuses
    control characters (``clean_control_chars`` removes them). Formula-like strings
    come back as a ``CellRichText``, which openpyxl always writes as a text cell; readers
    (openpyxl, calamine, pandas) read it back as the same plain string. Other values are
    returned unchanged.

    Parameters
    ----------
    value
        Any cell value.

    Returns
    -------
    The value to assign to ``cell.value`` or pass to ``worksheet.append``.

    Examples
    --------
    >>> safe_text(3)
    3
    >>> str(safe_text("=1+1"))
    '=1+1'
    """
    if isinstance(value, str):
        value = clean_control_chars(value)
    if not looks_like_formula(value):
        return value
    from openpyxl.cell.rich_text import CellRichText

    return CellRichText(value)


def workbook_bytes(wb: Workbook) -> bytes:
    """Return the bytes of ``wb`` as an xlsx with fixed timestamps.

    Parameters
    ----------
    wb
        The workbook to serialise.

    Returns
    -------
    The xlsx file content; equal workbooks give equal bytes.
    """
    raw = io.BytesIO()
    wb.save(raw)  # openpyxl stamps the current time here; stable_zip fixes it
    return stable_zip(raw.getvalue())


def stable_save(wb: Workbook, path: str | os.PathLike[str]) -> Path:
    """Write ``wb`` to ``path`` so the same workbook always gives the same bytes.

    Parameters
    ----------
    wb
        The workbook to write.
    path
        Destination file; its folder must exist.

    Returns
    -------
    The path written.
    """
    return write_atomic(path, workbook_bytes(wb))


def print_setup(
    ws: Any, *, landscape: bool, title_rows: str | None = None, grid: bool = False
) -> None:
    """Print a sheet on A4, one page wide, with ``title_rows`` repeated on every page.

    ``grid`` prints the cell grid (the answer boxes of data-entry sheets show on paper).
    """
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = grid
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A · pagina &P di &N"


#: Height in points of one line of 11-point text (Excel's default row height).
LINE_POINTS = 15.0
#: Characters of running text per unit of column width. Below 1 because LibreOffice, lacking
#: Calibri, substitutes a wider font: rows sized for it have room to spare in Excel.
CHARS_PER_WIDTH = 0.85


def wrapped_lines(text: object, width: float, *, size: float = 11) -> int:
    """Return how many lines ``text`` takes in a wrapped cell ``width`` characters wide.

    Parameters
    ----------
    text
        The cell text; line breaks start new lines.
    width
        The column width, in Excel's units (about one character of 11-point text).
    size
        The font size in points.

    Returns
    -------
    The number of lines, at least 1.

    Examples
    --------
    >>> wrapped_lines("breve", 20), wrapped_lines("parola " * 10, 20), wrapped_lines("a\\nb", 20)
    (1, 5, 2)
    """
    import textwrap

    per_line = max(1, int(width * CHARS_PER_WIDTH * 11 / size))
    parts = str(text or "").split("\n")
    return sum(max(1, len(textwrap.wrap(part, per_line))) for part in parts)


def row_height(lines: int, size: float = 11) -> float:
    """Return the row height in points for ``lines`` lines of ``size``-point text."""
    return round(lines * LINE_POINTS * size / 11, 2)
