"""Suggest codes for segments of open answers: the frame's rules, and a model when trained.

Suggestions are a starting point for the human coders, never final codes on their own. A
keyword matches a word when they share a stem or a lemma ("coordinamento" finds
"coordinarsi", "mancano" finds "mancanza"), with one typo allowed in an unknown word of 6-9
letters and two from 10 letters ("vetrinistca"); a keyword of several words matches them in
any order within a few words ("i sindaci cambiano" for "cambio di sindaco"). A pattern is a
regular expression on the normalised text. Negation has a scope (see `text`): a negated
mention does not count, except for codes the frame declares a problem of absence (column
``polarity`` = ``absence``: "non c'è coordinamento" is the coordination problem); a negated
problem or a positive verdict ("nessun problema", "funziona benissimo") clears its clause.
When a code and one of its sub-codes fit, only the sub-code is kept; a ``none`` code ("no
problems") is dropped when another code of its theme fits.

With a model trained on earlier human decisions (`model.train_model`) rules and model are
combined; every suggestion carries ``confidence`` (0..1), ``source`` (rule, model, both) and
its ``evidence``, and suggestions are ranked by confidence within each segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from distretti_survey.coding.decisions import fingerprint
from distretti_survey.coding.frame import Code, ancestors, check_frame, codes
from distretti_survey.coding.text import (
    Analysis,
    analyse,
    fold,
    is_known,
    split_sentences,
    word_keys,
)

SEGMENT_COLUMNS = (
    "segment_id",
    "interview_id",
    "wave",
    "district_id",
    "question",
    "theme",
    "segment",
    "text",
    "fingerprint",
)
SUGGESTION_COLUMNS = (
    "segment_id",
    "interview_id",
    "wave",
    "district_id",
    "question",
    "code_id",
    "evidence",
    "rule",
    "confidence",
    "source",
)
#: Theme of each open question of the demo questionnaire, used when ``theme`` is missing.
QUESTION_THEMES = {
    "progress_difficulties": "progress",
    "training_needs_text": "training",
    "gov_problems_text": "governance",
}
#: What `Suggester.mode` says when no model was trained (Italian: it goes into the outputs).
RULES_ONLY = "solo regole (nessuna decisione precedente per addestrare il modello)"
RULES_AND_MODEL = "regole e modello addestrato sulle decisioni precedenti"
#: Prior confidence of a rule match, by kind, until a wave's evaluation measures it.
RULE_CONFIDENCE = {"pattern": 0.9, "keyword": 0.85, "window": 0.8, "fuzzy": 0.65}
#: A rule suggestion is kept when the model gives its code at least this probability.
MODEL_VETO = 0.15
#: A rule right less often than this on the training texts is dropped.
RULE_FLOOR = 0.4
#: The model alone suggests a code from this probability.
MODEL_ALONE = 0.6
#: Extra words allowed between the words of a multi-word keyword.
KEYWORD_GAP = 3
# Function words are not needed to match a multi-word keyword ("patto di stabilità").
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "di a da in con su per tra fra il lo la i gli le l un uno una del dello della dei degli"
        " delle al allo alla ai agli alle dal dalla dai nel nella nei nelle sul sulla sui e o ed"
        " che d",
    )
)


def max_edits(length: int) -> int:
    """Return the typos allowed in a word of ``length`` letters: 0 up to 5, 1 up to 9, then 2.

    Examples
    --------
    >>> [max_edits(n) for n in (5, 6, 9, 10)]
    [0, 1, 1, 2]
    """
    return 0 if length < 6 else 1 if length < 10 else 2


def split_segments(open_answers: pd.DataFrame) -> pd.DataFrame:
    """Split open answers into sentences, the units that are coded.

    Parameters
    ----------
    open_answers
        One row per answer: ``interview_id, wave, district_id, question, theme, text``.

    Returns
    -------
    One row per segment with `SEGMENT_COLUMNS`; ``segment_id`` is
    ``<interview_id>:<question>:<index>`` (index from 1, two digits), stable as long as the
    answer text does not change.
    """
    rows = []
    for answer in open_answers.itertuples(index=False):
        theme = getattr(answer, "theme", "") or QUESTION_THEMES.get(answer.question, "")
        for index, sentence in enumerate(split_sentences(answer.text), start=1):
            rows.append(
                (
                    f"{answer.interview_id}:{answer.question}:{index:02d}",
                    answer.interview_id,
                    answer.wave,
                    answer.district_id,
                    answer.question,
                    theme,
                    index,
                    sentence,
                    fingerprint(sentence),
                )
            )
    return pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS))


# A pattern with its own named groups or back-references cannot sit inside an alternation.
_STANDALONE_RE = re.compile(r"\\[1-9]|\(\?P[<=]")


class _Vocabulary:
    """The words of every keyword, and which of them each word of the answers matches.

    A text word matches a keyword word when they share a stem or a lemma, or, when the text
    word is unknown to the Italian dictionary (a typo), within `max_edits` of the keyword word.
    The result is cached per distinct word, so long runs pay for each word once.
    """

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self._folded = [fold(word) for word in words]
        self._by_key: dict[str, list[int]] = {}
        for index, word in enumerate(words):
            for key in word_keys(word):
                self._by_key.setdefault(key, []).append(index)
        self._cache: dict[str, tuple[tuple[int, bool], ...]] = {}

    def match(self, raw: str) -> tuple[tuple[int, bool], ...]:
        """Return ``(word index, by typo)`` for each keyword word that ``raw`` matches."""
        found = self._cache.get(raw)
        if found is None:
            found = self._cache[raw] = self._match(raw)
        return found

    def _match(self, raw: str) -> tuple[tuple[int, bool], ...]:
        exact = sorted({i for key in word_keys(raw) for i in self._by_key.get(key, ())})
        if exact:
            return tuple((i, False) for i in exact)
        norm = fold(raw)
        if len(norm) < 6 or not norm.isalpha() or is_known(raw):
            return ()
        from rapidfuzz.distance import Levenshtein

        typos = []
        for index, word in enumerate(self._folded):
            limit = max_edits(len(word))
            close = limit and abs(len(word) - len(norm)) <= limit
            if close and Levenshtein.distance(norm, word, score_cutoff=limit) <= limit:
                typos.append((index, True))
        return tuple(typos)


@dataclass(frozen=True)
class _Keyword:
    text: str
    words: tuple[int, ...]  # indices into the vocabulary, content words only


@dataclass(frozen=True)
class _Matcher:
    """The compiled rules of one code: keywords as vocabulary words, patterns as regexes."""

    code_id: str
    polarity: str
    keywords: tuple[_Keyword, ...]
    patterns: tuple[re.Pattern[str], ...]
    rules: dict[str, str]

    def first(
        self, analysis: Analysis, hits: dict[int, list[tuple[int, bool]]]
    ) -> tuple[str, str, float] | None:
        """Return (evidence, rule, confidence) of the first match that counts, or None.

        ``hits`` maps each vocabulary word to the ``(token, by typo)`` where it occurs.
        """
        found = []
        for order, keyword in enumerate(self.keywords):
            if keyword.words[0] not in hits:  # most keywords stop here: one dict lookup
                continue
            for first, last, typo in _keyword_spans(keyword, hits):
                kind = "fuzzy" if typo else "keyword" if first == last else "window"
                found.append((first, last, order, kind, keyword.text, None))
        for regex in self.patterns:
            for match in regex.finditer(analysis.norm):
                if match.end() > match.start():
                    first, last = analysis.token_range(match.start(), match.end(), view="norm")
                    pattern = self.rules[match.lastgroup or ""]
                    found.append((first, last, len(self.keywords), "pattern", pattern, regex))
        for first, last, _, kind, rule, regex in sorted(found, key=lambda item: item[:5]):
            own = _own_cues(analysis, first, last, regex)
            negated, cleared = analysis.governed(range(first, last + 1), own)
            if _counts(self.polarity, negated=negated, cleared=cleared):
                prefix = (
                    "pattern" if kind == "pattern" else "fuzzy" if kind == "fuzzy" else "keyword"
                )
                evidence = analysis.quote(first, last)
                return evidence, f"{prefix}:{rule}", RULE_CONFIDENCE[kind]
        return None


def _own_cues(analysis: Analysis, first: int, last: int, regex) -> frozenset[int]:
    """Return the negation words inside a match that the rule itself needs.

    A keyword's words are never negations (a keyword spanning "lavori non fermi" is negated).
    A pattern needs the negations inside its match when, without them, it no longer matches
    ("lavori non ancora partiti"); otherwise they negate it ("lavori non sono fermi").
    """
    if regex is None:
        return frozenset()
    inside = analysis.cues_in(first, last)
    if inside and regex.search(analysis.norm_without(first, last, inside)):
        return frozenset()
    return inside


def _counts(polarity: str, *, negated: bool, cleared: bool) -> bool:
    """Return whether a match counts given the code's polarity and the negation around it."""
    if polarity == "none":
        return True
    if cleared and polarity != "positive":
        return False
    return not negated or polarity == "absence"


