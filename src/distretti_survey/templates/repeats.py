"""The sheets of the repeat groups: one per repeat, in questionnaire order.

The main repeat (``layout.main_repeat``) is ``Interventi`` (``interventi`` in the master); the
others are named by ``layout.repeat_sheets``. A repeat nested in another starts with a link
column (``layout.PARENT_LINK``): the Excel row of its parent's row in the parent's sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from distretti_survey.layout import (
    MAIN_REPEAT,
    PARENT_LINK,
    REPEAT_FIRST_ROW,
    parent_link_label,
    repeat_sheets,
)
from distretti_survey.templates.cells import (
    REQUIRED_FILL,
    ListRanges,
    answer_style,
    calibri,
    protect,
    validation,
)
from distretti_survey.xlsx_io import print_setup, row_height, safe_text, wrapped_lines

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from distretti_survey.instrument import Instrument, Question

#: Empty answer rows offered on a repeat sheet; a nested repeat has several rows per parent.
INTERVENTION_ROWS = 40
NESTED_ROWS = 80
#: Rows of a master repeat sheet that carry the validations (the sheet itself is not limited).
MASTER_ROWS = 500


@dataclass(frozen=True)
class RepeatTable:
    """One repeat group as the workbooks show it: its sheet and, if nested, its parent's."""

    name: str
    sheet: str
    label: str
    fields: tuple[Question, ...]
    parent: str = ""
    parent_sheet: str = ""

    @property
    def rows(self) -> int:
        """Return the empty answer rows of its sheet in a per-district workbook."""
        return NESTED_ROWS if self.parent else INTERVENTION_ROWS


def repeat_tables(instrument: Instrument, *, master: bool = False) -> list[RepeatTable]:
    """Return the repeats of the questionnaire in order, each with its sheet title."""
    found = [(section.name, section.label(), parent) for section, parent in instrument.repeats()]
    titles = repeat_sheets(found, master=master)
    return [
        RepeatTable(
            name,
            titles[name],
            label or name,
            instrument.repeat_fields(name),
            parent,
            titles.get(parent, ""),
        )
        for name, label, parent in found
    ]


def _repeat_width(q: Question, instrument: Instrument) -> float:
    """Return the column width of a repeat field: its dropdown labels fit on one line."""
    if q.list_name:
        labels = [c.label("it") for c in instrument.choices(q.list_name)]
        return min(40, max([16, *(len(label) + 2 for label in labels)]))
    if q.type == "text":
        return 45
    return 16  # numbers and dates


def link_validation(first: int, last: int):
    """Return the whole-number validation of a link column: a row of the parent's table."""
    from openpyxl.worksheet.datavalidation import DataValidation

    return DataValidation(
        type="whole",
        operator="between",
        formula1=str(first),
        formula2=str(last),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Riga non valida",
        error=f"Scrivere il numero di una riga della tabella collegata (da {first} a {last}).",
    )


def _link_column(ws: Worksheet, table: RepeatTable, parent_rows: int, last: int) -> float:
    """Write the link column A of a nested repeat's sheet; return its width."""
    from openpyxl.styles import Alignment, PatternFill, Protection

    head = ws.cell(1, 1)
    head.font = calibri(bold=True)
    head.alignment = Alignment(wrap_text=True, vertical="top")
    head.fill = PatternFill("solid", start_color=REQUIRED_FILL, end_color=REQUIRED_FILL)
    for row in range(REPEAT_FIRST_ROW, last + 1):
        cell = ws.cell(row, 1)
        cell.protection = Protection(locked=False)
        cell.fill = PatternFill("solid", start_color=REQUIRED_FILL, end_color=REQUIRED_FILL)
        cell.alignment = Alignment(vertical="top")
    dv = link_validation(REPEAT_FIRST_ROW, REPEAT_FIRST_ROW - 1 + parent_rows)
    ws.add_data_validation(dv)
    dv.add(f"A{REPEAT_FIRST_ROW}:A{last}")
    return max(12, len(head.value) + 2)


