"""Evaluate the small XLSForm expressions of ``relevant`` and ``constraint`` columns.

Only comparisons, ``and``/``or``/``not()``, ``selected()``, ``${name}`` and ``.`` are understood;
anything else evaluates to None (unknown), so an expression the package cannot read never
produces a finding.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import lru_cache
from types import CodeType

_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.Load,
)
_FUNCTIONS = {"_v", "_sel", "_count", "_dot"}


def _translate(expr: str) -> str:
    py = re.sub(r"\$\{(\w+)\}", r"_v('\1')", expr)
    py = re.sub(r"(?<![\w.'])\.(?![\w.])", "_dot", py)
    py = re.sub(r"(?<![<>!=])=(?!=)", "==", py)
    py = re.sub(r"\bcount-selected\s*\(", "_count(", py)
    py = re.sub(r"\bselected\s*\(", "_sel(", py)
    py = re.sub(r"\bnot\s*\(", "not (", py)
    return py.replace("true()", "True").replace("false()", "False")


@lru_cache(maxsize=512)
def _compiled(expr: str) -> CodeType | None:
    """Return the checked, compiled expression, or None when it is not understood.

    Cached: a questionnaire has a few dozen expressions, evaluated for every interview.
    """
    try:
        tree = ast.parse(_translate(expr), mode="eval")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            return None
        if isinstance(node, ast.Name) and node.id not in _FUNCTIONS | {"True", "False"}:
            return None
    return compile(tree, "<xlsform>", "eval")


def _selected(value: object, option: object) -> bool:
    return str(option) in str(value or "").split()


def _count(value: object) -> int:
    return len(str(value or "").split())


def evaluate(expr: str, lookup: Callable[[str], object], current: object = None) -> bool | None:
    """Return the truth of an XLSForm expression, or None when it cannot be evaluated.

    Parameters
    ----------
    expr
        The ``relevant`` or ``constraint`` text, e.g. ``"${quote_district_ok} = 'si'"``.
    lookup
        Returns the value of another question (None when unanswered).
    current
        The value of ``.`` (for constraints).

    Examples
    --------
    >>> evaluate(". >= 0", lambda name: None, current=-5.0)
    False
    >>> evaluate("selected(${p}, 'nessuno')", {"p": "nessuno altro"}.get)
    True
    """
    code = _compiled(expr)
    if code is None:
        return None
    env = {"_v": lookup, "_sel": _selected, "_count": _count, "_dot": current}
    try:
        result = eval(code, {"__builtins__": {}}, env)
    except (TypeError, ValueError):  # comparing an unanswered (None) value
        return None
    return bool(result)