def _keyword_spans(keyword: _Keyword, hits: dict[int, list[tuple[int, bool]]]):
    """Yield ``(first, last, by typo)`` token spans where all the keyword's words occur."""
    lists = [hits.get(word) for word in keyword.words]
    if not all(lists):
        return
    if len(lists) == 1:
        for token, typo in lists[0]:
            yield token, token, typo
        return
    width = len(lists) + KEYWORD_GAP
    for token, typo in lists[0]:
        chosen = [(token, typo)]
        for others in lists[1:]:
            near = [(abs(t - token), t, ty) for t, ty in others if abs(t - token) < width]
            if not near:
                break
            _, t, ty = min(near)
            chosen.append((t, ty))
        else:
            positions = [t for t, _ in chosen]
            if len(set(positions)) == len(positions) and max(positions) - min(positions) < width:
                yield min(positions), max(positions), any(ty for _, ty in chosen)


def _compile(code: Code, vocabulary: dict[str, int]) -> _Matcher:
    rules: dict[str, str] = {}
    keywords = []
    for keyword in code.keywords:
        words = [w for w in keyword.casefold().replace("'", " ").split() if w not in _STOPWORDS]
        words = [w for piece in words for w in re.findall(r"[^\W_]+", piece)]
        if words:
            ids = tuple(vocabulary.setdefault(word, len(vocabulary)) for word in words)
            keywords.append(_Keyword(keyword, ids))
    grouped, alone = [], []
    for index, pattern in enumerate(code.patterns):
        rules[f"p{index}"] = pattern
        if _STANDALONE_RE.search(pattern):
            alone.append(re.compile(f"(?P<p{index}>{pattern})"))
        else:
            grouped.append(f"(?P<p{index}>{pattern})")
    patterns = tuple([re.compile("|".join(grouped))] if grouped else []) + tuple(alone)
    return _Matcher(code.code_id, code.polarity, tuple(keywords), patterns, rules)


