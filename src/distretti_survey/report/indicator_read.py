"""Numbers read back from the indicator table (``indicatori.csv``), for sentences and charts.

The deck's and the HTML report's sentences (``narrative``) and the ranking and budget charts
(``figures``) take their numbers from the table that ``indicator_table`` builds, so what the
audience reads and sees is what the file holds.
"""

from __future__ import annotations

import pandas as pd


def lookup(table: pd.DataFrame, indicator: str, item: str = "", district_id: str = "") -> pd.Series:
    """Return the one row of ``table`` for (indicator, item, district); KeyError if none."""
    rows = table[
        table["indicator"].eq(indicator)
        & table["item"].eq(item)
        & table["district_id"].eq(district_id)
    ]
    if len(rows) != 1:
        raise KeyError(f"{indicator} / {item!r} / {district_id!r}: {len(rows)} righe")
    return rows.iloc[0]


def ranking_from_table(
    table: pd.DataFrame, indicator: str, items: list[str], key: str = "option"
) -> pd.DataFrame:
    """Return the "k of N" ranking a chart draws, read back from the indicator table.

    Rows are the wave-level rows of ``indicator`` for ``items``, most districts first (ties
    in the order of ``items``), with the columns the charts take: ``key, k, n, share,
    small_base``.
    """
    rows = table[table["indicator"].eq(indicator) & table["district_id"].eq("")]
    rows = rows.set_index("item").reindex(items)
    out = pd.DataFrame(
        {
            key: items,
            "k": rows["numerator"].fillna(0).astype("int64").to_numpy(),
            "n": rows["denominator"].fillna(0).astype("int64").to_numpy(),
            "share": rows["value"].to_numpy(dtype="float64"),
            "small_base": rows["flag"].fillna("").str.contains("base ridotta").to_numpy(),
        }
    )
    return out.sort_values("k", ascending=False, kind="stable", ignore_index=True)


def districts_from_table(table: pd.DataFrame, indicator: str, value: str) -> pd.DataFrame:
    """Return the per-district rows of ``indicator``: ``district_id``, ``value``, ``small_base``."""
    rows = table[table["indicator"].eq(indicator) & table["district_id"].ne("")]
    return pd.DataFrame(
        {
            "district_id": rows["district_id"].to_numpy(),
            value: rows["value"].to_numpy(dtype="float64"),
            "small_base": rows["flag"].str.contains("base ridotta").to_numpy(),
        }
    )
