"""Parse and evaluate the XPath expressions of XLSForm ``relevant`` and ``constraint`` columns.

A small Pratt parser reads the subset XLSForm users write (``.``, ``${name}``, literals,
comparisons, ``and``/``or``, arithmetic with ``+ - * div mod`` and the functions in
:data:`FUNCTIONS`) into a tree of closures, compiled once per expression text. Nothing is
ever passed to Python's ``eval``. Anything else (paths such as ``/data/x`` or ``..``, unknown
functions such as ``__import__``, nesting deeper than :data:`MAX_DEPTH`) raises
:class:`ExprError` when the questionnaire is loaded, so an expression is either evaluated for
every interview or refused up front with a finding.

Values follow XPath 1.0 as ODK Collect applies it: an unanswered question is the empty
string; ``=`` compares as numbers when one side is a number or a date, as booleans when one
side is a boolean, else as text; ``<`` and friends compare numbers (dates as days since
1970-01-01).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
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


# --------------------------------------------------------------------------- parsing

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+(?:\.\d*)?|\.\d+)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<ref>\$\{\s*(?P<refname>[^\s{}]+)\s*\})
    | (?P<parent>\.\.)
    | (?P<dot>\.)
    | (?P<name>[A-Za-z_][\w\-]*(?::[A-Za-z_][\w\-]*)?)
    | (?P<op>!=|<=|>=|[=<>+\-*(),])
    | (?P<bad>\S)
    )""",
    re.VERBOSE,
)
_NAME_OK = re.compile(r"^[A-Za-z_][\w.\-]*$")
#: Binding power of each binary operator (higher binds tighter).
_BINARY = {"or": 10, "and": 20, "=": 30, "!=": 30, "<": 40, "<=": 40, ">": 40, ">=": 40,
           "+": 50, "-": 50, "*": 60, "div": 60, "mod": 60}  # fmt: skip
_UNARY_POWER = 70


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:  # only trailing spaces are left
            break
        kind = match.lastgroup if match.lastgroup != "refname" else "ref"
        start = match.start(kind)
        if kind == "bad":
            char = match[kind]
            if char == "/":
                raise ExprError("i percorsi XPath (/data/...) non sono supportati: usare ${nome}")
            if char in "'\"":
                raise ExprError(f"virgolette {char} non chiuse (carattere {start + 1})", start)
            raise ExprError(f"carattere «{char}» non previsto (carattere {start + 1})", start)
        if kind == "parent":
            raise ExprError("«..» (domanda del gruppo superiore) non è supportato: usare ${nome}")
        value = match["refname"] if kind == "ref" else match[kind]
        if kind == "ref" and not _NAME_OK.match(value):
            raise ExprError(f"nome di domanda non valido in «${{{value}}}»", start)
        if kind == "name" and value in _BINARY:
            kind = "op"
        out.append(_Tok(kind, value, start))
        pos = match.end()
    out.append(_Tok("end", "", len(text)))
    return out