class Suggester:
    """Compile the rules of a coding frame once and suggest codes for many segments.

    Parameters
    ----------
    frame
        The coding frame (validated here; errors raise `ConfigError`).
    model
        A `model.CodeModel` trained on earlier human decisions, or None for rules alone.

    Examples
    --------
    >>> from distretti_survey.coding.frame import load_frame
    >>> suggester = Suggester(load_frame())
    >>> [code for code, _, _ in suggester.suggest_text("I comuni faticano a coordinarsi.",
    ...                                                 "governance")]
    ['GOV_COORDINAMENTO']
    >>> [code for code, _, _ in suggester.suggest_text(
    ...     "Non ci sono problemi di coordinamento.", "governance")]
    ['GOV_NESSUNA']
    >>> [code for code, _, _ in suggester.suggest_text(
    ...     "Non c'è coordinamento tra i comuni.", "governance")]
    ['GOV_COORDINAMENTO']
    """

    def __init__(self, frame: pd.DataFrame, model=None) -> None:
        check_frame(frame)
        self.model = model
        words: dict[str, int] = {}
        self._by_theme: dict[str, list[_Matcher]] = {}
        self._polarity: dict[str, str] = {}
        for code in codes(frame):
            self._by_theme.setdefault(code.theme, []).append(_compile(code, words))
            self._polarity[code.code_id] = code.polarity
        self._vocabulary = _Vocabulary(list(words))
        self._ancestors = ancestors(frame)

    @property
    def mode(self) -> str:
        """Return, in Italian, whether the rules run alone or with a trained model."""
        return RULES_ONLY if self.model is None else RULES_AND_MODEL

    def rule_hits(self, text: str, theme: str) -> list[tuple[str, str, str, float]]:
        """Return ``(code_id, evidence, rule, confidence)`` of every rule match, before pruning."""
        analysis = analyse(text)
        hits: dict[int, list[tuple[int, bool]]] = {}
        for token, raw in enumerate(analysis.raw):
            for word, typo in self._vocabulary.match(raw):
                hits.setdefault(word, []).append((token, typo))
        out = []
        for matcher in self._by_theme.get(theme, ()):
            found = matcher.first(analysis, hits)
            if found:
                out.append((matcher.code_id, *found))
        return out

    def prune(self, code_ids: list[str]) -> set[str]:
        """Return the codes to drop: parents of suggested sub-codes, ``none`` codes among others."""
        present = set(code_ids)
        drop = {parent for code in present for parent in self._ancestors.get(code, ())}
        if len(present - drop) > 1:
            drop |= {code for code in present if self._polarity.get(code) == "none"}
        return drop & present

    def suggest_scored(self, text: str, theme: str) -> list[tuple[str, str, str, float]]:
        """Return the rule suggestions ``(code_id, evidence, rule, confidence)``, pruned."""
        hits = self.rule_hits(text, theme)
        drop = self.prune([code for code, *_ in hits])
        return [hit for hit in hits if hit[0] not in drop]

    def suggest_text(self, text: str, theme: str) -> list[tuple[str, str, str]]:
        """Return ``(code_id, evidence, rule)`` for each code of ``theme`` the rules find."""
        return [hit[:3] for hit in self.suggest_scored(text, theme)]

    def suggest(self, segments: pd.DataFrame) -> pd.DataFrame:
        """Return one row per (segment, suggested code) with `SUGGESTION_COLUMNS`, ranked.

        ``attrs["mode"]`` of the result says whether a model took part (`mode`).
        """
        texts = list(dict.fromkeys(zip(segments["text"], segments["theme"], strict=True)))
        found = {key: self.rule_hits(*key) for key in texts}  # repeated texts matched once
        if self.model is not None:
            found = _combine(found, self.model.predict_texts(texts), self, self.model)
        else:
            found = {key: _rules_only(hits, self) for key, hits in found.items()}
        rows = []
        for seg in segments.itertuples(index=False):
            keys = (seg.segment_id, seg.interview_id, seg.wave, seg.district_id, seg.question)
            rows.extend((*keys, *row) for row in found[(seg.text, seg.theme)])
        out = pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))
        out.attrs["mode"] = self.mode
        return out


