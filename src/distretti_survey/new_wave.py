"""A new survey wave from the previous one: questionnaire, interviews folder, registry proposal.

`create_wave` makes the folder of a new wave so the researchers start from a questionnaire that
is right for real interviews: ``version`` and ``wave`` set in ``settings``, ``synthetic = no``
(templates for real interviews must not say "DATI DIMOSTRATIVI"), the ``crosswalk`` sheet
emptied to its header (its rows described the previous pair of waves), and an ``interviews/``
folder that git ignores. The districts of the new wave are proposed from those of the previous
one in the registry, marked as proposals, with a warning asking to confirm them.

Nothing already there is overwritten: the folder of the new wave must not exist (or be empty),
and an existing wave folder is never written into.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from distretti_survey.errors import ConfigError, InputError
from distretti_survey.findings import Finding, Findings

QUESTIONNAIRE = "questionnaire.xlsx"
INTERVIEWS = "interviews"
CROSSWALK_COLUMNS = ("kind", "from_wave", "to_wave", "old", "new", "comparable", "note")
#: Written in the ``source`` column of the proposed rows; a researcher replaces it on review.
PROPOSED_MARK = "PROPOSTA new-wave {year} (da confermare)"
# Real interviews never enter git, also when the wave folder sits where git tracks files
# (e.g. under data/raw/demo/, which .gitignore lets through).
_GITIGNORE = "# Interviste reali: mai in git.\n*\n!.gitignore\n"


@dataclass(frozen=True)
class NewWaveResult:
    """What `create_wave` made: the folder, its files and the proposed registry rows."""

    wave: int
    previous_wave: int
    wave_dir: Path
    questionnaire: Path
    interviews_dir: Path
    registry_path: Path
    proposed: pd.DataFrame
    """The registry rows added for the new wave (registry columns, without ``line``)."""
    findings: Findings


def create_wave(
    year: int,
    from_dir: str | Path,
    out_dir: str | Path,
    registry_path: str | Path | None = None,
) -> NewWaveResult:
    """Create the folder of wave ``year`` from the wave in ``from_dir``.

    Parameters
    ----------
    year
        The new wave (a year, later than the previous wave).
    from_dir
        The previous wave's folder, with ``questionnaire.xlsx``.
    out_dir
        The new wave's folder; must not exist or be empty.
    registry_path
        The registry CSV to add the proposed rows to (default ``data/reference/registry.csv``
        found from the working folder).

    Returns
    -------
    NewWaveResult
        The paths written, the proposed registry rows and a warning asking to confirm them.

    Raises
    ------
    InputError
        The previous questionnaire is missing or the new folder already holds files.
    ConfigError
        The year is not after the previous wave, or the registry already has the new wave.
    """
    from distretti_survey.instrument import load_instrument
    from distretti_survey.registry import REGISTRY_FILE, find_reference_dir

    source = Path(from_dir) / QUESTIONNAIRE
    if not source.is_file():
        raise InputError(
            f"{source}: questionario dell'ondata precedente non trovato. Indicare con --from la "
            "cartella di un'ondata (con questionnaire.xlsx)."
        )
    previous = load_instrument(source)
    if year <= previous.wave:
        raise ConfigError(
            f"{source}: la nuova ondata {year} deve essere successiva a quella del questionario "
            f"({previous.wave}). Indicare un anno successivo."
        )
    out = Path(out_dir)
    _check_free(out, Path(from_dir))
    reg = Path(registry_path) if registry_path else find_reference_dir() / REGISTRY_FILE
    registry, proposed = propose_registry(reg, previous.wave, year)
    registry, proposed, merged = _follow_mergers(registry, proposed, reg, year)

    out.mkdir(parents=True, exist_ok=True)
    questionnaire = write_questionnaire(source, out / QUESTIONNAIRE, year, previous.wave)
    interviews = out / INTERVIEWS
    interviews.mkdir(exist_ok=True)
    (interviews / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
    registry.to_csv(reg, index=False, encoding="utf-8", lineterminator="\n")

    findings = Findings()
    findings.add(_proposal_finding(reg, len(registry), proposed, year, previous.wave))
    findings.extend(merged)
    return NewWaveResult(
        year, previous.wave, out, questionnaire, interviews, reg, proposed, findings
    )


def _proposal_finding(
    reg: Path, n_rows: int, proposed: pd.DataFrame, year: int, previous: int
) -> Finding:
    """Return the warning that asks to confirm the proposed registry rows."""
    return Finding(
        file=reg.name,
        cell=f"righe {n_rows - len(proposed) + 2}-{n_rows + 1}",
        value=str(year),
        severity="warning",
        message=(
            f"Ondata {year}: {proposed['district_id'].nunique()} distretti e "
            f"{proposed['comune_istat'].nunique()} comuni proposti dall'ondata {previous}, "
            "da confermare."
        ),
        suggestion=(
            "Controllare distretti e comuni del nuovo anno (nuovi distretti, comuni che "
            "cambiano distretto, fusioni), poi sostituire «"
            + PROPOSED_MARK.format(year=year)
            + "» nella colonna source con la fonte e rilanciare registry check."
        ),
    )


def _check_free(out: Path, from_dir: Path) -> None:
    """Refuse a folder that holds files (an existing wave is never written into)."""
    if out.resolve() == from_dir.resolve() or from_dir.resolve() in out.resolve().parents:
        raise InputError(
            f"{out}: la nuova ondata non può stare nella cartella dell'ondata precedente "
            f"({from_dir}). Indicare con --out una cartella nuova, es. data/raw/<anno>."
        )
    inside = next((p for p in out.resolve().parents if (p / QUESTIONNAIRE).is_file()), None)
    if inside is not None:
        raise InputError(
            f"{out}: la cartella è dentro l'ondata esistente {inside}, che non si modifica. "
            "Indicare con --out una cartella nuova, es. data/raw/<anno>."
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            f"{out}: la cartella esiste già e non è vuota; un'ondata esistente non si modifica. "
            "Indicare con --out una cartella nuova."
        )


def write_questionnaire(source: Path, target: Path, year: int, previous: int) -> Path:
    """Copy the questionnaire for wave ``year`` and return ``target``.

    ``version`` becomes ``<year>.1``, ``wave`` the year and ``synthetic`` "no"; the title's
    year is updated and a "(dati sintetici)" note dropped; the crosswalk keeps its header only.
    """
    import re
    import warnings

    from openpyxl import load_workbook

    from distretti_survey.xlsx_io import stable_save

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Excel features openpyxl does not read
        wb = load_workbook(source)
    settings = wb["settings"]
    header = [str(c.value or "").strip() for c in settings[1]]
    values: dict[str, object] = {"version": f"{year}.1", "wave": year, "synthetic": "no"}
    if "form_title" in header:
        title = str(settings.cell(row=2, column=header.index("form_title") + 1).value or "")
        title = re.sub(rf"\b{previous}\b", str(year), title)
        values["form_title"] = re.sub(r"\s*\(dati sintetici\)", "", title, flags=re.I).strip()
    for key, value in values.items():
        if key not in header:
            header.append(key)
            settings.cell(row=1, column=len(header), value=key)
        settings.cell(row=2, column=header.index(key) + 1, value=value)
    if "crosswalk" in wb.sheetnames:
        sheet = wb["crosswalk"]
        if sheet.max_row > 1:
            sheet.delete_rows(2, sheet.max_row - 1)
    else:
        sheet = wb.create_sheet("crosswalk")
        for column, name in enumerate(CROSSWALK_COLUMNS, start=1):
            sheet.cell(row=1, column=column, value=name)
    return stable_save(wb, target)


def propose_registry(path: Path, previous: int, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the registry with the rows of ``year`` proposed from ``previous``, and those rows.

    Every membership still open (empty ``wave_to``) in the previous wave is closed the year
    before ``year`` and repeated from ``year`` on, marked in ``source``: the same districts,
    explicit for the new wave and easy to review, so ``registry check`` lists the new wave.
    Memberships that already end are not carried over.
    """
    from distretti_survey.registry import REGISTRY_COLUMNS

    if not path.is_file():
        raise InputError(f"Registro non trovato: {path}. Indicarlo con --registry FILE.")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in REGISTRY_COLUMNS if c not in raw.columns]
    if missing:
        raise ConfigError(f"{path}: mancano le colonne {', '.join(missing)}.")
    start = pd.to_numeric(raw["wave_from"].str.strip(), errors="coerce")
    end = pd.to_numeric(raw["wave_to"].str.strip().replace("", None), errors="coerce")
    if (start >= year).any() or (end >= year).any():
        raise ConfigError(
            f"{path}: il registro ha già righe per l'ondata {year}; controllarle con "
            "registry check invece di crearle di nuovo."
        )
    opened = (start <= previous) & end.isna()
    if not opened.any():
        raise ConfigError(
            f"{path}: nessuna appartenenza aperta (wave_to vuoto) nell'ondata {previous}; il "
            "registro deve coprire l'ondata precedente."
        )
    registry = raw.copy()
    registry.loc[opened, "wave_to"] = str(year - 1)
    proposed = raw[opened].copy()
    proposed["wave_from"] = str(year)
    proposed["wave_to"] = ""
    proposed["source"] = PROPOSED_MARK.format(year=year)
    return pd.concat([registry, proposed], ignore_index=True), proposed.reset_index(drop=True)


