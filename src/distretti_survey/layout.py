"""The data-entry workbook layout: declared once, written by ``templates``, read by ``ingest``.

A per-district workbook has question sheets (columns ``codice``, ``domanda``, ``risposta``,
``note``; one row per question from row 2), a repeat sheet (labels in row 1, question names in
hidden row 2, answers from row 3), hidden ``_liste`` (dropdown values) and hidden ``_meta``
(key, value). A master workbook has ``interviste`` (one row per interview) and ``interventi``
(one row per repeat row, with ``district_id``). ARCHITECTURE.md describes the same layout.
"""

from __future__ import annotations

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
