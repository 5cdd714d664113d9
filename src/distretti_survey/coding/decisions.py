"""Coding decisions: fingerprints, reuse across waves, reconciliation and final codes.

A decision is one coder's 0/1 for one (segment, code). Decisions are keyed by the
fingerprint of the segment's normalised text plus the question, so a later wave reuses what
was decided for a sentence that has not changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from distretti_survey.coding.text import normalise

KEYS = ("segment_id", "interview_id", "wave", "district_id", "question")
DECISION_COLUMNS = (*KEYS, "fingerprint", "code_id", "value", "coder")
FINAL_COLUMNS = (*KEYS, "code_id", "source")
CODERS = ("coder_a", "coder_b", "consensus")
#: Coders whose value is settled: a consensus, or both coders agreeing (reused from a wave).
SOURCES = ("rule", "consensus", "agreed", "coder_a", "coder_b")
UNRESOLVED_COLUMNS = (*KEYS, "fingerprint", "code_id", "coder_a", "coder_b")
#: The rule that turns decisions into final codes, stated in the outputs.
FINAL_RULE = (
    "Un codice è finale dove i due codificatori concordano (agreed) o dove il consenso "
    "(disaccordi.xlsx) lo ha deciso (consensus); dove un solo codificatore ha deciso vale la "
    "sua decisione (coder_a o coder_b, contata a parte); dove A e B non concordano e manca il "
    "consenso il codice NON è assegnato e il disaccordo resta aperto (unresolved.csv); i "
    "segmenti che nessuno ha codificato prendono i suggerimenti delle regole (rule)."
)


def fingerprint(text: str) -> str:
    """Return the first 16 hex digits of the sha256 of the normalised text.

    Changes of case, accents, punctuation and spacing keep the fingerprint.

    Examples
    --------
    >>> fingerprint("Lavori fermi.") == fingerprint("  lavori  FERMI ")
    True
    >>> len(fingerprint("Lavori fermi."))
    16
    """
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


def empty_decisions() -> pd.DataFrame:
    """Return a decisions table with no rows and the right columns."""
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in DECISION_COLUMNS})
    frame["value"] = frame["value"].astype("Int64")
    return frame


def _wide(decisions: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (segment, code) and one column per coder (and settled source)."""
    valid = decisions.dropna(subset=["value"])
    if not len(valid):
        index = pd.MultiIndex.from_tuples([], names=[*KEYS, "fingerprint", "code_id"])
        return pd.DataFrame(index=index, columns=[*CODERS, "agreed"], dtype=float)
    return valid.pivot_table(
        index=[*KEYS, "fingerprint", "code_id"], columns="coder", values="value", aggfunc="last"
    ).reindex(columns=[*CODERS, "agreed"])


def reconcile(decisions: pd.DataFrame) -> pd.DataFrame:
    """Reduce the decisions of several coders to one value per (segment, code), never guessing.

    The rule (`FINAL_RULE`): a ``consensus`` wins; when coders A and B both decided and agree
    the value is ``agreed`` (a value reused from an earlier wave keeps its source); when only
    one of them decided, that coder is the source; when they disagree and no consensus was
    recorded the value is missing and the source is ``unresolved`` (no coder wins).

    Parameters
    ----------
    decisions
        Rows with `DECISION_COLUMNS`; rows whose ``value`` is missing are ignored.

    Returns
    -------
    One row per (segment, code): the keys, ``fingerprint``, ``code_id``, ``value`` (``<NA>``
    where unresolved), ``source``.
    """
    wide = _wide(decisions)
    a, b, c, agreed = (wide[coder] for coder in (*CODERS, "agreed"))
    both = a.notna() & b.notna()
    conditions = [c.notna(), agreed.notna(), both & (a == b), both, a.notna(), b.notna()]
    value = np.select(conditions, [c, agreed, a, np.nan, a, b], default=np.nan)
    source = np.select(
        conditions,
        ["consensus", "agreed", "agreed", "unresolved", "coder_a", "coder_b"],
        default="",
    )
    out = wide.index.to_frame(index=False)
    out["value"] = pd.array(value, dtype="float").astype("Int64")
    out["source"] = source
    return out.sort_values(["segment_id", "code_id"], ignore_index=True)


def unresolved(decisions: pd.DataFrame) -> pd.DataFrame:
    """List the (segment, code) pairs where A and B disagree and no consensus was recorded.

    Returns
    -------
    `UNRESOLVED_COLUMNS`: one row per open disagreement, with the two coders' values.
    """
    wide = _wide(decisions)
    a, b, c, agreed = (wide[coder] for coder in (*CODERS, "agreed"))
    open_ = a.notna() & b.notna() & (a != b) & c.isna() & agreed.isna()
    out = wide[open_].reset_index()
    for coder in ("coder_a", "coder_b"):
        out[coder] = out[coder].astype("Int64")
    return out[list(UNRESOLVED_COLUMNS)].sort_values(["segment_id", "code_id"], ignore_index=True)


