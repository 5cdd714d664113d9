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
import re
from dataclasses import dataclass
from functools import lru_cache

from distretti_survey.xpath.values import (
    _ARITH,
    _COMPARE,
    _SPECIAL,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExprError,
    Lookup,
    Node,
    _pattern,
    _plain,
    to_bool,
    to_number,
    to_string,
)

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExprError",
    "Expression",
    "compile_expression",
    "evaluate",
    "numeric_bounds",
    "to_bool",
    "to_number",
    "to_string",
]


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
    distretti_survey.xpath.values.ExprError: funzione «__import__()» non supportata
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
