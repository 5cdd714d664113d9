"""Checks of the district registry against the programme's rules and the ISTAT comuni.

Each problem is a ``Finding`` naming the registry file and the cell (column letter and CSV
line, as Excel shows the file), so a researcher can open the CSV and go straight to it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from distretti_survey.findings import Findings
from distretti_survey.registry import (
    DISTRICT_TYPES,
    MIN_DID_COMUNI,
    REGISTRY_COLUMNS,
    Registry,
)

_LETTER = {col: chr(ord("A") + i) for i, col in enumerate(REGISTRY_COLUMNS)}


def check_registry(registry: Registry) -> Findings:
    """Return every problem of the registry, over all the waves it covers."""
    findings = Findings()
    file = Path(registry.path).name
    m = registry.memberships

    def add(
        row: pd.Series,
        column: str,
        message: str,
        suggestion: str = "",
        severity: str = "error",
        value: object = None,
    ) -> None:
        shown = row[column] if value is None else value
        findings.report(
            message,
            severity=severity,
            file=file,
            cell=f"{_LETTER[column]}{row['line']}",
            district=row["district_id"],
            question=column,
            value="" if pd.isna(shown) else shown,
            suggestion=suggestion,
        )

    for _, row in m.iterrows():
        if not row["district_id"]:
            add(
                row,
                "district_id",
                f"Riga {row['line']}: identificativo del distretto mancante.",
                "Indicare un id stabile (es. D07) uguale in tutte le righe del distretto.",
            )
        if row["type"] not in DISTRICT_TYPES:
            add(
                row,
                "type",
                f"Riga {row['line']}: tipo di distretto non valido.",
                "Usare DUC (distretto urbano) o DID (distretto diffuso).",
            )
        if pd.isna(row["wave_from"]):
            add(
                row,
                "wave_from",
                f"Riga {row['line']}: ondata iniziale mancante o non numerica.",
                "Indicare l'anno dell'ondata (es. 2011).",
            )
        elif pd.notna(row["wave_to"]) and row["wave_to"] < row["wave_from"]:
            add(
                row,
                "wave_to",
                f"Riga {row['line']}: wave_to precede wave_from.",
                "Correggere gli anni di validità dell'appartenenza.",
            )

    valid = m[m["district_id"].ne("") & m["wave_from"].notna()]
    for wave in registry.waves:
        rows = registry.memberships_at(wave)
        rows = rows[rows.index.isin(valid.index)]
        _check_wave(registry, rows, wave, add)
    return findings


def _check_wave(registry: Registry, rows: pd.DataFrame, wave: int, add) -> None:
    """Check the memberships of one wave: comuni, repeated comuni, district attributes."""
    _check_comuni(registry, rows, wave, add)
    _check_repeated(registry, rows, wave, add)
    _check_districts(rows, wave, add)


def _check_comuni(registry: Registry, rows: pd.DataFrame, wave: int, add) -> None:
    """Check that each comune is an ISTAT comune active in the wave, with its ISTAT name."""
    comuni = registry.comuni
    names = registry.names_at(wave)  # the comuni active in the wave's year
    known = set(comuni["codice_istat"])

    for _, row in rows.iterrows():
        code = row["comune_istat"]
        if code not in known:
            res = registry.resolve(row["comune"], wave) if row["comune"] else None
            hint = (
                f"Il nome {row['comune']!r} corrisponde a {res.name} ({res.code})."
                if res and res.resolved
                else "Usare il codice ISTAT a 6 cifre (018xxx)."
            )
            add(
                row,
                "comune_istat",
                f"Ondata {wave}: codice ISTAT {code!r} sconosciuto per la Provincia di Pavia.",
                hint,
            )
        elif code not in names:
            succ = registry.successor(code, wave)
            hint = (
                f"Nel {wave} il comune è confluito in {names.get(succ, succ)} ({succ}): "
                "chiudere l'appartenenza (wave_to) e aggiungere il nuovo comune."
                if succ
                else "Controllare gli anni di validità dell'appartenenza."
            )
            add(
                row,
                "comune_istat",
                f"Ondata {wave}: il comune {code} non è attivo nell'elenco ISTAT del {wave}.",
                hint,
            )
        elif row["comune"] and row["comune"] not in set(
            comuni.loc[comuni["codice_istat"] == code, "denominazione"]
        ):
            add(
                row,
                "comune",
                f"Ondata {wave}: il nome non coincide con la denominazione ISTAT "
                f"{names[code]!r} del codice {code}.",
                f"Scrivere {names[code]!r} (il codice resta la chiave).",
                severity="warning",
            )


def _check_repeated(registry: Registry, rows: pd.DataFrame, wave: int, add) -> None:
    """Check that a comune is listed once, in one district only."""
    names = registry.names_at(wave)
    dup = rows[rows.duplicated(["district_id", "comune_istat"], keep=False)]
    for _, row in dup.iterrows():
        add(
            row,
            "comune_istat",
            f"Ondata {wave}: il comune {row['comune_istat']} compare più volte nel distretto "
            f"{row['district_id']}.",
            "Eliminare le righe ripetute.",
        )

    per_comune = rows.drop_duplicates(["district_id", "comune_istat"]).groupby("comune_istat")
    for code, group in per_comune:
        if group["district_id"].nunique() > 1:
            where = ", ".join(
                f"{d} (riga {n})" for d, n in zip(group["district_id"], group["line"], strict=True)
            )
            for _, row in group.iterrows():
                add(
                    row,
                    "comune_istat",
                    f"Ondata {wave}: il comune {names.get(code, code)} ({code}) è in più "
                    f"distretti: {where}.",
                    "Un comune appartiene a un solo distretto per ondata: tenere una sola "
                    "appartenenza e annotare la scelta nella colonna source.",
                )


def _check_districts(rows: pd.DataFrame, wave: int, add) -> None:
    """Check each district's attributes: one name, type and capofila; DUC/DID sizes."""
    for district_id, group in rows.groupby("district_id"):
        first = group.iloc[0]
        for column in ("district_name", "type", "capofila_istat"):
            values = group[column].unique()
            if len(values) > 1:
                add(
                    first,
                    column,
                    f"Ondata {wave}: l'id {district_id} è usato con valori diversi di {column} "
                    f"({', '.join(map(repr, values))}): id duplicato o dato incoerente.",
                    "Dare un id diverso a ogni distretto e ripetere gli stessi attributi in "
                    "tutte le sue righe.",
                )
        n_comuni = group["comune_istat"].nunique()
        if first["type"] == "DUC" and n_comuni != 1:
            add(
                first,
                "type",
                f"Ondata {wave}: il DUC {district_id} ha {n_comuni} comuni; un distretto urbano "
                "ha un solo comune.",
                "Correggere il tipo (DID) o le appartenenze.",
            )
        if first["type"] == "DID" and n_comuni < MIN_DID_COMUNI:
            add(
                first,
                "type",
                f"Ondata {wave}: il DID {district_id} ha {n_comuni} comuni; un distretto diffuso "
                f"ne ha almeno {MIN_DID_COMUNI}.",
                "Aggiungere i comuni mancanti o correggere il tipo.",
            )
        if first["capofila_istat"] not in set(group["comune_istat"]):
            add(
                first,
                "capofila_istat",
                f"Ondata {wave}: il capofila {first['capofila_istat']} del distretto "
                f"{district_id} non è tra i suoi comuni.",
                "Indicare come capofila il codice ISTAT di un comune membro.",
            )


def registry_summary(registry: Registry) -> pd.DataFrame:
    """Return districts and comuni per wave and type, with a total row per wave."""
    rows = []
    for wave in registry.waves:
        at = registry.memberships_at(wave)
        for kind in (*DISTRICT_TYPES, "totale"):
            part = at if kind == "totale" else at[at["type"] == kind]
            rows.append(
                {
                    "wave": wave,
                    "type": kind,
                    "districts": part["district_id"].nunique(),
                    "comuni": part["comune_istat"].nunique(),
                }
            )
    return pd.DataFrame(rows)
