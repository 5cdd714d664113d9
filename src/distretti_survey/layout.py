"""The data-entry workbook layout: declared once, written by ``templates``, read by ``ingest``.

A per-district workbook has question sheets (columns ``codice``, ``domanda``, ``risposta``,
``note``; one row per question from row 2), one sheet per repeat group (labels in row 1,
question names in hidden row 2, answers from row 3; a nested repeat starts with the column
``_parent_row``, the row of its parent's sheet), hidden ``_liste`` (dropdown values) and hidden
``_meta`` (key, value). A master workbook has ``interviste`` (one row per interview) and one
sheet per repeat (one row per repeat row, with ``district_id``). ARCHITECTURE.md describes the
same layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Group of the questionnaire -> question sheet; other top-level questions go to the first one.
GROUP_SHEETS = {"profilo": "Profilo", "formazione": "Formazione", "governance": "Governance"}
QUESTION_SHEETS = tuple(GROUP_SHEETS.values())
REPEAT_SHEET = "Interventi"
LISTS_SHEET, META_SHEET, INSTRUCTIONS_SHEET = "_liste", "_meta", "Istruzioni"
#: Sheets the template hides; any other hidden sheet is reported by the ingest.
HIDDEN_SHEETS = (LISTS_SHEET, META_SHEET)
KNOWN_SHEETS = (*QUESTION_SHEETS, REPEAT_SHEET, INSTRUCTIONS_SHEET, *HIDDEN_SHEETS)
#: Sheets the package writes for the interviewer (instructions, dropdown values): no answers.
PACKAGE_SHEETS = (INSTRUCTIONS_SHEET, LISTS_SHEET)


def unread_sheets(names: list[str]) -> set[str]:
    """Return the sheets of a data-entry workbook that hold no answers, so are not read.

    A workbook is a data-entry one when it has ``_meta`` and a question sheet; its
    instructions and dropdown values are the package's own text.
    """
    if META_SHEET not in names or not set(QUESTION_SHEETS) & set(names):
        return set()
    return set(PACKAGE_SHEETS) & set(names)


#: Header of a question sheet; the ingest finds ``codice`` and ``risposta`` by name.
QUESTION_HEADER = ("codice", "domanda", "risposta", "note")
CODE_COLUMN, ANSWER_COLUMN = "codice", "risposta"
#: Row of the repeat sheet holding the question names (hidden), and the first answer row.
REPEAT_NAMES_ROW, REPEAT_FIRST_ROW = 2, 3
#: Sheets of the master workbook.
MASTER_SHEET, MASTER_REPEAT_SHEET = "interviste", "interventi"
#: The text that ticks an option of a select_multiple on a question sheet.
YES = "sì"
#: The repeat whose sheet is ``Interventi`` / ``interventi`` (``SurveyData.interventions``).
MAIN_REPEAT = "interventions"
#: Name (hidden row 2, master header) of a nested repeat's first column: the Excel row of its
#: parent's row in the parent's sheet.
PARENT_LINK = "_parent_row"
#: Excel's limit on a sheet name's length, and the characters a sheet name may not hold.
SHEET_NAME_MAX = 31
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def parent_link_label(parent_sheet: str) -> str:
    """Return the label (row 1) of a nested repeat's link column, e.g. ``riga di Interventi``."""
    return f"riga di {parent_sheet}"


def main_repeat(repeats: Sequence[tuple[str, str]]) -> str:
    """Return the main repeat among (name, parent repeat) pairs in questionnaire order.

    The one named ``interventions`` when there is one, else the first repeat that is not
    inside another ("" when there is none).

    Examples
    --------
    >>> main_repeat([("eventi", ""), ("interventions", "")])
    'interventions'
    >>> main_repeat([("voci", "eventi"), ("eventi", "")])
    'eventi'
    """
    names = [name for name, _ in repeats]
    if MAIN_REPEAT in names:
        return MAIN_REPEAT
    return next((name for name, parent in repeats if not parent), "")


def _fixed_sheets() -> set[str]:
    return {s.casefold() for s in (*KNOWN_SHEETS, MASTER_SHEET, MASTER_REPEAT_SHEET, "History")}


def sheet_title(text: str, taken: set[str]) -> str:
    """Return a valid, unused Excel sheet name made from ``text`` and add it to ``taken``.

    At most 31 characters, none of ``[]:*?/\\``, no apostrophe at either end, and not equal
    (ignoring case, as Excel does) to a name in ``taken`` (casefolded names).

    Examples
    --------
    >>> taken = {"interventi"}
    >>> sheet_title("Eventi: fiere/mercati [2013]", taken)
    'Eventi fiere mercati 2013'
    >>> sheet_title("INTERVENTI", taken)
    'INTERVENTI (2)'
    """
    base = " ".join(_NOT_IN_SHEET_NAME.sub(" ", text).split()).strip("'").strip()
    base = base[:SHEET_NAME_MAX].rstrip() or "Ripetizione"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(title.casefold())
    return title


def repeat_sheets(
    repeats: Sequence[tuple[str, str, str]], *, master: bool = False
) -> dict[str, str]:
    """Return repeat name -> sheet title for (name, label, parent repeat) in questionnaire order.

    The main repeat (:func:`main_repeat`) is ``Interventi`` (``interventi`` in the master); in
    a per-district workbook every other repeat is named from its label (its name when it has
    none), in the master from its name. Titles are valid Excel names, unique, and never a fixed
    sheet of the layout. The templates and the ingest both call this, so they agree.

    Examples
    --------
    >>> repeat_sheets([("interventions", "Interventi", ""), ("eventi", "Eventi", "")])
    {'interventions': 'Interventi', 'eventi': 'Eventi'}
    >>> repeat_sheets([("interventions", "Interventi", ""), ("eventi", "Eventi", "")], master=True)
    {'interventions': 'interventi', 'eventi': 'eventi'}
    """
    main = main_repeat([(name, parent) for name, _, parent in repeats])
    taken = _fixed_sheets()
    out = {}
    for name, label, _ in repeats:
        if name == main:
            out[name] = MASTER_REPEAT_SHEET if master else REPEAT_SHEET
        else:
            out[name] = sheet_title(name if master else label or name, taken)
    return out
