"""Read a per-district data-entry workbook (the layout that ``templates`` writes)."""

from __future__ import annotations

from distretti_survey.findings import Finding
from distretti_survey.ingest.book import Book
from distretti_survey.ingest.columns import HEADER_SCAN, content_rows
from distretti_survey.ingest.links import RepeatReader
from distretti_survey.ingest.model import RowsLost, row_ranges
from distretti_survey.ingest.records import RawCell, RawInterview
from distretti_survey.ingest.spec import FormSpec
from distretti_survey.ingest.values import cell_ref, closest, fold, is_blank, text_value
from distretti_survey.layout import (
    ANSWER_COLUMN,
    CODE_COLUMN,
    HIDDEN_SHEETS,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    QUESTION_SHEETS,
)

HIDDEN_OK = set(HIDDEN_SHEETS)


def is_district_book(book: Book) -> bool:
    """Return True when the file looks like a data-entry workbook (one of its sheets).

    The repeat sheet alone does not count: an export has a sheet per repeat, which may be
    called ``interventi`` too.
    """
    names = {fold(s) for s in book.sheets}
    return bool(names & {fold(s) for s in (*QUESTION_SHEETS, META_SHEET)})


def read_district_book(
    book: Book, spec: FormSpec
) -> tuple[RawInterview, list[Finding], list[RowsLost]]:
    """Read one per-district workbook into a RawInterview, with findings about its structure.

    Parameters
    ----------
    book
        The opened file.
    spec
        The questionnaire view.

    Returns
    -------
    The interview (possibly with no answers), the findings about sheets and cells, and the
    rows that could not be read (each also has a finding).
    """
    found: list[Finding] = []
    lost: list[RowsLost] = []
    sheets, extra = _resolve_sheets(book, spec, found)
    interview = RawInterview(file=book.name, source=book.name, labels_expected=True)
    if META_SHEET in sheets:
        interview.meta = _read_meta(book.sheets[sheets[META_SHEET]], sheets[META_SHEET])
    for logical in QUESTION_SHEETS:
        if logical in sheets:
            _read_question_sheet(book, sheets[logical], spec, interview, found, lost)
    # Questionnaire order: a nested repeat's sheet is read after its parent's, to link to it.
    reader = RepeatReader(book, spec, interview, found, lost, sheets)
    for repeat, title in spec.repeat_sheets.items():
        if title in sheets:
            reader.read(sheets[title], repeat)
    for name in extra:
        _read_extra_sheet(book, name, spec, reader, found, lost)
    return interview, found, lost


def _read_extra_sheet(
    book: Book,
    name: str,
    spec: FormSpec,
    reader: RepeatReader,
    found: list[Finding],
    lost: list[RowsLost],
) -> None:
    """Read a sheet the template does not have: a repeat table if it holds one, else report it."""
    repeat, header = reader.match(name)
    if header is not None:
        found.append(
            _finding(
                book,
                name,
                "",
                f"Foglio inatteso «{name}»: contiene una tabella della ripetizione «{repeat}», "
                "letta.",
                "Spostare le righe nel foglio del modello.",
                value=name,
            )
        )
        reader.read(name, repeat)
        return
    content = content_rows(book.sheets[name])
    where = f" (righe {row_ranges(content)})" if content else ""
    found.append(
        _finding(
            book,
            name,
            "",
            f"Foglio inatteso «{name}»: non è stato letto{where}.",
            "Spostare le risposte nei fogli del modello.",
            value=name,
        )
    )
    if content:
        lost.append(RowsLost(book.name, name, content, "", "foglio inatteso"))


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
    return book.finding(
        sheet=sheet,
        cell=cell,
        question=question,
        value=value,
        severity=severity,
        message=message,
        suggestion=suggestion,
    )


