"""Open one input file once: cell values (calamine), visibility, merged cells, formulas.

A file is untrusted: ``guard.read_input`` reads only a regular file of bounded size, and
``zipscan`` checks an xlsx's members and sheets against the caps of ``limits.py`` (streamed)
before python-calamine allocates anything. The same scan finds what calamine does not say:
formulas saved without a cached value (calamine returns an empty cell), Excel error values
(``#N/A``, ``#DIV/0!``: calamine returns an empty cell too), the number 60 in a date cell
(Excel's 29/02/1900, which calamine turns into 28/02/1900) and control characters.
Each becomes a finding of the Book; any failure is a ``BookError`` for that file only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from distretti_survey.findings import Finding
from distretti_survey.ingest import limits
from distretti_survey.ingest.guard import BookError, read_input
from distretti_survey.ingest.values import cell_ref
from distretti_survey.layout import unread_sheets
from distretti_survey.xlsx_io import clean_control_chars

__all__ = ["Book", "BookError", "check_workbook", "decode_text", "open_book"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_REF = re.compile(r"([A-Z]+)(\d+)")


@dataclass
class Book:
    """One input file as plain data: rows of values per sheet and what calamine cannot say."""

    name: str
    sheets: dict[str, list[list[object]]]
    hidden: set[str] = field(default_factory=set)
    merged: dict[str, list[str]] = field(default_factory=dict)
    #: sheet -> cell ref -> (formula text, has a cached value)
    formulas: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    is_csv: bool = False
    #: sheets the package writes in a data-entry workbook (instructions, dropdown values):
    #: they hold no answers, so they are bounded but not read (empty rows here)
    unread: frozenset[str] = frozenset()
    #: problems of the file itself (error values, 29/02/1900, encoding, control characters)
    findings: list[Finding] = field(default_factory=list)

    def finding(self, **fields: str) -> Finding:
        """Return a finding about this file (``fields``: sheet, cell, message, ... of Finding)."""
        return Finding(file=self.name, **fields)


def open_book(path: Path, name: str, root: Path | None = None) -> Book:
    """Read ``path`` (xlsx, xlsm, xls, ods or csv) into a Book; raise BookError if unreadable.

    Parameters
    ----------
    path
        The file.
    name
        Its name as shown in findings.
    root
        The wave folder: a symlink leading outside it is not read (None: no such check, for
        a file named explicitly).
    """
    data = read_input(path, root)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return _open_csv(data, name)
    if data[:8] == _OLE_MAGIC and suffix != ".xls":
        # an xlsx saved with a password is an encrypted OLE container, not a zip
        raise BookError("il file è protetto da password o cifrato: salvarlo senza password")
    scan = _scan(data, unread_sheets) if data[:2] == b"PK" else None
    book = _read_calamine(data, name, scan.unread if scan else set())
    if scan is not None:
        _apply_scan(book, scan)
    return book


def _scan(data: bytes, unread=None):
    from distretti_survey.ingest.zipscan import check_member_count, scan_zip

    check_member_count(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return scan_zip(zf, data, unread)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise BookError(f"archivio zip danneggiato ({exc})") from exc
    except (OSError, ValueError, RuntimeError, zlib.error) as exc:
        raise BookError(f"archivio zip danneggiato ({type(exc).__name__})") from exc


def _read_calamine(data: bytes, name: str, unread: set[str]) -> Book:
    import python_calamine as pc

    from distretti_survey.ingest.zipscan import check_area

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets: dict[str, list[list[object]]] = {}
        hidden: set[str] = set()
        merged: dict[str, list[str]] = {}
        for meta in wb.sheets_metadata:
            if meta.visible != pc.SheetVisibleEnum.Visible:
                hidden.add(meta.name)
            if meta.name in unread:
                sheets[meta.name] = []
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            # an xls is not scanned: a far cell costs calamine up to 65,536 x 256 cells, and
            # the check here keeps Python from holding them (each sheet in turn)
            check_area(sheet.height, sheet.width, f"«{meta.name}»", "ha celle che occupano")
            sheets[meta.name] = _rows(sheet.to_python(), sheet.start)
            ranges = sheet.merged_cell_ranges or []
            merged[meta.name] = [f"{cell_ref(*start)}:{cell_ref(*end)}" for start, end in ranges]
    except pc.PasswordError as exc:
        raise BookError("il file è protetto da password: salvarlo senza password") from exc
    except BookError:
        raise
    except Exception as exc:  # calamine raises several unrelated types for broken files
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise BookError(f"non è una cartella di lavoro Excel leggibile ({detail})") from exc
    return Book(name, sheets, hidden, merged, unread=frozenset(unread))


def _rows(rows: list[list[object]], start: tuple[int, int] | None) -> list[list[object]]:
    # to_python() starts at the first used cell (sheet.start): pad so that indices are
    # Excel's (0-based). With skip_empty_area=False calamine already starts at A1, and padding
    # again shifted every cell of a sheet whose first rows or columns are empty.
    r0, c0 = start or (0, 0)
    if c0:
        rows = [[""] * c0 + list(row) for row in rows]
    return [[] for _ in range(r0)] + rows if r0 else rows


def _position(ref: str) -> tuple[int, int]:
    letters, digits = _REF.fullmatch(ref).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _cell(rows: list[list[object]], ref: str) -> tuple[int, int, object]:
    r, c = _position(ref)
    value = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
    return r, c, value


def _apply_scan(book: Book, scan) -> None:
    """Turn what the scan found into findings, and blank the values that are not values."""
    for sheet, found in scan.sheets.items():
        rows = book.sheets.get(sheet)
        if rows is None:
            continue
        if found.formulas:
            book.formulas[sheet] = found.formulas
        for ref, error in sorted(found.errors.items()):
            book.findings.append(
                Finding(
                    file=book.name,
                    sheet=sheet,
                    cell=ref,
                    value=error,
                    severity="error",
                    message=f"La cella contiene il valore di errore di Excel {error}: "
                    "considerata vuota.",
                    suggestion="Correggere la formula o scrivere il valore.",
                )
            )
        for ref in sorted(found.serial_60):
            r, c, value = _cell(rows, ref)
            if isinstance(value, dt.date):
                rows[r][c] = ""
                book.findings.append(
                    Finding(
                        file=book.name,
                        sheet=sheet,
                        cell=ref,
                        value="29/02/1900",
                        severity="error",
                        message="Data 29/02/1900 (numero 60 di Excel): giorno che non "
                        "esiste, considerata vuota.",
                        suggestion="Scrivere la data giusta come gg/mm/aaaa.",
                    )
                )
    if scan.controls:
        _clean_sheets(book)


def _clean_sheets(book: Book) -> None:
    """Replace control characters in every text cell, with one warning naming the cells."""
    where = []
    for sheet, rows in book.sheets.items():
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    cleaned = clean_control_chars(value)
                    if cleaned != value:
                        row[c] = cleaned
                        where.append((sheet, cell_ref(r, c)))
    if where:
        sheet, ref = where[0]
        book.findings.append(
            Finding(
                file=book.name,
                sheet=sheet,
                cell=ref,
                severity="warning",
                message=f"Caratteri di controllo (interruzioni di riga di Word, ...) in "
                f"{len(where)} celle: sostituiti con un a capo o tolti.",
                suggestion="Nessuna azione necessaria; controllare il testo se serve.",
            )
        )


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a text file; return the text and the encoding used.

    The order is fixed (no statistical guessing, so a file always reads the same way):
    a byte-order mark (UTF-8, UTF-32, UTF-16) -> strict UTF-8 (KoboToolbox, ODK, LibreOffice)
    -> UTF-16 without mark when every other byte is zero -> Windows-1252 (Excel's "CSV" on
    an Italian Windows) -> Latin-1, which decodes any byte.

    Raises
    ------
    BookError
        When a byte-order mark announces an encoding the bytes do not follow.

    Examples
    --------
    >>> decode_text("perché".encode("utf-8"))
    ('perché', 'utf-8')
    >>> decode_text("perché".encode("cp1252"))
    ('perché', 'cp1252')
    >>> decode_text(b"\\xff\\xfe" + "sì".encode("utf-16-le"))
    ('sì', 'utf-16')
    """
    boms = (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    )
    for bom, encoding in boms:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise BookError(
                    f"il file dichiara la codifica {encoding} ma contiene byte non validi "
                    f"(posizione {exc.start})"
                ) from exc
    candidates = ["utf-8"]
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 3:
        candidates += ["utf-16-le" if sample[1::2].count(0) > sample[::2].count(0) else "utf-16-be"]
    for encoding in [*candidates, "cp1252"]:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _open_csv(data: bytes, name: str) -> Book:
    text, encoding = decode_text(data)
    book = Book(name, {}, is_csv=True)
    cleaned = clean_control_chars(text)
    if cleaned != text:
        book.findings.append(
            Finding(
                file=name,
                severity="warning",
                message="Caratteri di controllo (interruzioni di riga di Word, byte nulli, ...) "
                "nel CSV: sostituiti con un a capo o tolti.",
                suggestion="Nessuna azione necessaria; controllare il testo se serve.",
            )
        )
        text = cleaned
    if encoding not in ("utf-8", "utf-8-sig"):
        book.findings.append(
            Finding(
                file=name,
                severity="warning",
                value=encoding,
                message=f"CSV non in UTF-8: letto con la codifica {encoding}.",
                suggestion="Controllare le lettere accentate; salvare come «CSV UTF-8».",
            )
        )
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # Kobo's default is ";"
    rows: list[list[object]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) >= limits.MAX_ROWS or len(row) > limits.MAX_COLS:
                raise BookError(
                    f"CSV troppo grande (massimo {limits.MAX_ROWS} righe e "
                    f"{limits.MAX_COLS} colonne)"
                )
            rows.append(list(row))
    except csv.Error as exc:
        raise BookError(f"CSV non leggibile alla riga {len(rows) + 1} ({exc})") from exc
    if not rows:
        raise BookError("il file CSV è vuoto")
    sheet = PurePosixPath(name).stem
    book.sheets[sheet] = rows
    _csv_error_values(book, sheet)
    return book