def _follow_mergers(
    registry: pd.DataFrame, proposed: pd.DataFrame, reg: Path, year: int
) -> tuple[pd.DataFrame, pd.DataFrame, list[Finding]]:
    """Replace proposed comuni merged before ``year`` by their successor (ISTAT table)."""
    from distretti_survey.registry import load_registry

    lookup = load_registry(reg)
    names = lookup.names_at(year)
    findings: list[Finding] = []
    first_line = len(registry) - len(proposed) + 2
    moved = []
    for i, row in proposed.iterrows():
        code = row["comune_istat"]
        successor = lookup.successor(code, year) if code not in names else None
        if successor and successor in names:
            moved.append((row["district_id"], row["comune"], code, successor))
            proposed.loc[i, ["comune_istat", "comune"]] = [successor, names[successor]]
    proposed["capofila_istat"] = [
        c if c in names else (lookup.successor(c, year) or c) for c in proposed["capofila_istat"]
    ]
    # Two comuni merged into one: the successor once per district.
    proposed = proposed.drop_duplicates(["district_id", "comune_istat"]).reset_index(drop=True)
    registry = pd.concat([registry.iloc[: first_line - 2], proposed], ignore_index=True)
    for district, name, code, successor in moved:
        at = proposed.index[
            (proposed["district_id"] == district) & (proposed["comune_istat"] == successor)
        ][0]
        findings.append(
            Finding(
                file=reg.name,
                cell=f"E{first_line + at}",
                district=district,
                question="comune_istat",
                value=code,
                severity="warning",
                message=(
                    f"Ondata {year}: {name} ({code}) è confluito in {names[successor]} "
                    f"({successor}); proposto il comune nuovo."
                ),
                suggestion="Confermare l'appartenenza del comune nuovo al distretto.",
            )
        )
    return registry, proposed, findings
