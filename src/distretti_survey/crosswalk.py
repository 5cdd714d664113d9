"""Crosswalk between survey waves: what changed in the questionnaire and in the districts.

The crosswalk is data (a ``crosswalk`` sheet of the later wave's questionnaire) with columns
``kind, from_wave, to_wave, old, new, comparable, note``. Options are written ``list/option``;
several ids are separated by ``;``. This module checks a crosswalk against the two
questionnaires and turns it into the map that pooling and comparing use: which items of the
later wave match which of the earlier one, and which are left out and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from distretti_survey.errors import ConfigError
from distretti_survey.findings import Finding, Findings
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
    findings = Findings()

    def add(
        line: int,
        column: str,
        message: str,
        suggestion: str = "",
        value: object = "",
        severity: str = "error",
    ) -> None:
        letter = chr(ord("A") + COLUMNS.index(column)) if column in COLUMNS else ""
        findings.add(
            Finding(
                file=file,
                sheet=sheet,
                cell=f"{letter}{line}" if letter else "",
                question=str(value),
                value=str(value),
                severity=severity,
                message=message,
                suggestion=suggestion,
            )
        )

    missing = [c for c in COLUMNS if c not in rows.columns]
    if missing:
        raise ConfigError(f"{file}, foglio {sheet}: mancano le colonne {', '.join(missing)}.")

    names_before, names_after = set(before.question_names), set(after.question_names)
    renamed: dict[str, str] = {}
    reworded: dict[str, bool] = {}
    recode: dict[str, dict[str, str]] = {}
    added: dict[str, list[str]] = {}
    for index, row in rows.iterrows():
        line = int(index) + 2
        kind, old, new = str(row["kind"]).strip(), str(row["old"]).strip(), str(row["new"]).strip()
        if kind not in KINDS:
            add(
                line,
                "kind",
                f"Tipo di modifica {kind!r} sconosciuto.",
                f"Usare uno di: {', '.join(KINDS)}.",
                kind,
            )
        elif kind == "question_renamed":
            if old not in names_before:
                add(
                    line,
                    "old",
                    f"La domanda {old!r} non esiste nel questionario {before.wave}.",
                    "Indicare il nome della domanda nell'ondata precedente.",
                    old,
                )
            if new not in names_after:
                add(
                    line,
                    "new",
                    f"La domanda {new!r} non esiste nel questionario {after.wave}.",
                    "Indicare il nuovo nome della domanda.",
                    new,
                )
            if old in names_after:
                add(
                    line,
                    "old",
                    f"L'id {old!r} è rinominato ma è ancora usato nel questionario "
                    f"{after.wave}: un id non si riusa per un'altra domanda.",
                    "Dare alla domanda del nuovo questionario un id nuovo.",
                    old,
                )
            if new in names_before:
                add(
                    line,
                    "new",
                    f"Il nuovo id {new!r} esisteva già nel questionario "
                    f"{before.wave} per un'altra domanda: un id non si riusa.",
                    "Scegliere un id mai usato prima.",
                    new,
                )
            renamed[old] = new
            reworded[old] = str(row["comparable"]).strip().casefold() in _YES
        elif kind == "question_reworded":
            if old not in names_before or old not in names_after:
                add(
                    line,
                    "old",
                    f"La domanda riformulata {old!r} deve esistere in entrambe le "
                    "ondate con lo stesso id.",
                    "Controllare il nome.",
                    old,
                )
            if str(row["comparable"]).strip() == "":
                add(
                    line,
                    "comparable",
                    f"Manca il giudizio di comparabilità per {old!r}.",
                    "Scrivere yes o no nella colonna comparable.",
                    old,
                )
            reworded[old] = str(row["comparable"]).strip().casefold() in _YES
        elif kind == "option_added":
            for ref in _split(new):
                if not _option_exists(after, ref) or _option_exists(before, ref):
                    add(
                        line,
                        "new",
                        f"L'opzione aggiunta {ref!r} deve esistere solo nel "
                        f"questionario {after.wave}.",
                        "Scrivere lista/opzione.",
                        ref,
                    )
                added.setdefault(ref.partition("/")[0], []).append(ref.partition("/")[2])
        elif kind == "option_merged":
            target = new.partition("/")
            for ref in _split(old):
                if not _option_exists(before, ref):
                    add(
                        line,
                        "old",
                        f"L'opzione {ref!r} non esiste nel questionario {before.wave}.",
                        "Scrivere lista/opzione.",
                        ref,
                    )
            if not _option_exists(after, new):
                add(
                    line,
                    "new",
                    f"L'opzione {new!r} non esiste nel questionario {after.wave}.",
                    "Scrivere lista/opzione.",
                    new,
                )
            # Earlier answers are recoded to the merged option so both waves share one code.
            for ref in _split(old):
                recode.setdefault(target[0], {})[ref.partition("/")[2]] = target[2]

    matches: list[ItemMatch] = []
    for q in before.questions:
        if q.name in renamed:
            new = renamed[q.name]
            ok = reworded.get(q.name, True)
            matches.append(
                ItemMatch(
                    q.name,
                    new,
                    ok,
                    "rinominata" if ok else "rinominata e non comparabile secondo il crosswalk",
                )
            )
        elif q.name not in names_after:
            matches.append(ItemMatch(q.name, None, False, f"assente dal questionario {after.wave}"))
        else:
            other = after.question(q.name)
            if (other.type, other.list_name) != (q.type, q.list_name):
                findings.add(
                    Finding(
                        file=file,
                        sheet="survey",
                        cell=f"A{other.row}",
                        question=q.name,
                        value=f"{q.type} {q.list_name or ''} -> "
                        f"{other.type} {other.list_name or ''}",
                        message=f"L'id {q.name!r} indica domande diverse nelle ondate "
                        f"{before.wave} e {after.wave} (tipo o lista cambiati): "
                        "un id non si riusa.",
                        suggestion="Dare un id nuovo alla domanda cambiata e aggiungere una riga "
                        "question_added nel crosswalk.",
                    )
                )
                matches.append(ItemMatch(q.name, q.name, False, "id riusato (errore)"))
            elif q.name in reworded:
                ok = reworded[q.name]
                matches.append(
                    ItemMatch(
                        q.name,
                        q.name,
                        ok,
                        "riformulata, comparabile"
                        if ok
                        else "riformulata, non comparabile secondo il crosswalk",
                    )
                )
            elif q.label("it") != other.label("it"):
                findings.add(
                    Finding(
                        file=file,
                        sheet="survey",
                        cell=f"C{other.row}",
                        question=q.name,
                        value=other.label("it"),
                        severity="warning",
                        message=f"Il testo della domanda {q.name!r} è cambiato ma il crosswalk "
                        "non lo registra: trattata come non comparabile.",
                        suggestion="Aggiungere una riga question_reworded con comparable yes o no.",
                    )
                )
                matches.append(
                    ItemMatch(q.name, q.name, False, "testo cambiato senza riga nel crosswalk")
                )
            else:
                matches.append(ItemMatch(q.name, q.name, True, "invariata"))
    crosswalk = Crosswalk(rows, tuple(matches), recode, {k: tuple(v) for k, v in added.items()})
    return crosswalk, findings
