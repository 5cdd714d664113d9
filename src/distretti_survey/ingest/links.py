"""Read the repeat sheets of a per-district workbook; link a nested repeat's rows to their parent.

The template writes one sheet per repeat (``layout.repeat_sheets``). A nested repeat's sheet
starts with a link column (``layout.PARENT_LINK``, label "riga di <parent's sheet>") holding
the Excel row of the parent's row in the parent's sheet. The sheets are read in questionnaire
order, so the parent's rows are known when a child's link is read; a link to a row that is
empty, is not a data row, or was not read is an error, and the child row is listed as lost:
never attached to a guessed parent, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from distretti_survey.findings import Finding
from distretti_survey.ingest.book import Book
from distretti_survey.ingest.columns import content_rows, link_column, match_repeat
from distretti_survey.ingest.model import RowsLost, row_ranges
from distretti_survey.ingest.records import RawCell, RawInterview, RepeatRow
from distretti_survey.ingest.spec import FormSpec
from distretti_survey.ingest.values import cell_ref, fold, is_blank, text_value
from distretti_survey.layout import PARENT_LINK, REPEAT_FIRST_ROW, parent_link_label, repeat_sheets


def row_number(value: object) -> int | None:
    """Return the row number written in a link cell (None when it is not a whole number).

    Examples
    --------
    >>> row_number(3), row_number(4.0), row_number(" 5 "), row_number(2.5), row_number("tre")
    (3, 4, 5, None, None)
    >>> row_number("²"), row_number(True), row_number(float("nan"))
    (None, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = text_value(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def link_problem(
    value: object, number: int | None, title: str, found: bool, dropped: bool, rows: range
) -> tuple[str, str]:
    """Return (what is wrong, reason for the accounting) with a link that names no parent row.

    ``title`` is the parent's sheet, ``found`` whether the file has it, ``dropped`` whether
    the row named was read but not kept, ``rows`` the Excel rows of its table (first data row
    to last row with anything written).
    """
    if is_blank(value):
        return "manca il numero della riga collegata", "senza riga collegata"
    if number is None:
        return "non è un numero di riga", "riga collegata non valida"
    if not found:
        return f"manca il foglio «{title}»", "foglio collegato mancante"
    if dropped:
        return (
            f"la riga {number} del foglio «{title}» non è stata letta (vedi la sua segnalazione)",
            "riga collegata non letta",
        )
    if number < rows.start:
        return (
            f"la riga {number} del foglio «{title}» non è una riga di dati (i dati iniziano "
            f"dalla riga {rows.start})",
            "riga collegata inesistente",
        )
    if number >= rows.stop:
        return (
            f"la riga {number} non esiste nel foglio «{title}» (l'ultima riga scritta è la "
            f"{rows.stop - 1})",
            "riga collegata inesistente",
        )
    return f"la riga {number} del foglio «{title}» è vuota", "riga collegata vuota"


@dataclass
class RepeatReader:
    """Reads the repeat tables of one workbook into ``interview``, remembering where rows went.

    ``sheets`` maps the template's sheet names to the workbook's (renamed sheets resolved).
    """

    book: Book
    spec: FormSpec
    interview: RawInterview
    found: list[Finding]
    lost: list[RowsLost]
    sheets: dict[str, str]
    #: sheet -> Excel row -> position of the row in its repeat's list of the interview
    positions: dict[str, dict[int, int]] = field(default_factory=dict)
    #: sheet -> Excel rows that were read but not kept (each has a finding)
    dropped: dict[str, set[int]] = field(default_factory=dict)
    #: sheet -> Excel row of its first data row
    first: dict[str, int] = field(default_factory=dict)

    def match(self, sheet: str) -> tuple[str, int | None]:
        """Return (repeat, header row) of the repeat table a sheet holds ("", None if none)."""
        if not self.spec.repeats:
            return "", None
        repeat, header, _ = match_repeat(self.book.sheets[sheet], self.spec)
        return repeat, header

    def read(self, sheet: str, repeat: str) -> None:
        """Read the rows of ``repeat`` from ``sheet``: header found by content, then each row."""
        rows = self.book.sheets[sheet]
        _, header, columns = match_repeat(rows, self.spec, repeat)
        if header is None:
            self._lose_sheet(sheet, repeat, "Intestazione della tabella non trovata", "")
            return
        self.first[sheet] = header + 2
        parent = self.spec.repeats[repeat].parent
        link = link_column(rows, header, self._link_texts(parent)) if parent else None
        if parent and link is None:
            label = parent_link_label(self._parent_title(parent))
            self._lose_sheet(sheet, repeat, f"Manca la colonna «{label}»", label, header + 1)
            return
        for r in range(header + 1, len(rows)):
            row = rows[r]
            cells = {
                name: RawCell(row[c] if c < len(row) else None, sheet, cell_ref(r, c))
                for c, name in columns.items()
            }
            if all(is_blank(cell.value) for cell in cells.values()):
                self._blank_row(sheet, r, row, repeat, link)
                continue  # blank rows (trailing or in between) are not repeat rows
            at = self._parent(sheet, r, row, link, repeat, parent) if parent else None
            if parent and at is None:
                continue
            pos = self.interview.add_repeat_row(repeat, RepeatRow(cells, sheet, r + 1, at))
            self.positions.setdefault(sheet, {})[r + 1] = pos

    def _parent_title(self, parent: str) -> str:
        return self.spec.repeat_sheets.get(parent, parent)

    def _link_texts(self, parent: str) -> set[str]:
        title = self._parent_title(parent)
        actual = self.sheets.get(title, title)
        return {fold(parent_link_label(title)), fold(parent_link_label(actual))}

    def _drop(self, sheet: str, rows: tuple[int, ...], repeat: str, reason: str) -> None:
        self.dropped.setdefault(sheet, set()).update(rows)
        self.lost.append(RowsLost(self.book.name, sheet, rows, repeat, reason))

    def _finding(self, sheet: str, cell: str, message: str, suggestion: str, **extra) -> None:
        self.found.append(
            self.book.finding(
                sheet=sheet,
                cell=cell,
                message=message,
                suggestion=suggestion,
                severity=extra.pop("severity", "error"),
                **extra,
            )
        )

    def _lose_sheet(self, sheet: str, repeat: str, what: str, column: str, start: int = 0) -> None:
        """Report a table that cannot be read (no header, or no link column) with its rows.

        ``start`` is the first row (0-based) that may hold data: the rows below the header.
        """
        content = content_rows(self.book.sheets[sheet], start)
        if not content:
            return
        self._finding(
            sheet,
            "",
            f"{what} nel foglio «{sheet}»: righe {row_ranges(content)} non lette.",
            f"Ripristinare la colonna «{column}» del modello."
            if column
            else "Ripristinare la riga con i nomi (o le etichette) delle colonne del modello.",
        )
        reason = "colonna di collegamento mancante" if column else "intestazione non trovata"
        self._drop(sheet, content, repeat if column else "", reason)

    def _blank_row(
        self, sheet: str, r: int, row: list[object], repeat: str, link: int | None
    ) -> None:
        """Report a row with no answer in the table's columns but something elsewhere."""
        outside = [c for c, v in enumerate(row) if not is_blank(v) and c != link]
        if outside:
            self._drop(sheet, (r + 1,), repeat, "valori fuori dalle colonne")
            self._finding(
                sheet,
                f"A{r + 1}",
                f"Riga {r + 1}: valori fuori dalle colonne della tabella, non letti.",
                "Scrivere i valori nelle colonne con l'intestazione.",
            )
        elif link is not None and link < len(row) and not is_blank(row[link]):
            self._drop(sheet, (r + 1,), repeat, "solo la riga collegata, nessuna risposta")
            self._finding(
                sheet,
                cell_ref(r, link),
                f"Riga {r + 1}: c'è solo il numero della riga collegata, nessuna risposta: "
                "la riga non è stata letta.",
                "Completare la riga o cancellare il numero.",
                severity="warning",
                value=text_value(row[link]),
            )

    def _parent(
        self, sheet: str, r: int, row: list[object], link: int, repeat: str, parent: str
    ) -> int | None:
        """Return the position of the parent row named by the link cell, or report why not."""
        value = row[link] if link < len(row) else None
        title = self._parent_title(parent)
        actual = self.sheets.get(title)
        number = row_number(value)
        if number is not None and actual is not None:
            at = self.positions.get(actual, {}).get(number)
            if at is not None:
                return at
        first = self.first.get(actual or "", REPEAT_FIRST_ROW)
        dropped = number in self.dropped.get(actual or "", ())
        table = range(first, len(self.book.sheets[actual]) + 1 if actual else first)
        problem, reason = link_problem(value, number, title, actual is not None, dropped, table)
        label = parent_link_label(title)
        said = (
            f"{problem} («{label}»)"
            if is_blank(value)
            else f"«{label}» = «{text_value(value)}», ma {problem}"
        )
        self._finding(
            sheet,
            cell_ref(r, link),
            f"Riga {r + 1}: {said}: la riga della ripetizione «{repeat}» non è stata letta.",
            f"Scrivere in «{label}» il numero della riga compilata del foglio «{title}» a cui "
            f"la riga si riferisce (da {first} in poi).",
            question=repeat,
            value=text_value(value),
        )
        self._drop(sheet, (r + 1,), repeat, reason)
        return None


def master_parent(
    book: Book,
    spec: FormSpec,
    repeat: str,
    read: dict[str, dict[str, dict[int, list[tuple[RawInterview, int]]]]],
    cells: dict[str, RawCell],
    where: tuple[str, int],
    found: list[Finding],
    lost: list[RowsLost],
) -> list[tuple[RawInterview, int]] | None:
    """Return (interview, parent position) for a row of a master's nested repeat, or None.

    The row names its parent by ``layout.PARENT_LINK``: the Excel row of the parent's row in
    the parent's master sheet, which must belong to the same district. ``read`` holds the rows
    read so far (repeat -> sheet -> Excel row -> owners); ``where`` is (sheet, 0-based row).
    None means the row was reported (error finding) and listed in ``lost``.
    """
    sheet, r = where
    parent = spec.repeats[repeat].parent
    titles = repeat_sheets(
        [(x.name, x.label, x.parent) for x in spec.repeats.values()], master=True
    )
    title = titles.get(parent, parent)
    seen = read.get(parent, {})
    target = title if title in book.sheets else next(iter(seen)) if len(seen) == 1 else None
    cell = cells.get(PARENT_LINK, RawCell(None, sheet, f"A{r + 1}"))
    number = row_number(cell.value)
    district = fold(text_value(cells["district_id"].value))
    candidates = seen.get(target or "", {}).get(number or 0, [])
    owners = [o for o in candidates if fold(text_value(o[0].district_cell().value)) == district]
    if owners:
        return owners
    if candidates:
        other = text_value(candidates[0][0].district_cell().value)
        problem = f"la riga {number} del foglio «{title}» è del distretto {other}"
        reason = "riga collegata di un altro distretto"
    else:
        dropped = any(x.sheet == target and number in x.rows for x in lost)
        table = range(2, len(book.sheets[target]) + 1 if target in book.sheets else 2)
        problem, reason = link_problem(
            cell.value, number, title, target is not None, dropped, table
        )
    shown = text_value(cell.value)
    said = f"{problem} ({PARENT_LINK})" if not shown else f"{PARENT_LINK} = «{shown}», ma {problem}"
    found.append(
        book.finding(
            sheet=sheet,
            cell=cell.cell,
            question=repeat,
            value=text_value(cell.value),
            severity="error",
            message=f"Riga {r + 1}: {said}: la riga della ripetizione «{repeat}» non è stata "
            "letta.",
            suggestion=f"Scrivere in «{PARENT_LINK}» il numero della riga del foglio «{title}» "
            "a cui la riga si riferisce, dello stesso distretto.",
        )
    )
    lost.append(RowsLost(book.name, sheet, (r + 1,), repeat, reason))
    return None
