"""Data-entry workbooks generated from the questionnaire: one per district, or one master.

The layout is declared in ``layout`` and read by ``ingest`` (see ARCHITECTURE.md): question
sheets ``Profilo``, ``Formazione``, ``Governance`` (columns codice, domanda, risposta, note),
one sheet per repeat group (``Interventi`` for the main one; labels in row 1, question names in
hidden row 2, answers from row 3; see ``repeats``), hidden ``_liste`` (dropdown values as
ranges) and hidden ``_meta`` (key, value). ``cells`` holds what both workbooks share.

``build_district_workbook`` and ``build_master_workbook`` return openpyxl workbooks and touch no
file; ``build_templates`` writes them, byte-stable.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from distretti_survey.errors import ConfigError, InputError
from distretti_survey.instrument import NO_ANSWER_TYPES
from distretti_survey.layout import (
    GROUP_SHEETS,
    LISTS_SHEET,
    MASTER_REPEAT_SHEET,
    MASTER_SHEET,
    PARENT_LINK,
    QUESTION_HEADER,
    QUESTION_SHEETS,
)
from distretti_survey.templates.cells import (
    ListRanges,
    answer_style,
    calibri,
    instructions,
    protect,
    validation,
    write_lists,
    write_meta,
)
from distretti_survey.templates.repeats import (
    MASTER_ROWS,
    district_repeat_lines,
    link_validation,
    master_repeat_columns,
    master_repeat_lines,
    repeat_sheets_of,
)
from distretti_survey.xlsx_io import print_setup, row_height, safe_text, stable_save, wrapped_lines

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from distretti_survey.instrument import Instrument, Question

__all__ = [
    "build_district_workbook",
    "build_master_workbook",
    "build_templates",
    "master_columns",
    "master_repeat_columns",
]

REQUIRED_NOTE = "obbligatoria"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
#: Lines reserved for an open answer, so a printed form has room to write on.
OPEN_ANSWER_LINES = 5
#: Widths (characters) of the question sheets' label and note columns.
LABEL_WIDTH, NOTE_WIDTH = 60, 42
MULTI_NOTE = "risposta multipla: scrivere «sì» accanto a ogni opzione indicata"


def _answer_lines(q: Question, instrument: Instrument, width: float) -> int:
    """Return the lines an answer of ``q`` may need in a cell ``width`` characters wide."""
    if q.list_name and q.type == "select_one":
        labels = [c.label("it") for c in instrument.choices(q.list_name)]
        return max((wrapped_lines(label, width) for label in labels), default=1)
    if q.name in {o.name for o in instrument.open_questions}:
        return OPEN_ANSWER_LINES
    return 1


def _question_widths(instrument: Instrument, items: list) -> tuple[float, float]:
    """Return the widths of the code and answer columns: every code and dropdown label fits."""
    codes = [f"{q.name}/{o.name}" if o else q.name for q, o in items]
    labels = [
        c.label("it")
        for q, o in items
        if o is None and q.type == "select_one" and q.list_name
        for c in instrument.choices(q.list_name)
    ]
    code_width = max([12, *(len(c) + 2 for c in codes)])
    answer_width = min(40, max([24, *(len(label) + 2 for label in labels)]))
    return code_width, answer_width


def _question_sheet(
    wb: Workbook,
    instrument: Instrument,
    title: str,
    items: list,
    lists: ListRanges,
    district: tuple[str, str],
) -> None:
    from openpyxl.styles import Alignment

    ws = wb.create_sheet(title)
    ws.append(QUESTION_HEADER)
    for cell in ws[1]:
        cell.font = calibri(bold=True)
    questions = [item for item in items if not isinstance(item, str)]
    code_width, answer_width = _question_widths(instrument, questions)
    widths = (code_width, LABEL_WIDTH, answer_width, NOTE_WIDTH)
    top, wrap = Alignment(vertical="top"), Alignment(wrap_text=True, vertical="top")
    previous = None
    for item in items:
        if isinstance(item, str):  # a section heading: no code, so ingest skips the row
            ws.append([None, safe_text(item)])
            ws.cell(ws.max_row, 2).font = calibri(bold=True, italic=True)
            ws.cell(ws.max_row, 2).alignment = wrap
            ws.row_dimensions[ws.max_row].height = row_height(wrapped_lines(item, LABEL_WIDTH))
            continue
        q, option = item
        if option is not None and previous is not q:
            # The question once, above its options; no code, so ingest skips the row.
            note = "; ".join(
                n for n in (REQUIRED_NOTE if q.required else "", MULTI_NOTE, q.hint) if n
            )
            ws.append([None, safe_text(q.label("it")), None, safe_text(note)])
            ws.cell(ws.max_row, 2).font = calibri(bold=True)
            _size_row(ws, ws.max_row, widths, 1, wrap)
        previous = q
        row = ws.max_row + 1
        note, dv, lines = q.hint, None, 1
        if option is None:
            ws.cell(row, 1, q.name)
            ws.cell(row, 2, safe_text(q.label("it")))
            if q.name == "district_id":
                ws.cell(row, 3, safe_text(district[0]))
                note = f"precompilata: {district[1]}"
            else:
                answer_style(ws.cell(row, 3), q)
                dv = validation(q, lists)
                lines = _answer_lines(q, instrument, answer_width)
            if q.required:
                note = f"{REQUIRED_NOTE}; {note}" if note else REQUIRED_NOTE
        else:
            ws.cell(row, 1, f"{q.name}/{option.name}")
            ws.cell(row, 2, safe_text(option.label("it")))
            ws.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top", indent=2)
            answer_style(ws.cell(row, 3), q)
            dv = validation(q, lists, "_sì")
            note = None  # said once on the question's row
        ws.cell(row, 4, safe_text(note) if note else None)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(ws.cell(row, 3))
        ws.cell(row, 1).alignment = top
        _size_row(ws, row, widths, lines, wrap)
    for col, width in zip("ABCD", widths, strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=True, title_rows="1:1", grid=True)
    protect(ws)


def _size_row(ws: Worksheet, row: int, widths: tuple, answer_lines: int, wrap) -> None:
    """Wrap columns B-D of ``row`` and make it tall enough for the longest of them.

    openpyxl does not size rows; Excel and LibreOffice would draw wrapped text over the
    rows below.
    """
    lines = answer_lines
    for col in (2, 3, 4):
        cell = ws.cell(row, col)
        if cell.alignment.indent == 0:
            cell.alignment = wrap
        lines = max(lines, wrapped_lines(cell.value, widths[col - 1] - cell.alignment.indent))
    ws.row_dimensions[row].height = row_height(lines)


def _sheet_items(instrument: Instrument) -> dict[str, list]:
    """Return, per question sheet, its rows: (question, option|None) pairs and headings."""
    items: dict[str, list] = {title: [] for title in QUESTION_SHEETS}
    headed: set[str] = set()
    for q in instrument.questions:
        if q.repeat is not None or q.type in NO_ANSWER_TYPES:
            continue
        title = GROUP_SHEETS.get(q.group or "", QUESTION_SHEETS[0])
        if q.group and q.group not in GROUP_SHEETS and q.group not in headed:
            headed.add(q.group)
            items[title].append(instrument.label(q.group))
        if q.type == "select_multiple":
            items[title] += [(q, option) for option in instrument.choices(q.list_name)]
        else:
            items[title].append((q, None))
    return items


def _district_lines(instrument: Instrument, district_id: str, district_name: str) -> list[str]:
    steps = [
        "Scrivere le risposte solo nella colonna «risposta» dei fogli Profilo, Formazione e "
        "Governance; le altre colonne sono protette.",
        "Dove la cella ha un elenco, scegliere la risposta dall'elenco (freccia a destra "
        "della cella). Per le domande a risposta multipla scrivere «sì» accanto a ogni opzione "
        "indicata e lasciare vuote le altre.",
        "Le celle gialle sono obbligatorie (nota «obbligatoria»); le celle azzurre si "
        "compilano se l'intervistato risponde.",
        *district_repeat_lines(instrument),
        "Le risposte aperte vanno trascritte con le parole dell'intervistato.",
        "Non rinominare, spostare o cancellare fogli, righe o colonne, e non modificare il "
        "codice del distretto: il file viene letto in automatico.",
    ]
    return [
        f"Distretto: {district_name} (codice {district_id}).",
        "Come compilare:",
        *(f"{n}. {step}" for n, step in enumerate(steps, start=1)),
        "I fogli sono protetti senza password per evitare modifiche involontarie della struttura.",
    ]


def build_district_workbook(
    instrument: Instrument, district_id: str, district_name: str
) -> Workbook:
    """Return the data-entry workbook of one district, in memory.

    Parameters
    ----------
    instrument
        The questionnaire of the wave.
    district_id, district_name
        The district the workbook is for; both are pre-filled.

    Returns
    -------
    The workbook, ready for ``xlsx_io.stable_save``.
    """
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    wb = Workbook()
    wb.remove(wb.active)
    lists = write_lists(wb, instrument, codes=False)
    for title, items in _sheet_items(instrument).items():
        _question_sheet(wb, instrument, title, items, lists, (district_id, district_name))
    repeat_sheets_of(wb, instrument, lists)
    write_meta(wb, instrument, (district_id, district_name))
    instructions(wb, instrument, _district_lines(instrument, district_id, district_name))
    # Move _liste after the visible sheets so the workbook opens on the instructions.
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = f"{instrument.form_title} — {district_name}"
    wb.properties.creator = "distretti_survey"
    return wb


def master_columns(instrument: Instrument) -> tuple[list[str], list[str]]:
    """Return the column names of the master sheets ``interviste`` and ``interventi``.

    ``interventi`` is the main repeat's sheet; ``master_repeat_columns`` gives every repeat's.
    """
    interviews: list[str] = []
    for q in instrument.questions:
        if q.repeat is not None or q.type in NO_ANSWER_TYPES:
            continue
        if q.type == "select_multiple":
            interviews += [f"{q.name}/{c.name}" for c in instrument.choices(q.list_name)]
        else:
            interviews.append(q.name)
    repeats = master_repeat_columns(instrument)
    return interviews, repeats.get(MASTER_REPEAT_SHEET, ["district_id"])


def build_master_workbook(instrument: Instrument, districts: pd.DataFrame) -> Workbook:
    """Return the master workbook (one row per interview, codes not labels), in memory.

    Parameters
    ----------
    instrument
        The questionnaire of the wave.
    districts
        ``district_id``, ``district_name``: one pre-filled row per district.

    Returns
    -------
    The workbook, ready for ``xlsx_io.stable_save``.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    lists = write_lists(wb, instrument, codes=True)
    by_name = {q.name: q for q in instrument.questions}
    interview_cols, _ = master_columns(instrument)
    sheets = [(MASTER_SHEET, interview_cols, True)]
    sheets += [(t, cols, False) for t, cols in master_repeat_columns(instrument).items()]
    for title, columns, prefill in sheets:
        ws = wb.create_sheet(title)
        ws.append(columns)
        for cell in ws[1]:
            cell.font = calibri(bold=True)
        if prefill:
            for district_id in districts["district_id"]:
                ws.append([safe_text(district_id)])
        # Validations only: styled empty cells would read back as blank rows.
        last = max(ws.max_row, MASTER_ROWS)
        for col, name in enumerate(columns, start=1):
            q = by_name.get(name.split("/", 1)[0])
            if name == PARENT_LINK:  # a row of the parent's sheet, from row 2
                dv = link_validation(2, MASTER_ROWS)
            elif q is None or name == "district_id":
                continue
            else:
                dv = validation(q, lists, "_01" if "/" in name else None)
            if dv is not None:
                ws.add_data_validation(dv)
                letter = ws.cell(1, col).column_letter
                dv.add(f"{letter}2:{letter}{last}")
        ws.freeze_panes = "B2"
    write_meta(wb, instrument, None)
    lines = [
        "Foglio «interviste»: una riga per intervista, una colonna per domanda (codici delle "
        "risposte, non etichette; per le domande a risposta multipla 1 = indicata, 0 = no).",
        *master_repeat_lines(instrument),
        "Non rinominare le colonne della riga 1.",
    ]
    instructions(wb, instrument, lines)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    wb.active = 0
    wb.properties.title = f"{instrument.form_title} — master"
    wb.properties.creator = "distretti_survey"
    return wb


