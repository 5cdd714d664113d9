"""Indicators: pure functions from the tidy survey tables to small frames with their bases.

Every frame carries its base twice: a column ``n`` (how many districts, interventions or
mentions the figure is computed on) and ``frame.attrs["base"]``, the Italian name of that base
("distretti rispondenti", "interventi", "menzioni"). A ``small_base`` column flags rows whose
base is below a threshold (default 5), so outputs can warn before anyone reads a percentage
computed on three districts.

The functions work on one wave; comparing waves is the job of the pipeline. They know the
codes of the demo questionnaire only as overridable defaults, never its labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from distretti_survey.errors import InputError

BASE_DISTRICTS = "distretti rispondenti"
BASE_INTERVENTIONS = "interventi"
BASE_MENTIONS = "menzioni"
SMALL_BASE = 5

STATUS_ORDER = ("non_avviato", "in_progettazione", "in_corso", "completato", "annullato")
COMPLETED = "completato"
NOT_STARTED = ("non_avviato",)
OPEN_STATUSES = ("non_avviato", "in_progettazione", "in_corso")
# Shown rather than dropped, so status counts always add up to the interventions read.
MISSING_STATUS = "non_indicato"
MISSING_TYPE = "non_indicato"


def _require(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"Tabella '{table}': mancano le colonne {', '.join(missing)}; "
            "controllare che i dati vengano dall'importazione del pacchetto."
        )


def _with_base(frame: pd.DataFrame, base: str, threshold: int) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame["n"] = frame["n"].astype("int64")
    frame["small_base"] = frame["n"] < threshold
    frame.attrs["base"] = base
    return frame


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    whole = whole.astype("float64")
    return part.astype("float64") / whole.where(whole > 0)


def _respondents(interviews: pd.DataFrame) -> list[str]:
    _require(interviews, ["district_id"], "interviews")
    return sorted(interviews["district_id"].dropna().astype(str).unique())


# --- progress -------------------------------------------------------------------------------


def status_counts(
    interventions: pd.DataFrame,
    *,
    by: str | None = None,
    statuses: Sequence[str] = STATUS_ORDER,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Count interventions by status, overall or per group (district, area).

    Parameters
    ----------
    interventions
        The ``interventions`` table of a wave.
    by
        Grouping column (``"district_id"`` or ``"area"``); ``None`` for the whole wave.
    statuses
        Status codes in display order; an empty status is counted as ``"non_indicato"``.
    threshold
        Bases below this are flagged in ``small_base``.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] status, count, n, share``, ``small_base``; ``n`` is the number of
        interventions in the group, so ``share`` adds up to 1 within a group.
    """
    keys = [by] if by else []
    _require(interventions, ["status", *keys], "interventions")
    data = interventions.assign(status=interventions["status"].fillna(MISSING_STATUS))
    order = list(statuses)
    order += sorted(set(data["status"]) - set(order))
    if by:
        groups = sorted(data[by].dropna().unique())
        counts = data.groupby([by, "status"]).size()
        index = pd.MultiIndex.from_product([groups, order], names=[by, "status"])
        out = counts.reindex(index, fill_value=0).rename("count").reset_index()
        out["n"] = out.groupby(by)["count"].transform("sum")
    else:
        counts = data.groupby("status").size().reindex(order, fill_value=0)
        out = counts.rename("count").rename_axis("status").reset_index()
        out["n"] = len(data)
    out["share"] = _share(out["count"], out["n"])
    return _with_base(out, BASE_INTERVENTIONS, threshold)


