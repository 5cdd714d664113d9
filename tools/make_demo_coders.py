"""Fill in the coders' workbooks and the consensus of the synthetic demo waves.

A developer tool, like ``make_demo_data.py``: run once from the repository root after it; the
files are committed under ``data/raw/demo/<wave>/coding/`` (``coder_A.xlsx``, ``coder_B.xlsx``,
``disaccordi.xlsx``) so that the demo and notebook 02 run the real two-coder flow. The package
never writes there.

The coders are not the suggestions flipped at random: each is a hand-written reading of the
answers, the way a person reads them against the frame's definitions.

- Coder A reads every topic a sentence mentions, with a broad eye for cue words, and keeps a
  parent code beside a child when the sentence names both (a delay *and* its cause).
- Coder B is more conservative: follows the frame's "use the child, not the parent"; codes a
  delay cause only when the sentence speaks of a delay; in a sentence with a contrast ("ma",
  "però", "a parte") codes what comes after it (the difficulty asked about); does not code
  reports of things that went well; and leaves the last rows of one sheet empty in 2011 (not
  coded, to show how the flow reports it).
- The consensus, where they disagree, is the reading the two agree on after checking the frame:
  every topic mentioned (like A), the frame's child-over-parent rule and B's care on cues.

The 2012 workbooks hold only what 2011's decisions do not cover (the carry-over), as in real use.

    python tools/make_demo_coders.py [--root DIR]
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from distretti_survey.coding.consensus import read_consensus, write_disagreements
from distretti_survey.coding.run import code_wave
from distretti_survey.coding.workbooks import read_coder_workbook, write_coder_workbook
from distretti_survey.ingest import read_wave
from distretti_survey.instrument import load_instrument
from distretti_survey.registry import load_registry
from distretti_survey.xlsx_io import stable_save

ROOT = Path(__file__).resolve().parents[1]
WAVES = (2011, 2012)

#: A sentence that reports no problem at all (checked on the whole sentence).
NO_PROBLEM = re.compile(
    r"^(non ci sono( stati)?|non abbiamo( incontrato| avuto)?|non vediamo|nessun[oa]?)\b"
    r"(?!.*\b(ma|però|a parte)\b)"
)
#: A clause saying something works: a person does not code a problem there.
POSITIVE = re.compile(r"funziona(no)? bene|è buona|è migliorat|sostiene il distretto")
CONTRAST = re.compile(r",? *\b(?:ma|però|a parte)\b")
DELAY = (
    r"ritard|lent[oiae]?\b|rallent|tempi|indietro|fermi|dopo più|solo a fine|"
    r"non (è|sono) ancora|proroga|da mesi|molto dopo|blocca"
)

#: Coder A's cue words per code, on the lower-case sentence (a broad reading).
CUES: dict[str, str] = {
    "PRG_RITARDI": DELAY + r"|cronoprogramma|scadenza",
    "PRG_RIT_LAVORI": r"lavori|opere pubbliche|cantier|viabilità|collaudo|progetti esecutivi",
    "PRG_RIT_FONDI": (
        r"cofinanz|patto di stabilità|contribut|pagament|budget|"
        r"variazione di bilancio|mancano le risorse"
    ),
    "PRG_RIT_PROCEDURE": (
        r"\bgar[ae]\b|appalt|affidament|parere|soprintendenza|rendicontazion|"
        r"burocrazia|procedur"
    ),
    "PRG_REALIZZATI": r"realizzat|complet|conclus|installat|spesi quasi|è online|rispettato",
    "PRG_REAL_EVENTI": r"animazione|eventi|fiere|mercati|iniziative promozionali",
    "PRG_REAL_URBANO": r"segnaletica|videosorveglianza|pavimentazion|arredo|illuminazion|parchegg",
    "PRG_PARTECIPAZIONE": r"poche domande|partecipato poco|disponibilità dei commercianti",
    "PRG_MONITORAGGIO": r"indicatori|monitoragg|mancanza di dati",
    "PRG_RIMODULAZIONE": (
        r"ridimensionat|annullat|variante|rivedere il cronoprogramma|"
        r"riaperto i termini"
    ),
    "FOR_DIGITALE": r"digital|informatic|internet|posta elettronica|online",
    "FOR_DIG_MARKETING": r"social|marketing digitale|facebook|promuovere i negozi",
    "FOR_DIG_ECOMMERCE": r"commercio elettronico|e-commerce|vend\w* online|negozio online",
    "FOR_VETRINE": r"vetrin|allestiment",
    "FOR_ACCOGLIENZA": r"accoglienza|turist|cortesia",
    "FOR_ACC_LINGUE": r"lingue|inglese|tedesco",
    "FOR_ACC_FIDELIZZAZIONE": r"fidelizz|fedeltà|clienti abituali",
    "FOR_GESTIONE": r"gestione aziendale|controllo dei costi|contabil|credito",
    "FOR_NORMATIVE": r"normativ|sicurezza|regole del commercio",
    "FOR_RETI": r"fare rete|lavorare insieme|collabor|si confrontano",
    "FOR_SENSIBILIZZAZIONE": (
        r"sensibiliz|non conoscono|consapevolezza|non vedono l.utilità|"
        r"spiegare meglio"
    ),
    "GOV_COORDINAMENTO": (
        r"coordin|ognuno guarda|esclusi|non hanno ancora firmato|"
        r"lasciato il distretto"
    ),
    "GOV_COORD_CAPOFILA": r"capofila",
    "GOV_COORD_TURNOVER": r"cambio di sindaco|turnover|elezion|nuova amministrazione",
    "GOV_ASSOCIAZIONI": r"associazion|ascom|confesercenti",
    "GOV_MANAGER": r"manager|figura che coordini|struttura dedicata",
    "GOV_DECISIONI": r"decision|decid|riunion|tavolo|lent[ie]\b|in fretta",
    "GOV_RISORSE": r"cofinanziamento|risorse|budget comune|soldi",
    "GOV_BUROCRAZIA": r"burocrazia|bandi regionali|regione|scadenze regionali|rendicontazione",
    "GOV_INATTIVITA": r"non si è più riunito|è fermo|inattiv|solo sulla carta",
    "GOV_COMUNICAZIONE": (
        r"comunicazione|non sanno chi sia|consultare i commercianti|"
        r"rapporti costruiti con gli operatori"
    ),
}
#: Coder B's extra condition per code: the cue must come with this too (the conservative eye).
STRICT: dict[str, str] = {
    "PRG_RIT_LAVORI": DELAY,
    "PRG_RIT_FONDI": DELAY + r"|mancano|inferiore",
    "PRG_REAL_EVENTI": r"realizzat|funzionato|rispettato|partite",
    "PRG_REAL_URBANO": r"complet|installat|realizzat",
    "FOR_DIGITALE": r"digital|informatic|internet|posta elettronica",
    "FOR_VETRINE": r"utile|servirebbe|serve|percorso|corso",
    "FOR_RETI": r"fare rete|lavorare insieme",
    "FOR_SENSIBILIZZAZIONE": r"sensibiliz|non conoscono|spiegare meglio",
    "GOV_MANAGER": r"solo poche ore|non c.è|senza|serve|stabile",
    "GOV_DECISIONI": r"lent[ie] perché|poco operative|rinvi",
    "GOV_INATTIVITA": r"non si è più riunito|inattiv|solo sulla carta",
}


@dataclass(frozen=True)
class Reader:
    """How one person reads a sentence into codes."""

    strict: bool
    """Apply `STRICT`: code only with the extra condition."""
    after_contrast: bool
    """In a sentence with a contrast, read only what comes after it."""
    keep_parents: bool
    """Keep a parent its cues found beside a child (else the frame's rule: the child only)."""
    skip_rows: dict[tuple[int, str], int] = field(default_factory=dict)
    """Rows left empty at the end of a sheet, by (wave, sheet)."""

    def codes(self, text: str, theme: str, frame: pd.DataFrame) -> set[str]:
        """Return the codes this reader ticks for one sentence of ``theme``."""
        low = text.lower()
        theme_codes = frame.loc[frame["theme"] == theme, ["code_id", "parent"]]
        parents = dict(zip(theme_codes["code_id"], theme_codes["parent"].fillna(""), strict=True))
        if NO_PROBLEM.search(low):
            return {"GOV_NESSUNA"} if theme == "governance" else set()
        parts = CONTRAST.split(low)
        if self.after_contrast and len(parts) > 1:
            parts = parts[-1:]
        found: set[str] = set()
        for part in parts:
            if POSITIVE.search(part):
                continue
            for code in parents:
                cue = CUES.get(code)
                if not cue or not re.search(cue, part):
                    continue
                if self.strict and code in STRICT and not re.search(STRICT[code], low):
                    continue
                found.add(code)
        if not found and theme == "governance" and POSITIVE.search(low):
            found.add("GOV_NESSUNA")
        if self.keep_parents:
            return found
        return found - {parents[c] for c in found if parents.get(c)}


CODER_A = Reader(strict=False, after_contrast=False, keep_parents=True)
CODER_B = Reader(
    strict=True, after_contrast=True, keep_parents=False, skip_rows={(2011, "formazione"): 2}
)
CONSENSUS = Reader(strict=True, after_contrast=False, keep_parents=False)


def fill_coder(path: Path, reader: Reader, segments: pd.DataFrame, frame, wave: int) -> None:
    """Tick the reader's codes in a coder workbook, row by row, as a person would."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    themes = segments.set_index("segment_id")
    for ws in wb.worksheets:
        keys = [c.value for c in ws[2]] if ws.max_row >= 2 else []
        if "none" not in keys:
            continue
        last = ws.max_row - reader.skip_rows.get((wave, ws.title), 0)
        for row in range(3, last + 1):
            seg_id = ws.cell(row, 1).value
            codes = reader.codes(str(ws.cell(row, 6).value), themes.at[seg_id, "theme"], frame)
            for code in sorted(codes) or ["none"]:
                ws.cell(row, keys.index(code) + 1, 1)
    stable_save(wb, path)


def fill_consensus(path: Path, segments: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Write the consensus (1/0) of every disagreement: the reading agreed after discussion."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["disaccordi"]
    themes = segments.set_index("segment_id")
    for row in range(3, ws.max_row + 1):
        seg_id, code = ws.cell(row, 1).value, ws.cell(row, 6).value
        codes = CONSENSUS.codes(str(ws.cell(row, 5).value), themes.at[seg_id, "theme"], frame)
        ws.cell(row, 10, int(code in codes))
    stable_save(wb, path)


def build_wave(root: Path, wave: int, earlier: pd.DataFrame | None) -> tuple[list, pd.DataFrame]:
    """Write and fill the coding files of one wave; return the paths and its decisions."""
    wave_dir = root / str(wave)
    instrument = load_instrument(wave_dir / "questionnaire.xlsx")
    frame = instrument.coding_frame
    answers = read_wave(wave_dir, instrument, load_registry()).data.open_answers
    first = code_wave(answers, frame, earlier_decisions=earlier)
    out = wave_dir / "coding"
    out.mkdir(parents=True, exist_ok=True)
    paths = {"coder_a": out / "coder_A.xlsx", "coder_b": out / "coder_B.xlsx"}
    readers = {"coder_a": CODER_A, "coder_b": CODER_B}
    decisions = []
    for coder, path in paths.items():
        todo = first.to_code(coder)
        sugg = first.suggestions[first.suggestions["segment_id"].isin(todo["segment_id"])]
        write_coder_workbook(todo, sugg, frame, path, coder=coder, blind=coder == "coder_b")
        fill_coder(path, readers[coder], first.segments, frame, wave)
        decisions.append(read_coder_workbook(path, first.segments, frame).decisions)
    a, b = decisions
    consensus_path = write_disagreements(a, b, first.segments, out / "disaccordi.xlsx", frame)
    fill_consensus(consensus_path, first.segments, frame)
    consensus, _ = read_consensus(consensus_path, first.segments, frame)
    result = code_wave(
        answers, frame, earlier_decisions=earlier, coder_decisions=[a, b], consensus=consensus
    )
    return [*paths.values(), consensus_path], result.decisions


def main(argv: list[str] | None = None) -> int:
    """Write the coders' workbooks and the consensus of the demo waves 2011 and 2012."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT / "data" / "raw" / "demo")
    args = parser.parse_args(argv)
    earlier = None
    for wave in WAVES:
        paths, decisions = build_wave(args.root, wave, earlier)
        earlier = decisions if earlier is None else pd.concat([earlier, decisions])
        for path in paths:
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
