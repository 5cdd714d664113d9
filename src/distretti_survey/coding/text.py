"""Normalise, tokenise, stem and lemmatise Italian answers, keeping the way back to the text.

Rules match on three views of a segment: the *normalised* text (case-folded, no accents, every
run of punctuation and spaces turned into one space), the *stemmed* text (the Italian Snowball
stem of each token) and the *lemmas* (simplemma: "mancano" -> "mancare", "vetrine" ->
"vetrina"). All views are built from the same tokens, and each token remembers its span in the
original text, so any match can be shown as evidence in the words the respondent used.

Negation has a scope (`Analysis.negated`, `Analysis.cleared`): a negation or an absence word
("non", "nessun", "senza", "manca", "assenza di") governs the few words after it in the same
clause, and the words just before it when it denies existence ("il manager non c'è"); a
negated *problem* or *need* ("nessun problema", "non servono corsi") or a positive verdict
("funziona benissimo") clears the whole clause, before and after.
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
#: Colloquial negators and words of absence: they govern a scope like `NEGATORS`.
ABSENCE_WORDS = frozenset(
    {
        "nn",
        "niente",
        "manca",
        "mancano",
        "mancava",
        "mancavano",
        "mancato",
        "mancata",
        "mancanza",
        "assenza",
        "assente",
        "assenti",
        "carenza",
        "privo",
        "priva",
    }
)
#: Words that open a new clause, so a negation before them does not reach past them.
CLAUSE_BREAKERS = frozenset(
    {"ma", "però", "pero", "tuttavia", "invece", "mentre", "perché", "perche", "anzi", "piuttosto"}
)
#: How many tokens before a match a negator may stand and still negate it.
NEGATION_WINDOW = 6
#: How many tokens after a negator it governs.
SCOPE_AFTER = 5
#: How many tokens before a negator it governs when it denies existence ("X non c'è").
SCOPE_BEFORE = 3
#: Lemmas (folded) of problems and needs: a negation of one clears its whole clause.
PROBLEM_LEMMAS = frozenset(
    {
        "problema",
        "criticita",
        "difficolta",
        "ostacolo",
        "intoppo",
        "lamentela",
        "servire",
        "bisogno",
        "necessario",
        "necessita",
        "utile",
        "interesse",
        "interessare",
        "volere",
        "esigenza",
        "ritardo",
        "lentezza",
    }
)
#: Lemmas (folded) of a positive verdict: not negated, one clears its clause of problems.
POSITIVE_LEMMAS = frozenset(
    {
        "bene",
        "benissimo",
        "ottimo",
        "ottimamente",
        "buono",
        "eccellente",
        "funzionare",
        "perfettamente",
        "chiaro",
        "semplice",
        "facile",
        "puntuale",
        "curato",
        "bravo",
    }
)
# Words after a negator that make it deny existence ("non c'è", "non ci sono", "non esiste").
_EXISTENCE = frozenset({"c", "ci", "e", "è", "sono", "stato", "stati", "esiste", "esistono"})


@lru_cache(maxsize=65536)
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


@lru_cache(maxsize=1)
def _simplemma():
    import simplemma

    return simplemma


@lru_cache(maxsize=65536)
def lemma(token: str) -> str:
    """Return the folded Italian lemma of one lower-case token (accents still on).

    Examples
    --------
    >>> lemma("mancano"), lemma("vetrine")
    ('mancare', 'vetrina')
    """
    return fold(_simplemma().lemmatize(token, lang="it"))


def lemmatize(text: str) -> list[str]:
    """Return the folded lemmas of the words of ``text``.

    Examples
    --------
    >>> lemmatize("Mancano i soldi")
    ['mancare', 'il', 'soldo']
    """
    return [lemma(match.group().casefold()) for match in _TOKEN_RE.finditer(str(text))]


@lru_cache(maxsize=65536)
def is_known(token: str) -> bool:
    """Return True when ``token`` (lower case, accents on) is an Italian word form simplemma knows.

    Only unknown words are matched with typo tolerance: "ragione" must not become "regione".
    """
    return bool(_simplemma().is_known(token, lang="it"))


@lru_cache(maxsize=65536)
def word_keys(token: str) -> frozenset[str]:
    """Return the stems of a lower-case token and of its lemma; two words match if they share one.

    Examples
    --------
    >>> bool(word_keys("coordinarsi") & word_keys("coordinamento"))
    True
    >>> sorted(word_keys("lavori"))  # simplemma's lemma is "lavorio": the stem still matches
    ['lavor']
    """
    return frozenset({stem(fold(token)), stem(lemma(token))})


@dataclass(frozen=True)
class Analysis:
    """One text split into tokens, with its views, negation scopes and the way back.

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
    raw, lemmas
        Lower-case tokens with their accents, and their folded lemmas.
    negated_by
        For each token, the indices of the negations or absence words that govern it.
    cleared_by
        For each token, the indices of the words that clear its clause of problems (a negated
        problem or need, or a positive verdict).
    """

    text: str
    norm: str
    stems: str
    spans: tuple[tuple[int, int], ...]
    norm_starts: tuple[int, ...]
    stem_starts: tuple[int, ...]
    negators: tuple[int, ...]
    clauses: tuple[int, ...]
    raw: tuple[str, ...] = ()
    lemmas: tuple[str, ...] = ()
    negated_by: tuple[tuple[int, ...], ...] = ()
    cleared_by: tuple[tuple[int, ...], ...] = ()

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

    def token_range(self, start: int, end: int, *, view: str) -> tuple[int, int]:
        """Return the first and last token index of a match in a view."""
        return self.token_at(start, view=view), self.token_at(max(end - 1, start), view=view)

    def quote(self, first: int, last: int) -> str:
        """Return the original text from token ``first`` to token ``last`` included."""
        if not self.spans:
            return ""
        return self.text[self.spans[first][0] : self.spans[last][1]]

    def is_negated(self, token_index: int, window: int = NEGATION_WINDOW) -> bool:
        """Return True when a negator stands up to ``window`` tokens before, in the same clause."""
        clause = self.clauses[token_index] if self.clauses else 0
        return any(
            token_index - window <= neg < token_index and self.clauses[neg] == clause
            for neg in self.negators
        )

    def governed(self, tokens: range, own: frozenset[int] = frozenset()) -> tuple[bool, bool]:
        """Return (negated, cleared) for a match over ``tokens``.

        Cues at the ``own`` token indices are part of the rule itself ("non c'è un manager")
        and do not negate it.
        """
        negated = any(cue not in own for t in tokens for cue in self.negated_by[t])
        cleared = any(cue not in own for t in tokens for cue in self.cleared_by[t])
        return negated, cleared

    def cues_in(self, first: int, last: int) -> frozenset[int]:
        """Return the indices of the negation and absence words from ``first`` to ``last``."""
        return frozenset(
            t
            for t in range(first, last + 1)
            if self.raw[t] in NEGATORS or self.raw[t] in ABSENCE_WORDS
        )

    def norm_without(self, first: int, last: int, tokens: frozenset[int]) -> str:
        """Return the normalised tokens ``first``..``last`` without those at ``tokens``."""
        words = self.norm.split(" ")
        return " ".join(words[i] for i in range(first, last + 1) if i not in tokens)


def analyse(text: str) -> Analysis:
    """Split ``text`` into tokens and build its views and negation scopes.

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
    raws: list[str] = []
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
        raws.append(raw)
        clauses.append(clause)
        if raw in NEGATORS:
            negators.append(index)
    norms = [fold(raw) for raw in raws]
    stems = [stem(token) for token in norms]
    lemmas = [lemma(raw) for raw in raws]
    negated_by, cleared_by = _scopes(raws, lemmas, clauses)
    return Analysis(
        text=text,
        norm=" ".join(norms),
        stems=" ".join(stems),
        spans=tuple(spans),
        norm_starts=_starts(norms),
        stem_starts=_starts(stems),
        negators=tuple(negators),
        clauses=tuple(clauses),
        raw=tuple(raws),
        lemmas=tuple(lemmas),
        negated_by=negated_by,
        cleared_by=cleared_by,
    )