class _Parser:
    """Pratt parser from tokens to a tuple tree: ("num", v), ("call", name, args), ..."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text or tok.kind not in ("op",):
            found = f"«{tok.text}»" if tok.kind != "end" else "la fine"
            raise ExprError(f"atteso «{text}», trovato {found} (carattere {tok.pos + 1})", tok.pos)

    def parse(self, power: int = 0) -> tuple:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"espressione annidata oltre {MAX_DEPTH} livelli")
        left = self.prefix(self.take())
        while True:
            tok = self.peek()
            bp = _BINARY.get(tok.text) if tok.kind == "op" else None
            if bp is None or bp <= power:
                break
            self.take()
            left = ("bin", tok.text, left, self.parse(bp))
        self.depth -= 1
        return left

    def prefix(self, tok: _Tok) -> tuple:
        if tok.kind == "num":
            return ("lit", float(tok.text))
        if tok.kind == "str":
            return ("lit", tok.text[1:-1])
        if tok.kind == "ref":
            return ("ref", tok.text)
        if tok.kind == "dot":
            return ("dot",)
        if tok.kind == "op" and tok.text == "-":
            return ("neg", self.parse(_UNARY_POWER))
        if tok.kind == "op" and tok.text == "(":
            inner = self.parse()
            self.expect(")")
            return inner
        if tok.kind == "name":
            if self.peek().text != "(":
                raise ExprError(
                    f"«{tok.text}» non è supportato: per una domanda scrivere ${{{tok.text}}}",
                    tok.pos,
                )
            self.take()
            return self.call(tok)
        found = f"«{tok.text}»" if tok.kind != "end" else "la fine dell'espressione"
        raise ExprError(f"trovato {found} dove serve un valore (carattere {tok.pos + 1})", tok.pos)

    def call(self, tok: _Tok) -> tuple:
        name = tok.text
        if name not in FUNCTIONS and name not in _SPECIAL:
            raise ExprError(f"funzione «{name}()» non supportata", tok.pos)
        args: list[tuple] = []
        if self.peek().text != ")":
            args.append(self.parse())
            while self.peek().text == ",":
                self.take()
                args.append(self.parse())
        self.expect(")")
        low, high = FUNCTIONS[name][:2] if name in FUNCTIONS else _SPECIAL[name]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = str(low) if low == high else f"da {low} a {high if high else 'molti'}"
            raise ExprError(f"«{name}()» vuole {wanted} argomenti, ne ha {len(args)}", tok.pos)
        if name == "regex" and args[1][0] == "lit" and isinstance(args[1][1], str):
            try:
                _pattern(args[1][1])
            except re.error as exc:
                raise ExprError(f"espressione regolare non valida ({exc})", tok.pos) from exc
        return ("call", name, tuple(args))


# --------------------------------------------------------------------------- compiling


def _build(node: tuple, depth: int = 0) -> Node:
    """Return a closure ``(lookup, current, today) -> value`` for a parsed node."""
    if depth > MAX_DEPTH:
        raise ExprError(f"espressione annidata oltre {MAX_DEPTH} livelli")
    kind = node[0]
    if kind == "lit":
        value = node[1]

        def literal(g: Lookup, c: object, t: dt.date) -> object:
            return value

        literal.literal = value  # lets comparisons with a constant skip a call
        return literal
    if kind == "ref":
        name = node[1]
        return lambda g, c, t: _plain(g(name))
    if kind == "dot":
        return lambda g, c, t: c
    if kind == "neg":
        inner = _build(node[1], depth + 1)
        return lambda g, c, t: -to_number(inner(g, c, t))
    if kind == "bin":
        return _build_binary(node[1], _build(node[2], depth + 1), _build(node[3], depth + 1))
    return _build_call(node[1], [_build(arg, depth + 1) for arg in node[2]])


def _build_binary(op: str, left: Node, right: Node) -> Node:
    if op == "and":
        return lambda g, c, t: to_bool(left(g, c, t)) and to_bool(right(g, c, t))
    if op == "or":
        return lambda g, c, t: to_bool(left(g, c, t)) or to_bool(right(g, c, t))
    if op in _COMPARE:
        return _build_compare(op, left, right)
    arith = _ARITH[op]
    return lambda g, c, t: arith(to_number(left(g, c, t)), to_number(right(g, c, t)))


_NUMERIC = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _build_compare(op: str, left: Node, right: Node) -> Node:
    compare = _COMPARE[op]
    literal = getattr(right, "literal", None)
    if op in _NUMERIC and isinstance(literal, float):  # ". >= 0": the most common constraint
        number, test = literal, _NUMERIC[op]
        return lambda g, c, t: test(to_number(left(g, c, t)), number)
    return lambda g, c, t: compare(left(g, c, t), right(g, c, t))


def _build_call(name: str, args: list[Node]) -> Node:
    if name == "today":
        return lambda g, c, t: t
    if name == "now":
        return lambda g, c, t: dt.datetime.combine(t, dt.time())
    if name == "if":
        test, yes, no = args
        return lambda g, c, t: yes(g, c, t) if to_bool(test(g, c, t)) else no(g, c, t)
    func = FUNCTIONS[name][2]
    if len(args) == 1:
        (only,) = args
        return lambda g, c, t: func(only(g, c, t))
    return lambda g, c, t: func(*(arg(g, c, t) for arg in args))


def _walk(node: tuple):
    yield node
    if node[0] == "neg":
        yield from _walk(node[1])
    elif node[0] == "bin":
        yield from _walk(node[2])
        yield from _walk(node[3])
    elif node[0] == "call":
        for arg in node[2]:
            yield from _walk(arg)


@dataclass(frozen=True)
class Expression:
    """A compiled expression: the names it reads and a function to evaluate it."""

    text: str
    refs: tuple[str, ...]
    uses_current: bool
    run: Node

    def value(self, lookup: Lookup, current: object = None, today: dt.date | None = None):
        """Return the XPath value of the expression for one interview."""
        return self.run(lookup, _plain(current), today or dt.date.today())

    def test(self, lookup: Lookup, current: object = None, today: dt.date | None = None) -> bool:
        """Return the truth of the expression for one interview (XPath ``boolean()``)."""
        return to_bool(self.run(lookup, _plain(current), today or dt.date.today()))


@lru_cache(maxsize=1024)
def compile_expression(text: str) -> Expression:
    """Parse and check an expression once; the result is cached by its text.

    Raises
    ------
    ExprError
        The expression is empty, too long or too deep, or uses something outside the grammar.

    Examples
    --------
    >>> compile_expression("${a} + 1 > 2").refs
    ('a',)
    >>> compile_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    distretti_survey.xpath.ExprError: funzione «__import__()» non supportata
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"espressione troppo lunga ({len(text)} caratteri, massimo {MAX_LENGTH})")
    if not text.strip():
        raise ExprError("espressione vuota")
    parser = _Parser(text)
    tree = parser.parse()
    tok = parser.peek()
    if tok.kind != "end":
        raise ExprError(f"«{tok.text}» in più dopo la fine (carattere {tok.pos + 1})", tok.pos)
    run = _build(tree)
    nodes = list(_walk(tree))
    refs = tuple(dict.fromkeys(n[1] for n in nodes if n[0] == "ref"))
    return Expression(text, refs, any(n[0] == "dot" for n in nodes), run)


