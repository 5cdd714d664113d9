"""The expression evaluator as the ingest sees it (kept in the foundation ``xpath`` module).

The questionnaire checks its expressions on load with the same parser, so the evaluator lives
below both; this module keeps the ingest's import path.
"""

from distretti_survey.xpath import (
    MAX_DEPTH,
    ExprError,
    Expression,
    compile_expression,
    evaluate,
    to_bool,
    to_number,
    to_string,
)

__all__ = [
    "MAX_DEPTH",
    "ExprError",
    "Expression",
    "compile_expression",
    "evaluate",
    "to_bool",
    "to_number",
    "to_string",
]
