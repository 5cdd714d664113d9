"""Private words stay private: personal data removed from open answers (pure functions).

Open answers are typed by people who mention people. Before anything downstream sees them
(coding, quotes, tables, deck, HTML, exports), ``redact_open_answers`` replaces:

- the interview's own ``pii`` values (the ``contacts`` table: referent's name, e-mail,
  phone) wherever they occur in that interview's answers: case- and accent-insensitive, the
  full name and each of its parts; full names of every referent in every answer;
- any e-mail address, Italian phone number or codice fiscale pattern;
- the names of an optional list (``data/reference/redact.csv``),

with typed placeholders (``[REFERENTE]``, ``[EMAIL]``, ``[TELEFONO]``, ``[CODICE FISCALE]``,
``[NOME]``) so that coders still read what kind of word was there. It returns how many of
each were replaced (counts, never values) for the method note of the report.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

PLACEHOLDERS = {
    "referente": "[REFERENTE]",
    "email": "[EMAIL]",
    "telefono": "[TELEFONO]",
    "codice_fiscale": "[CODICE FISCALE]",
    "nome_elenco": "[NOME]",
}
REDACT_FILE = "redact.csv"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_SEP = r"[\s./-]?"
# Italian numbers: mobile 3xx + 6-7 digits, landline 0 + 5-10 digits, optional +39 / 0039;
# not a date (31/12/2012) and not inside a longer number (amounts such as 300.000).
_PHONE = re.compile(
    rf"(?<![\w,/-])(?<!\d\.)(?!\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}(?!\d))"
    rf"(?:(?:\+|00)\s?39{_SEP})?(?:3\d(?:{_SEP}\d){{7,8}}|0\d(?:{_SEP}\d){{4,9}})(?![\w])"
)
_CF_DIGIT = "[0-9LMNPQRSTUV]"
_CODICE_FISCALE = re.compile(
    rf"\b[A-Z]{{6}}{_CF_DIGIT}{{2}}[A-EHLMPRST]{_CF_DIGIT}{{2}}[A-Z]{_CF_DIGIT}{{3}}[A-Z]\b",
    re.IGNORECASE,
)
#: Name parts never redacted on their own (particles of Italian surnames, too short words).
_PARTICLES = {"de", "di", "da", "del", "della", "dei", "degli", "delle", "la", "lo", "le", "li"}
_ACCENTED = {
    "a": "aàáâäã",
    "e": "eèéêë",
    "i": "iìíîï",
    "o": "oòóôöõ",
    "u": "uùúûü",
    "c": "cç",
    "n": "nñ",
}


def fold(text: str) -> str:
    """Return ``text`` without accents, in lower case (for comparisons)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _word_pattern(word: str) -> str:
    """Return a regex matching ``word`` whatever its case and accents, apostrophes, spaces."""
    out = []
    for ch in fold(word):
        if ch in _ACCENTED:
            out.append(f"[{_ACCENTED[ch]}]")
        elif ch in "'’`":
            out.append("['’`]")
        elif ch.isspace() or ch == "-":
            out.append(r"[\s-]+")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def name_pattern(names: Iterable[str], *, parts: bool) -> re.Pattern[str] | None:
    """Return one regex matching any of ``names`` as whole words (and their parts if asked).

    Examples
    --------
    >>> pattern = name_pattern(["Niccolò De Santis"], parts=True)
    >>> pattern.sub("[X]", "Ha parlato NICCOLO de santis; poi Santis e la De Filippi")
    'Ha parlato [X]; poi [X] e la De Filippi'
    """
    words: set[str] = set()
    for name in names:
        name = " ".join(str(name).split())
        if len(name) < 3:
            continue
        words.add(name)
        if parts:
            for part in re.split(r"[\s-]+", name):
                if len(part) >= 3 and fold(part) not in _PARTICLES:
                    words.add(part)
    if not words:
        return None
    alternatives = sorted((_word_pattern(w) for w in words), key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)