def _csv_error_values(book: Book, sheet: str) -> None:
    """Report and blank the Excel error values a CSV saved from Excel carries as text."""
    from distretti_survey.ingest.zipscan import EXCEL_ERRORS

    errors = set(EXCEL_ERRORS)
    for r, row in enumerate(book.sheets[sheet]):
        for c, value in enumerate(row):
            if value in errors:
                row[c] = ""
                book.findings.append(
                    Finding(
                        file=book.name,
                        sheet=sheet,
                        cell=cell_ref(r, c),
                        value=str(value),
                        severity="error",
                        message=f"Valore di errore di Excel {value}: considerato vuoto.",
                        suggestion="Correggere la formula nel file di origine ed esportare "
                        "di nuovo.",
                    )
                )


def check_workbook(path: Path, root: Path | None = None) -> None:
    """Check a workbook another reader (openpyxl) will open: regular file, caps, XML.

    For the questionnaire and the coders' workbooks, read with openpyxl, which allocates as
    much as the file asks: call this first and turn a ``BookError`` into the usual message.

    Raises
    ------
    BookError
        Why the file is refused (Italian).
    """
    data = read_input(path, root)
    if data[:8] == _OLE_MAGIC:
        raise BookError("il file è protetto da password o cifrato: salvarlo senza password")
    if data[:2] != b"PK":
        raise BookError("non è una cartella di lavoro .xlsx")
    _scan(data)