def final_codes(suggestions: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Return the codes applied to each segment under `FINAL_RULE`.

    A segment that any coder decided takes its reconciled human decisions for every code:
    a code is applied where the reconciled value is 1; an unresolved disagreement applies
    nothing (see `unresolved`). The other segments take the rule suggestions (``source`` =
    ``rule``).

    Parameters
    ----------
    suggestions
        Output of `suggest.Suggester.suggest`.
    decisions
        Human decisions (`DECISION_COLUMNS`), possibly including ones reused by `carry_over`.

    Returns
    -------
    One row per (segment, applied code) with `FINAL_COLUMNS`, sorted by segment and code.
    """
    human = reconcile(decisions) if len(decisions) else pd.DataFrame(columns=[*KEYS, "code_id"])
    decided = set(human["segment_id"])
    applied = human[human["value"] == 1] if len(human) else human
    rule = suggestions[~suggestions["segment_id"].isin(decided)].assign(source="rule")
    parts = [part.reindex(columns=list(FINAL_COLUMNS)) for part in (applied, rule) if len(part)]
    if not parts:
        return pd.DataFrame(columns=list(FINAL_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["segment_id", "code_id"], ignore_index=True)


@dataclass(frozen=True)
class CarryOver:
    """Decisions reused from earlier waves and the segments still to code.

    Unpacks as ``reused, needs_coding = carry_over(...)``.
    """

    reused: pd.DataFrame
    needs_coding: pd.DataFrame

    @property
    def n_reused(self) -> int:
        """Return how many new segments got earlier decisions."""
        return int(self.reused["segment_id"].nunique())

    @property
    def n_needs_coding(self) -> int:
        """Return how many new segments still need a human coder."""
        return len(self.needs_coding)

    def __iter__(self):
        return iter((self.reused, self.needs_coding))


def carry_over(new_segments: pd.DataFrame, earlier_decisions: pd.DataFrame) -> CarryOver:
    """Reuse earlier decisions for new segments whose text and question are unchanged.

    Earlier decisions are reconciled first; when the same text was coded more than once, the
    latest wave (then the first segment id) wins. Codes added to the frame since then are not
    covered by reused decisions.

    Parameters
    ----------
    new_segments
        Segments of the new wave (`suggest.split_segments`).
    earlier_decisions
        Decisions of earlier waves (`DECISION_COLUMNS`).

    Returns
    -------
    ``reused``: decisions (`DECISION_COLUMNS`) moved onto the new segments, ``coder`` being
    the source of the earlier value; ``needs_coding``: the new segments without them
    (also those whose earlier text had a disagreement still open).
    """
    if not len(earlier_decisions):
        return CarryOver(empty_decisions(), new_segments.copy())
    earlier = reconcile(earlier_decisions)
    # A sentence with an open disagreement goes back to the coders instead of being reused.
    open_ = set(earlier.loc[earlier["source"] == "unresolved", "segment_id"])
    earlier = earlier[~earlier["segment_id"].isin(open_)]
    chosen = (
        earlier[["segment_id", "wave", "fingerprint", "question"]]
        .drop_duplicates()
        .sort_values(["wave", "segment_id"], ascending=[False, True])
        .drop_duplicates(["fingerprint", "question"])
    )
    earlier = earlier[earlier["segment_id"].isin(chosen["segment_id"])]
    values = earlier[["fingerprint", "question", "code_id", "value", "source"]]
    reused = new_segments[[*KEYS, "fingerprint"]].merge(
        values, on=["fingerprint", "question"], how="inner"
    )
    reused = reused.rename(columns={"source": "coder"})[list(DECISION_COLUMNS)]
    reused = reused.sort_values(["segment_id", "code_id"], ignore_index=True)
    needs = new_segments[~new_segments["segment_id"].isin(reused["segment_id"])]
    return CarryOver(reused, needs.reset_index(drop=True))


def decisions_from_suggestions(
    suggestions: pd.DataFrame, segments: pd.DataFrame, frame: pd.DataFrame, *, coder: str
) -> pd.DataFrame:
    """Turn suggestions into full 0/1 decisions: every code of each segment's theme.

    Parameters
    ----------
    suggestions, segments, frame
        Suggestions, the segments they come from, the coding frame.
    coder
        The ``coder`` written in every row.

    Returns
    -------
    Decisions with `DECISION_COLUMNS`, 1 where a code was suggested.
    """
    theme_codes = frame[["theme", "code_id"]].astype(str)
    grid = segments[[*KEYS, "fingerprint", "theme"]].merge(theme_codes, on="theme")
    hits = set(zip(suggestions["segment_id"], suggestions["code_id"], strict=True))
    grid["value"] = pd.array(
        [int((s, c) in hits) for s, c in zip(grid["segment_id"], grid["code_id"], strict=True)],
        dtype="Int64",
    )
    grid["coder"] = coder
    return grid[list(DECISION_COLUMNS)].sort_values(["segment_id", "code_id"], ignore_index=True)


def simulate_second_coder(
    decisions: pd.DataFrame, rng: np.random.Generator, flip: float = 0.1, *, coder: str = "coder_b"
) -> pd.DataFrame:
    """Simulate a second coder who flips each decision with probability ``flip`` (demo only).

    Parameters
    ----------
    decisions
        One coder's decisions (`DECISION_COLUMNS`).
    rng
        A seeded generator, e.g. ``numpy.random.default_rng(2011)``.
    flip
        Probability of disagreeing on each (segment, code).
    coder
        The ``coder`` of the simulated rows.

    Returns
    -------
    The simulated decisions, same rows in (segment, code) order.
    """
    out = decisions.sort_values(["segment_id", "code_id"], ignore_index=True).copy()
    flips = rng.random(len(out)) < flip
    value = out["value"]
    out["value"] = value.where(~(flips & value.notna()), 1 - value)
    out["coder"] = coder
    return out