def repeat_sheet(
    wb: Workbook,
    instrument: Instrument,
    lists: ListRanges,
    table: RepeatTable,
    parent_rows: int = 0,
) -> None:
    """Write the sheet of one repeat: labels in row 1, names in hidden row 2, rows from 3.

    ``parent_rows`` is the number of answer rows of the parent's sheet (nested repeats only).
    """
    from openpyxl.styles import Alignment, PatternFill

    ws = wb.create_sheet(table.sheet)
    link = [parent_link_label(table.parent_sheet)] if table.parent else []
    ws.append([*link, *(safe_text(q.label("it")) for q in table.fields)])
    ws.append([*([PARENT_LINK] if link else []), *(q.name for q in table.fields)])
    ws.row_dimensions[2].hidden = True
    last = 2 + table.rows
    wrap = Alignment(wrap_text=True, vertical="top")
    header_lines = 1
    if link:
        width = _link_column(ws, table, parent_rows, last)
        ws.column_dimensions["A"].width = width
        header_lines = wrapped_lines(link[0], width)
    for col, q in enumerate(table.fields, start=1 + len(link)):
        head = ws.cell(1, col)
        head.font = calibri(bold=True)
        head.alignment = wrap
        width = _repeat_width(q, instrument)
        header_lines = max(header_lines, wrapped_lines(head.value, width))
        if q.required:
            head.fill = PatternFill("solid", start_color=REQUIRED_FILL, end_color=REQUIRED_FILL)
        for row in range(3, last + 1):
            answer_style(ws.cell(row, col), q)
            ws.cell(row, col).alignment = wrap
        dv = validation(q, lists)
        if dv is not None:
            ws.add_data_validation(dv)
            letter = head.column_letter
            dv.add(f"{letter}3:{letter}{last}")
        ws.column_dimensions[head.column_letter].width = width
    ws.row_dimensions[1].height = row_height(header_lines)
    for row in range(3, last + 1):  # two lines: room for a description on paper
        ws.row_dimensions[row].height = row_height(2)
    ws.freeze_panes = "A3"
    print_setup(ws, landscape=True, title_rows="1:1", grid=True)
    protect(ws)


def repeat_sheets_of(wb: Workbook, instrument: Instrument, lists: ListRanges) -> None:
    """Write one sheet per repeat of the questionnaire, in questionnaire order."""
    tables = repeat_tables(instrument)
    rows = {t.name: t.rows for t in tables}
    for table in tables:
        repeat_sheet(wb, instrument, lists, table, rows.get(table.parent, 0))


def master_repeat_columns(instrument: Instrument) -> dict[str, list[str]]:
    """Return master sheet -> columns of every repeat: ``district_id``, link, question names."""
    return {
        t.sheet: [
            "district_id",
            *([PARENT_LINK] if t.parent else []),
            *(q.name for q in t.fields),
        ]
        for t in repeat_tables(instrument, master=True)
    }


def district_repeat_lines(instrument: Instrument) -> list[str]:
    """Return the steps of the instructions about the repeat sheets (one per sheet)."""
    lines = []
    for t in repeat_tables(instrument):
        if t.name == MAIN_REPEAT:  # the demo's words, kept as they were
            lines.append(
                "Nel foglio Interventi scrivere un intervento per riga, dalla riga 3: ambito, "
                "descrizione, stato, budget previsto e speso in euro (solo numeri, senza «€»), "
                "data di conclusione prevista (gg/mm/aaaa)."
            )
            continue
        fields = ", ".join(q.label("it") for q in t.fields)
        sheet = t.sheet if t.sheet == t.label else f"{t.sheet} («{t.label}»)"
        line = f"Nel foglio {sheet} scrivere una riga per voce, dalla riga 3: {fields}."
        if t.parent:
            line += (
                f" Nella prima colonna («{parent_link_label(t.parent_sheet)}») scrivere il "
                f"numero della riga del foglio {t.parent_sheet} a cui la riga si riferisce (il "
                f"numero grigio a sinistra: 3 per la prima riga di {t.parent_sheet}, 4 per la "
                "seconda...). Più righe possono indicare la stessa riga."
            )
        lines.append(line)
    return lines


def master_repeat_lines(instrument: Instrument) -> list[str]:
    """Return the lines of the master's instructions about its repeat sheets."""
    lines = []
    for t in repeat_tables(instrument, master=True):
        if t.name == MAIN_REPEAT:
            lines.append(
                "Foglio «interventi»: una riga per intervento, con il codice del distretto."
            )
            continue
        line = f"Foglio «{t.sheet}» («{t.label}»): una riga per voce, con il codice del distretto"
        if t.parent:
            line += (
                f"; nella colonna {PARENT_LINK} il numero della riga del foglio "
                f"«{t.parent_sheet}» a cui la riga si riferisce (2 per la prima)"
            )
        lines.append(line + ".")
    return lines
