"""Formatted tables: tidy frames -> one xlsx workbook, one sheet per table.

Each sheet has the Italian title in row 1, the base and notes in row 2, the "DATI DIMOSTRATIVI"
mark in row 3 when the data are synthetic, and the frozen bold header in row 4. Numbers stay
numeric with an Excel number format; text that looks like a formula is stored as text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from distretti_survey.xlsx_io import print_setup, safe_text, stable_save

SYNTHETIC_MARK = "DATI DIMOSTRATIVI - dati sintetici"
TITLE_ROW = 1
NOTE_ROW = 2
MARK_ROW = 3
HEADER_ROW = 4

_MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Control characters an xlsx cannot hold (openpyxl raises on them).
_ILLEGAL_CHARS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_MIN_WIDTH, _MAX_WIDTH = 8, 60


@dataclass(frozen=True, eq=False)
class Table:
    """A table ready to be written: sheet name, Italian title, data, note and formats.

    Parameters
    ----------
    name
        Sheet name: at most 31 characters, none of ``[ ] : * ? / \\``.
    title
        Italian title shown above the table.
    frame
        The data. A non-default index (named, or not a 0..n-1 range) is written as columns.
    note
        Base and notes in Italian, e.g. ``"Base: 18 distretti intervistati."``.
    number_formats
        Column name -> Excel number format, e.g. ``{"quota": "0.0%"}``.
    """

    name: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    number_formats: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > _MAX_SHEET_NAME:
            raise ValueError(
                f"Nome del foglio {self.name!r}: serve da 1 a {_MAX_SHEET_NAME} caratteri."
            )
        if _BAD_SHEET_CHARS.search(self.name):
            raise ValueError(f"Nome del foglio {self.name!r}: non può contenere [ ] : * ? / \\.")
        object.__setattr__(self, "number_formats", MappingProxyType(dict(self.number_formats)))

    def display_frame(self) -> pd.DataFrame:
        """Return the frame as written: index as columns when it carries information."""
        frame = self.frame
        if not _is_default_index(frame.index):
            frame = frame.reset_index()
        if isinstance(frame.columns, pd.MultiIndex):
            frame = frame.copy()
            frame.columns = [
                " - ".join(str(part) for part in column if str(part)) for column in frame.columns
            ]
        return frame


def _is_default_index(index: pd.Index) -> bool:
    if any(name is not None for name in index.names):
        return False
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def cell_value(value: Any) -> Any:
    """Return a value openpyxl can write: Python numbers, dates, formula-safe text, or None.

    Parameters
    ----------
    value
        A value taken from a DataFrame (numpy scalars, NaN, NaT, pd.NA included).

    Returns
    -------
    None for missing values; int/float/bool/datetime as they are; any other value as text,
    cleaned of control characters and made formula-safe.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.date):
        return value
    return safe_text(_ILLEGAL_CHARS.sub("", str(value)))


def _shown_width(value: Any, number_format: str) -> int:
    """Estimate how many characters a cell needs on screen."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        if number_format.endswith("%"):
            return len(f"{value * 100:,.1f}%")
        suffix = len(number_format.split('"')[1]) + 1 if '"' in number_format else 0
        return len(f"{value:,.2f}") + suffix
    if isinstance(value, dt.datetime | dt.date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _write_sheet(ws: Any, table: Table, *, synthetic: bool) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    frame = table.display_frame()
    ws.cell(TITLE_ROW, 1, safe_text(table.title)).font = Font(bold=True, size=14)
    if table.note:
        ws.cell(NOTE_ROW, 1, safe_text(table.note)).font = Font(italic=True)
    if synthetic:
        ws.cell(MARK_ROW, 1, SYNTHETIC_MARK).font = Font(bold=True, color="C00000")

    widths = []
    for col_idx, column in enumerate(frame.columns, start=1):
        header = ws.cell(HEADER_ROW, col_idx, cell_value(str(column)))
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
        number_format = table.number_formats.get(column, "")
        width = len(str(column))
        for row_offset, raw in enumerate(frame[column].tolist(), start=1):
            value = cell_value(raw)
            cell = ws.cell(HEADER_ROW + row_offset, col_idx, value)
            if number_format and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = number_format
            elif isinstance(value, dt.datetime | dt.date):
                cell.number_format = "DD/MM/YYYY"
            width = max(width, _shown_width(value, number_format))
        widths.append(width)
    for col_idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col_idx)].width = min(
            _MAX_WIDTH, max(_MIN_WIDTH, width + 2)
        )
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    print_setup(ws, landscape=True, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def write_tables_xlsx(tables: Sequence[Table], path: Path | str, *, synthetic: bool) -> Path:
    """Write the tables to one xlsx workbook, one sheet each, byte-identical on rewrite.

    Parameters
    ----------
    tables
        The tables, in sheet order; sheet names must differ (ignoring case).
    path
        Destination ``.xlsx``; its folder is created if missing.
    synthetic
        Mark every sheet with "DATI DIMOSTRATIVI - dati sintetici".

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        No tables, or two sheets with the same name.
    """
    from openpyxl import Workbook

    if not tables:
        raise ValueError("Nessuna tabella da scrivere.")
    names = [table.name.casefold() for table in tables]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"Nomi di foglio ripetuti: {', '.join(duplicates)}.")

    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        _write_sheet(wb.create_sheet(table.name), table, synthetic=synthetic)
    wb.properties.creator = "distretti_survey"
    wb.properties.title = "Tabelle" + (f" - {SYNTHETIC_MARK}" if synthetic else "")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return stable_save(wb, path)