def _scopes(
    raws: list[str], lemmas: list[str], clauses: list[int]
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """Return, per token, the cues that negate it and the cues that clear its clause."""
    n = len(raws)
    negated: list[list[int]] = [[] for _ in range(n)]
    clearing: dict[int, list[int]] = {}  # clause -> cues that clear it
    for cue, raw in enumerate(raws):
        if raw not in NEGATORS and raw not in ABSENCE_WORDS:
            continue
        after = [
            j for j in range(cue + 1, min(n, cue + 1 + SCOPE_AFTER)) if clauses[j] == clauses[cue]
        ]
        if any(lemmas[j] in PROBLEM_LEMMAS for j in after[:3]):
            clearing.setdefault(clauses[cue], []).append(cue)  # "nessun problema", "non serve"
            continue
        for j in after:
            negated[j].append(cue)
        if after and raws[after[0]] in _EXISTENCE:  # "il manager non c'è": the words before too
            for j in range(max(0, cue - SCOPE_BEFORE), cue):
                if clauses[j] == clauses[cue]:
                    negated[j].append(cue)
    for j, word in enumerate(lemmas):
        if word in POSITIVE_LEMMAS and not negated[j] and raws[j] not in NEGATORS:
            clearing.setdefault(clauses[j], []).append(j)  # "funziona benissimo"
    cleared = tuple(tuple(clearing.get(clauses[j], ())) for j in range(n))
    return tuple(tuple(cues) for cues in negated), cleared


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
