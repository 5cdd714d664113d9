"""Parse the values typed in a workbook cell: numbers, dates, list answers (pure functions).

Every parser returns what it understood and *how*, so the validator can turn anything that was
not typed in the expected form into a warning that says what was resolved.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from distretti_survey.xlsx_io import column_letter

#: Excel's day zero for serial dates (the 1900 leap-year bug is absorbed by starting on the 30th).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers plausible as dates of this study (1954-2064): others are plain numbers.
_SERIAL_RANGE = (20000, 60000)

_MONTHS = {
    "gen": 1, "feb": 2, "mar": 3, "apr": 4, "mag": 5, "giu": 6,
    "lug": 7, "ago": 8, "set": 9, "ott": 10, "nov": 11, "dic": 12,
}  # fmt: skip
_CURRENCY = re.compile(r"(€|\beuro\b|\beur\b)", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def is_blank(value: object) -> bool:
    """Return True for an empty cell: None, NaN or a string of only whitespace."""
    if value is None:
        return True
    kind = value.__class__
    if kind is str:
        return not value.strip()  # type: ignore[union-attr]
    if kind is float:
        return math.isnan(value)  # type: ignore[arg-type]
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


@lru_cache(maxsize=1 << 16)
def cell_ref(row: int, col: int) -> str:
    """Return the Excel reference of a 0-based (row, column) pair, e.g. ``(1, 2) -> 'C2'``."""
    return f"{column_letter(col)}{row + 1}"


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Return ``text`` folded for lenient comparison: no accents, case, ``_`` or extra spaces.

    Examples
    --------
    >>> fold("  In  Corso ")
    'in corso'
    >>> fold("Sì"), fold("in_corso"), fold("Completato.")
    ('si', 'in corso', 'completato')
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("_", " ").replace("’", "'")
    text = re.sub(r"[.;:]+$", "", text.strip())
    return _SPACES.sub(" ", text).strip()


def text_value(value: object) -> str:
    """Return a cell value as text: integers without ``.0``, dates in ISO form, blanks empty."""
    if value.__class__ is str:  # most cells: a fast path
        return value if value.strip() else ""  # type: ignore[return-value]
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from a cell: ``value`` (None when not a number) and how it was typed.

    ``kind`` is ``number`` (a numeric cell), ``text`` (a number typed as text, e.g.
    ``"€ 2.000"``), ``empty`` or ``invalid``; ``unit`` is ``"€"``, ``"%"`` or ``""``.
    """

    value: float | None
    kind: str
    unit: str = ""


def parse_number(value: object) -> ParsedNumber:
    """Parse a number typed in a cell, Italian formats included.

    Italian conventions win where a string is ambiguous: ``"1.234"`` is one thousand two hundred
    thirty-four (the dot groups thousands) and ``"12,5"`` is twelve and a half. With both
    separators the last one is the decimal mark, so ``"1,234.50"`` also reads as 1234.5.
    A percentage keeps the number as written (``"15%" -> 15``) with ``unit="%"``.

    Examples
    --------
    >>> parse_number("€ 12.500,00")
    ParsedNumber(value=12500.0, kind='text', unit='€')
    >>> parse_number(3.0).value, parse_number("2.000 euro").value, parse_number("15%").unit
    (3.0, 2000.0, '%')
    """
    if is_blank(value):
        return ParsedNumber(None, "empty")
    if isinstance(value, bool | dt.date):
        return ParsedNumber(None, "invalid")
    if isinstance(value, int | float):
        return ParsedNumber(float(value), "number")
    text = str(value).strip()
    unit = ""
    if _CURRENCY.search(text):
        unit, text = "€", _CURRENCY.sub("", text)
    if text.rstrip().endswith("%"):
        unit, text = "%", text.rstrip()[:-1]
    text = _SPACES.sub("", text)
    # "1 234" was joined above; a trailing ",-" is the Italian way of writing whole euros
    text = re.sub(r",-+$", "", text)
    number = _parse_numeral(text)
    return (
        ParsedNumber(None, "invalid", unit)
        if number is None
        else ParsedNumber(number, "text", unit)
    )