def _rank(rows: list[tuple]) -> list[tuple]:
    """Sort (code_id, evidence, rule, confidence, source) by confidence, then code."""
    return sorted(rows, key=lambda row: (-row[3], row[0]))


def _rules_only(hits, suggester: Suggester) -> list[tuple]:
    drop = suggester.prune([code for code, *_ in hits])
    return _rank([(*hit, "rule") for hit in hits if hit[0] not in drop])


def _combine(found, probabilities, suggester: Suggester, model) -> dict:
    """Merge rule hits with what the model learned (per distinct text and theme).

    A rule's confidence becomes its precision measured on the training texts when it fired
    there (smoothed towards its prior); a rule that was right less than `RULE_FLOOR` of the
    time there is dropped. A rule hit also goes when the model, with calibrated probabilities
    for the code (enough examples), gives the code less than `MODEL_VETO`; the model alone
    suggests a calibrated code from `MODEL_ALONE`: uncalibrated probabilities from a handful of
    examples only raise or lower the confidence of what the rules found. Confidence when both
    agree: ``1 - (1 - rule)(1 - model)``.
    """
    out = {}
    for key, hits in found.items():
        probs = probabilities.get(key, {})
        rows = []
        for code, evidence, rule, prior in hits:
            measured = model.rule_precision(code, rule, prior)
            if measured is not None and measured < RULE_FLOOR:
                continue
            prior = prior if measured is None else round(measured, 4)
            p = probs.get(code)
            if p is None:
                rows.append((code, evidence, rule, prior, "rule"))
            elif p >= MODEL_VETO or not model.calibrated(code):
                both = p >= MODEL_ALONE
                confidence = 1 - (1 - prior) * (1 - p) if both else prior * (0.5 + p)
                source = "both" if both else "rule"
                rows.append((code, evidence, rule, round(min(confidence, 1.0), 4), source))
        ruled = {row[0] for row in hits}
        for code, p in sorted(probs.items()):
            if code not in ruled and p >= MODEL_ALONE and model.calibrated(code):
                rows.append((code, "", "model", round(p, 4), "model"))
        drop = suggester.prune([row[0] for row in rows])
        out[key] = _rank([row for row in rows if row[0] not in drop])
    return out


