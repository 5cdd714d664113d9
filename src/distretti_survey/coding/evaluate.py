"""How good the suggestions are: precision, recall and F1 against human codes.

Three methods are scored on the same units (segments of a wave, or whole answers of the
development set): the rules alone (``regole``), the model alone (``modello``) and rules and
model combined (``combinato``, what the coders see). Scores are per code and micro-averaged per
theme (exact code: a parent code does not count for its sub-code). `wrong_rules` lists the
rules that fire where the coders did not apply the code, with examples, so the frame can be
fixed. Pure functions: DataFrames in, DataFrames out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from distretti_survey.coding.frame import ancestors

METHODS = ("regole", "modello", "combinato")
SCORE_COLUMNS = ("tp", "fp", "fn", "precision", "recall", "f1")
ALL_THEMES = "tutti"


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def _scores(tp: int, fp: int, fn: int) -> tuple:
    return tp, fp, fn, _ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn)


def reduce_codes(pairs: pd.DataFrame, frame: pd.DataFrame, *, unit: str) -> pd.DataFrame:
    """Keep, per unit, the most specific codes: drop parents of present sub-codes.

    A code with ``polarity`` = ``none`` ("no problems") is dropped when the unit has another
    code of its theme, as the frame's ``not_when`` says.

    Parameters
    ----------
    pairs
        ``unit`` and ``code_id`` columns, one row per applied code (duplicates allowed).
    frame
        The coding frame.
    unit
        The column naming the unit (``segment_id``, ``id``...).
    """
    chains = ancestors(frame)
    polarity = (
        dict(zip(frame["code_id"], frame["polarity"], strict=True))
        if "polarity" in frame.columns
        else {}
    )
    keep = []
    for key, codes in pairs.drop_duplicates([unit, "code_id"]).groupby(unit, sort=True):
        present = set(codes["code_id"])
        drop = {parent for code in present for parent in chains.get(code, ())}
        if len(present - drop) > 1:
            drop |= {code for code in present if polarity.get(code) == "none"}
        keep += [(key, code) for code in sorted(present - drop)]
    return pd.DataFrame(keep, columns=[unit, "code_id"])


def score_codes(
    predicted: pd.DataFrame,
    gold: pd.DataFrame,
    units: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    unit: str = "segment_id",
) -> pd.DataFrame:
    """Return precision, recall and F1 per code of the frame.

    Parameters
    ----------
    predicted, gold
        ``unit`` and ``code_id``: codes suggested, codes the humans applied.
    units
        The units scored (``unit`` and ``theme``): only these count, also when neither side
        has a code for them.
    frame
        The coding frame (every code gets a row, with zero support if unused).

    Returns
    -------
    ``theme, code_id, support`` and `SCORE_COLUMNS`; NaN where a ratio has no denominator.
    """
    scored = set(units[unit])
    pred = {tuple(p) for p in predicted[[unit, "code_id"]].itertuples(index=False)}
    true = {tuple(p) for p in gold[[unit, "code_id"]].itertuples(index=False)}
    pred = {p for p in pred if p[0] in scored}
    true = {p for p in true if p[0] in scored}
    rows = []
    for code, theme in zip(frame["code_id"], frame["theme"], strict=True):
        p = {u for u, c in pred if c == code}
        t = {u for u, c in true if c == code}
        rows.append((theme, code, len(t), *_scores(len(p & t), len(p - t), len(t - p))))
    return pd.DataFrame(rows, columns=["theme", "code_id", "support", *SCORE_COLUMNS])


def micro_by_theme(per_code: pd.DataFrame) -> pd.DataFrame:
    """Return micro-averaged scores per theme and over all themes (``tutti``)."""
    rows = []
    groups = [*per_code.groupby("theme", sort=False), (ALL_THEMES, per_code)]
    for theme, part in groups:
        tp, fp, fn = (int(part[col].sum()) for col in ("tp", "fp", "fn"))
        rows.append((theme, int(part["support"].sum()), *_scores(tp, fp, fn)))
    return pd.DataFrame(rows, columns=["theme", "support", *SCORE_COLUMNS])


def wrong_rules(
    suggestions: pd.DataFrame,
    gold: pd.DataFrame,
    texts: pd.DataFrame,
    *,
    unit: str = "segment_id",
    examples: int = 3,
) -> pd.DataFrame:
    """List the rules that fire where the humans did not apply the code.

    Parameters
    ----------
    suggestions
        Rule suggestions: ``unit``, ``code_id``, ``rule``, ``evidence``.
    gold
        ``unit`` and ``code_id`` applied by the humans.
    texts
        ``unit`` and ``text`` of the scored units (only these count).
    examples
        How many wrong examples to quote per rule.

    Returns
    -------
    ``rule, code_id, fired, wrong, precision, examples`` (``«evidence» in: text`` joined by
    `` | ``), worst first.
    """
    text_of = dict(zip(texts[unit], texts["text"], strict=True))
    true = {tuple(p) for p in gold[[unit, "code_id"]].itertuples(index=False)}
    hits = suggestions[suggestions[unit].isin(text_of)]
    rows = []
    for (rule, code), part in hits.groupby(["rule", "code_id"], sort=True):
        wrong = part[[(u, code) not in true for u in part[unit]]]
        if not len(wrong):
            continue
        quoted = [
            f"«{e}» in: {text_of[u]}" for u, e in zip(wrong[unit], wrong["evidence"], strict=True)
        ]
        fired = len(part)
        rows.append(
            (
                rule,
                code,
                fired,
                len(wrong),
                _ratio(fired - len(wrong), fired),
                " | ".join(quoted[:examples]),
            )
        )
    out = pd.DataFrame(rows, columns=["rule", "code_id", "fired", "wrong", "precision", "examples"])
    return out.sort_values(["wrong", "rule"], ascending=[False, True], ignore_index=True)


@dataclass(frozen=True)
class Evaluation:
    """Scores of the three methods: per code, per theme, and the rules that fire wrongly."""

    per_code: pd.DataFrame
    per_theme: pd.DataFrame
    wrong_rules: pd.DataFrame
    mode: str


def predictions(segments: pd.DataFrame, frame: pd.DataFrame, model=None) -> dict[str, pd.DataFrame]:
    """Return the suggestions of each method on ``segments`` (rules always; model if given)."""
    from distretti_survey.coding.suggest import MODEL_ALONE, Suggester

    rules = Suggester(frame).suggest(segments)
    out = {"regole": rules}
    if model is not None:
        keys = list(dict.fromkeys(zip(segments["text"], segments["theme"], strict=True)))
        probs = model.predict_texts(keys)
        rows = [
            (seg.segment_id, code)
            for seg in segments.itertuples(index=False)
            for code, p in probs.get((seg.text, seg.theme), {}).items()
            if p >= MODEL_ALONE
        ]
        alone = reduce_codes(
            pd.DataFrame(rows, columns=["segment_id", "code_id"]), frame, unit="segment_id"
        )
        out["modello"] = alone
        out["combinato"] = Suggester(frame, model).suggest(segments)
    else:
        out["combinato"] = rules
    return out


def evaluate(
    predicted: dict[str, pd.DataFrame],
    gold: pd.DataFrame,
    units: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    unit: str = "segment_id",
    mode: str = "",
) -> Evaluation:
    """Score each method's predictions against ``gold`` on ``units`` (``unit, theme, text``)."""
    per_code, per_theme = [], []
    for method in METHODS:
        if method not in predicted:
            continue
        scores = score_codes(predicted[method], gold, units, frame, unit=unit)
        per_code.append(scores.assign(method=method))
        per_theme.append(micro_by_theme(scores).assign(method=method))
    rules = predicted["regole"]
    wrong = wrong_rules(rules, gold, units, unit=unit) if "rule" in rules.columns else None
    order = ["method"]
    return Evaluation(
        pd.concat(per_code, ignore_index=True).pipe(
            lambda d: d[order + [c for c in d if c not in order]]
        ),
        pd.concat(per_theme, ignore_index=True).pipe(
            lambda d: d[order + [c for c in d if c not in order]]
        ),
        wrong if wrong is not None else pd.DataFrame(),
        mode,
    )