def _parse_numeral(text: str) -> float | None:
    match = re.fullmatch(r"([+-]?)([\d.,]*\d[\d.,]*)", text)
    if not match:
        return None
    sign, body = match.groups()
    if "." in body and "," in body:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
    elif body.count(",") == 1:
        decimal = ","
    elif body.count(".") == 1 and not re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", body):
        # "0.125" cannot be a thousands grouping: a dot after a lone 0 is a decimal mark
        decimal = "."
    else:
        decimal = None  # only grouping separators, or none at all
    whole, _, frac = body.rpartition(decimal) if decimal else (body, "", "")
    groups = re.split(r"[.,]", whole)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    if not frac.isdigit() and decimal:
        return None
    number = float("".join(groups) + ("." + frac if decimal else ""))
    return -number if sign == "-" else number


@dataclass(frozen=True)
class ParsedDate:
    """A date read from a cell: ``value`` and ``kind``.

    ``kind``: ``date`` (a date cell), ``iso`` (text ``YYYY-MM-DD``, as exports write it),
    ``text`` (a day typed as text, ``31/12/2012``), ``month`` (only month and year, ``dic 2012``:
    the first day of the month is used), ``serial`` (an Excel serial number), ``empty``,
    ``invalid``.
    """

    value: dt.date | None
    kind: str


def parse_date(value: object) -> ParsedDate:
    """Parse a date from a date cell, an Excel serial number or Italian text.

    Examples
    --------
    >>> parse_date("31/12/2012")
    ParsedDate(value=datetime.date(2012, 12, 31), kind='text')
    >>> parse_date("dic 2012")
    ParsedDate(value=datetime.date(2012, 12, 1), kind='month')
    >>> parse_date(41274.0)
    ParsedDate(value=datetime.date(2012, 12, 31), kind='serial')
    """
    if is_blank(value):
        return ParsedDate(None, "empty")
    if isinstance(value, dt.datetime):
        return ParsedDate(value.date(), "date")
    if isinstance(value, dt.date):
        return ParsedDate(value, "date")
    if isinstance(value, bool):
        return ParsedDate(None, "invalid")
    if isinstance(value, int | float):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return ParsedDate(_EXCEL_EPOCH + dt.timedelta(days=int(value)), "serial")
        return ParsedDate(None, "invalid")
    return _parse_date_text(fold(str(value)))


def _parse_date_text(text: str) -> ParsedDate:
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ][\d:.+z-]*)?", text):
            return ParsedDate(dt.date(int(m[1]), int(m[2]), int(m[3])), "iso")
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", text):
            return ParsedDate(dt.date(_year(m[3]), int(m[2]), int(m[1])), "text")
        if m := re.fullmatch(r"(?:(\d{1,2}) )?([a-z]+)\.? '?(\d{2}|\d{4})", text):
            month = _MONTHS.get(m[2][:3])
            if month is None or (len(m[2]) > 3 and not _is_month_name(m[2])):
                return ParsedDate(None, "invalid")
            if m[1]:
                return ParsedDate(dt.date(_year(m[3]), month, int(m[1])), "text")
            return ParsedDate(dt.date(_year(m[3]), month, 1), "month")
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{4})", text):
            return ParsedDate(dt.date(int(m[2]), int(m[1]), 1), "month")
    except ValueError:  # 31/02/2012 and the like
        return ParsedDate(None, "invalid")
    return ParsedDate(None, "invalid")


_MONTH_NAMES = [
    "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
    "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
]  # fmt: skip


def _is_month_name(word: str) -> bool:
    return any(name.startswith(word) for name in _MONTH_NAMES)


def _year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


@dataclass(frozen=True)
class Choice:
    """One option of a list: its code, its Italian label and its score (None if unscored).

    ``labels`` holds the labels in every language of the questionnaire, so that an export
    downloaded in English (or any other language) is read back to the same codes.
    """

    code: str
    label: str
    score: float | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResolvedChoice:
    """The outcome of matching a typed answer against a list.

    ``how``: ``code`` or ``label`` (exact), ``variant`` (matched after ignoring case, accents,
    spaces and underscores), or ``unknown`` (no match: see ``suggestions``).
    """

    code: str | None
    how: str
    suggestions: tuple[str, ...] = field(default_factory=tuple)