def completion(
    interventions: pd.DataFrame,
    *,
    by: str | None = "district_id",
    completed: str = COMPLETED,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Compute the share of interventions completed, per group or overall.

    The base is every intervention declared, cancelled ones included.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] completed, n, share, small_base``.
    """
    keys = [by] if by else []
    _require(interventions, ["status", *keys], "interventions")
    done = interventions["status"].eq(completed).astype("int64")
    if by:
        grouped = done.groupby(interventions[by])
        out = pd.DataFrame({"completed": grouped.sum(), "n": grouped.size()})
        out = out.rename_axis(by).reset_index()
    else:
        out = pd.DataFrame({"completed": [int(done.sum())], "n": [len(done)]})
    out["share"] = _share(out["completed"], out["n"])
    return _with_base(out, BASE_INTERVENTIONS, threshold)


def _spent_known(
    status: pd.Series, planned: pd.Series, spent: pd.Series, not_started: Sequence[str]
) -> tuple[pd.Series, pd.Series]:
    """Return the spent amounts to use (blank for not started -> 0) and which rows count."""
    spent = spent.where(spent.notna() | ~status.isin(list(not_started)), 0.0)
    return spent, planned.notna() & spent.notna()


def budget_realisation(
    interventions: pd.DataFrame,
    *,
    by: str | None = "district_id",
    not_started: Sequence[str] = NOT_STARTED,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Compute budget realisation (spent / planned) over every planned intervention.

    The amount spent is asked for every intervention and 0 is a valid answer. A blank amount
    counts as 0 for an intervention not started (``not_started``: nothing can have been
    spent); for any other status a blank amount is unknown, and the intervention is left
    out of both totals, counted in ``n_left_out`` with the budget it carries in
    ``budget_left_out``, so the figure can say what it does not cover. An intervention
    without a planned amount is left out too (nothing to compare with). A group whose
    planned total is zero or unknown gets ``NaN``, never infinity.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] n, n_planned, n_left_out, budget_left_out, budget_planned,
        budget_spent, realisation, small_base``. ``n`` is the interventions counted,
        ``n_planned`` every intervention of the group.
    """
    keys = [by] if by else []
    _require(interventions, ["status", "budget_planned", "budget_spent", *keys], "interventions")
    planned = pd.to_numeric(interventions["budget_planned"], errors="coerce")
    raw_spent = pd.to_numeric(interventions["budget_spent"], errors="coerce")
    spent, known = _spent_known(interventions["status"], planned, raw_spent, not_started)
    data = pd.DataFrame(
        {
            "n": known.astype("int64"),
            "n_planned": 1,
            "n_left_out": (~known).astype("int64"),
            "budget_left_out": planned.where(~known, 0.0).fillna(0.0),
            "budget_planned": planned.where(known, 0.0),
            "budget_spent": spent.where(known, 0.0),
        },
        index=interventions.index,
    )
    if by:
        out = data.groupby(interventions[by]).sum().rename_axis(by).reset_index()
    else:
        out = data.sum().to_frame().T
    out = out[[*keys, *data.columns]]
    for column in ("n_planned", "n_left_out"):
        out[column] = out[column].astype("int64")
    planned_total = out["budget_planned"].where((out["n"] > 0) & (out["budget_planned"] > 0))
    out["realisation"] = out["budget_spent"] / planned_total
    return _with_base(out, BASE_INTERVENTIONS, threshold)


def started_without_amount(
    interventions: pd.DataFrame, *, not_started: Sequence[str] = NOT_STARTED
) -> pd.DataFrame:
    """Return the interventions left out of budget realisation: spent unknown, or no plan.

    Returns
    -------
    pandas.DataFrame
        The rows of ``interventions`` that ``budget_realisation`` leaves out, with a column
        ``reason`` (``"spent_missing"`` or ``"planned_missing"``).
    """
    _require(interventions, ["status", "budget_planned", "budget_spent"], "interventions")
    planned = pd.to_numeric(interventions["budget_planned"], errors="coerce")
    raw_spent = pd.to_numeric(interventions["budget_spent"], errors="coerce")
    _spent, known = _spent_known(interventions["status"], planned, raw_spent, not_started)
    out = interventions[~known].copy()
    out["reason"] = np.where(planned[~known].isna(), "planned_missing", "spent_missing")
    return out


