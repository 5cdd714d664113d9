"""Where a wave's files are: one lookup for every command and notebook.

A wave folder holds ``questionnaire.xlsx`` and ``interviews/``. Commands accept the wave folder,
its ``interviews/`` folder or one file inside it; the questionnaire is looked for beside the data
and in the two folders above. The project folder is the nearest folder, at or above the wave
folder (then at or above the working folder), with ``data/reference/registry.csv``: the registry,
``data/interim`` and ``reports`` are found from there, so a command run from another folder finds
the same files as one run from the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from distretti_survey.errors import InputError

QUESTIONNAIRE_FILE = "questionnaire.xlsx"
REGISTRY_PARTS = ("data", "reference", "registry.csv")
DECISIONS_FILE = "decisions.csv"


@dataclass(frozen=True)
class WavePaths:
    """The files of one wave, found from what the user pointed at."""

    data: Path
    """What to read: the wave folder, a folder of workbooks or one file."""
    wave_dir: Path
    """The folder holding the questionnaire."""
    questionnaire: Path
    project: Path | None
    """The project folder (with ``data/reference/registry.csv``), if there is one."""

    def interim(self, wave: int, kind: str) -> Path:
        """Return the default output folder ``data/interim/<wave>/<kind>`` of the project."""
        return (self.project or Path.cwd()) / "data" / "interim" / str(wave) / kind

    def reports(self, name: str | int) -> Path:
        """Return the default report folder ``reports/<name>`` of the project."""
        return (self.project or Path.cwd()) / "reports" / str(name)


def find_project(*starts: Path) -> Path | None:
    """Return the nearest folder at or above each start (then the cwd) holding the registry.

    The search is the registry's own (``registry.find_reference_dir``), tried from each start.
    """
    from distretti_survey.registry import find_reference_dir

    for start in (*starts, Path.cwd()):
        here = Path(start).resolve()
        try:
            return find_reference_dir(here if here.is_dir() else here.parent).parents[1]
        except InputError:
            continue
    return None


def find_wave(path: str | Path, questionnaire: str | Path | None = None) -> WavePaths:
    """Return the paths of the wave that ``path`` (folder or file) belongs to.

    Raises
    ------
    InputError
        When ``path`` does not exist or no questionnaire is found (exit code 2).
    """
    data = Path(path)
    if not data.exists():
        raise InputError(
            f"{data}: file o cartella non trovato. Indicare la cartella dell'ondata (con "
            f"{QUESTIONNAIRE_FILE} e interviews/), la cartella delle interviste o un file."
        )
    if questionnaire is not None:
        found = Path(questionnaire)
        if not found.is_file():
            raise InputError(f"{found}: questionario non trovato.")
    else:
        folder = data if data.is_dir() else data.parent
        candidates = [c / QUESTIONNAIRE_FILE for c in (folder, *folder.absolute().parents[:2])]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise InputError(
                f"Nessun {QUESTIONNAIRE_FILE} in {folder} né nelle due cartelle sopra: indicarlo "
                "con --questionnaire FILE."
            )
    return WavePaths(data, found.parent, found, find_project(found.parent))


def find_registry(explicit: str | Path | None, wave: WavePaths | None = None) -> Path:
    """Return the registry CSV: the one given, else ``data/reference/registry.csv`` found."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise InputError(f"{path}: registro dei distretti non trovato.")
        return path
    project = wave.project if wave is not None and wave.project else find_project()
    if project is None:
        raise InputError(
            "Registro dei distretti non trovato: nessuna cartella data/reference/registry.csv "
            "sopra la cartella dell'ondata né sopra la cartella corrente. Indicarlo con "
            "--registry FILE."
        )
    return project.joinpath(*REGISTRY_PARTS)


def find_decisions(explicit: str | Path | None, wave: WavePaths, wave_year: int) -> Path | None:
    """Return the coders' ``decisions.csv`` of a wave: the one given, else the ``code`` output.

    The ``code`` command writes ``data/interim/<wave>/coding/decisions.csv``; when it has not
    been run there are no human decisions and the report says its codes are unreviewed.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise InputError(f"{path}: file delle decisioni di codifica non trovato.")
        return path
    default = wave.interim(wave_year, "coding") / DECISIONS_FILE
    return default if default.is_file() else None