def evaluate_wave(
    segments: pd.DataFrame, decisions: pd.DataFrame, frame: pd.DataFrame, *, model=None
) -> Evaluation:
    """Score rules, model and combined suggestions against a wave's human decisions.

    Parameters
    ----------
    segments
        The wave's segments (`suggest.split_segments`).
    decisions
        Human decisions (`decisions.DECISION_COLUMNS`); only the decided segments are scored,
        against the reconciled codes with value 1.
    frame
        The coding frame.
    model
        A model trained on *earlier* waves (training on this wave would score its own answers).
    """
    from distretti_survey.coding.decisions import reconcile
    from distretti_survey.coding.suggest import RULES_AND_MODEL, RULES_ONLY

    final = (
        reconcile(decisions)
        if len(decisions)
        else pd.DataFrame(columns=["segment_id", "code_id", "value"])
    )
    units = segments[segments["segment_id"].isin(set(final["segment_id"]))]
    gold = final.loc[final["value"] == 1, ["segment_id", "code_id"]]
    predicted = predictions(units, frame, model)
    return evaluate(
        predicted, gold, units, frame, mode=RULES_ONLY if model is None else RULES_AND_MODEL
    )


def evaluate_answers(answers: pd.DataFrame, frame: pd.DataFrame, *, model=None) -> Evaluation:
    """Score the methods on whole answers with gold codes (the development set).

    Each answer is split into segments as in a wave; its suggested codes are the union over its
    segments, reduced with `reduce_codes`, and compared with its ``gold_codes``.

    Parameters
    ----------
    answers
        ``id, question, theme, text, gold_codes`` (codes ``;``-separated, empty for none).
    frame
        The coding frame.
    model
        A model trained on other answers (e.g. the ``train`` split), or None.
    """
    from distretti_survey.coding.suggest import RULES_AND_MODEL, RULES_ONLY, split_segments

    open_answers = answers.assign(interview_id=answers["id"], wave=0, district_id="")
    segments = split_segments(open_answers)
    answer_of = dict(zip(segments["segment_id"], segments["interview_id"], strict=True))
    predicted = {}
    for method, table in predictions(segments, frame, model).items():
        pairs = pd.DataFrame(
            {"id": table["segment_id"].map(answer_of), "code_id": table["code_id"]}
        )
        if method == "regole" and "rule" in table.columns:
            predicted["_rules"] = table.assign(id=pairs["id"].to_numpy())
        predicted[method] = reduce_codes(pairs, frame, unit="id")
    gold = [
        (answer, code)
        for answer, codes in zip(answers["id"], answers["gold_codes"].fillna(""), strict=True)
        for code in str(codes).split(";")
        if code
    ]
    gold = pd.DataFrame(gold, columns=["id", "code_id"])
    units = answers[["id", "theme", "text"]]
    rules = predicted.pop("_rules")
    result = evaluate(
        predicted,
        gold,
        units,
        frame,
        unit="id",
        mode=RULES_ONLY if model is None else RULES_AND_MODEL,
    )
    wrong = wrong_rules(rules, gold, units, unit="id")
    return Evaluation(result.per_code, result.per_theme, wrong, result.mode)


def quality_tables(evaluation: Evaluation) -> dict[str, pd.DataFrame]:
    """Return the evaluation as the tables of the coding outputs, keyed by CSV file name.

    ``qualita_suggerimenti_codici.csv`` (per code and method), ``qualita_suggerimenti_temi.csv``
    (micro per theme and method, with the mode: rules alone or with the model) and
    ``regole_errate.csv`` (rules that fire where the coders did not apply the code).
    """
    per_theme = evaluation.per_theme.assign(mode=evaluation.mode)
    return {
        "qualita_suggerimenti_codici.csv": evaluation.per_code.round(4),
        "qualita_suggerimenti_temi.csv": per_theme.round(4),
        "regole_errate.csv": evaluation.wrong_rules.round(4),
    }
