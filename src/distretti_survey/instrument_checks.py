"""Read a questionnaire workbook and check it sheet by sheet, collecting findings.

``instrument.check_instrument`` drives these steps; each one adds a ``Finding`` with sheet and
cell for every problem instead of stopping at the first. The expression checks (grammar, names,
circular ``relevant``) live in ``instrument_expressions``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from distretti_survey.findings import Finding
from distretti_survey.instrument import (
    BEGIN_TYPES,
    END_TYPES,
    HIDDEN_TYPES,
    ROLES,
    SELECT_TYPES,
    VALUE_TYPES,
    Choice,
    Labels,
    Question,
    Section,
    lang_code,
)

#: Most rows and columns read from one questionnaire sheet (a bound against hostile files).
MAX_ROWS, MAX_COLUMNS = 20_000, 200
#: Largest total uncompressed size of a questionnaire workbook (a bound against zip bombs).
MAX_UNCOMPRESSED = 100 * 2**20
_TRUE = frozenset({"yes", "true", "true()", "sì", "si", "1", "y", "x"})
_FALSE = frozenset({"", "no", "false", "false()", "0", "n"})
_KIND_IT = {"group": "gruppo", "repeat": "ripetizione"}
_YEARS = range(1990, 2101)


@dataclass(frozen=True)
class Sheet:
    """One sheet as read: its header and its non-empty rows (Excel row, column -> value)."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, object]], ...]

    def cell(self, column: str, row: int) -> str:
        """Return the Excel reference of ``column`` (a header name) in ``row``."""
        from openpyxl.utils import get_column_letter

        index = self.header.index(column) + 1 if column in self.header else 1
        return f"{get_column_letter(index)}{row}"


def clean(value: object) -> object:
    """Return a cell value with text stripped, empty text as None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def text(value: object) -> str:
    """Return a cell value as text: ``None`` -> "", ``3.0`` -> "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def flag(value: object) -> bool:
    """Return True for the yes-like values of a yes/no column."""
    return text(value).lower() in _TRUE


