"""Headline figures of a wave: response (k of N districts) and the key-figures slide.

Pure functions on the tidy tables and the registry's districts of the wave, built from the
indicators of ``indicators``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from distretti_survey.indicators import (
    COMPLETED,
    MISSING_TYPE,
    NOT_STARTED,
    OPEN_STATUSES,
    _require,
    _respondents,
    behind_schedule,
    budget_realisation,
    completion,
    comuni_per_district,
    districts_by_type,
)


def _plain(value: Any) -> Any:
    """Turn numpy scalars and NaN into plain Python values (None for missing)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def response(interviews: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """List every district of the wave's registry with whether it was interviewed.

    Returns
    -------
    pandas.DataFrame
        Columns ``district_id, district_name, type, interviewed, in_registry``, one row per
        registry district (sorted by id), then any interviewed district missing from the
        registry (``in_registry`` False). "k of N districts interviewed" is
        ``interviewed.sum()`` of ``in_registry.sum()``.
    """
    _require(districts, ["district_id", "district_name", "type"], "districts")
    respondents = set(_respondents(interviews))
    out = districts.drop_duplicates("district_id")[["district_id", "district_name", "type"]]
    out = out.sort_values("district_id", kind="stable").reset_index(drop=True)
    out["in_registry"] = True
    extra = sorted(respondents - set(out["district_id"]))
    if extra:
        out = pd.concat(
            [
                out,
                pd.DataFrame(
                    {"district_id": extra, "district_name": extra, "type": MISSING_TYPE}
                ).assign(in_registry=False),
            ],
            ignore_index=True,
        )
    out["interviewed"] = out["district_id"].isin(respondents)
    return out[["district_id", "district_name", "type", "interviewed", "in_registry"]]


def key_figures(
    interviews: pd.DataFrame,
    interventions: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    completed: str = COMPLETED,
    not_started: Sequence[str] = NOT_STARTED,
    open_statuses: Sequence[str] = OPEN_STATUSES,
) -> dict[str, Any]:
    """Collect the headline numbers of a wave for a key-figures slide.

    ``districts`` is the registry of the wave: its size is the N of "k of N districts
    interviewed". Interventions are judged late at their own interview's date.

    Returns
    -------
    dict
        ``n_registry``, ``n_districts`` (interviewed), ``not_interviewed`` (ids),
        ``n_comuni`` (of the interviewed), ``n_by_type`` (type -> count), ``n_interventions``,
        ``n_completed``, ``share_completed``, ``budget_planned``, ``budget_spent``,
        ``budget_realisation``, ``n_budget_counted``, ``n_budget_left_out``,
        ``budget_left_out``, ``n_behind``, ``n_districts_behind``, ``n_undated``.
        Plain Python values; ``None`` where undefined.
    """
    profile = comuni_per_district(interviews, districts)
    answered = response(interviews, districts)
    respondents = set(_respondents(interviews))
    mine = interventions[interventions["district_id"].isin(respondents)]
    done = completion(mine, by=None, completed=completed).iloc[0]
    budget = budget_realisation(mine, by=None, not_started=not_started).iloc[0]
    dates = interviews.set_index("interview_id").get("interview_date")
    late = behind_schedule(mine, interview_dates=dates, open_statuses=open_statuses)
    by_type = districts_by_type(interviews, districts)
    figures = {
        "n_registry": int(answered["in_registry"].sum()),
        "n_districts": len(respondents),
        "not_interviewed": list(answered.loc[~answered["interviewed"], "district_id"]),
        "n_comuni": int(profile["n_comuni"].sum()),
        "n_by_type": {str(t): int(k) for t, k in zip(by_type["type"], by_type["k"], strict=True)},
        "n_interventions": len(mine),
        "n_completed": done["completed"],
        "share_completed": done["share"],
        "budget_planned": budget["budget_planned"],
        "budget_spent": budget["budget_spent"],
        "budget_realisation": budget["realisation"],
        "n_budget_counted": budget["n"],
        "n_budget_left_out": budget["n_left_out"],
        "budget_left_out": budget["budget_left_out"],
        "n_behind": late["behind"].sum(),
        "n_districts_behind": (late["behind"] > 0).sum(),
        "n_undated": late["n_undated"].sum(),
    }
    return {
        key: value if isinstance(value, dict | list) else _plain(value)
        for key, value in figures.items()
    }