def _check_districts(districts: pd.DataFrame) -> list[tuple[str, str]]:
    missing = [c for c in ("district_id", "district_name") if c not in districts.columns]
    if missing:
        raise InputError(f"Elenco dei distretti senza le colonne: {', '.join(missing)}.")
    pairs = [
        (str(i).strip(), str(n).strip())
        for i, n in zip(districts["district_id"], districts["district_name"], strict=True)
    ]
    ids = [i for i, _ in pairs]
    bad = sorted({i for i in ids if not _SAFE_ID.match(i)})
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if not pairs or bad or dupes:
        problems = ["nessun distretto"] if not pairs else []
        problems += [f"codici non validi: {', '.join(bad)}"] if bad else []
        problems += [f"codici ripetuti: {', '.join(dupes)}"] if dupes else []
        raise ConfigError(f"Elenco dei distretti non valido ({'; '.join(problems)}).")
    return pairs


def build_templates(
    instrument: Instrument,
    districts: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    master: bool = False,
) -> list[Path]:
    """Write the data-entry workbooks of a wave.

    Parameters
    ----------
    instrument
        The questionnaire of the wave (``load_instrument``).
    districts
        One row per district with ``district_id`` and ``district_name``.
    out_dir
        Folder for the workbooks; created if missing.
    master
        Write the single master workbook ``master_<wave>.xlsx`` instead of one
        ``<district_id>_<wave>.xlsx`` per district.

    Returns
    -------
    The paths written, in the order of ``districts``.

    Raises
    ------
    InputError
        ``districts`` lacks a column.
    ConfigError
        A district id is empty, repeated, or not usable in a file name.
    """
    pairs = _check_districts(districts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if master:
        wb = build_master_workbook(instrument, districts)
        return [stable_save(wb, out / f"master_{instrument.wave}.xlsx")]
    return [
        stable_save(
            build_district_workbook(instrument, district_id, name),
            out / f"{district_id}_{instrument.wave}.xlsx",
        )
        for district_id, name in pairs
    ]
