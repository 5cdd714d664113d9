"""Suggest codes for segments of open answers from the rules of the coding frame.

Suggestions are a starting point for the human coders, never final codes on their own: a
keyword matches on stems ("coordinamento" finds "coordinare"), a pattern on the normalised
text, and a keyword or pattern preceded by a negation in the same clause ("non ci sono
problemi di coordinamento") is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from distretti_survey.coding.decisions import fingerprint
from distretti_survey.coding.frame import Code, check_frame, codes
from distretti_survey.coding.text import Analysis, analyse, split_sentences, stem_phrase

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
)
#: Theme of each open question of the demo questionnaire, used when ``theme`` is missing.
QUESTION_THEMES = {
    "progress_difficulties": "progress",
    "training_needs_text": "training",
    "gov_problems_text": "governance",
}


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


@dataclass(frozen=True)
class _Matcher:
    """The compiled rules of one code: one alternation on stems, one on normalised text."""

    code_id: str
    keywords: re.Pattern[str] | None
    patterns: tuple[re.Pattern[str], ...]
    rules: dict[str, str]

    def first(self, analysis: Analysis) -> tuple[str, str] | None:
        """Return (evidence, rule) of the first match that is not negated, or None."""
        for view, regexes in (("stems", (self.keywords,)), ("norm", self.patterns)):
            text = analysis.stems if view == "stems" else analysis.norm
            for regex in regexes:
                if regex is None:
                    continue
                for match in regex.finditer(text):
                    if match.end() == match.start():
                        continue
                    evidence, token = analysis.evidence(match.start(), match.end(), view=view)
                    if not analysis.is_negated(token):
                        return evidence, self.rules[match.lastgroup or ""]
        return None


def _compile(code: Code) -> _Matcher:
    rules: dict[str, str] = {}
    alternatives = []
    stemmed = [(stem_phrase(keyword), keyword) for keyword in code.keywords]
    # Longest first, so "manager di distretto" wins over "manager" at the same place.
    for index, (stems, keyword) in enumerate(sorted(stemmed, key=lambda item: -len(item[0]))):
        if stems:
            rules[f"k{index}"] = f"keyword:{keyword}"
            alternatives.append(f"(?P<k{index}>{re.escape(stems)})")
    keywords = (
        re.compile(r"(?<!\S)(?:" + "|".join(alternatives) + r")(?!\S)") if alternatives else None
    )
    grouped, alone = [], []
    for index, pattern in enumerate(code.patterns):
        rules[f"p{index}"] = f"pattern:{pattern}"
        if _STANDALONE_RE.search(pattern):
            alone.append(re.compile(f"(?P<p{index}>{pattern})"))
        else:
            grouped.append(f"(?P<p{index}>{pattern})")
    patterns = tuple([re.compile("|".join(grouped))] if grouped else []) + tuple(alone)
    return _Matcher(code.code_id, keywords, patterns, rules)


class Suggester:
    """Compile the rules of a coding frame once and suggest codes for many segments.

    Parameters
    ----------
    frame
        The coding frame (validated here; errors raise `ConfigError`).

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
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        check_frame(frame)
        self._by_theme: dict[str, list[_Matcher]] = {}
        for code in codes(frame):
            self._by_theme.setdefault(code.theme, []).append(_compile(code))

    def suggest_text(self, text: str, theme: str) -> list[tuple[str, str, str]]:
        """Return ``(code_id, evidence, rule)`` for each code of ``theme`` that ``text`` fits."""
        analysis = analyse(text)
        out = []
        for matcher in self._by_theme.get(theme, ()):
            found = matcher.first(analysis)
            if found:
                out.append((matcher.code_id, *found))
        return out

    def suggest(self, segments: pd.DataFrame) -> pd.DataFrame:
        """Return one row per (segment, suggested code) with `SUGGESTION_COLUMNS`."""
        rows = []
        cache: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for seg in segments.itertuples(index=False):
            key = (seg.text, seg.theme)
            if key not in cache:  # repeated texts (later waves, copy-paste) are matched once
                cache[key] = self.suggest_text(seg.text, seg.theme)
            keys = (seg.segment_id, seg.interview_id, seg.wave, seg.district_id, seg.question)
            rows.extend((*keys, *found) for found in cache[key])
        return pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))


def suggest_codes(open_answers: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Split open answers into segments and suggest codes of each answer's theme.

    Parameters
    ----------
    open_answers
        One row per answer: ``interview_id, wave, district_id, question, theme, text``.
    frame
        The coding frame.

    Returns
    -------
    One row per (segment, code) with `SUGGESTION_COLUMNS`.
    """
    return Suggester(frame).suggest(split_segments(open_answers))


def naive_suggest(segments: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Suggest codes with a plain loop of ``re.search`` over every rule (benchmark baseline).

    Same output as `Suggester.suggest` on ordinary rules, but each rule is searched on its
    own and each segment is analysed again for every code.
    """
    rows = []
    all_codes = codes(frame)
    for seg in segments.itertuples(index=False):
        for code in all_codes:
            if code.theme != seg.theme:
                continue
            analysis = analyse(seg.text)
            found = _naive_first(code, analysis)
            if found:
                keys = (seg.segment_id, seg.interview_id, seg.wave, seg.district_id, seg.question)
                rows.append((*keys, code.code_id, *found))
    return pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))


def _naive_first(code: Code, analysis: Analysis) -> tuple[str, str] | None:
    candidates = []
    for order, keyword in enumerate(code.keywords):
        stems = stem_phrase(keyword)
        if not stems:
            continue
        for match in re.finditer(r"(?<!\S)" + re.escape(stems) + r"(?!\S)", analysis.stems):
            evidence, token = analysis.evidence(match.start(), match.end(), view="stems")
            if not analysis.is_negated(token):
                candidates.append(
                    (match.start(), -len(stems), order, evidence, f"keyword:{keyword}")
                )
                break
    if candidates:
        return min(candidates)[3:]
    for order, pattern in enumerate(code.patterns):
        for match in re.finditer(pattern, analysis.norm):
            if match.end() == match.start():
                continue
            evidence, token = analysis.evidence(match.start(), match.end(), view="norm")
            if not analysis.is_negated(token):
                candidates.append((match.start(), 0, order, evidence, f"pattern:{pattern}"))
                break
    return min(candidates)[3:] if candidates else None
