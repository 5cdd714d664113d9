"""Plausibility of values the questionnaire cannot bound by itself (pure functions).

A date may be a real day and still be a typo: 3011 for 2011, or an interview held in the
future. The windows are in ``limits.py``; amounts are bounded by the questionnaire's own
constraints (e.g. ``. >= 0 and . <= 10000000``), evaluated by the validator.
"""

from __future__ import annotations

import datetime as dt

from distretti_survey.ingest import limits


def implausible_date(
    value: dt.date, wave: int | None, *, in_repeat: bool, today: dt.date | None = None
) -> str:
    """Return why ``value`` is not a plausible date for the wave (Italian), or "" when it is.

    A date outside any repeat (the interview's own date) must fall within
    ``limits.INTERVIEW_DATE_YEARS`` of the wave year and not after ``today``; a date in a
    repeat (a planned end, ...) within ``limits.OTHER_DATE_YEARS`` of the wave year.

    Examples
    --------
    >>> implausible_date(dt.date(3011, 5, 2), 2011, in_repeat=False, today=dt.date(2026, 1, 1))
    'anno 3011 lontano dall’ondata 2011 (ammesso 2010-2012)'
    >>> implausible_date(dt.date(2013, 6, 30), 2011, in_repeat=True)
    ''
    """
    if wave is None:
        return ""
    span = limits.OTHER_DATE_YEARS if in_repeat else limits.INTERVIEW_DATE_YEARS
    if abs(value.year - wave) > span:
        return f"anno {value.year} lontano dall’ondata {wave} (ammesso {wave - span}-{wave + span})"
    today = today or dt.date.today()
    if not in_repeat and value > today:
        return f"data nel futuro (oggi è il {today:%d/%m/%Y})"
    return ""
