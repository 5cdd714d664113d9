"""XPath values and functions: conversions, comparisons, arithmetic and the function table.

Split from the parser (``xpath/__init__.py``) so each module stays small; see there for the
grammar.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from functools import lru_cache

#: Deepest nesting accepted (parentheses, function calls, operators): deeper is refused.
MAX_DEPTH = 60
#: Longest expression accepted, in characters.
MAX_LENGTH = 4000

_EPOCH = dt.date(1970, 1, 1)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")

Lookup = Callable[[str], object]
Node = Callable[[Lookup, object, dt.date], object]


class ExprError(ValueError):
    """An expression outside the supported grammar; the message is Italian and says where."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


# --------------------------------------------------------------------------- values


def to_string(value: object) -> str:
    """Return the XPath string of a value (``None`` is ``""``, ``3.0`` is ``"3"``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(to_string(v) for v in value)
    return str(value)


def _date_days(value: dt.date) -> float:
    if isinstance(value, dt.datetime):
        day = value.date()
        return (day - _EPOCH).days + (value - dt.datetime.combine(day, dt.time())).seconds / 86400
    return float((value - _EPOCH).days)


def _parse_iso(text: str) -> dt.date | None:
    match = _ISO_DATE.match(text)
    if not match:
        return None
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match[4] is None:
            return day
        return dt.datetime(day.year, day.month, day.day, int(match[4]), int(match[5]),
                           int(match[6] or 0))  # fmt: skip
    except ValueError:
        return None


def to_number(value: object) -> float:
    """Return the XPath number of a value: NaN when it is not a number; dates as days."""
    if type(value) is float:  # the common case, first: answers are parsed already
        return value
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date):
        return _date_days(value)
    text = to_string(value).strip()
    if not text:
        return math.nan
    try:
        return float(text)
    except ValueError:
        day = _parse_iso(text)
        return _date_days(day) if day is not None else math.nan


def to_bool(value: object) -> bool:
    """Return the XPath boolean of a value: non-zero numbers and non-empty text are true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, dt.date):
        return True
    return bool(to_string(value))


def _plain(value: object) -> object:
    """Return a looked-up answer as an XPath value (pandas timestamps become dates)."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    to_py = getattr(value, "to_pydatetime", None)
    if to_py is not None:
        if value != value:  # NaT
            return ""
        moment = to_py()
        return moment.date() if moment.time() == dt.time() else moment
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, list | tuple):
        return " ".join(to_string(v) for v in value)
    return value


def _equal(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return to_bool(a) == to_bool(b)
    if isinstance(a, int | float | dt.date) or isinstance(b, int | float | dt.date):
        return to_number(a) == to_number(b)
    return to_string(a) == to_string(b)


_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "=": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": lambda a, b: to_number(a) < to_number(b),
    "<=": lambda a, b: to_number(a) <= to_number(b),
    ">": lambda a, b: to_number(a) > to_number(b),
    ">=": lambda a, b: to_number(a) >= to_number(b),
}


def _div(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * (
            math.copysign(1, b))  # fmt: skip
    return a / b


def _mod(a: float, b: float) -> float:
    return math.nan if b == 0 or math.isinf(a) else math.fmod(a, b)


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": _div,
    "mod": _mod,
}


# --------------------------------------------------------------------------- functions


def _to_date(value: object) -> object:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isnan(value) or abs(value) > 3e6:
            return math.nan
        return _EPOCH + dt.timedelta(days=math.floor(value))
    day = _parse_iso(to_string(value))
    return math.nan if day is None else day


def _round(value: object, digits: object = 0) -> float:
    number, places = to_number(value), to_number(digits)
    if math.isnan(number) or math.isinf(number) or math.isnan(places):
        return number
    scale = 10 ** int(places)
    return math.floor(number * scale + 0.5) / scale  # XPath rounds halves up


def _int(value: object) -> float:
    number = to_number(value)
    return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))


def _substr(value: object, start: object, end: object = None) -> str:
    text = to_string(value)
    first = int(to_number(start)) if not math.isnan(to_number(start)) else 0
    if end is None:
        return text[first:]
    last = to_number(end)
    return text[first : int(last)] if not math.isnan(last) else ""


def _selected_at(value: object, index: object) -> str:
    parts, number = to_string(value).split(), to_number(index)
    if math.isnan(number) or not 0 <= int(number) < len(parts):
        return ""
    return parts[int(number)]


def _extreme(pick: Callable[..., float]) -> Callable[..., float]:
    def run(*values: object) -> float:
        numbers = [to_number(v) for v in values]
        return math.nan if any(math.isnan(n) for n in numbers) else pick(numbers)

    return run


def _regex(value: object, pattern: object) -> bool:
    return _pattern(to_string(pattern)).search(to_string(value)) is not None


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _before(text: str, part: str) -> str:
    return text.partition(part)[0] if part in text else ""


def _pow(base: object, exponent: object) -> float:
    try:
        return math.pow(to_number(base), to_number(exponent))
    except (OverflowError, ValueError):
        return math.nan


#: name -> (fewest arguments, most arguments or None, implementation on evaluated arguments).
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., object]]] = {
    "true": (0, 0, lambda: True),
    "false": (0, 0, lambda: False),
    "not": (1, 1, lambda v: not to_bool(v)),
    "boolean": (1, 1, to_bool),
    "boolean-from-string": (1, 1, lambda v: to_string(v).strip().lower() in ("true", "1")),
    "number": (1, 1, to_number),
    "string": (1, 1, to_string),
    "int": (1, 1, _int),
    "round": (1, 2, _round),
    "floor": (1, 1, lambda v: float(math.floor(n)) if math.isfinite(n := to_number(v)) else n),
    "ceiling": (1, 1, lambda v: float(math.ceil(n)) if math.isfinite(n := to_number(v)) else n),
    "abs": (1, 1, lambda v: abs(to_number(v))),
    "pow": (2, 2, _pow),
    "min": (1, None, _extreme(min)),
    "max": (1, None, _extreme(max)),
    "concat": (0, None, lambda *v: "".join(to_string(x) for x in v)),
    "contains": (2, 2, lambda a, b: to_string(b) in to_string(a)),
    "starts-with": (2, 2, lambda a, b: to_string(a).startswith(to_string(b))),
    "ends-with": (2, 2, lambda a, b: to_string(a).endswith(to_string(b))),
    "substr": (2, 3, _substr),
    "substring-before": (2, 2, lambda a, b: _before(to_string(a), to_string(b))),
    "substring-after": (2, 2, lambda a, b: to_string(a).partition(to_string(b))[2]),
    "string-length": (1, 1, lambda v: float(len(to_string(v)))),
    "normalize-space": (1, 1, lambda v: " ".join(to_string(v).split())),
    "regex": (2, 2, _regex),
    "selected": (2, 2, lambda a, b: to_string(b).strip() in to_string(a).split()),
    "count-selected": (1, 1, lambda v: float(len(to_string(v).split()))),
    "selected-at": (2, 2, _selected_at),
    "date": (1, 1, _to_date),
    "decimal-date-time": (1, 1, lambda v: to_number(_to_date(v))),
    "coalesce": (2, 2, lambda a, b: a if to_string(a) != "" else b),
}
#: Functions evaluated here with the questionnaire's context rather than their arguments.
_SPECIAL = {"if": (3, 3), "today": (0, 0), "now": (0, 0)}