def digits_pattern(phone: str) -> re.Pattern[str] | None:
    """Return a regex matching the digits of ``phone`` however they are separated."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return None
    return re.compile(rf"(?<!\d)(?:(?:\+|00)\s?39{_SEP})?{_SEP.join(digits)}(?!\d)")


@dataclasses.dataclass(frozen=True)
class OwnValues:
    """The ``pii`` values of one interview, sorted by kind."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


def own_values(contact: Mapping[str, Any]) -> OwnValues:
    """Sort the ``pii`` answers of one interview into names, e-mails and phones."""
    names, emails, phones = [], [], []
    for value in contact.values():
        if value is None or (isinstance(value, float) and value != value):
            continue
        text = str(value).strip()
        if not text:
            continue
        if "@" in text:
            emails.append(text)
        elif len(re.sub(r"\D", "", text)) >= 6 and not re.search(r"[^\d\s+./()-]", text):
            phones.append(text)
        else:
            names.append(text)
    return OwnValues(tuple(names), tuple(emails), tuple(phones))


def redact_text(
    text: str,
    own: OwnValues | None = None,
    *,
    others: re.Pattern[str] | None = None,
    listed: re.Pattern[str] | None = None,
) -> tuple[str, Counter[str]]:
    """Return ``text`` with personal data replaced by placeholders, and the counts by kind.

    Parameters
    ----------
    text
        One open answer.
    own
        The interview's own ``pii`` values (names are matched in full and by parts).
    others
        Full names of the other referents of the wave (``name_pattern(..., parts=False)``).
    listed
        Names of the redaction list (``load_redaction_list``).

    Examples
    --------
    >>> own = OwnValues(names=("Anna Maria Ferrè",), phones=("0382 123456",))
    >>> redact_text("Chiedere ad Anna Ferre (0382-123456, anna@comune.it), CF "
    ...             "RSSMRA80A01G388X.", own)[0]
    'Chiedere ad [REFERENTE] [REFERENTE] ([TELEFONO], [EMAIL]), CF [CODICE FISCALE].'
    >>> redact_text("Spesi 300.000 euro il 31/12/2012, tel. 347 1234567")[0]
    'Spesi 300.000 euro il 31/12/2012, tel. [TELEFONO]'
    """
    own = own or OwnValues()
    counts: Counter[str] = Counter()

    def sub(pattern: re.Pattern[str] | None, kind: str, value: str) -> str:
        if pattern is None:
            return value
        value, n = pattern.subn(PLACEHOLDERS[kind], value)
        counts[kind] += n
        return value

    text = sub(_EMAIL, "email", str(text))
    for phone in own.phones:
        text = sub(digits_pattern(phone), "telefono", text)
    text = sub(_PHONE, "telefono", text)
    text = sub(_CODICE_FISCALE, "codice_fiscale", text)
    text = sub(name_pattern(own.names, parts=True), "referente", text)
    text = sub(others, "referente", text)
    text = sub(listed, "nome_elenco", text)
    return text, +counts


def load_redaction_list(path: str | Path | None) -> list[str]:
    """Read the names to redact from a CSV with a ``name`` column; ``#`` starts a comment row.

    A missing file is an empty list: the list is optional.
    """
    if path is None or not Path(path).is_file():
        return []
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#")]
    rows = csv.DictReader(lines)
    return [row["name"].strip() for row in rows if (row.get("name") or "").strip()]


