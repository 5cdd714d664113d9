"""Normalise, tokenise and stem Italian answers, keeping the way back to the original text.

Rules match on two views of a segment: the *normalised* text (case-folded, no accents, every
run of punctuation and spaces turned into one space) and the *stemmed* text (the Italian
Snowball stem of each token, joined by single spaces). Both views are built from the same
tokens, and each token remembers its span in the original text, so any match can be shown as
evidence in the words the respondent used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Letters and digits; apostrophes and hyphens split words ("dell'associazione", "e-commerce").
_TOKEN_RE = re.compile(r"[^\W_]+")
# Punctuation that closes a clause: a negation does not reach past it.
_CLAUSE_PUNCT_RE = re.compile(r"[,;:()\[\]!?.\n]")
#: Words that negate what follows them (compared before accents are removed: "né" is not "ne").
NEGATORS = frozenset(
    {"non", "nessun", "nessuno", "nessuna", "senza", "mai", "né", "neanche", "nemmeno", "neppure"}
)
#: Words that open a new clause, so a negation before them does not reach past them.
CLAUSE_BREAKERS = frozenset(
    {"ma", "però", "pero", "tuttavia", "invece", "mentre", "perché", "perche", "anzi"}
)
#: How many tokens before a match a negator may stand and still negate it.
NEGATION_WINDOW = 6


def fold(token: str) -> str:
    """Return ``token`` case-folded and without accents.

    Examples
    --------
    >>> fold("Attività")
    'attivita'
    """
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Return ``text`` case-folded, without accents, punctuation or repeated spaces.

    Typographic and straight apostrophes separate words, as punctuation does.

    Examples
    --------
    >>> normalise("  L’Attività   del DISTRETTO, però... ")
    'l attivita del distretto pero'
    """
    return " ".join(fold(match.group()) for match in _TOKEN_RE.finditer(str(text)))


def tokenize(text: str) -> list[str]:
    """Return the normalised tokens of ``text``.

    Examples
    --------
    >>> tokenize("Dell'e-commerce")
    ['dell', 'e', 'commerce']
    """
    return normalise(text).split()


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("italian")


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Return the Italian Snowball stem of one normalised token.

    Examples
    --------
    >>> stem("coordinamento") == stem("coordinare")
    True
    """
    return _stemmer().stemWord(token)


def stem_phrase(phrase: str) -> str:
    """Return the stems of the tokens of ``phrase`` joined by single spaces."""
    return " ".join(stem(token) for token in tokenize(phrase))


@dataclass(frozen=True)
class Analysis:
    """One text split into tokens, with both views and the way back to the original.

    Attributes
    ----------
    text
        The original text.
    norm, stems
        Normalised and stemmed views: tokens joined by single spaces.
    spans
        ``(start, end)`` of each token in ``text``.
    norm_starts, stem_starts
        Offset of each token in ``norm`` and in ``stems``.
    negators
        Token indices that are negation words.
    clauses
        Clause number of each token (punctuation and words such as "ma" open a new clause).
    """

    text: str
    norm: str
    stems: str
    spans: tuple[tuple[int, int], ...]
    norm_starts: tuple[int, ...]
    stem_starts: tuple[int, ...]
    negators: tuple[int, ...]
    clauses: tuple[int, ...]

    def token_at(self, offset: int, *, view: str) -> int:
        """Return the index of the token containing ``offset`` of the ``norm`` or ``stems`` view."""
        import bisect

        starts = self.norm_starts if view == "norm" else self.stem_starts
        return max(bisect.bisect_right(starts, offset) - 1, 0)

    def evidence(self, start: int, end: int, *, view: str) -> tuple[str, int]:
        """Return the original text of a match in a view and the index of its first token."""
        if not self.spans:
            return "", 0
        first = self.token_at(start, view=view)
        last = self.token_at(max(end - 1, start), view=view)
        return self.text[self.spans[first][0] : self.spans[last][1]], first

    def is_negated(self, token_index: int, window: int = NEGATION_WINDOW) -> bool:
        """Return True when a negator stands up to ``window`` tokens before, in the same clause."""
        clause = self.clauses[token_index] if self.clauses else 0
        return any(
            token_index - window <= neg < token_index and self.clauses[neg] == clause
            for neg in self.negators
        )


def analyse(text: str) -> Analysis:
    """Split ``text`` into tokens and build its normalised and stemmed views.

    Parameters
    ----------
    text
        An answer or a segment of an answer, as typed.

    Returns
    -------
    The analysis, with spans to map matches back to ``text``.
    """
    text = str(text)
    spans: list[tuple[int, int]] = []
    norms: list[str] = []
    negators: list[int] = []
    clauses: list[int] = []
    clause = 0
    previous_end = 0
    for index, match in enumerate(_TOKEN_RE.finditer(text)):
        raw = match.group().casefold()
        if _CLAUSE_PUNCT_RE.search(text, previous_end, match.start()) or raw in CLAUSE_BREAKERS:
            clause += 1
        previous_end = match.end()
        spans.append(match.span())
        norms.append(fold(raw))
        clauses.append(clause)
        if raw in NEGATORS:
            negators.append(index)
    stems = [stem(token) for token in norms]
    return Analysis(
        text=text,
        norm=" ".join(norms),
        stems=" ".join(stems),
        spans=tuple(spans),
        norm_starts=_starts(norms),
        stem_starts=_starts(stems),
        negators=tuple(negators),
        clauses=tuple(clauses),
    )


def _starts(tokens: list[str]) -> tuple[int, ...]:
    starts, offset = [], 0
    for token in tokens:
        starts.append(offset)
        offset += len(token) + 1
    return tuple(starts)


# Sentence ends: . ! ? ; or a line break, unless the dot closes a common abbreviation or a number.
_ABBREVIATIONS = ("es", "ecc", "etc", "sig", "dott", "arch", "ing", "n", "nr", "pag", "art", "p")
_SPLIT_RE = re.compile(r"(?<=[.!?;])\s+|\s*\n+\s*")


def split_sentences(text: str) -> list[str]:
    """Split an answer into sentences; empty pieces are dropped.

    Examples
    --------
    >>> split_sentences("Lavori fermi, es. la piazza. Nessun evento!\\nPoi vedremo")
    ['Lavori fermi, es. la piazza.', 'Nessun evento!', 'Poi vedremo']
    """
    pieces: list[str] = []
    carry = ""
    for piece in _SPLIT_RE.split(str(text)):
        if not piece or not piece.strip():
            continue
        piece = f"{carry} {piece}" if carry else piece
        carry = ""
        last_word = re.search(r"(\w+)\.$", piece)
        if last_word and fold(last_word.group(1)) in _ABBREVIATIONS:
            carry = piece  # "es." ends an abbreviation, not a sentence
            continue
        pieces.append(piece.strip())
    if carry:
        pieces.append(carry.strip())
    return [piece for piece in pieces if _TOKEN_RE.search(piece)]