def behind_schedule(
    interventions: pd.DataFrame,
    *,
    interview_dates: pd.Series | None = None,
    reference_date: dt.date | str | pd.Timestamp | None = None,
    by: str = "district_id",
    open_statuses: Sequence[str] = OPEN_STATUSES,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Count interventions past their planned end and still open, per district.

    An intervention is behind schedule when ``end_planned`` is before the date of its own
    interview and its status is one of ``open_statuses`` (not completed, not cancelled, not
    missing): a district interviewed in April is judged in April, not at the wave's last
    interview. Interventions of an interview without a date are not judged and are counted
    in ``n_undated``.

    Parameters
    ----------
    interview_dates
        Interview date by ``interview_id`` (the ``interview_date`` of ``interviews``).
    reference_date
        One date for every intervention instead (reproducing a report made on a given day);
        used only when ``interview_dates`` is None.

    Returns
    -------
    pandas.DataFrame
        Columns ``by, behind, n, share, n_undated, small_base``; ``n`` is the district's
        interventions.
    """
    _require(interventions, ["status", "end_planned", by], "interventions")
    if interview_dates is not None:
        _require(interventions, ["interview_id"], "interventions")
        dates = pd.to_datetime(pd.Series(interview_dates), errors="coerce")
        reference = pd.to_datetime(interventions["interview_id"].map(dates), errors="coerce")
    elif reference_date is not None:
        reference = pd.Series(pd.Timestamp(reference_date), index=interventions.index)
    else:
        raise ValueError("behind_schedule needs interview_dates or reference_date")
    end = pd.to_datetime(interventions["end_planned"], errors="coerce")
    late = (end < reference) & interventions["status"].isin(list(open_statuses))
    grouped = late.astype("int64").groupby(interventions[by])
    undated = reference.isna().astype("int64").groupby(interventions[by])
    out = pd.DataFrame({"behind": grouped.sum(), "n": grouped.size(), "n_undated": undated.sum()})
    out = out.rename_axis(by).reset_index()
    out["share"] = _share(out["behind"], out["n"])
    out = out[[by, "behind", "n", "share", "n_undated"]]
    return _with_base(out, BASE_INTERVENTIONS, threshold)


# --- training and other select_multiple questions ---------------------------------------------


def option_ranking(
    multi: pd.DataFrame,
    interviews: pd.DataFrame,
    *,
    question: str,
    options: Sequence[str] | None = None,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Rank the options of a select_multiple question by the districts choosing them.

    The base ``n`` is every responding district of the wave (``interviews``): a district that
    chose nothing still counts in the denominator.

    Returns
    -------
    pandas.DataFrame
        Columns ``option, k, n, share, small_base``, most chosen first; ties keep the order of
        ``options`` (or the codes' alphabetical order).
    """
    _require(multi, ["district_id", "question", "option"], "multi")
    respondents = _respondents(interviews)
    rows = multi[multi["question"].eq(question) & multi["district_id"].isin(respondents)]
    k = rows.drop_duplicates(["district_id", "option"]).groupby("option").size()
    order = list(options) if options is not None else []
    order += sorted(set(k.index) - set(order))
    out = k.reindex(order, fill_value=0).rename("k").rename_axis("option").reset_index()
    out["n"] = len(respondents)
    out["share"] = _share(out["k"], out["n"])
    out = out.sort_values("k", ascending=False, kind="stable")
    return _with_base(out, BASE_DISTRICTS, threshold)


def district_option_matrix(
    multi: pd.DataFrame,
    interviews: pd.DataFrame,
    *,
    question: str,
    options: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Build the district x option 0/1 matrix of a select_multiple question.

    Returns
    -------
    pandas.DataFrame
        Index ``district_id`` (every respondent, sorted), one int column per option.
        Being wide, the base is in ``attrs``: ``attrs["base"]`` and ``attrs["n"]``.
    """
    _require(multi, ["district_id", "question", "option"], "multi")
    respondents = _respondents(interviews)
    rows = multi[multi["question"].eq(question) & multi["district_id"].isin(respondents)]
    order = list(options) if options is not None else []
    order += sorted(set(rows["option"]) - set(order))
    out = pd.crosstab(rows["district_id"], rows["option"]).clip(upper=1)
    out = out.reindex(index=respondents, columns=order, fill_value=0).astype("int64")
    out.index.name = "district_id"
    out.columns.name = None
    out.attrs["base"] = BASE_DISTRICTS
    out.attrs["n"] = len(respondents)
    return out


# --- Likert items -------------------------------------------------------------------------


def likert_distribution(
    likert: pd.DataFrame,
    *,
    items: Sequence[str] | None = None,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Distribute the answers to Likert items over the scale, with "non so" kept apart.

    Scale points are the values with a ``score``, ordered by score; values without a score
    ("non so", "non applicabile") are flagged ``apart`` and never enter ``share_scored``.

    Returns
    -------
    pandas.DataFrame
        Columns ``item, value, score, apart, count, n, share, n_scored, share_scored,
        small_base``. ``n`` is every answer to the item, ``share`` is on ``n``;
        ``n_scored`` and ``share_scored`` leave out the answers kept apart.
    """
    _require(likert, ["item", "value", "score"], "likert")
    item_order = list(items) if items is not None else sorted(likert["item"].unique())
    data = likert[likert["item"].isin(item_order)]
    scored = data.dropna(subset=["score"]).drop_duplicates("value")
    scale = list(scored.sort_values(["score", "value"])["value"])
    apart = sorted(set(data.loc[data["score"].isna(), "value"]) - set(scale))
    score_of = dict(zip(scored["value"], scored["score"].astype("float64"), strict=True))
    counts = data.groupby(["item", "value"]).size()
    index = pd.MultiIndex.from_product([item_order, scale + apart], names=["item", "value"])
    out = counts.reindex(index, fill_value=0).rename("count").reset_index()
    out["score"] = out["value"].map(score_of).astype("float64")
    out["apart"] = out["value"].isin(apart)
    out["n"] = out.groupby("item")["count"].transform("sum")
    out["share"] = _share(out["count"], out["n"])
    scored_count = out["count"].where(~out["apart"], 0)
    out["n_scored"] = scored_count.groupby(out["item"]).transform("sum").astype("int64")
    out["share_scored"] = _share(out["count"], out["n_scored"]).where(~out["apart"])
    out = out[
        ["item", "value", "score", "apart", "count", "n", "share", "n_scored", "share_scored"]
    ]
    return _with_base(out, BASE_DISTRICTS, threshold)


# --- coded open answers -------------------------------------------------------------------


def _coded(
    codes: pd.DataFrame,
    respondents: list[str],
    question: str | None,
    code_ids: Sequence[str] | None,
) -> pd.DataFrame:
    _require(codes, ["district_id", "question", "code_id"], "codes")
    rows = codes[codes["district_id"].isin(respondents)]
    if question is not None:
        rows = rows[rows["question"].eq(question)]
    if code_ids is not None:
        rows = rows[rows["code_id"].isin(list(code_ids))]
    return rows


def code_mentions(
    codes: pd.DataFrame,
    interviews: pd.DataFrame,
    *,
    question: str | None = None,
    code_ids: Sequence[str] | None = None,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Count the districts mentioning each code: "k of N districts".

    Parameters
    ----------
    codes
        Final codes, one row per (interview, question, code).
    interviews
        Respondents of the wave; ``N`` is their number.
    question
        Keep only codes given to this open question (``None``: all).
    code_ids
        Codes to show, in tie-breaking order; zero counts are kept (``None``: codes present).

    Returns
    -------
    pandas.DataFrame
        Columns ``code_id, k, mentions, n, share, small_base``, most frequent first.
    """
    respondents = _respondents(interviews)
    rows = _coded(codes, respondents, question, code_ids)
    order = list(code_ids) if code_ids is not None else sorted(rows["code_id"].unique())
    k = rows.drop_duplicates(["district_id", "code_id"]).groupby("code_id").size()
    out = pd.DataFrame(
        {
            "k": k.reindex(order, fill_value=0),
            "mentions": rows.groupby("code_id").size().reindex(order, fill_value=0),
        }
    )
    out = out.rename_axis("code_id").reset_index()
    out["n"] = len(respondents)
    out["share"] = _share(out["k"], out["n"])
    out = out.sort_values("k", ascending=False, kind="stable")
    return _with_base(out, BASE_DISTRICTS, threshold)


def mention_shares(
    codes: pd.DataFrame,
    interviews: pd.DataFrame,
    *,
    question: str | None = None,
    code_ids: Sequence[str] | None = None,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Share of each code among all coded mentions (base: "menzioni").

    Returns
    -------
    pandas.DataFrame
        Columns ``code_id, mentions, n, share, small_base``, most frequent first.
    """
    rows = _coded(codes, _respondents(interviews), question, code_ids)
    order = list(code_ids) if code_ids is not None else sorted(rows["code_id"].unique())
    counts = rows.groupby("code_id").size().reindex(order, fill_value=0)
    out = counts.rename("mentions").rename_axis("code_id").reset_index()
    out["n"] = len(rows)
    out["share"] = _share(out["mentions"], out["n"])
    out = out.sort_values("mentions", ascending=False, kind="stable")
    return _with_base(out, BASE_MENTIONS, threshold)


def _district_types(interviews: pd.DataFrame, districts: pd.DataFrame) -> pd.Series:
    _require(districts, ["district_id", "type"], "districts")
    types = districts.drop_duplicates("district_id").set_index("district_id")["type"]
    respondents = _respondents(interviews)
    return types.reindex(respondents).fillna(MISSING_TYPE).rename("type")


def codes_by_type(
    codes: pd.DataFrame,
    interviews: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    question: str | None = None,
    code_ids: Sequence[str] | None = None,
    threshold: int = SMALL_BASE,
) -> pd.DataFrame:
    """Count the districts mentioning each code within each district type (DUC / DID).

    Returns
    -------
    pandas.DataFrame
        Columns ``type, code_id, k, n, share, small_base``; ``n`` is the respondents of that
        type, so with three DUCs every DUC row is flagged as a small base.
    """
    types = _district_types(interviews, districts)
    rows = _coded(codes, list(types.index), question, code_ids)
    order = list(code_ids) if code_ids is not None else sorted(rows["code_id"].unique())
    rows = rows.drop_duplicates(["district_id", "code_id"])
    k = rows.groupby([rows["district_id"].map(types), "code_id"]).size()
    type_order = sorted(types.unique())
    index = pd.MultiIndex.from_product([type_order, order], names=["type", "code_id"])
    out = k.reindex(index, fill_value=0).rename("k").reset_index()
    out["n"] = out["type"].map(types.value_counts())
    out["share"] = _share(out["k"], out["n"])
    return _with_base(out, BASE_DISTRICTS, threshold)


# --- profile ------------------------------------------------------------------------------


def districts_by_type(
    interviews: pd.DataFrame, districts: pd.DataFrame, *, threshold: int = SMALL_BASE
) -> pd.DataFrame:
    """Count the responding districts by type (DUC / DID).

    Returns
    -------
    pandas.DataFrame
        Columns ``type, k, n, share, small_base``.
    """
    types = _district_types(interviews, districts)
    k = types.value_counts().sort_index()
    out = k.rename("k").rename_axis("type").reset_index()
    out["n"] = len(types)
    out["share"] = _share(out["k"], out["n"])
    return _with_base(out, BASE_DISTRICTS, threshold)


def comuni_per_district(
    interviews: pd.DataFrame, districts: pd.DataFrame, *, threshold: int = SMALL_BASE
) -> pd.DataFrame:
    """List the responding districts with their number of comuni, largest first.

    Returns
    -------
    pandas.DataFrame
        Columns ``district_id, district_name, type, n_comuni, n, small_base``; ``n`` is the
        number of responding districts.
    """
    _require(districts, ["district_id", "district_name", "type", "n_comuni"], "districts")
    respondents = _respondents(interviews)
    out = districts.drop_duplicates("district_id")
    out = out[out["district_id"].isin(respondents)]
    out = out[["district_id", "district_name", "type", "n_comuni"]].copy()
    out = out.sort_values(["n_comuni", "district_id"], ascending=[False, True], kind="stable")
    out["n"] = len(respondents)
    return _with_base(out, BASE_DISTRICTS, threshold)
