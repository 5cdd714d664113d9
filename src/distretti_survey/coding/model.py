"""A suggestion model learned from the coders' decisions of earlier waves.

One binary classifier per code (one-vs-rest): logistic regression on TF-IDF of the lemmas
(words and pairs of words) and of character n-grams (3-5 letters, which survive typos and
word forms). Where a code has enough examples on both sides its probabilities are calibrated
(sigmoid, stratified 3-fold); otherwise the plain logistic probabilities are used. A code with
fewer than `MIN_POSITIVE` positive examples gets no classifier: only the rules speak for it.
Everything is seeded (``random_state``), so the same training data give the same model and the
same suggestions.

scikit-learn is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from distretti_survey.coding.text import lemmatize, normalise

TRAINING_COLUMNS = ("text", "theme", "codes")
#: Fewest positive examples for a code to get a classifier.
MIN_POSITIVE = 2
#: Fewest positive and negative examples for calibrated probabilities.
MIN_CALIBRATE = 8
RANDOM_STATE = 2011
#: Pseudo-observations of a rule's prior confidence when measuring its precision.
PRIOR_WEIGHT = 2


def lemma_terms(text: str) -> list[str]:
    """Return the lemmas of ``text`` and its pairs of consecutive lemmas (model features).

    Examples
    --------
    >>> lemma_terms("Mancano i soldi")
    ['mancare', 'il', 'soldo', 'mancare il', 'il soldo']
    """
    lemmas = lemmatize(text)
    return lemmas + [f"{a} {b}" for a, b in pairwise(lemmas)]


@dataclass
class ThemeModel:
    """The vectoriser and the per-code classifiers of one theme."""

    theme: str
    vectorizer: object
    classifiers: dict[str, object] = field(default_factory=dict)
    calibrated: dict[str, bool] = field(default_factory=dict)
    positives: dict[str, int] = field(default_factory=dict)

    def predict(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Return, for each code with a classifier, its probability on each text."""
        if not texts or not self.classifiers:
            return {}
        features = self.vectorizer.transform(list(texts))
        return {
            code: classifier.predict_proba(features)[:, 1]
            for code, classifier in self.classifiers.items()
        }


@dataclass
class CodeModel:
    """Per-theme models trained on human decisions; `predict_texts` serves the `Suggester`."""

    themes: dict[str, ThemeModel]
    n_training: dict[str, int]
    rule_stats: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """``(code_id, rule) -> (times fired, times right)`` on the training texts."""

    def rule_precision(self, code_id: str, rule: str, prior: float) -> float | None:
        """Return the rule's precision on the training texts, smoothed towards ``prior``.

        None when the rule never fired there. Two pseudo-observations at ``prior`` keep a rule
        that fired once from jumping to 0 or 1.
        """
        fired, right = self.rule_stats.get((code_id, rule), (0, 0))
        if not fired:
            return None
        return (right + PRIOR_WEIGHT * prior) / (fired + PRIOR_WEIGHT)

    def predict_texts(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """Return ``{(text, theme): {code_id: probability}}`` for distinct (text, theme) pairs."""
        by_theme: dict[str, list[str]] = {}
        for text, theme in keys:
            by_theme.setdefault(theme, []).append(text)
        out: dict[tuple[str, str], dict] = {}
        for theme, texts in by_theme.items():
            model = self.themes.get(theme)
            probs = model.predict(texts) if model else {}
            for index, text in enumerate(texts):
                out[(text, theme)] = {code: float(p[index]) for code, p in probs.items()}
        return out

    def calibrated(self, code_id: str) -> bool:
        """Return True when ``code_id`` has calibrated probabilities (enough examples)."""
        return any(model.calibrated.get(code_id, False) for model in self.themes.values())

    def describe(self) -> pd.DataFrame:
        """Return one row per code: theme, positive examples, whether it has a classifier."""
        rows = []
        for theme, model in sorted(self.themes.items()):
            for code, n in sorted(model.positives.items()):
                rows.append(
                    (
                        theme,
                        code,
                        n,
                        code in model.classifiers,
                        model.calibrated.get(code, False),
                    )
                )
        return pd.DataFrame(
            rows, columns=["theme", "code_id", "positives", "classifier", "calibrated"]
        )


def _vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    words = TfidfVectorizer(analyzer=lemma_terms, sublinear_tf=True, min_df=1)
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), preprocessor=normalise, sublinear_tf=True
    )
    return FeatureUnion([("lemmi", words), ("caratteri", chars)])


def _classifier(y: np.ndarray, random_state: int):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    base = LogisticRegression(
        C=10.0, class_weight="balanced", max_iter=2000, random_state=random_state
    )
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) >= MIN_CALIBRATE:
        folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=random_state)
        return CalibratedClassifierCV(base, method="sigmoid", cv=folds), True
    return base, False