def evaluate(
    expr: str, lookup: Lookup, current: object = None, today: dt.date | None = None
) -> bool | None:
    """Return the truth of an XLSForm expression, or None when it is outside the grammar.

    Parameters
    ----------
    expr
        The ``relevant`` or ``constraint`` text, e.g. ``"${quote_district_ok} = 'si'"``.
    lookup
        Returns the value of another question (None when unanswered).
    current
        The value of ``.`` (for constraints).
    today
        The date of ``today()``; the current date when None.

    Examples
    --------
    >>> evaluate(". >= 0", lambda name: None, current=-5.0)
    False
    >>> evaluate("selected(${p}, 'nessuno')", {"p": "nessuno altro"}.get)
    True
    >>> evaluate(". <= today()", lambda name: None, dt.date(2031, 1, 1), dt.date(2026, 1, 1))
    False
    """
    try:
        compiled = compile_expression(expr)
    except ExprError:
        return None
    return compiled.test(lookup, current, today)


def numeric_bounds(text: str) -> tuple[float | None, float | None] | None:
    """Return (lowest, highest) allowed for ``.`` by a constraint made only of bounds.

    Understands ``. >= a``, ``. <= b``, ``a <= .`` and their ``and``; anything else gives
    None. Used to turn a constraint into an Excel data validation.

    Examples
    --------
    >>> numeric_bounds(". >= 0 and . <= 10000000")
    (0.0, 10000000.0)
    >>> numeric_bounds(". > 0") is None, numeric_bounds(". >= 0")
    (True, (0.0, None))
    """
    try:
        tree = _Parser(text).parse()
    except ExprError:
        return None
    low: float | None = None
    high: float | None = None
    todo = [tree]
    while todo:
        node = todo.pop()
        if node[0] == "bin" and node[1] == "and":
            todo.extend((node[2], node[3]))
            continue
        if node[0] != "bin" or node[1] not in ("<=", ">="):
            return None
        op, left, right = node[1], node[2], node[3]
        if right == ("dot",) and left[0] == "lit":  # "0 <= ." is ". >= 0"
            op, left, right = ("<=" if op == ">=" else ">="), right, left
        if left != ("dot",) or right[0] != "lit" or not isinstance(right[1], float):
            return None
        if op == ">=":
            low = right[1] if low is None else max(low, right[1])
        else:
            high = right[1] if high is None else min(high, right[1])
    return low, high