def _resolve_sheets(
    book: Book, spec: FormSpec, found: list[Finding]
) -> tuple[dict[str, str], list[str]]:
    """Map each expected sheet to the actual name, reporting renamed and hidden sheets.

    The expected sheets are the template's: the question sheets, one per repeat of the
    questionnaire (``FormSpec.repeat_sheets``), the instructions and the hidden ones. Returns
    the mapping and the sheets the template does not have (read or reported later).
    """
    answers = (*QUESTION_SHEETS, *spec.repeat_sheets.values())
    known = (*answers, INSTRUCTIONS_SHEET, *HIDDEN_SHEETS)
    actual = list(book.sheets)
    resolved: dict[str, str] = {}
    for expected in known:
        if expected in book.sheets:
            resolved[expected] = expected
    for expected in known:
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
        elif expected in answers:
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
    extra = [name for name in actual if name not in used]
    for name in actual:
        if name in used and name in book.hidden and name not in HIDDEN_OK:
            found.append(
                _finding(
                    book,
                    name,
                    "",
                    f"Il foglio «{name}» è nascosto: è stato letto lo stesso.",
                    "Scoprire il foglio e verificarne il contenuto.",
                )
            )
    for logical in answers:
        if logical in resolved:
            _cell_findings(book, resolved[logical], found)
    return resolved, extra


def _cell_findings(book: Book, name: str, found: list[Finding]) -> None:
    """Report merged cells and formulas of a sheet with answers."""
    for rng in book.merged.get(name, []):
        found.append(
            _finding(
                book,
                name,
                rng,
                f"Celle unite {rng}: è letto solo il valore della prima cella.",
                "Separare le celle e ripetere il valore dove serve.",
            )
        )
    for ref, (formula, cached) in sorted(book.formulas.get(name, {}).items()):
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
    book: Book,
    sheet: str,
    spec: FormSpec,
    interview: RawInterview,
    found: list[Finding],
    lost: list[RowsLost],
) -> None:
    """Read the answers of a question sheet by the codes of its ``codice`` column.

    A row with an answer but no code, and a sheet where no code is recognised at all, are
    reported with their rows: nothing typed is skipped silently.
    """
    rows = book.sheets[sheet]
    known_before = len(interview.answers)
    uncoded: list[int] = []
    top = next(
        (
            r
            for r, row in enumerate(rows[:HEADER_SCAN])
            if {CODE_COLUMN, ANSWER_COLUMN} <= {fold(text_value(v)) for v in row}
        ),
        0,
    )
    header = rows[top] if rows else []
    c_code = _header_index(header, CODE_COLUMN, 0)
    c_answer = _header_index(header, ANSWER_COLUMN, 2)
    for r in range(top + 1, len(rows)):
        row = rows[r]
        code = text_value(row[c_code]).strip() if c_code < len(row) else ""
        if not code:
            if c_answer < len(row) and not is_blank(row[c_answer]):
                uncoded.append(r + 1)
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
    if len(interview.answers) == known_before and content_rows(rows, top + 1):
        uncoded = list(content_rows(rows, top + 1))  # no code recognised: the table is lost
        _report_uncoded(book, sheet, uncoded, found, lost, whole=True)
    elif uncoded:
        _report_uncoded(book, sheet, uncoded, found, lost, whole=False)


def _report_uncoded(
    book: Book,
    sheet: str,
    uncoded: list[int],
    found: list[Finding],
    lost: list[RowsLost],
    *,
    whole: bool,
) -> None:
    """Report rows of a question sheet not read for want of a question code."""
    message = (
        f"Nessun codice di domanda riconosciuto nel foglio «{sheet}»: righe "
        f"{row_ranges(uncoded)} non lette."
        if whole
        else f"Risposte senza codice di domanda (righe {row_ranges(uncoded)}): non lette."
    )
    found.append(
        _finding(
            book,
            sheet,
            f"A{uncoded[0]}",
            message,
            "Ripristinare la colonna «codice» del modello accanto alle risposte.",
            severity="error",
        )
    )
    lost.append(RowsLost(book.name, sheet, tuple(uncoded), "", "senza codice di domanda"))