def redact_open_answers(
    data: Any, extra_names: Sequence[str] = (), *, columns: Sequence[str] = ("text",)
) -> tuple[Any, dict[str, int]]:
    """Return SurveyData whose open answers (and intervention descriptions) carry no PII.

    Parameters
    ----------
    data
        The ingest's SurveyData (``contacts`` holds each interview's ``pii`` answers).
    extra_names
        Names to redact everywhere (``load_redaction_list``).
    columns
        Text columns of ``open_answers`` to redact.

    Returns
    -------
    A copy of ``data`` with the redacted texts (``contacts`` unchanged), and the counts by
    kind (``referente``, ``email``, ``telefono``, ``codice_fiscale``, ``nome_elenco``) plus
    ``risposte`` (answers changed): numbers only, never the values.
    """
    contacts = data.contacts
    pii_columns = [c for c in contacts.columns if c not in ("interview_id", "wave", "district_id")]
    own = {
        row["interview_id"]: own_values({c: row[c] for c in pii_columns})
        for row in contacts.to_dict("records")
    }
    everyone = [name for values in own.values() for name in values.names]
    others = name_pattern(everyone, parts=False)
    listed = name_pattern(extra_names, parts=False)
    total: Counter[str] = Counter()

    def redact_frame(frame: Any, cols: Sequence[str]) -> Any:
        frame = frame.copy()
        for col in [c for c in cols if c in frame.columns]:
            texts = []
            for interview, text in zip(frame["interview_id"], frame[col], strict=True):
                if not isinstance(text, str):
                    texts.append(text)
                    continue
                new, counts = redact_text(
                    text, own.get(interview, OwnValues()), others=others, listed=listed
                )
                total.update(counts)
                total["risposte"] += new != text
                texts.append(new)
            frame[col] = texts
        return frame

    open_answers = redact_frame(data.open_answers, columns)
    interventions = redact_frame(data.interventions, ("description",))
    redacted = dataclasses.replace(data, open_answers=open_answers, interventions=interventions)
    counts = {kind: int(total[kind]) for kind in (*PLACEHOLDERS, "risposte")}
    return redacted, counts


def method_note(counts: Mapping[str, int]) -> str:
    """Return the Italian sentence of the method note saying what was redacted (counts only).

    Examples
    --------
    >>> note = method_note({"referente": 2, "email": 1, "telefono": 0, "risposte": 2})
    >>> print(note)  # doctest: +NORMALIZE_WHITESPACE
    Dati personali omessi dalle risposte aperte: 2 nomi dei referenti, 1 indirizzo e-mail (in 2
    risposte).
    """
    labels = {
        "referente": ("nome dei referenti", "nomi dei referenti"),
        "email": ("indirizzo e-mail", "indirizzi e-mail"),
        "telefono": ("numero di telefono", "numeri di telefono"),
        "codice_fiscale": ("codice fiscale", "codici fiscali"),
        "nome_elenco": ("nome dell'elenco di riservatezza", "nomi dell'elenco di riservatezza"),
    }
    parts = [f"{n} {labels[k][n != 1]}" for k in labels if (n := int(counts.get(k, 0)))]
    if not parts:
        return "Nessun dato personale trovato nelle risposte aperte."
    answers = int(counts.get("risposte", 0))
    return (
        f"Dati personali omessi dalle risposte aperte: {', '.join(parts)} "
        f"(in {answers} rispost{'a' if answers == 1 else 'e'})."
    )


def segment_originals(original_answers: Any, segments: Any, split: Any) -> dict[str, str]:
    """Return segment id -> the segment as typed, for coders who may see personal data.

    With ``--no-pseudonymise`` the coders' workbooks show what was typed; everything else
    (ids, fingerprints, outputs) stays on the redacted text. ``split`` is the splitter that
    made ``segments`` (``coding.suggest.split_segments``), run on the unredacted answers; an
    answer whose redaction changed the number of segments keeps its redacted segments.

    Parameters
    ----------
    original_answers
        ``open_answers`` before ``redact_open_answers``.
    segments
        The segments of the redacted answers.
    split
        The splitter: open answers -> segments with ``segment_id`` and ``text``.
    """
    original = split(original_answers)

    def per_answer(frame: Any) -> dict[str, int]:
        keys = frame["segment_id"].str.rsplit(":", n=1).str[0]
        return keys.value_counts().to_dict()

    same = {key for key, n in per_answer(original).items() if per_answer(segments).get(key) == n}
    keys = original["segment_id"].str.rsplit(":", n=1).str[0]
    kept = original[keys.isin(same)]
    return dict(zip(kept["segment_id"], kept["text"], strict=True))
