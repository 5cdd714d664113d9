"""Registry of the Distretti del Commercio and their comuni, per survey wave.

The registry is a CSV the researchers edit (one row per membership of a comune in a district,
with the waves in which it holds), checked against the ISTAT table of the province's comuni.
Waves are years: a membership holds in wave ``w`` when ``wave_from <= w <= wave_to`` (empty
``wave_to`` = still valid).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from distretti_survey.errors import ConfigError, InputError

REGISTRY_FILE = "registry.csv"
ISTAT_FILE = "comuni_pv_istat.csv"
ALIAS_FILE = "comuni_alias.csv"
REGISTRY_COLUMNS = (
    "district_id",
    "district_name",
    "type",
    "capofila_istat",
    "comune_istat",
    "comune",
    "wave_from",
    "wave_to",
    "source",
)
DISTRICT_TYPES = ("DUC", "DID")
MIN_DID_COMUNI = 3


def find_reference_dir(start: Path | None = None) -> Path:
    """Return the nearest ``data/reference`` folder at or above ``start`` (default: cwd).

    Notebooks run from ``notebooks/`` and the CLI from the project root; both find the same
    reference data this way.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "data" / "reference"
        if (candidate / REGISTRY_FILE).is_file():
            return candidate
    raise InputError(
        f"Cartella data/reference con {REGISTRY_FILE} non trovata a partire da {here}: "
        "eseguire il comando dalla cartella del progetto o indicare il file del registro."
    )


def normalise_name(name: str) -> str:
    """Return a comparison key for a comune name: no accents, case, apostrophes or extra spaces.

    >>> normalise_name("  SANT’ALESSIO  con vialone ")
    'sant alessio con vialone'
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[’‘`´']", " ", text)
    text = re.sub(r"[^\w.]+", " ", text)
    return " ".join(text.split())


# "S. Maria" may be San, Santa, Sant' or Santo: try each expansion.
_SAINT_PREFIX = re.compile(r"^s\.?\s+|^s\.(?=\w)")
_SAINT_EXPANSIONS = ("san ", "santa ", "sant ", "santo ")


@dataclass(frozen=True)
class Resolution:
    """How a field spelling of a comune was resolved to an ISTAT comune."""

    input: str
    code: str | None
    name: str | None
    method: str
    """``esatto``, ``normalizzazione``, ``alias``, ``abbreviazione``, ``forma breve``,
    ``somiglianza`` or ``non risolto``."""
    suggestions: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        """Return True when the name was resolved to one ISTAT code."""
        return self.code is not None

    def describe(self) -> str:
        """Return an Italian sentence saying what was resolved and how."""
        if not self.resolved:
            hint = f" Forse: {', '.join(self.suggestions)}." if self.suggestions else ""
            return f"Comune {self.input!r} non trovato nell'elenco ISTAT.{hint}"
        if self.method == "esatto":
            return f"{self.input!r} = {self.name} ({self.code})."
        return f"{self.input!r} risolto come {self.name} ({self.code}) per {self.method}."


@dataclass(frozen=True)
class Registry:
    """Districts and their member comuni per wave, with the ISTAT comuni table."""

    memberships: pd.DataFrame
    """One row per registry row, plus ``line`` (the CSV line number, header = 1)."""
    comuni: pd.DataFrame
    """ISTAT table: ``codice_istat, denominazione, valido_dal, valido_fino, confluito_in``."""
    aliases: pd.DataFrame
    path: str = ""

    @property
    def waves(self) -> list[int]:
        """Return every wave the registry covers, from the first ``wave_from`` to the last wave."""
        frm = self.memberships["wave_from"].dropna()
        to = self.memberships["wave_to"].dropna()
        if frm.empty:
            return []
        last = int(max(frm.max(), to.max() if not to.empty else frm.max()))
        return list(range(int(frm.min()), last + 1))

    def memberships_at(self, wave: int) -> pd.DataFrame:
        """Return the registry rows that hold in ``wave``."""
        m = self.memberships
        holds = (m["wave_from"] <= wave) & (m["wave_to"].isna() | (m["wave_to"] >= wave))
        return m[holds]

    def districts(self, wave: int) -> pd.DataFrame:
        """Return the districts of a wave: id, name, type, capofila, number of comuni, source."""
        rows = self.memberships_at(wave)
        out = (
            rows.groupby("district_id", sort=True)
            .agg(
                district_name=("district_name", "first"),
                type=("type", "first"),
                capofila_istat=("capofila_istat", "first"),
                n_comuni=("comune_istat", "nunique"),
                source=("source", "first"),
            )
            .reset_index()
        )
        out.insert(4, "capofila", out["capofila_istat"].map(self.names_at(wave)))
        return out

    def comuni_of(self, district_id: str, wave: int) -> pd.DataFrame:
        """Return the member comuni (ISTAT code and name in that wave's year) of a district."""
        rows = self.memberships_at(wave)
        codes = sorted(rows.loc[rows["district_id"] == district_id, "comune_istat"].unique())
        names = self.names_at(wave)
        return pd.DataFrame({"comune_istat": codes, "comune": [names.get(c) for c in codes]})

    def district_of(self, comune: str, wave: int) -> list[str]:
        """Return the district ids a comune (name or ISTAT code) belonged to in ``wave``.

        More than one id means the registry has a conflict (see ``check_registry``).
        """
        code = comune if re.fullmatch(r"\d{6}", comune) else self.resolve(comune, wave).code
        rows = self.memberships_at(wave)
        return sorted(rows.loc[rows["comune_istat"] == code, "district_id"].unique())

    def successor(self, code: str, year: int | None = None) -> str | None:
        """Return the ISTAT code a suppressed comune merged into (following chains), else None.

        With ``year``, return None when the comune is still active that year.
        """
        current, seen = code, set()
        while current not in seen:
            seen.add(current)
            rows = self.comuni[self.comuni["codice_istat"] == current]
            merged = rows["confluito_in"].dropna()
            if merged.empty:
                break
            if year is not None and _active(rows, year).any():
                break
            current = str(merged.iloc[-1])
        return None if current == code else current

    def names_at(self, year: int) -> dict[str, str]:
        """Return ISTAT code -> name of the comuni active in ``year``."""
        active = self.comuni[_active(self.comuni, year)]
        return dict(zip(active["codice_istat"], active["denominazione"], strict=True))

    def resolve(self, name: str, year: int) -> Resolution:
        """Resolve a field spelling of a comune to the ISTAT comune active in ``year``.

        Tries, in order: exact name, normalised name (case, accents, apostrophes, spaces), the
        alias table, "S." expanded to San/Santa/Sant'/Santo, a unique official name that starts
        with the given words, and close fuzzy matches (rapidfuzz); else returns suggestions.
        """
        names = self.names_at(year)
        by_key = {normalise_name(n): c for c, n in names.items()}
        key = normalise_name(name)

        def found(code: str, method: str) -> Resolution:
            return Resolution(name, code, names.get(code), method)

        stripped = " ".join(str(name).split())
        for code, official in names.items():
            if stripped == official:
                return found(code, "esatto")
        if key in by_key:
            return found(by_key[key], "normalizzazione")
        aliases = {
            normalise_name(a): str(c)
            for a, c in zip(self.aliases["alias"], self.aliases["comune_istat"], strict=True)
        }
        if key in aliases and aliases[key] in names:
            return found(aliases[key], "alias")
        if _SAINT_PREFIX.match(key):
            rest = _SAINT_PREFIX.sub("", key)
            hits = {by_key[p + rest] for p in _SAINT_EXPANSIONS if p + rest in by_key}
            if len(hits) == 1:
                return found(hits.pop(), "abbreviazione")
        starts = [c for k, c in by_key.items() if k.startswith(key + " ")]
        if len(starts) == 1:
            return found(starts[0], "forma breve")
        return self._fuzzy(name, key, by_key, names)

    @staticmethod
    def _fuzzy(name: str, key: str, by_key: dict[str, str], names: dict[str, str]) -> Resolution:
        from rapidfuzz import fuzz, process

        # WRatio (partial matches) ranks suggestions; the stricter plain ratio decides whether
        # a spelling is close enough to resolve on its own, and only when clearly ahead.
        ranked = process.extract(key, list(by_key), scorer=fuzz.WRatio, limit=3)
        suggestions = tuple(names[by_key[k]] for k, score, _ in ranked if score >= 60)
        best = process.extract(key, list(by_key), scorer=fuzz.ratio, limit=2)
        if best and best[0][1] >= 88 and (len(best) < 2 or best[0][1] - best[1][1] >= 5):
            code = by_key[best[0][0]]
            return Resolution(name, code, names[code], "somiglianza", suggestions)
        return Resolution(name, None, None, "non risolto", suggestions)


def _active(comuni: pd.DataFrame, year: int) -> pd.Series:
    return (comuni["valido_dal"].isna() | (comuni["valido_dal"] <= year)) & (
        comuni["valido_fino"].isna() | (comuni["valido_fino"] >= year)
    )


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"File {what} non trovato: {path}. Controllare il percorso.")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(
            f"File {what} {path} illeggibile ({exc}). Salvarlo come CSV UTF-8 separato da virgole."
        ) from exc