def suggest_codes(
    open_answers: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    model=None,
    training: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split open answers into segments and suggest codes of each answer's theme.

    Parameters
    ----------
    open_answers
        One row per answer: ``interview_id, wave, district_id, question, theme, text``.
    frame
        The coding frame.
    model
        A trained `model.CodeModel`; None for the rules alone unless ``training`` is given.
    training
        Coded texts of earlier waves (``text, theme, codes``, see `model.train_model`): a
        model is trained on them and combined with the rules.

    Returns
    -------
    One row per (segment, code) with `SUGGESTION_COLUMNS`; ``attrs["mode"]`` says whether a
    model took part.
    """
    if model is None and training is not None and len(training):
        from distretti_survey.coding.model import train_model

        model = train_model(training, frame)
    return Suggester(frame, model).suggest(split_segments(open_answers))


def naive_suggest(segments: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Suggest codes rule by rule, analysing each segment again for every code (baseline).

    Same output as `Suggester.suggest` without a model: each code is compiled and matched on
    its own, with no cache of texts or words; used by the benchmark and the tests.
    """
    check_frame(frame)
    rows = []
    all_codes = codes(frame)
    helper = Suggester(frame)  # only for the hierarchy and polarities
    for seg in segments.itertuples(index=False):
        hits = []
        for code in all_codes:
            if code.theme != seg.theme:
                continue
            words: dict[str, int] = {}
            matcher = _compile(code, words)
            vocabulary = _Vocabulary(list(words))
            analysis = analyse(seg.text)
            where: dict[int, list[tuple[int, bool]]] = {}
            for token, raw in enumerate(analysis.raw):
                for word, typo in vocabulary.match(raw):
                    where.setdefault(word, []).append((token, typo))
            found = matcher.first(analysis, where)
            if found:
                hits.append((code.code_id, *found))
        keys = (seg.segment_id, seg.interview_id, seg.wave, seg.district_id, seg.question)
        rows.extend((*keys, *row) for row in _rules_only(hits, helper))
    out = pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))
    out.attrs["mode"] = RULES_ONLY
    return out
