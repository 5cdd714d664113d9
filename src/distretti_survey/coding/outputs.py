"""Tables of the coded answers: frequencies, district x code matrix, co-occurrence, quotes.

Counts roll sub-codes up to their parents: an answer coded with a sub-code also mentions its
parent. Every count says its base (answers, districts) so a report never shows a bare share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from distretti_survey.coding.frame import LABEL, ancestors

_URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
REDACTED = "[omesso]"
_SOURCE_RANK = {"consensus": 0, "agreed": 0, "coder_a": 1, "coder_b": 2, "rule": 3}


def scrub_contacts(text: str) -> str:
    """Return a quote with contacts replaced: e-mails, phone numbers, tax codes, web addresses.

    The answers were redacted when the wave was read (``privacy.redact_open_answers``); this
    second pass, for a quote that reaches a slide, uses the same rules, so amounts and dates
    stay as the referent wrote them, and adds web addresses, which name the district.

    Examples
    --------
    >>> scrub_contacts("Scrivere a mario.rossi@comune.it o al 0382 123456, www.x.it")
    'Scrivere a [EMAIL] o al [TELEFONO], [omesso]'
    >>> scrub_contacts("Nel 2011 spesi 1.234.567 euro, saldo il 31/12/2012")
    'Nel 2011 spesi 1.234.567 euro, saldo il 31/12/2012'
    """
    from distretti_survey.privacy import redact_text

    return _URL_RE.sub(REDACTED, redact_text(str(text))[0])


def roll_up(final: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Add a row for every ancestor of each applied code (once per segment and code)."""
    chains = ancestors(frame)
    extra = [
        row._replace(code_id=parent)
        for row in final.itertuples(index=False)
        for parent in chains.get(row.code_id, ())
    ]
    out = pd.concat([final, pd.DataFrame(extra, columns=final.columns)], ignore_index=True)
    return out.drop_duplicates(["segment_id", "code_id"], ignore_index=True)


def code_frequencies(
    final: pd.DataFrame, frame: pd.DataFrame, *, n_districts: int, parents: bool = True
) -> pd.DataFrame:
    """Count, for each code, the answers and the districts that mention it.

    Parameters
    ----------
    final
        Final codes (`decisions.final_codes`).
    frame
        The coding frame; output rows follow its order, unused codes included with 0.
    n_districts
        Districts interviewed in the wave (the base of "k of N districts").
    parents
        Count a parent code when any of its sub-codes is applied.

    Returns
    -------
    Columns ``theme, code_id, parent, label, n_segments, n_answers, n_districts,
    n_districts_base, share_districts, districts_text``.
    """
    coded = roll_up(final, frame) if parents else final
    grouped = coded.groupby("code_id")
    answers = coded.drop_duplicates(["code_id", "interview_id", "question"])
    counts = pd.DataFrame(
        {
            "n_segments": grouped["segment_id"].nunique(),
            # counted as rows, not with apply: a wave without coded answers has no groups
            "n_answers": answers.groupby("code_id").size(),
            "n_districts": grouped["district_id"].nunique(),
        }
    )
    out = frame[["theme", "code_id", "parent", LABEL]].rename(columns={LABEL: "label"})
    out = out.merge(counts, left_on="code_id", right_index=True, how="left")
    for column in ("n_segments", "n_answers", "n_districts"):
        out[column] = out[column].fillna(0).astype(int)
    out["n_districts_base"] = int(n_districts)
    out["share_districts"] = out["n_districts"] / n_districts if n_districts else float("nan")
    out["districts_text"] = [f"{k} di {n_districts} distretti" for k in out["n_districts"]]
    return out.reset_index(drop=True)