def _years(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.str.strip().replace("", None), errors="coerce").astype("Int64")


def load_registry(
    path: str | Path | None = None,
    *,
    istat_path: str | Path | None = None,
    alias_path: str | Path | None = None,
) -> Registry:
    """Read the registry CSV with the ISTAT table and the alias table beside it.

    Parameters
    ----------
    path
        The registry CSV; default ``data/reference/registry.csv`` found from the working folder.
    istat_path, alias_path
        The ISTAT comuni table and the alias table; default: the files in ``data/reference``.
    """
    ref = Path(path).parent if path else find_reference_dir()
    reg_path = Path(path) if path else ref / REGISTRY_FILE
    raw = _read_csv(reg_path, "del registro")
    missing = [c for c in REGISTRY_COLUMNS if c not in raw.columns]
    if missing:
        raise ConfigError(
            f"{reg_path}: mancano le colonne {', '.join(missing)}. Il registro deve avere le "
            f"colonne {', '.join(REGISTRY_COLUMNS)}."
        )
    members = raw.apply(lambda col: col.str.strip())
    members["wave_from"] = _years(members["wave_from"])
    members["wave_to"] = _years(members["wave_to"])
    members.insert(0, "line", range(2, len(members) + 2))

    istat_file = Path(istat_path) if istat_path else _beside(reg_path, ISTAT_FILE)
    comuni = _read_csv(istat_file, "ISTAT dei comuni")
    for col in ("valido_dal", "valido_fino"):
        comuni[col] = _years(comuni[col])
    comuni["confluito_in"] = comuni["confluito_in"].replace("", None)
    alias_file = Path(alias_path) if alias_path else _beside(reg_path, ALIAS_FILE)
    aliases = (
        _read_csv(alias_file, "degli alias")
        if alias_file.is_file()
        else pd.DataFrame(columns=["alias", "comune_istat", "note"])
    )
    return Registry(members, comuni, aliases, str(reg_path))


def _beside(reg_path: Path, name: str) -> Path:
    """Prefer the reference file beside the registry, else the project's reference folder."""
    candidate = reg_path.parent / name
    if candidate.is_file():
        return candidate
    try:
        return find_reference_dir() / name
    except InputError:
        return candidate
