"""Crosswalk between survey waves: what changed in the questionnaire and in the districts.

The crosswalk is data (a ``crosswalk`` sheet of the later wave's questionnaire) with columns
``kind, from_wave, to_wave, old, new, comparable, note``. Options are written ``list/option``;
several ids are separated by ``;``. This module checks a crosswalk against the two
questionnaires and turns it into the map that pooling and comparing use: which items of the
later wave match which of the earlier one, and which are left out and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from distretti_survey.errors import ConfigError
from distretti_survey.findings import Findings
from distretti_survey.instrument import Instrument

COLUMNS = ("kind", "from_wave", "to_wave", "old", "new", "comparable", "note")
QUESTION_KINDS = ("question_renamed", "question_reworded", "question_added", "question_removed")
OPTION_KINDS = ("option_added", "option_removed", "option_merged")
DISTRICT_KINDS = (
    "district_added",
    "district_dissolved",
    "district_renamed",
    "district_merged",
    "comune_moved",
    "comune_merged",
)
KINDS = QUESTION_KINDS + OPTION_KINDS + DISTRICT_KINDS
_YES = {"yes", "si", "sì", "true", "1", "x"}


@dataclass(frozen=True)
class ItemMatch:
    """How a question of the earlier wave maps to the later wave, and whether it compares."""

    before: str
    after: str | None
    comparable: bool
    reason: str


@dataclass(frozen=True)
class Crosswalk:
    """A checked crosswalk: the rows, question matches and option recodes for the later wave."""

    rows: pd.DataFrame
    matches: tuple[ItemMatch, ...]
    recode: dict[str, dict[str, str]]
    """list name -> {option of the earlier wave: option it was merged into} for merged options."""
    added_options: dict[str, tuple[str, ...]]
    """list name -> options that exist only in the later wave (not comparable)."""

    def rename_map(self) -> dict[str, str]:
        """Return later-wave question name -> earlier-wave name, for comparable questions."""
        return {m.after: m.before for m in self.matches if m.comparable and m.after}

    def excluded(self) -> pd.DataFrame:
        """Return the items left out of comparisons, each with the reason."""
        rows = [
            {"item": m.before, "item_after": m.after or "", "reason": m.reason}
            for m in self.matches
            if not m.comparable
        ]
        rows += [
            {
                "item": f"{lst}/{opt}",
                "item_after": f"{lst}/{opt}",
                "reason": "opzione aggiunta nella nuova ondata: nessun valore precedente",
            }
            for lst, opts in self.added_options.items()
            for opt in opts
        ]
        return pd.DataFrame(rows, columns=["item", "item_after", "reason"])


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def _option_exists(instrument: Instrument, ref: str) -> bool:
    list_name, _, option = ref.partition("/")
    return any(c.list_name == list_name and c.name == option for c in instrument.all_choices)


@dataclass
class _Rows:
    """The crosswalk rows read so far: what they say, and the findings they raised."""

    before: Instrument
    after: Instrument
    report: Any
    renamed: dict[str, str] = field(default_factory=dict)
    reworded: dict[str, bool] = field(default_factory=dict)
    recode: dict[str, dict[str, str]] = field(default_factory=dict)
    added: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, line: int, column: str, message: str, suggestion: str, value: str) -> None:
        letter = chr(ord("A") + COLUMNS.index(column))
        self.report(
            message, cell=f"{letter}{line}", question=value, value=value, suggestion=suggestion
        )

    def read(self, line: int, kind: str, old: str, new: str, comparable: str) -> None:
        """Check one row and record what it says."""
        if kind not in KINDS:
            self.problem(
                line, "kind", f"Tipo di modifica {kind!r} sconosciuto.",
                f"Usare uno di: {', '.join(KINDS)}.", kind,
            )  # fmt: skip
        elif kind == "question_renamed":
            self._renamed(line, old, new)
            self.reworded[old] = comparable.casefold() in _YES
        elif kind == "question_reworded":
            self._reworded(line, old, comparable)
        elif kind == "option_added":
            self._option_added(line, new)
        elif kind == "option_merged":
            self._option_merged(line, old, new)

    def _renamed(self, line: int, old: str, new: str) -> None:
        before, after = self.before, self.after
        if old not in before.question_names:
            self.problem(
                line, "old", f"La domanda {old!r} non esiste nel questionario {before.wave}.",
                "Indicare il nome della domanda nell'ondata precedente.", old,
            )  # fmt: skip
        if new not in after.question_names:
            self.problem(
                line, "new", f"La domanda {new!r} non esiste nel questionario {after.wave}.",
                "Indicare il nuovo nome della domanda.", new,
            )  # fmt: skip
        if old in after.question_names:
            self.problem(
                line, "old",
                f"L'id {old!r} è rinominato ma è ancora usato nel questionario {after.wave}: "
                "un id non si riusa per un'altra domanda.",
                "Dare alla domanda del nuovo questionario un id nuovo.", old,
            )  # fmt: skip
        if new in before.question_names:
            self.problem(
                line, "new",
                f"Il nuovo id {new!r} esisteva già nel questionario {before.wave} per un'altra "
                "domanda: un id non si riusa.",
                "Scegliere un id mai usato prima.", new,
            )  # fmt: skip
        self.renamed[old] = new

    def _reworded(self, line: int, old: str, comparable: str) -> None:
        if old not in self.before.question_names or old not in self.after.question_names:
            self.problem(
                line, "old",
                f"La domanda riformulata {old!r} deve esistere in entrambe le ondate con lo "
                "stesso id.",
                "Controllare il nome.", old,
            )  # fmt: skip
        if comparable == "":
            self.problem(
                line, "comparable", f"Manca il giudizio di comparabilità per {old!r}.",
                "Scrivere yes o no nella colonna comparable.", old,
            )  # fmt: skip
        self.reworded[old] = comparable.casefold() in _YES

    def _option_added(self, line: int, new: str) -> None:
        for ref in _split(new):
            if not _option_exists(self.after, ref) or _option_exists(self.before, ref):
                self.problem(
                    line, "new",
                    f"L'opzione aggiunta {ref!r} deve esistere solo nel questionario "
                    f"{self.after.wave}.",
                    "Scrivere lista/opzione.", ref,
                )  # fmt: skip
            list_name, _, option = ref.partition("/")
            self.added.setdefault(list_name, []).append(option)

    def _option_merged(self, line: int, old: str, new: str) -> None:
        for ref in _split(old):
            if not _option_exists(self.before, ref):
                self.problem(
                    line, "old", f"L'opzione {ref!r} non esiste nel questionario "
                    f"{self.before.wave}.", "Scrivere lista/opzione.", ref,
                )  # fmt: skip
        if not _option_exists(self.after, new):
            self.problem(
                line, "new", f"L'opzione {new!r} non esiste nel questionario {self.after.wave}.",
                "Scrivere lista/opzione.", new,
            )  # fmt: skip
        # Earlier answers are recoded to the merged option so both waves share one code.
        target_list, _, target = new.partition("/")
        for ref in _split(old):
            self.recode.setdefault(target_list, {})[ref.partition("/")[2]] = target


def _match(q: Any, rows: _Rows, report: Any) -> ItemMatch:
    """Return how question ``q`` of the earlier wave maps to the later one."""
    after = rows.after
    if q.name in rows.renamed:
        ok = rows.reworded.get(q.name, True)
        reason = "rinominata" if ok else "rinominata e non comparabile secondo il crosswalk"
        return ItemMatch(q.name, rows.renamed[q.name], ok, reason)
    if q.name not in after.question_names:
        return ItemMatch(q.name, None, False, f"assente dal questionario {after.wave}")
    other = after.question(q.name)
    if (other.type, other.list_name) != (q.type, q.list_name):
        report(
            f"L'id {q.name!r} indica domande diverse nelle ondate {rows.before.wave} e "
            f"{after.wave} (tipo o lista cambiati): un id non si riusa.",
            sheet="survey",
            cell=f"A{other.row}",
            question=q.name,
            value=f"{q.type} {q.list_name or ''} -> {other.type} {other.list_name or ''}",
            suggestion="Dare un id nuovo alla domanda cambiata e aggiungere una riga "
            "question_added nel crosswalk.",
        )
        return ItemMatch(q.name, q.name, False, "id riusato (errore)")
    if q.name in rows.reworded:
        ok = rows.reworded[q.name]
        reason = "riformulata, " + ("comparabile" if ok else "non comparabile secondo il crosswalk")
        return ItemMatch(q.name, q.name, ok, reason)
    if q.label("it") != other.label("it"):
        report(
            f"Il testo della domanda {q.name!r} è cambiato ma il crosswalk non lo registra: "
            "trattata come non comparabile.",
            severity="warning",
            sheet="survey",
            cell=f"C{other.row}",
            question=q.name,
            value=other.label("it"),
            suggestion="Aggiungere una riga question_reworded con comparable yes o no.",
        )
        return ItemMatch(q.name, q.name, False, "testo cambiato senza riga nel crosswalk")
    return ItemMatch(q.name, q.name, True, "invariata")


def build_crosswalk(
    rows: pd.DataFrame | None,
    before: Instrument,
    after: Instrument,
    *,
    file: str = "",
    sheet: str = "crosswalk",
) -> tuple[Crosswalk, Findings]:
    """Check a crosswalk against the two questionnaires and build the item map.

    A question id that names a different question in the two waves (its type or list changed,
    or a renamed question's old id is used again in the later wave) is an error: ids are never
    reused. A question whose label changed must have a ``question_reworded`` row saying whether
    it is comparable.
    """
    rows = (pd.DataFrame(columns=list(COLUMNS)) if rows is None else rows).fillna("")
    missing = [c for c in COLUMNS if c not in rows.columns]
    if missing:
        raise ConfigError(f"{file}, foglio {sheet}: mancano le colonne {', '.join(missing)}.")
    findings = Findings()
    read = _Rows(before, after, findings.at(file=file, sheet=sheet))
    for index, row in rows.iterrows():
        text = {c: str(row[c]).strip() for c in ("kind", "old", "new", "comparable")}
        read.read(int(index) + 2, text["kind"], text["old"], text["new"], text["comparable"])
    matches = tuple(_match(q, read, findings.at(file=file)) for q in before.questions)
    added = {k: tuple(v) for k, v in read.added.items()}
    return Crosswalk(rows, matches, read.recode, added), findings