class Collector:
    """Findings of one questionnaire file, all errors."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Finding] = []

    def add(
        self,
        sheet: str,
        cell: str,
        message: str,
        *,
        question: str = "",
        value: object = "",
        suggestion: str = "",
    ) -> None:
        """Add one error at ``sheet``/``cell``."""
        self.items.append(
            Finding(
                file=self.file,
                sheet=sheet,
                cell=cell,
                question=question,
                value=text(value),
                message=message,
                suggestion=suggestion,
            )
        )


def read_workbook(path: Path, out: Collector) -> dict[str, Sheet] | None:
    """Return the sheets of the workbook, or None with a finding when it cannot be read."""
    from openpyxl import load_workbook

    if not path.exists():
        out.add("", "", f"Questionario non trovato: {path}.", suggestion="Controllare il percorso.")
        return None
    problem = _not_a_plain_workbook(path)
    if problem:
        out.add("", "", f"Il questionario {path.name} non è stato letto: {problem}.",
                suggestion="Usare il file .xlsx del questionario salvato da Excel.")  # fmt: skip
        return None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it does not read; they do not matter here.
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=True, data_only=True)
            try:
                return {ws.title.strip(): _read_sheet(ws) for ws in wb.worksheets}
            finally:
                wb.close()
    except Exception as exc:  # openpyxl and the XML parser raise many types for a broken file
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        out.add(
            "",
            "",
            f"Il questionario non è un file xlsx leggibile ({reason}).",
            suggestion="Aprire il file in Excel e salvarlo di nuovo come .xlsx.",
        )
        return None


def _not_a_plain_workbook(path: Path) -> str:
    """Return why a path must not be opened (pipe, device, zip bomb), or "" when it may."""
    import zipfile

    if not path.is_file():  # a pipe would block forever, a device never end
        return "non è un file regolare"
    try:
        with zipfile.ZipFile(path) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""  # openpyxl says what is wrong with it
    if declared > MAX_UNCOMPRESSED:
        return (f"decompresso occuperebbe {declared / 2**20:,.0f} MB, oltre il limite di "
                f"{MAX_UNCOMPRESSED / 2**20:,.0f} MB")  # fmt: skip
    return ""


def _read_sheet(ws) -> Sheet:
    raw = ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS, values_only=True)
    first = next(raw, None)
    header = tuple(text(clean(v)) for v in first) if first else ()
    rows = []
    for number, values in enumerate(raw, start=2):
        record = {col: clean(v) for col, v in zip(header, values, strict=False) if col}
        if any(v is not None for v in record.values()):
            rows.append((number, record))
    return Sheet(ws.title.strip(), header, tuple(rows))


def frame(sheet: Sheet):
    """Return a sheet as a DataFrame of text (coding frame, crosswalk)."""
    import pandas as pd

    columns = [c for c in sheet.header if c]
    data = [[text(record.get(c)) for c in columns] for _, record in sheet.rows]
    return pd.DataFrame(data, columns=columns, dtype=str)


def check_columns(sheet: Sheet, required: tuple[str, ...], out: Collector) -> bool:
    """Add a finding for each required column missing from row 1; return True when none is."""
    missing = [c for c in required if c not in sheet.header]
    for column in missing:
        out.add(
            sheet.name,
            "1",
            f"Manca la colonna «{column}» nel foglio «{sheet.name}».",
            suggestion=f"Aggiungere «{column}» nella riga 1.",
        )
    return not missing


def translated(header: tuple[str, ...], column: str) -> dict[str, str]:
    """Return language code -> column for ``column::Language (xx)`` columns of a header."""
    prefix = f"{column}::"
    return {lang_code(c[len(prefix) :]): c for c in header if c.startswith(prefix)}


def _normalise_type(raw: str) -> tuple[str, str | None]:
    parts = raw.split()
    if len(parts) == 2 and parts[0].lower() in ("begin", "end"):
        return f"{parts[0]}_{parts[1]}".lower(), None
    base = parts[0].lower() if parts else ""
    return base, (parts[1] if len(parts) > 1 else None)


def _labels(record: dict[str, object], columns: dict[str, str]) -> Labels:
    return tuple((code, text(record.get(col))) for code, col in columns.items())


def _required(sheet: Sheet, row: int, rec: dict, name: str, out: Collector) -> bool:
    value = text(rec.get("required"))
    if value.lower() in _TRUE:
        return True
    if value.lower() not in _FALSE:
        out.add(
            "survey",
            sheet.cell("required", row),
            f"«required» di «{name}» deve essere yes o vuoto: le condizioni non sono supportate.",
            question=name,
            value=value,
            suggestion="Scrivere yes e mettere la condizione nella colonna relevant.",
        )
    return False


class SurveyParser:
    """Walk the ``survey`` rows once: questions, groups and repeats, with their findings."""

    def __init__(
        self, sheet: Sheet, labels: dict[str, str], out: Collector, language: str = "it"
    ) -> None:
        self.sheet, self.label_columns, self.out = sheet, labels, out
        self.language = lang_code(language)
        self.hint_columns = translated(sheet.header, "hint")
        self.message_columns = translated(sheet.header, "constraint_message")
        self.soft_columns = translated(sheet.header, "soft_constraint_message")
        self.questions: list[Question] = []
        self.sections: list[Section] = []
        self.stack: list[Section] = []
        self.seen: dict[str, int] = {}

    def parse(self) -> tuple[list[Question], list[Section]]:
        """Return the questions and sections of the sheet."""
        for row, rec in self.sheet.rows:
            self.row(row, rec)
        for section in self.stack:
            self.out.add(
                "survey",
                self.sheet.cell("type", section.row),
                f"Il {_KIND_IT[section.kind]} «{section.name}» non è chiuso.",
                question=section.name,
                suggestion=f"Aggiungere una riga «end_{section.kind}».",
            )
        return self.questions, self.sections

    def row(self, row: int, rec: dict[str, object]) -> None:
        """Read one row of the survey sheet."""
        sheet, out = self.sheet, self.out
        raw_type = text(rec.get("type"))
        base, list_name = _normalise_type(raw_type)
        name = text(rec.get("name"))
        if base in END_TYPES:
            self.close(END_TYPES[base], raw_type, row)
            return
        known = base in VALUE_TYPES or base in HIDDEN_TYPES or base in SELECT_TYPES
        if base not in BEGIN_TYPES and not known:
            out.add(
                "survey",
                sheet.cell("type", row),
                f"Tipo di domanda sconosciuto «{raw_type}».",
                question=name,
                value=raw_type,
                suggestion="Usare text, integer, decimal, date, select_one LISTA, "
                "select_multiple LISTA, begin_group, begin_repeat.",
            )
            return
        self.check_name(name, raw_type, row)
        labels = _labels(rec, self.label_columns)
        if base not in HIDDEN_TYPES:
            for (_code, label), col in zip(labels, self.label_columns.values(), strict=True):
                if not label:
                    out.add(
                        "survey",
                        sheet.cell(col, row),
                        f"Manca l'etichetta in «{col[len('label::') :]}» per «{name}».",
                        question=name,
                    )
        theme = text(rec.get("theme")) or (self.stack[-1].theme if self.stack else "")
        relevant = text(rec.get("relevant"))
        if base in BEGIN_TYPES:
            parent = self.stack[-1].name if self.stack else None
            section = Section(name, BEGIN_TYPES[base], labels, theme, parent, row, relevant)
            self.sections.append(section)
            self.stack.append(section)
            return
        if base in SELECT_TYPES and not list_name:
            out.add(
                "survey",
                sheet.cell("type", row),
                f"«{raw_type}» senza il nome della lista.",
                question=name,
                value=raw_type,
                suggestion=f"Scrivere «{base} NOME_LISTA».",
            )
        self.questions.append(self.question(rec, row, base, list_name, name, labels, theme))

    def question(self, rec, row, base, list_name, name, labels, theme) -> Question:
        """Return the Question of one survey row."""
        hints = _labels(rec, self.hint_columns) or (("", text(rec.get("hint"))),)
        return Question(
            name=name,
            type=base,
            list_name=list_name if base in SELECT_TYPES else None,
            labels=labels,
            hint=dict(hints).get(self.language, hints[0][1]),
            required=_required(self.sheet, row, rec, name, self.out),
            constraint=text(rec.get("constraint")),
            relevant=text(rec.get("relevant")),
            theme=theme,
            pii=flag(rec.get("pii")),
            group=next((s.name for s in reversed(self.stack) if s.kind == "group"), None),
            repeat=next((s.name for s in reversed(self.stack) if s.kind == "repeat"), None),
            row=row,
            constraint_messages=_labels(rec, self.message_columns),
            hints=hints if self.hint_columns else (),
            sections=tuple(s.name for s in self.stack),
            calculation=text(rec.get("calculation")),
            soft_constraint=text(rec.get("soft_constraint")),
            soft_constraint_messages=_labels(rec, self.soft_columns),
        )

    def close(self, kind: str, raw_type: str, row: int) -> None:
        """Close the innermost group or repeat, or report a closing without an opening."""
        if not self.stack or self.stack[-1].kind != kind:
            self.out.add(
                "survey",
                self.sheet.cell("type", row),
                f"«{raw_type}» chiude un {_KIND_IT[kind]} che non è stato aperto.",
                value=raw_type,
                suggestion="Togliere la riga o aggiungere il «begin».",
            )
        else:
            self.stack.pop()

    def check_name(self, name: str, raw_type: str, row: int) -> None:
        """Report a missing or repeated name."""
        if not name:
            self.out.add(
                "survey",
                self.sheet.cell("name", row),
                "Manca il nome della domanda.",
                value=raw_type,
            )
        elif name in self.seen:
            self.out.add(
                "survey",
                self.sheet.cell("name", row),
                f"Nome «{name}» duplicato (già usato alla riga {self.seen[name]}).",
                question=name,
                value=name,
                suggestion="Ogni nome deve essere unico.",
            )
        else:
            self.seen[name] = row


def parse_choices(sheet: Sheet, label_columns: dict[str, str], out: Collector) -> list[Choice]:
    """Return the options of the ``choices`` sheet, reporting gaps and repeats."""
    choices: list[Choice] = []
    seen: dict[tuple[str, str], int] = {}
    seen_labels: set[tuple[str, str]] = set()
    for row, rec in sheet.rows:
        list_name, name = text(rec.get("list_name")), text(rec.get("name"))
        if not list_name or not name:
            column = "list_name" if not list_name else "name"
            out.add(
                "choices",
                sheet.cell(column, row),
                f"Manca «{column}» nell'opzione.",
                value=list_name or name,
            )
            continue
        if (list_name, name) in seen:
            out.add(
                "choices",
                sheet.cell("name", row),
                f"Opzione «{name}» duplicata nella lista «{list_name}» "
                f"(già alla riga {seen[list_name, name]}).",
                value=name,
            )
        seen[list_name, name] = row
        labels = _labels(rec, label_columns)
        # Data-entry dropdowns show the first language's label, read back to the code.
        first = labels[0][1] if labels else ""
        if first and (list_name, first.casefold()) in seen_labels:
            out.add(
                "choices",
                sheet.cell(next(iter(label_columns.values())), row),
                f"Etichetta «{first}» ripetuta nella lista «{list_name}».",
                value=first,
                suggestion="Ogni opzione deve avere un'etichetta diversa.",
            )
        seen_labels.add((list_name, first.casefold()))
        for (_code, label), col in zip(labels, label_columns.values(), strict=True):
            if not label:
                out.add(
                    "choices",
                    sheet.cell(col, row),
                    f"Manca l'etichetta in «{col[len('label::') :]}» per l'opzione "
                    f"«{name}» della lista «{list_name}».",
                    value=name,
                )
        score = _score(sheet, row, rec, out)
        role = _role(sheet, row, rec, score, out)
        choices.append(Choice(list_name, name, labels, score, row, role))
    return choices


def _score(sheet: Sheet, row: int, rec: dict, out: Collector) -> float | None:
    raw_score = rec.get("score")
    if raw_score is None:
        return None
    try:
        return float(text(raw_score).replace(",", "."))
    except ValueError:
        out.add(
            "choices",
            sheet.cell("score", row),
            "Punteggio non numerico.",
            value=raw_score,
            suggestion="Un numero (1-5) o vuoto.",
        )
        return None


def _role(sheet: Sheet, row: int, rec: dict, score: float | None, out: Collector) -> str:
    role = text(rec.get("role")).lower()
    if role and role not in ROLES:
        out.add(
            "choices",
            sheet.cell("role", row),
            f"Ruolo «{role}» sconosciuto.",
            value=role,
            suggestion="Usare uno di: " + ", ".join(ROLES) + " (o lasciare vuoto).",
        )
        return ""
    if role in ("dont_know", "not_applicable") and score is not None:
        out.add(
            "choices",
            sheet.cell("score", row),
            f"Un'opzione con ruolo «{role}» non può avere un punteggio: è mostrata a parte.",
            value=score,
            suggestion="Lasciare vuoto il punteggio.",
        )
    return role


def parse_settings(sheet: Sheet, out: Collector, default_language: str) -> dict[str, object]:
    """Return the settings of the first row, reporting missing values and a wave not a year."""
    row, rec = sheet.rows[0] if sheet.rows else (2, {})
    for key in ("version", "wave", "form_id"):
        if not text(rec.get(key)):
            out.add(
                "settings",
                sheet.cell(key, row),
                f"Manca «{key}» nel foglio settings.",
                suggestion=f"Compilare «{key}» nella riga 2.",
            )
    wave = 0
    raw_wave = text(rec.get("wave"))
    if raw_wave:
        match = re.fullmatch(r"\d{4}(\.0+)?", raw_wave)
        wave = int(float(raw_wave)) if match else 0
        if wave not in _YEARS:
            wave = 0
            out.add(
                "settings",
                sheet.cell("wave", row),
                "L'onda («wave») deve essere un anno (per esempio 2011).",
                value=raw_wave,
                suggestion="Scrivere l'anno della rilevazione, quattro cifre.",
            )
    return {
        "form_id": text(rec.get("form_id")),
        "form_title": text(rec.get("form_title")),
        "version": text(rec.get("version")),
        "wave": wave,
        "default_language": text(rec.get("default_language")) or default_language,
        "synthetic": flag(rec.get("synthetic")),
    }
