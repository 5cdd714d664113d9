"""Read a per-district data-entry workbook (the layout that ``templates.py`` writes)."""

from __future__ import annotations

from distretti_survey.findings import Finding
from distretti_survey.ingest.book import Book
from distretti_survey.ingest.records import RawCell, RawInterview
from distretti_survey.ingest.spec import FormSpec
from distretti_survey.ingest.values import cell_ref, closest, fold, is_blank, text_value

QUESTION_SHEETS = ("Profilo", "Formazione", "Governance")
REPEAT_SHEET = "Interventi"
META_SHEET = "_meta"
#: Sheets the template hides; any other hidden sheet is reported.
HIDDEN_OK = {"_liste", "_meta"}
KNOWN_SHEETS = (*QUESTION_SHEETS, REPEAT_SHEET, "Istruzioni", "_liste", META_SHEET)


def is_district_book(book: Book) -> bool:
    """Return True when the file looks like a data-entry workbook (one of its sheets)."""
    names = {fold(s) for s in book.sheets}
    return bool(names & {fold(s) for s in (*QUESTION_SHEETS, META_SHEET, REPEAT_SHEET)})


def read_district_book(book: Book, spec: FormSpec) -> tuple[RawInterview, list[Finding]]:
    """Read one per-district workbook into a RawInterview, with findings about its structure.

    Parameters
    ----------
    book
        The opened file.
    spec
        The questionnaire view.

    Returns
    -------
    The interview (possibly with no answers) and the findings about sheets and cells.
    """
    found: list[Finding] = []
    sheets = _resolve_sheets(book, found)
    interview = RawInterview(file=book.name, source=book.name, labels_expected=True)
    if META_SHEET in sheets:
        interview.meta = _read_meta(book.sheets[sheets[META_SHEET]], sheets[META_SHEET])
    for logical in QUESTION_SHEETS:
        if logical in sheets:
            _read_question_sheet(book, sheets[logical], spec, interview, found)
    if REPEAT_SHEET in sheets:
        _read_repeat_sheet(book, sheets[REPEAT_SHEET], spec, interview, found)
    return interview, found


def _finding(
    book: Book,
    sheet: str,
    cell: str,
    message: str,
    suggestion: str = "",
    *,
    severity: str = "warning",
    question: str = "",
    value: str = "",
) -> Finding:
    return Finding(
        file=book.name,
        sheet=sheet,
        cell=cell,
        question=question,
        value=value,
        severity=severity,
        message=message,
        suggestion=suggestion,
    )


def _resolve_sheets(book: Book, found: list[Finding]) -> dict[str, str]:
    """Map each expected sheet to the actual name, reporting renamed, hidden, extra sheets."""
    actual = list(book.sheets)
    resolved: dict[str, str] = {}
    for expected in KNOWN_SHEETS:
        if expected in book.sheets:
            resolved[expected] = expected
    for expected in KNOWN_SHEETS:
        if expected in resolved:
            continue
        free = [s for s in actual if s not in resolved.values()]
        match = [s for s in free if fold(s) == fold(expected)]
        match = match or [
            s for s in free if s in closest(expected, free, limit=1) and fold(expected) in fold(s)
        ]
        if match:
            resolved[expected] = match[0]
            found.append(
                _finding(
                    book,
                    match[0],
                    "",
                    f"Il foglio «{match[0]}» è stato rinominato: letto come «{expected}».",
                    f"Rinominare il foglio in «{expected}».",
                    value=match[0],
                )
            )
        elif expected in (*QUESTION_SHEETS, REPEAT_SHEET):
            found.append(
                _finding(
                    book,
                    expected,
                    "",
                    f"Manca il foglio «{expected}»: le sue risposte non sono state lette.",
                    "Usare il modello generato per il distretto senza togliere fogli.",
                    severity="error",
                )
            )
    used = set(resolved.values())
    for name in actual:
        if name not in used:
            found.append(
                _finding(
                    book,
                    name,
                    "",
                    f"Foglio inatteso «{name}»: non è stato letto.",
                    "Spostare le risposte nei fogli del modello.",
                    value=name,
                )
            )
        elif name in book.hidden and name not in HIDDEN_OK:
            found.append(
                _finding(
                    book,
                    name,
                    "",
                    f"Il foglio «{name}» è nascosto: è stato letto lo stesso.",
                    "Scoprire il foglio e verificarne il contenuto.",
                )
            )
    for logical in (*QUESTION_SHEETS, REPEAT_SHEET):
        name = resolved.get(logical)
        for rng in book.merged.get(name, []) if name else []:
            found.append(
                _finding(
                    book,
                    name,
                    rng,
                    f"Celle unite {rng}: è letto solo il valore della prima cella.",
                    "Separare le celle e ripetere il valore dove serve.",
                )
            )
        for ref, (formula, cached) in sorted(book.formulas.get(name, {}).items()) if name else []:
            if cached:
                msg, hint = (
                    "La cella contiene una formula: usato il valore calcolato.",
                    ("Sostituire la formula con il valore."),
                )
            else:
                msg, hint = (
                    ("La cella contiene una formula senza valore calcolato: considerata vuota."),
                    "Aprire e salvare il file in Excel, o ",
                )
                hint += "scrivere il valore al posto della formula."
            found.append(_finding(book, name, ref, msg, hint, value=formula))
    return resolved


