"""The XPath evaluator: every function, precedence, XPath 1.0 comparisons, refusals, limits.

Expected values come from the XPath 1.0 recommendation and the ODK XForms spec (functions
such as ``selected`` and ``regex``), worked out by hand, never from the evaluator's output.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distretti_survey.xpath import (
    MAX_DEPTH,
    ExprError,
    compile_expression,
    evaluate,
    numeric_bounds,
)

TODAY = dt.date(2026, 11, 29)
ANSWERS = {
    "n": 12.0,
    "s": "abc",
    "multi": ["nessuno", "burocrazia"],
    "d": dt.date(2011, 6, 1),
    "empty": None,
}


def value(text: str, current: object = None):
    return compile_expression(text).value(ANSWERS.get, current, TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true()", True),
        ("false()", False),
        ("not(true())", False),
        ("boolean('x')", True),
        ("boolean(0)", False),
        ("boolean-from-string('true')", True),
        ("boolean-from-string('yes')", False),
        ("number('4.5')", 4.5),
        ("string(3)", "3"),
        ("int(-3.7)", -3.0),  # truncates toward zero
        ("round(2.5)", 3.0),  # halves round up in XPath
        ("round(-2.5)", -2.0),
        ("round(3.14159, 2)", 3.14),
        ("floor(-1.5)", -2.0),
        ("ceiling(1.2)", 2.0),
        ("abs(-4)", 4.0),
        ("pow(2, 10)", 1024.0),
        ("min(3, 1, 2)", 1.0),
        ("max(3, 1, 2)", 3.0),
        ("concat('a', 1, 'b', ${s})", "a1babc"),
        ("contains('distretto', 'rett')", True),
        ("starts-with('distretto', 'dis')", True),
        ("ends-with('distretto', 'otto')", False),
        ("substr('distretto', 3)", "tretto"),
        ("substr('distretto', 0, 3)", "dis"),
        ("substring-before('a-b-c', '-')", "a"),
        ("substring-after('a-b-c', '-')", "b-c"),
        ("substring-before('abc', 'x')", ""),
        ("string-length('città')", 5.0),
        ("string-length(${empty})", 0.0),
        ("normalize-space('  a   b ')", "a b"),
        ("regex('AB12', '^[A-Z]{2}[0-9]+$')", True),
        ("regex('ab12', '^[A-Z]{2}')", False),
        ("selected(${multi}, 'nessuno')", True),
        ("selected(${multi}, 'nessun')", False),  # whole options, not substrings
        ("count-selected(${multi})", 2.0),
        ("count-selected(${empty})", 0.0),
        ("selected-at(${multi}, 1)", "burocrazia"),
        ("selected-at(${multi}, 5)", ""),
        ("date('2011-06-01')", dt.date(2011, 6, 1)),
        ("date(0)", dt.date(1970, 1, 1)),
        ("decimal-date-time('1970-01-11')", 10.0),
        ("today()", TODAY),
        ("if(${n} > 10, 'alto', 'basso')", "alto"),
        ("coalesce(${empty}, 'x')", "x"),
        ("coalesce(${s}, 'x')", "abc"),
    ],
)
def test_each_function(text, expected):
    assert value(text) == expected


def test_number_of_text_is_nan():
    assert math.isnan(value("number('abc')")) and math.isnan(value("number(${empty})"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),  # left associative
        ("8 div 2 div 2", 2.0),
        ("7 mod 4 * 2", 6.0),
        ("-2 * 3", -6.0),
        ("- -2", 2.0),
        ("-7 mod 3", -1.0),  # XPath mod keeps the sign of the dividend (like C fmod)
        ("1 div 0", math.inf),
        ("1 = 1 or 1 = 2 and 1 = 3", True),  # and binds tighter than or
        ("(1 = 1 or 1 = 2) and 1 = 3", False),
        ("1 + 1 = 2", True),  # arithmetic binds tighter than comparison
        ("1 < 2 = true()", True),  # relational binds tighter than equality
        ("not(1 = 2) and 2 >= 2", True),
    ],
)
def test_precedence_and_arithmetic(text, expected):
    assert value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'10' > '9'", True),  # relational operators compare numbers, not text
        ("'10' = '10.0'", False),  # two strings compare as strings
        ("${n} = '12'", True),  # a number on one side: numeric
        ("${empty} = ''", True),  # an unanswered question is the empty string
        ("${empty} != 'no'", True),
        ("${empty} > 0", False),  # NaN compares false
        ("${empty} <= 0", False),
        ("${d} < today()", True),
        ("${d} = '2011-06-01'", True),  # date against its ISO text
        ("${d} + 1 = date('2011-06-02')", True),
        ("true() = 'x'", True),  # a boolean on one side: boolean
    ],
)
def test_xpath_comparisons(text, expected):
    assert value(text) is expected


def test_current_value_and_future_date():
    check = compile_expression(". <= today()")
    assert check.uses_current and check.refs == ()
    assert check.test(ANSWERS.get, dt.date(2031, 3, 1), TODAY) is False
    assert check.test(ANSWERS.get, dt.date(2011, 3, 1), TODAY) is True
    email = compile_expression(r"regex(., '^[^@\s]+@[^@\s]+\.[^@\s]+$')")
    assert email.test(ANSWERS.get, "mario.rossi@comune.pv.it") is True
    assert email.test(ANSWERS.get, "mario.rossi@comune") is False


def test_pandas_values_are_read_as_xpath_values():
    import pandas as pd

    lookup = {"t": pd.Timestamp(2031, 1, 2), "nat": pd.NaT, "nan": float("nan")}.get
    assert compile_expression("${t} > today()").test(lookup, today=TODAY)
    assert compile_expression("${nat} = '' and ${nan} = ''").test(lookup)


def test_refs_are_listed_once_in_order():
    assert compile_expression("${b} > ${a} and ${b} < 3").refs == ("b", "a")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("__import__('os')", "funzione «__import__()» non supportata"),
        ("eval('1')", "funzione «eval()»"),
        ("${a}.__class__", "in più"),
        ("/data/a = 1", "percorsi"),
        ("../a = 1", "«..»"),
        ("a = 1", "scrivere ${a}"),
        ("1 +", "dove serve un valore"),
        ("(1 + 2", "atteso «)»"),
        ("'abc", "virgolette"),
        ("1 2", "in più"),
        ("not(1, 2)", "vuole 1 argomenti"),
        ("if(1, 2)", "vuole 3 argomenti"),
        ("regex(., '(')", "espressione regolare non valida"),
        ("pulldata('a', 'b', 'c', 'd')", "non supportata"),
        ("position() = 1", "non supportata"),
        ("1 | 2", "«|»"),
        ("${a b}", "carattere"),
        ("", "vuota"),
    ],
)
def test_what_is_refused(text, words):
    with pytest.raises(ExprError, match=re.escape(words)):
        compile_expression(text)
    assert evaluate(text, ANSWERS.get) is None


def test_deep_nesting_is_refused_not_a_recursion_error():
    deep = "not(" * 1000 + "true()" + ")" * 1000  # the hostile corpus' constraint
    with pytest.raises(ExprError, match=r"annidata|troppo lunga"):
        compile_expression(deep)
    with pytest.raises(ExprError, match="annidata"):
        compile_expression("-" * 1000 + "1")
    parens = "(" * 1000 + "1" + ")" * 1000
    with pytest.raises(ExprError, match="annidata"):
        compile_expression(parens)
    chain = " and ".join(["true()"] * (MAX_DEPTH + 5))  # a long flat chain is deep too
    with pytest.raises(ExprError):
        compile_expression(chain)
    ok = "not(" * (MAX_DEPTH // 2) + "true()" + ")" * (MAX_DEPTH // 2)
    assert value(ok) is True  # an even number of not()


def test_long_expression_is_refused():
    with pytest.raises(ExprError, match="troppo lunga"):
        compile_expression("1 + " * 2000 + "1")


@given(
    st.integers(-10_000, 10_000),
    st.integers(-10_000, 10_000),
    st.sampled_from(["+", "-", "*", "div", "mod"]),
)
def test_arithmetic_matches_ieee_doubles(a, b, op):
    got = value(f"{a} {op} {b}".replace("--", "- -"))
    if op == "div":
        expected = a / b if b else (math.nan if a == 0 else math.copysign(math.inf, a))
    elif op == "mod":
        expected = math.fmod(a, b) if b else math.nan
    else:
        expected = {"+": a + b, "-": a - b, "*": a * b}[op]
    assert got == expected or (math.isnan(got) and math.isnan(expected))


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        (". >= 0", (0.0, None)),
        (". <= 5", (None, 5.0)),
        (". >= 0 and . <= 10000000", (0.0, 10_000_000.0)),
        ("0 <= . and . <= 5", (0.0, 5.0)),
        (". > 0", None),
        (". >= ${x}", None),
        ("regex(., 'a')", None),
    ],
)
def test_numeric_bounds(text, bounds):
    assert numeric_bounds(text) == bounds
