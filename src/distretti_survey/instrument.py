"""The questionnaire of a wave: an XLSForm workbook read and validated on load.

The researchers edit the questionnaire as a workbook (sheets ``survey``, ``choices``,
``settings``, ``coding_frame`` and, from the second wave on, ``crosswalk``). ``load_instrument``
reads it, collects every problem as a ``Finding`` with sheet and cell, and raises one
``ConfigError`` listing them all; the returned ``Instrument`` answers the questions later
stages ask (labels, lists, scores, PII fields, open questions, repeat fields).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from distretti_survey.errors import ConfigError, InputError
from distretti_survey.findings import Finding

if TYPE_CHECKING:
    import pandas as pd

SURVEY_REQUIRED = ("type", "name", "theme", "pii")
SURVEY_OPTIONAL = ("required", "constraint", "relevant", "hint")
CHOICES_REQUIRED = ("list_name", "name")
SETTINGS_REQUIRED = ("form_id", "version", "wave")
SETTINGS_OPTIONAL = ("form_title", "default_language", "synthetic")
CODING_FRAME_COLUMNS = (
    "code_id",
    "theme",
    "parent",
    "label::Italiano (it)",
    "label::English (en)",
    "definition",
    "use_when",
    "not_when",
    "examples",
    "keywords",
    "patterns",
)
REQUIRED_SHEETS = ("survey", "choices", "settings", "coding_frame")
DEFAULT_LANGUAGE = "Italiano (it)"
#: Theme of the questions that describe the interview itself, never coded as open answers.
PROFILE_THEME = "profile"

VALUE_TYPES = frozenset(
    {"text", "integer", "decimal", "date", "time", "datetime", "note", "acknowledge"}
)
HIDDEN_TYPES = frozenset({"calculate", "start", "end", "today", "deviceid", "username"})
SELECT_TYPES = frozenset({"select_one", "select_multiple"})
BEGIN_TYPES = {"begin_group": "group", "begin_repeat": "repeat"}
END_TYPES = {"end_group": "group", "end_repeat": "repeat"}
_TRUE = frozenset({"yes", "true", "true()", "sì", "si", "1", "y", "x"})
_KIND_IT = {"group": "gruppo", "repeat": "ripetizione"}

Labels = tuple[tuple[str, str], ...]


def _lang_code(lang: str) -> str:
    """Return the short code of a language: ``"Italiano (it)"`` and ``"it"`` both give ``"it"``."""
    match = re.search(r"\(([^()]+)\)\s*$", lang)
    return (match.group(1) if match else lang).strip().lower()


def _pick_label(labels: Labels, lang: str) -> str:
    code = _lang_code(lang)
    for lang_code, text in labels:
        if lang_code == code:
            return text
    return labels[0][1] if labels else ""


@dataclass(frozen=True)
class Question:
    """One question of the ``survey`` sheet (groups and repeats are ``Section``)."""

    name: str
    type: str
    list_name: str | None
    labels: Labels
    hint: str
    required: bool
    constraint: str
    relevant: str
    theme: str
    pii: bool
    group: str | None
    repeat: str | None
    row: int

    def label(self, lang: str = "it") -> str:
        """Return the label in ``lang`` (code such as ``"it"`` or column suffix)."""
        return _pick_label(self.labels, lang)


@dataclass(frozen=True)
class Section:
    """A group or a repeat of the ``survey`` sheet."""

    name: str
    kind: str
    labels: Labels
    theme: str
    parent: str | None
    row: int

    def label(self, lang: str = "it") -> str:
        """Return the label in ``lang``."""
        return _pick_label(self.labels, lang)


@dataclass(frozen=True)
class Choice:
    """One option of a list of the ``choices`` sheet; ``score`` is None for unscored options."""

    list_name: str
    name: str
    labels: Labels
    score: float | None
    row: int

    def label(self, lang: str = "it") -> str:
        """Return the label in ``lang``."""
        return _pick_label(self.labels, lang)


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire: questions, lists, settings, coding frame and crosswalk."""

    path: Path | None
    form_id: str
    form_title: str
    version: str
    wave: int
    default_language: str
    synthetic: bool
    languages: tuple[str, ...]
    questions: tuple[Question, ...]
    sections: tuple[Section, ...]
    all_choices: tuple[Choice, ...]
    coding_frame: pd.DataFrame = field(compare=False, repr=False)
    crosswalk: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def question(self, name: str) -> Question:
        """Return the question called ``name``."""
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(f"domanda sconosciuta: {name!r}")

    @property
    def question_names(self) -> tuple[str, ...]:
        """Return the names of all questions, in questionnaire order."""
        return tuple(q.name for q in self.questions)

    @property
    def list_names(self) -> tuple[str, ...]:
        """Return the list names of the ``choices`` sheet in order of first appearance."""
        return tuple(dict.fromkeys(c.list_name for c in self.all_choices))

    def choices(self, list_name: str) -> tuple[Choice, ...]:
        """Return the options of ``list_name`` in sheet order."""
        found = tuple(c for c in self.all_choices if c.list_name == list_name)
        if not found:
            raise KeyError(f"lista sconosciuta: {list_name!r}")
        return found

    def label(self, name: str, lang: str = "it") -> str:
        """Return the label of a question, group or repeat in ``lang``."""
        for item in (*self.questions, *self.sections):
            if item.name == name:
                return item.label(lang)
        raise KeyError(f"domanda sconosciuta: {name!r}")

    def choice_label(self, list_name: str, code: str, lang: str = "it") -> str:
        """Return the label of option ``code`` of ``list_name`` in ``lang``."""
        for c in self.choices(list_name):
            if c.name == code:
                return c.label(lang)
        raise KeyError(f"opzione {code!r} assente dalla lista {list_name!r}")

    def scores(self, list_name: str) -> dict[str, float | None]:
        """Return option code -> score (None for options shown apart, e.g. "non so")."""
        return {c.name: c.score for c in self.choices(list_name)}

    @property
    def pii_fields(self) -> tuple[str, ...]:
        """Return the names of the questions holding personal data."""
        return tuple(q.name for q in self.questions if q.pii)

    @property
    def open_questions(self) -> tuple[Question, ...]:
        """Return the free-text questions to code: text, with a theme, not PII, not repeated."""
        return tuple(
            q
            for q in self.questions
            if q.type == "text"
            and q.theme
            and q.theme != PROFILE_THEME
            and not q.pii
            and q.repeat is None
        )

    @property
    def likert_items(self) -> tuple[Question, ...]:
        """Return the select_one questions whose list has scores."""
        scored = {c.list_name for c in self.all_choices if c.score is not None}
        return tuple(q for q in self.questions if q.type == "select_one" and q.list_name in scored)

    def repeat_fields(self, repeat: str) -> tuple[Question, ...]:
        """Return the questions inside the repeat called ``repeat``, in order."""
        if not any(s.name == repeat and s.kind == "repeat" for s in self.sections):
            raise KeyError(f"ripetizione sconosciuta: {repeat!r}")
        return tuple(q for q in self.questions if q.repeat == repeat)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Sheet:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, object]], ...]  # (Excel row, column -> value)

    def cell(self, column: str, row: int) -> str:
        from openpyxl.utils import get_column_letter

        index = self.header.index(column) + 1 if column in self.header else 1
        return f"{get_column_letter(index)}{row}"


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _text(value: object) -> str:
    """Return a cell value as text: ``None`` -> "", ``3.0`` -> "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _flag(value: object) -> bool:
    return _text(value).lower() in _TRUE


def _read_workbook(path: Path) -> dict[str, _Sheet]:
    from openpyxl import load_workbook

    if not path.is_file():
        raise InputError(f"Questionario non trovato: {path}")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it does not read; they do not matter here.
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise InputError(f"Il questionario {path} non è un file xlsx leggibile ({exc}).") from exc
    try:
        sheets = {}
        for ws in wb.worksheets:
            raw = list(ws.iter_rows(values_only=True))
            header = tuple(_text(_clean(v)) for v in raw[0]) if raw else ()
            rows = []
            for number, values in enumerate(raw[1:], start=2):
                record = {col: _clean(v) for col, v in zip(header, values, strict=False) if col}
                if any(v is not None for v in record.values()):
                    rows.append((number, record))
            sheets[ws.title.strip()] = _Sheet(ws.title.strip(), header, tuple(rows))
        return sheets
    finally:
        wb.close()


def _frame(sheet: _Sheet) -> pd.DataFrame:
    import pandas as pd

    columns = [c for c in sheet.header if c]
    data = [[_text(record.get(c)) for c in columns] for _, record in sheet.rows]
    return pd.DataFrame(data, columns=columns, dtype=str)


# --------------------------------------------------------------------------- validation


class _Collector:
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
        self.items.append(
            Finding(
                file=self.file,
                sheet=sheet,
                cell=cell,
                question=question,
                value=_text(value),
                message=message,
                suggestion=suggestion,
            )
        )


def _check_columns(sheet: _Sheet, required: tuple[str, ...], out: _Collector) -> bool:
    missing = [c for c in required if c not in sheet.header]
    for column in missing:
        out.add(
            sheet.name,
            "1",
            f"Manca la colonna «{column}» nel foglio «{sheet.name}».",
            suggestion=f"Aggiungere «{column}» nella riga 1.",
        )
    return not missing


def _normalise_type(raw: str) -> tuple[str, str | None]:
    parts = raw.split()
    if len(parts) == 2 and parts[0].lower() in ("begin", "end"):
        return f"{parts[0]}_{parts[1]}".lower(), None
    base = parts[0].lower() if parts else ""
    return base, (parts[1] if len(parts) > 1 else None)


def _labels(record: dict[str, object], label_columns: dict[str, str]) -> Labels:
    return tuple((code, _text(record.get(col))) for code, col in label_columns.items())


def _parse_survey(sheet: _Sheet, label_columns: dict[str, str], out: _Collector):
    questions: list[Question] = []
    sections: list[Section] = []
    stack: list[Section] = []
    seen: dict[str, int] = {}
    for row, rec in sheet.rows:
        raw_type = _text(rec.get("type"))
        base, list_name = _normalise_type(raw_type)
        name = _text(rec.get("name"))
        if base in END_TYPES:
            kind = END_TYPES[base]
            if not stack or stack[-1].kind != kind:
                out.add(
                    "survey",
                    sheet.cell("type", row),
                    f"«{raw_type}» chiude un {_KIND_IT[kind]} che non è stato aperto.",
                    value=raw_type,
                    suggestion="Togliere la riga o aggiungere il «begin».",
                )
            else:
                stack.pop()
            continue
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
            continue
        if not name:
            out.add(
                "survey", sheet.cell("name", row), "Manca il nome della domanda.", value=raw_type
            )
        elif name in seen:
            out.add(
                "survey",
                sheet.cell("name", row),
                f"Nome «{name}» duplicato (già usato alla riga {seen[name]}).",
                question=name,
                value=name,
                suggestion="Ogni nome deve essere unico.",
            )
        else:
            seen[name] = row
        labels = _labels(rec, label_columns)
        if base not in HIDDEN_TYPES:
            for (_code, text), col in zip(labels, label_columns.values(), strict=True):
                if not text:
                    out.add(
                        "survey",
                        sheet.cell(col, row),
                        f"Manca l'etichetta in «{col[len('label::') :]}» per «{name}».",
                        question=name,
                    )
        theme = _text(rec.get("theme")) or (stack[-1].theme if stack else "")
        if base in BEGIN_TYPES:
            kind = BEGIN_TYPES[base]
            parent = stack[-1].name if stack else None
            section = Section(name, kind, labels, theme, parent, row)
            sections.append(section)
            stack.append(section)
            continue
        if base in SELECT_TYPES and not list_name:
            out.add(
                "survey",
                sheet.cell("type", row),
                f"«{raw_type}» senza il nome della lista.",
                question=name,
                value=raw_type,
                suggestion=f"Scrivere «{base} NOME_LISTA».",
            )
        group = next((s.name for s in reversed(stack) if s.kind == "group"), None)
        repeat = next((s.name for s in reversed(stack) if s.kind == "repeat"), None)
        questions.append(
            Question(
                name=name,
                type=base,
                list_name=list_name if base in SELECT_TYPES else None,
                labels=labels,
                hint=_text(rec.get("hint")),
                required=_flag(rec.get("required")),
                constraint=_text(rec.get("constraint")),
                relevant=_text(rec.get("relevant")),
                theme=theme,
                pii=_flag(rec.get("pii")),
                group=group,
                repeat=repeat,
                row=row,
            )
        )
    for section in stack:
        out.add(
            "survey",
            sheet.cell("type", section.row),
            f"Il {_KIND_IT[section.kind]} «{section.name}» non è chiuso.",
            question=section.name,
            suggestion=f"Aggiungere una riga «end_{section.kind}».",
        )
    return questions, sections


def _parse_choices(sheet: _Sheet, label_columns: dict[str, str], out: _Collector):
    choices: list[Choice] = []
    seen: dict[tuple[str, str], int] = {}
    seen_labels: set[tuple[str, str]] = set()
    for row, rec in sheet.rows:
        list_name, name = _text(rec.get("list_name")), _text(rec.get("name"))
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
        for (_code, text), col in zip(labels, label_columns.values(), strict=True):
            if not text:
                out.add(
                    "choices",
                    sheet.cell(col, row),
                    f"Manca l'etichetta in «{col[len('label::') :]}» per l'opzione "
                    f"«{name}» della lista «{list_name}».",
                    value=name,
                )
        raw_score = rec.get("score")
        score = None
        if raw_score is not None:
            try:
                score = float(_text(raw_score).replace(",", "."))
            except ValueError:
                out.add(
                    "choices",
                    sheet.cell("score", row),
                    "Punteggio non numerico.",
                    value=raw_score,
                    suggestion="Un numero (1-5) o vuoto.",
                )
        choices.append(Choice(list_name, name, labels, score, row))
    return choices


def _parse_settings(sheet: _Sheet, out: _Collector) -> dict[str, object]:
    row, rec = sheet.rows[0] if sheet.rows else (2, {})
    for key in ("version", "wave", "form_id"):
        if not _text(rec.get(key)):
            out.add(
                "settings",
                sheet.cell(key, row),
                f"Manca «{key}» nel foglio settings.",
                suggestion=f"Compilare «{key}» nella riga 2.",
            )
    wave = 0
    if _text(rec.get("wave")):
        try:
            wave = int(float(_text(rec.get("wave"))))
        except ValueError:
            out.add(
                "settings",
                sheet.cell("wave", row),
                "L'onda («wave») deve essere un anno.",
                value=rec.get("wave"),
            )
    return {
        "form_id": _text(rec.get("form_id")),
        "form_title": _text(rec.get("form_title")),
        "version": _text(rec.get("version")),
        "wave": wave,
        "default_language": _text(rec.get("default_language")) or DEFAULT_LANGUAGE,
        "synthetic": _flag(rec.get("synthetic")),
    }


def load_instrument(path: str | os.PathLike[str]) -> Instrument:
    """Read and validate a questionnaire workbook.

    Parameters
    ----------
    path
        The XLSForm workbook (``questionnaire.xlsx`` of a wave).

    Returns
    -------
    The questionnaire, ready for the later stages.

    Raises
    ------
    InputError
        The file is missing or is not a workbook.
    ConfigError
        The questionnaire has problems; ``error.findings`` lists all of them.
    """
    path = Path(path)
    sheets = _read_workbook(path)
    out = _Collector(path.name)
    for name in REQUIRED_SHEETS:
        if name not in sheets:
            out.add(name, "", f"Manca il foglio «{name}».", suggestion="Aggiungere il foglio.")
    settings = {
        "default_language": DEFAULT_LANGUAGE,
        "version": "",
        "wave": 0,
        "form_id": "",
        "form_title": "",
        "synthetic": False,
    }
    if "settings" in sheets and _check_columns(sheets["settings"], SETTINGS_REQUIRED, out):
        settings = _parse_settings(sheets["settings"], out)
    default_label = f"label::{settings['default_language']}"

    questions, sections, choices, label_columns = [], [], [], {}
    if "survey" in sheets:
        survey = sheets["survey"]
        label_columns = {_lang_code(c[7:]): c for c in survey.header if c.startswith("label::")}
        if _check_columns(survey, (*SURVEY_REQUIRED, default_label), out):
            questions, sections = _parse_survey(survey, label_columns, out)
    if "choices" in sheets:
        if _check_columns(sheets["choices"], (*CHOICES_REQUIRED, *label_columns.values()), out):
            choices = _parse_choices(sheets["choices"], label_columns, out)
        defined = {c.list_name for c in choices}
        for q in questions:
            if q.list_name and q.list_name not in defined:
                out.add(
                    "survey",
                    sheets["survey"].cell("type", q.row),
                    f"La lista «{q.list_name}» non è definita nel foglio choices.",
                    question=q.name,
                    value=q.list_name,
                    suggestion="Aggiungere le opzioni in choices o correggere il nome.",
                )
    if "coding_frame" in sheets:
        _check_columns(sheets["coding_frame"], CODING_FRAME_COLUMNS, out)

    if out.items:
        lines = "\n".join(f"- {f.one_line()}" for f in out.items)
        error = ConfigError(
            f"Il questionario {path.name} ha {len(out.items)} problemi da correggere:\n{lines}"
        )
        error.findings = tuple(out.items)
        raise error
    return Instrument(
        path=path,
        form_id=settings["form_id"],
        form_title=settings["form_title"],
        version=settings["version"],
        wave=settings["wave"],
        default_language=settings["default_language"],
        synthetic=settings["synthetic"],
        languages=tuple(label_columns),
        questions=tuple(questions),
        sections=tuple(sections),
        all_choices=tuple(choices),
        coding_frame=_frame(sheets["coding_frame"]),
        crosswalk=_frame(sheets["crosswalk"]) if "crosswalk" in sheets else None,
    )