def district_code_matrix(
    final: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    districts: list[str] | None = None,
    parents: bool = True,
) -> pd.DataFrame:
    """Return a 0/1 matrix: one row per district, one column per code of the frame.

    ``districts`` lists every district of the wave, so a district with no coded answer shows
    as a row of zeros.
    """
    coded = roll_up(final, frame) if parents else final
    index = sorted(set(districts or []) | set(coded["district_id"]))
    matrix = pd.crosstab(coded["district_id"], coded["code_id"]).clip(upper=1)
    matrix = matrix.reindex(index=index, columns=list(frame["code_id"]), fill_value=0)
    matrix.index.name, matrix.columns.name = "district_id", "code_id"
    return matrix.astype(int)


def code_cooccurrence(
    final: pd.DataFrame, frame: pd.DataFrame, *, unit: str = "answer", theme: str | None = None
) -> pd.DataFrame:
    """Count how many units (answers or districts) carry each pair of codes.

    The diagonal holds how many units carry the code at all. Sub-codes are not rolled up, so
    a code and its parent are not counted together by construction.
    """
    columns = ["interview_id", "question"] if unit == "answer" else ["district_id"]
    codes = frame if theme is None else frame[frame["theme"] == theme]
    code_ids = list(codes["code_id"])
    coded = final[final["code_id"].isin(code_ids)]
    if coded.empty:  # no coded answer: every count is 0
        index = pd.Index(code_ids, name="code_id")
        return pd.DataFrame(0, index=index, columns=index.copy())
    units = coded[columns].astype(str).agg("|".join, axis=1)
    incidence = pd.crosstab(units, coded["code_id"]).clip(upper=1)
    incidence = incidence.reindex(columns=code_ids, fill_value=0)
    out = incidence.T @ incidence
    out.index.name, out.columns.name = "code_id", "code_id"
    return out.astype(int)


def illustrative_quotes(
    final: pd.DataFrame,
    segments: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    quote_district_ok: Mapping[str, bool] | None = None,
    per_code: int = 2,
) -> pd.DataFrame:
    """Pick up to ``per_code`` quotes for each code, human-coded and mid-length first.

    Parameters
    ----------
    final, segments, frame
        Final codes, their segments and the coding frame.
    quote_district_ok
        ``interview_id -> True`` when the interviewee agreed that quotes show the district;
        the district is left empty otherwise.
    per_code
        Quotes per code at most.

    Returns
    -------
    Columns ``code_id, label, quote, district_id, segment_id``; contacts scrubbed.
    """
    allowed = quote_district_ok or {}
    merged = final.merge(segments[["segment_id", "text"]], on="segment_id")
    merged["rank"] = merged["source"].map(_SOURCE_RANK).fillna(9)
    merged["distance"] = (merged["text"].str.len() - 120).abs()
    merged = merged.sort_values(["code_id", "rank", "distance", "segment_id"])
    picked = merged.groupby("code_id", sort=False).head(per_code)
    labels = dict(zip(frame["code_id"], frame[LABEL], strict=True))
    order = {code: i for i, code in enumerate(frame["code_id"])}
    out = pd.DataFrame(
        {
            "code_id": picked["code_id"],
            "label": picked["code_id"].map(labels),
            "quote": picked["text"].map(scrub_contacts),
            "district_id": [
                d if allowed.get(i, False) else ""
                for d, i in zip(picked["district_id"], picked["interview_id"], strict=True)
            ],
            "segment_id": picked["segment_id"],
        }
    )
    out = out.sort_values("code_id", key=lambda s: s.map(order), kind="stable")
    return out.reset_index(drop=True)


def wide_decisions(decisions: pd.DataFrame, code_ids: list[str]) -> pd.DataFrame:
    """Return one row per segment and one 0/1 column per code (NaN where not decided)."""
    wide = decisions.pivot_table(
        index="segment_id", columns="code_id", values="value", aggfunc="last"
    )
    return wide.reindex(columns=code_ids).astype(float)


def coder_agreement(a: pd.DataFrame, b: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Tabulate the agreement of two coders code by code (`reliability.agreement_by_code`)."""
    from distretti_survey.reliability import agreement_by_code

    code_ids = list(frame["code_id"])
    return agreement_by_code(wide_decisions(a, code_ids), wide_decisions(b, code_ids), code_ids)
