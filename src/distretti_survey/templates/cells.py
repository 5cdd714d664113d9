"""Cells, styles, dropdown lists and sheets shared by the district and master workbooks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from distretti_survey.layout import INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET, YES
from distretti_survey.xlsx_io import print_setup, row_height, safe_text, wrapped_lines

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    from distretti_survey.instrument import Instrument, Question

REQUIRED_FILL = "FFF2CC"  # light yellow: the cells an interviewer must not leave empty
ANSWER_FILL = "EAF1FB"  # light blue: the other answer cells
_BOUND = re.compile(r"^\.\s*(>=|<=|>|<)\s*(-?\d+(?:[.,]\d+)?)$")
_OPERATORS = {
    "between": "between",
    ">=": "greaterThanOrEqual",
    "<=": "lessThanOrEqual",
    ">": "greaterThan",
    "<": "lessThan",
}
#: Fits a portrait A4 page unscaled: LibreOffice does not shrink a one-column sheet to fit.
INSTRUCTIONS_WIDTH = 80


@dataclass(frozen=True)
class ListRanges:
    """Where each dropdown list sits on ``_liste`` (list name -> absolute range formula)."""

    ranges: dict[str, str]


def calibri(**style: object) -> Font:
    """Return a Calibri 11 font with ``style``.

    A bare ``Font(bold=True)`` names no family, and LibreOffice then draws it in a serif face.
    """
    from openpyxl.styles import Font

    return Font(**{"name": "Calibri", "size": 11, **style})


def write_lists(wb: Workbook, instrument: Instrument, *, codes: bool) -> ListRanges:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(LISTS_SHEET)
    lists = {
        name: [c.name if codes else c.label("it") for c in instrument.choices(name)]
        for name in instrument.list_names
    }
    lists["_sì" if not codes else "_01"] = [YES] if not codes else [1, 0]
    ranges = {}
    for index, (name, values) in enumerate(lists.items(), start=1):
        col = get_column_letter(index)
        ws.cell(1, index, name)
        for row, value in enumerate(values, start=2):
            ws.cell(row, index, safe_text(value))
        ranges[name] = f"'{LISTS_SHEET}'!${col}$2:${col}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return ListRanges(ranges)


def write_meta(wb: Workbook, instrument: Instrument, district: tuple[str, str] | None) -> None:
    ws = wb.create_sheet(META_SHEET)
    rows = [
        ("form_id", instrument.form_id),
        ("version", instrument.version),
        ("wave", instrument.wave),
    ]
    if district is not None:
        rows += [("district_id", district[0]), ("district_name", district[1])]
    rows.append(("synthetic", "yes" if instrument.synthetic else "no"))
    for key, value in rows:
        ws.append([key, safe_text(value)])
    ws.sheet_state = "hidden"


def _excel_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def validation(q: Question, lists: ListRanges, list_name: str | None = None):
    """Return the DataValidation for the answer cells of ``q`` (None when free text)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    from distretti_survey.xpath import numeric_bounds

    list_name = list_name or q.list_name
    if list_name:
        return DataValidation(
            type="list",
            formula1=lists.ranges[list_name],
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Valore non valido",
            error="Scegliere un valore dall'elenco.",
        )
    if q.type in ("decimal", "integer"):
        kind = "decimal" if q.type == "decimal" else "whole"
        match = _BOUND.match(q.constraint)
        op, bound = (
            (match.group(1), match.group(2).replace(",", ".")) if match else (">=", "-1E+15")
        )
        text = f"Scrivere un numero {op} {bound}." if match else "Scrivere un numero."
        low, high = (None, None) if match else numeric_bounds(q.constraint) or (None, None)
        bound2 = None
        if low is not None and high is not None:  # ". >= 0 and . <= 10000000"
            op, bound, bound2 = "between", _excel_number(low), _excel_number(high)
            text = f"Scrivere un numero tra {bound} e {high:,.0f}.".replace(",", ".")
        elif low is not None or high is not None:
            op, bound = (">=", _excel_number(low)) if high is None else ("<=", _excel_number(high))
            text = f"Scrivere un numero {op} {bound}."
        return DataValidation(
            type=kind,
            operator=_OPERATORS[op],
            formula1=bound,
            formula2=bound2,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Numero non valido",
            error=text + " Senza «€».",
        )
    if q.type in ("date", "datetime"):
        return DataValidation(
            type="date",
            operator="between",
            formula1="DATE(2000,1,1)",
            formula2="DATE(2100,12,31)",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Data non valida",
            error="Scrivere una data, per esempio 15/06/2011.",
        )
    return None


def answer_style(cell, q: Question) -> None:
    from openpyxl.styles import PatternFill, Protection

    cell.protection = Protection(locked=False)
    colour = REQUIRED_FILL if q.required else ANSWER_FILL
    cell.fill = PatternFill("solid", start_color=colour, end_color=colour)
    if q.type in ("date", "datetime"):
        cell.number_format = "DD/MM/YYYY"


def protect(ws: Worksheet) -> None:
    # No password: the point is to stop accidental edits of the layout, not to lock anyone out.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def instructions(wb: Workbook, instrument: Instrument, lines: list[str]) -> None:
    from openpyxl.styles import Alignment

    ws = wb.create_sheet(INSTRUCTIONS_SHEET, 0)
    title = instrument.form_title or "Indagine sui Distretti del Commercio"
    rows: list[tuple[str, Font | None]] = [
        (title, calibri(bold=True, size=14)),
        (f"Versione del questionario: {instrument.version} · onda {instrument.wave}", None),
    ]
    if instrument.synthetic:
        rows.append(
            (
                "DATI SINTETICI: questionario dimostrativo, non usare per interviste reali.",
                calibri(bold=True, color="C00000"),
            )
        )
    rows.append(("", None))
    rows += [(line, None) for line in lines]
    for row, (text, font) in enumerate(rows, start=1):
        cell = ws.cell(row, 1, safe_text(text) if text else None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        size = font.sz if font is not None and font.sz else 11
        if font is not None:
            cell.font = font
        ws.row_dimensions[row].height = row_height(
            wrapped_lines(text, INSTRUCTIONS_WIDTH, size=size), size
        )
    ws.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    print_setup(ws, landscape=False)
    protect(ws)
