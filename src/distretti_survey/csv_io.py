"""The one CSV writer of the package: formula-safe text, byte-stable output.

A CSV opened in Excel or LibreOffice runs any cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (CSV injection, OWASP); a leading tab or carriage return is stripped on
import and exposes what follows. Open answers are typed by people outside the team, so every
text cell that could be taken for a formula is written with a leading apostrophe, which
spreadsheets show as text. Numbers are written as numbers: -5 stays -5.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_FIRST = ("=", "+", "-", "@")
#: Characters stripped before the formula check by spreadsheets on import.
_RISKY_FIRST = (*FORMULA_FIRST, "\t", "\r")


def neutralise(value: object) -> object:
    """Return ``value`` so that a spreadsheet opening the CSV cannot take it for a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return, or with one of the
    first four after leading whitespace, gets a leading ``'``; line breaks become ``\\n``.
    Every non-text value (a negative number included) is returned unchanged.

    Examples
    --------
    >>> neutralise("=1+1"), neutralise("  @SUM(A1)"), neutralise("\\t-2"), neutralise("\\rx")
    ("'=1+1", "'  @SUM(A1)", "'\\t-2", "'\\nx")
    >>> neutralise(-5), neutralise("sì, -20%")
    (-5, 'sì, -20%')
    """
    if not isinstance(value, str) or not value:
        return value
    risky = value.startswith(_RISKY_FIRST) or value.lstrip().startswith(FORMULA_FIRST)
    # the csv module quotes a field holding "\n" but not a lone "\r", which would end the row
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + value if risky else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells are neutralised; numeric columns untouched."""
    import pandas as pd

    out = df.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        if pd.api.types.is_bool_dtype(series):
            continue
        out[column] = series.map(neutralise).astype(object)
    return out


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write ``df`` to ``path`` as formula-safe, byte-stable CSV (UTF-8, ``\\n``, no index).

    Parameters
    ----------
    df
        The table.
    path
        Destination file; its folder must exist.
    **options
        Passed to ``DataFrame.to_csv`` (``columns``, ``date_format``, ``float_format``, ...).

    Returns
    -------
    The path written.
    """
    path = Path(path)
    kwargs: dict[str, Any] = {"index": False, "lineterminator": "\n", "encoding": "utf-8"}
    kwargs.update(options)
    safe_frame(df).to_csv(path, **kwargs)
    return path