def _read_meta(rows: list[list[object]], sheet: str) -> dict[str, RawCell]:
    meta: dict[str, RawCell] = {}
    for r, row in enumerate(rows):
        if len(row) >= 2 and not is_blank(row[0]):
            meta[text_value(row[0]).strip()] = RawCell(row[1], sheet, cell_ref(r, 1))
    return meta


def _header_index(header: list[object], wanted: str, default: int) -> int:
    for c, value in enumerate(header):
        if fold(text_value(value)) == wanted:
            return c
    return default


def _read_question_sheet(
    book: Book, sheet: str, spec: FormSpec, interview: RawInterview, found: list[Finding]
) -> None:
    rows = book.sheets[sheet]
    header = rows[0] if rows else []
    c_code = _header_index(header, "codice", 0)
    c_answer = _header_index(header, "risposta", 2)
    for r in range(1, len(rows)):
        row = rows[r]
        code = text_value(row[c_code]).strip() if c_code < len(row) else ""
        if not code:
            continue
        value = row[c_answer] if c_answer < len(row) else None
        base = code.split("/", 1)[0]
        known = code in spec.questions or (
            "/" in code
            and base in spec.questions
            and spec.questions[base].type == "select_multiple"
        )
        if not known:
            if not is_blank(value):
                found.append(
                    _finding(
                        book,
                        sheet,
                        cell_ref(r, c_code),
                        f"Codice di domanda sconosciuto «{code}»: la risposta non è stata letta.",
                        "Non modificare la colonna «codice» del modello.",
                        question=code,
                        value=text_value(value),
                    )
                )
            continue
        if code in interview.answers:
            found.append(
                _finding(
                    book,
                    sheet,
                    cell_ref(r, c_code),
                    f"La domanda «{code}» compare due volte: usata la prima risposta.",
                    "Eliminare la riga doppia.",
                    question=code,
                )
            )
            continue
        interview.answers[code] = RawCell(value, sheet, cell_ref(r, c_answer))


def _read_repeat_sheet(
    book: Book, sheet: str, spec: FormSpec, interview: RawInterview, found: list[Finding]
) -> None:
    rows = book.sheets[sheet]
    fields = spec.repeat_fields("interventions")
    by_name = {q.name: q.name for q in fields}
    by_label = {fold(q.label): q.name for q in fields}
    columns: dict[int, str] = {}
    names_row = rows[1] if len(rows) > 1 else []
    for c, value in enumerate(names_row):
        if text_value(value).strip() in by_name:
            columns[c] = text_value(value).strip()
    if not columns:  # row 2 deleted or overwritten: fall back to the labels of row 1
        for c, value in enumerate(rows[0] if rows else []):
            if fold(text_value(value)) in by_label:
                columns[c] = by_label[fold(text_value(value))]
        found.append(
            _finding(
                book,
                sheet,
                "A2",
                "La riga 2 con i codici delle colonne manca: "
                "colonne riconosciute dalle etichette della riga 1.",
                "Non cancellare la riga 2 (nascosta) del modello.",
            )
        )
    first = 2 if any(text_value(v).strip() in by_name for v in names_row) else 1
    for r in range(first, len(rows)):
        row = rows[r]
        cells = {
            name: RawCell(row[c] if c < len(row) else None, sheet, cell_ref(r, c))
            for c, name in columns.items()
        }
        if all(is_blank(cell.value) for cell in cells.values()):
            continue  # blank rows (trailing or in between) are not interventions
        interview.interventions.append(cells)