def resolve_choice(value: object, choices: Sequence[Choice]) -> ResolvedChoice:
    """Match a typed answer to the code of one of ``choices``.

    Examples
    --------
    >>> opts = [Choice("in_corso", "In corso"), Choice("completato", "Completato")]
    >>> resolve_choice("in_corso", opts).how, resolve_choice("In corso", opts).how
    ('code', 'label')
    >>> resolve_choice("COMPLETATO ", opts)
    ResolvedChoice(code='completato', how='variant', suggestions=())
    >>> resolve_choice("completo", opts).suggestions
    ('Completato',)
    """
    text = text_value(value)
    for choice in choices:
        if text == choice.code:
            return ResolvedChoice(choice.code, "code")
    for choice in choices:
        if text == choice.label or text in choice.labels:
            return ResolvedChoice(choice.code, "label")
    folded = fold(text)
    for choice in choices:
        if folded in (fold(choice.code), fold(choice.label), *map(fold, choice.labels)):
            return ResolvedChoice(choice.code, "variant")
    return ResolvedChoice(None, "unknown", closest(text, [c.label for c in choices]))


def closest(text: str, candidates: Sequence[str], limit: int = 3) -> tuple[str, ...]:
    """Return up to ``limit`` candidates most similar to ``text`` (rapidfuzz WRatio >= 60)."""
    from rapidfuzz import fuzz, process, utils

    found = process.extract(
        fold(text),
        {i: fold(c) for i, c in enumerate(candidates)},
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=60,
    )
    return tuple(candidates[key] for _, _, key in found)


#: What marks an option as ticked in a ``question/option`` row or 0/1 column.
_TICKED = {"si", "x", "1", "true", "vero", "yes", "ok", "v", "✓", "✔"}
_UNTICKED = {"", "no", "0", "false", "falso", "-"}


def parse_tick(value: object) -> bool | None:
    """Return True/False for a ticked/unticked option cell, None when unreadable.

    Examples
    --------
    >>> parse_tick("sì"), parse_tick(1.0), parse_tick(None), parse_tick("forse")
    (True, True, False, None)
    """
    if isinstance(value, bool):
        return value
    folded = fold(text_value(value))
    if folded in _TICKED:
        return True
    if folded in _UNTICKED:
        return False
    return None


_MACHINE_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_machine_number(value: object) -> object:
    """Return a number written by a machine (an export) as a float, else ``value`` unchanged.

    KoboToolbox and ODK write numbers as text with ``.`` as the decimal mark and no grouping,
    so ``"0.125"`` is one eighth and ``"1.234"`` one point two three four: the Italian rules of
    :func:`parse_number` (``"1.234"`` is a thousand and more) apply to hand-filled workbooks only.
    Anything else is returned as it is, for the validator to report.

    Examples
    --------
    >>> parse_machine_number("0.125"), parse_machine_number("1.234"), parse_machine_number("-3")
    (0.125, 1.234, -3.0)
    >>> parse_machine_number("1.234,50"), parse_machine_number(7.5)
    ('1.234,50', 7.5)
    """
    if isinstance(value, str) and _MACHINE_NUMBER.fullmatch(value.strip()):
        return float(value.strip())
    return value


_MACHINE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")


def parse_machine_date(value: object) -> object:
    """Return an ISO date or date-time written by an export as a date, else ``value``.

    Examples
    --------
    >>> parse_machine_date("2013-03-01"), parse_machine_date("2013-03-01T10:22:05.000+01:00")
    (datetime.date(2013, 3, 1), datetime.date(2013, 3, 1))
    >>> parse_machine_date("marzo 2013")
    'marzo 2013'
    """
    if isinstance(value, str) and (m := _MACHINE_DATE.fullmatch(value.strip())):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return value
    return value