def train_model(
    training: pd.DataFrame, frame: pd.DataFrame, *, random_state: int = RANDOM_STATE
) -> CodeModel:
    """Train one classifier per code of each theme on coded texts.

    Parameters
    ----------
    training
        One row per coded text: ``text``, ``theme``, ``codes`` (the codes the coders applied,
        ``;``-separated, empty when none applies). See `training_from_decisions`.
    frame
        The coding frame: codes outside it are ignored.
    random_state
        Seed of the calibration folds and the solver.

    Returns
    -------
    The model; `CodeModel.n_training` counts the texts per theme.
    """
    frame_codes = frame[["code_id", "theme"]].astype(str)
    themes: dict[str, ThemeModel] = {}
    counts: dict[str, int] = {}
    data = training.reindex(columns=list(TRAINING_COLUMNS)).fillna("")
    for theme, rows in sorted(data.groupby("theme"), key=lambda item: str(item[0])):
        texts = [str(text) for text in rows["text"]]
        if not texts:
            continue
        applied = [set(filter(None, str(codes).split(";"))) for codes in rows["codes"]]
        vectorizer = _vectorizer()
        features = vectorizer.fit_transform(texts)
        model = ThemeModel(str(theme), vectorizer)
        for code in frame_codes.loc[frame_codes["theme"] == theme, "code_id"]:
            y = np.array([code in codes for codes in applied], dtype=int)
            model.positives[code] = int(y.sum())
            if y.sum() < MIN_POSITIVE or y.sum() == len(y):
                continue
            classifier, calibrated = _classifier(y, random_state)
            classifier.fit(features, y)
            model.classifiers[code] = classifier
            model.calibrated[code] = calibrated
        themes[str(theme)] = model
        counts[str(theme)] = len(texts)
    return CodeModel(themes, counts, _rule_stats(data, frame))


def _rule_stats(data: pd.DataFrame, frame: pd.DataFrame) -> dict[tuple[str, str], tuple[int, int]]:
    """Count, per (code, rule), how often the rule fires on the training texts and is right."""
    from distretti_survey.coding.suggest import Suggester

    suggester = Suggester(frame)
    stats: dict[tuple[str, str], list[int]] = {}
    for text, theme, codes in data[list(TRAINING_COLUMNS)].itertuples(index=False):
        applied = set(filter(None, str(codes).split(";")))
        for code, _, rule, _ in suggester.suggest_scored(str(text), str(theme)):
            counts = stats.setdefault((code, rule), [0, 0])
            counts[0] += 1
            counts[1] += code in applied
    return {key: (fired, right) for key, (fired, right) in sorted(stats.items())}


def training_from_decisions(segments: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Return the coded segments of earlier waves as training data (`TRAINING_COLUMNS`).

    Only segments a human decided are kept; their codes are the reconciled decisions with value
    1 (consensus first, see `decisions.reconcile`). A decided segment with no code applied is
    kept with empty ``codes``: it teaches the model what no code looks like.

    Parameters
    ----------
    segments
        Segments of the earlier waves (``segment_id``, ``theme``, ``text``).
    decisions
        Their human decisions (`decisions.DECISION_COLUMNS`).
    """
    from distretti_survey.coding.decisions import reconcile

    if not len(decisions):
        return pd.DataFrame(columns=list(TRAINING_COLUMNS))
    final = reconcile(decisions)
    decided = set(final["segment_id"])
    applied = (
        final[final["value"] == 1]
        .groupby("segment_id")["code_id"]
        .agg(lambda codes: ";".join(sorted(codes)))
    )
    kept = segments[segments["segment_id"].isin(decided)].sort_values("segment_id")
    return pd.DataFrame(
        {
            "text": kept["text"].to_numpy(),
            "theme": kept["theme"].to_numpy(),
            "codes": [applied.get(segment, "") for segment in kept["segment_id"]],
        }
    )


def model_from_decisions(
    segments: pd.DataFrame, decisions: pd.DataFrame, frame: pd.DataFrame
) -> CodeModel | None:
    """Train a model on the decided segments of earlier waves, or return None if there are none.

    Parameters
    ----------
    segments
        ``segments.csv`` of the earlier waves (the decisions carry no text).
    decisions
        Their ``decisions.csv`` (`decisions.DECISION_COLUMNS`).
    frame
        The current coding frame.

    Returns
    -------
    The model, or None: then `suggest.Suggester` runs the rules alone and says so.
    """
    training = training_from_decisions(segments, decisions)
    return train_model(training, frame) if len(training) else None
