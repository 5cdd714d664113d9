"""Registry: demo counts, one deliberately broken registry per check, name resolution."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from distretti_survey.registry import load_registry, normalise_name
from distretti_survey.registry_check import check_registry, registry_summary

HEADER = (
    "district_id,district_name,type,capofila_istat,comune_istat,comune,wave_from,wave_to,source"
)
GOOD = [
    "D01,DUC di Pavia,DUC,018110,018110,Pavia,2011,,x",
    "D06,Borghi e Castelli,DID,018016,018016,Borgo Priolo,2011,,x",
    "D06,Borghi e Castelli,DID,018016,018017,Borgoratto Mormorolo,2011,,x",
    "D06,Borghi e Castelli,DID,018016,018025,Calvignano,2011,,x",
]


def write_registry(tmp_path: Path, reference_dir: Path, rows: list[str]) -> Path:
    for name in ("comuni_pv_istat.csv", "comuni_alias.csv"):
        shutil.copy(reference_dir / name, tmp_path / name)
    path = tmp_path / "registry.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def errors_of(tmp_path, reference_dir, rows):
    registry = load_registry(write_registry(tmp_path, reference_dir, rows))
    return check_registry(registry).errors


def test_demo_registry_passes_with_published_counts(reference_dir):
    registry = load_registry(reference_dir / "registry.csv")
    assert not check_registry(registry).has_errors
    summary = registry_summary(registry).set_index(["wave", "type"])
    # 18 districts and 91 comuni in December 2011; 19 districts in May 2012 (domain.md).
    assert summary.loc[(2011, "totale"), "districts"] == 18
    assert summary.loc[(2011, "totale"), "comuni"] == 91
    assert summary.loc[(2012, "totale"), "districts"] == 19
    assert "D19" not in set(registry.districts(2011)["district_id"])
    assert registry.districts(2012).set_index("district_id").loc["D19", "capofila"] == (
        "Santa Maria della Versa"
    )


def test_good_small_registry_has_no_errors(tmp_path, reference_dir):
    assert errors_of(tmp_path, reference_dir, GOOD) == []


def test_comune_not_active_in_wave_year(tmp_path, reference_dir):
    # Cornale (018055) merged into Cornale e Bastida in 2014.
    rows = [*GOOD, "D06,Borghi e Castelli,DID,018016,018055,Cornale,2011,2014,x"]
    errors = errors_of(tmp_path, reference_dir, rows)
    assert len(errors) == 1
    assert errors[0].cell == "E6"
    assert "2014" in errors[0].message and "non è attivo" in errors[0].message
    assert "Cornale e Bastida" in errors[0].suggestion


def test_comune_in_two_districts_is_reported_on_both_rows(tmp_path, reference_dir):
    rows = [
        *GOOD,
        "D05,Via Emilia,DID,018037,018037,Casteggio,2011,,x",
        "D05,Via Emilia,DID,018037,018024,Broni,2011,,x",
        "D05,Via Emilia,DID,018037,018016,Borgo Priolo,2011,,x",
    ]
    errors = errors_of(tmp_path, reference_dir, rows)
    assert sorted(e.cell for e in errors) == ["E3", "E8"]
    assert all("Borgo Priolo" in e.message and "più distretti" in e.message for e in errors)


def test_duc_with_two_comuni(tmp_path, reference_dir):
    rows = [*GOOD, "D01,DUC di Pavia,DUC,018110,018015,Borgarello,2011,,x"]
    [error] = errors_of(tmp_path, reference_dir, rows)
    assert error.district == "D01" and "un solo comune" in error.message


def test_did_with_fewer_than_three_comuni(tmp_path, reference_dir):
    [error] = errors_of(tmp_path, reference_dir, GOOD[:3])
    assert error.district == "D06" and "almeno 3" in error.message and error.cell == "C3"


def test_duplicate_district_id(tmp_path, reference_dir):
    rows = [*GOOD, "D01,DUC di Voghera,DUC,018182,018182,Voghera,2011,,x"]
    errors = errors_of(tmp_path, reference_dir, rows)
    assert any("id duplicato" in e.message and e.district == "D01" for e in errors)


def test_missing_district_id(tmp_path, reference_dir):
    rows = [*GOOD, ",DUC di Voghera,DUC,018182,018182,Voghera,2011,,x"]
    errors = errors_of(tmp_path, reference_dir, rows)
    assert [e.cell for e in errors] == ["A6"]
    assert "mancante" in errors[0].message


def test_capofila_not_a_member(tmp_path, reference_dir):
    rows = [r.replace(",018016,018", ",018094,018") for r in GOOD]
    [error] = errors_of(tmp_path, reference_dir, rows)
    assert error.question == "capofila_istat" and "018094" in error.message


def test_missing_column_is_a_config_error(tmp_path, reference_dir):
    from distretti_survey.errors import ConfigError

    path = write_registry(tmp_path, reference_dir, GOOD)
    pd.read_csv(path, dtype=str).drop(columns="type").to_csv(path, index=False)
    with pytest.raises(ConfigError, match="type"):
        load_registry(path)


@pytest.mark.parametrize(
    ("field", "official", "method"),
    [
        ("Spessa Po", "Spessa", "alias"),
        ("S. Maria della Versa", "Santa Maria della Versa", "abbreviazione"),
        ("Sant'Alessio", "Sant'Alessio con Vialone", "alias"),
        ("  BELGIOIOSO ", "Belgioioso", "normalizzazione"),
        ("Torre de’ Negri", "Torre de' Negri", "normalizzazione"),
        ("Torre de Negri", "Torre de' Negri", "normalizzazione"),
        ("Santa Cristina", "Santa Cristina e Bissone", "alias"),
        ("Olevano", "Olevano di Lomellina", "alias"),
        ("Sannazzaro", "Sannazzaro de' Burgondi", "forma breve"),
        ("Casteggo", "Casteggio", "somiglianza"),
        ("Broni", "Broni", "esatto"),
    ],
)
def test_field_spellings_resolve(reference_dir, field, official, method):
    registry = load_registry(reference_dir / "registry.csv")
    resolution = registry.resolve(field, 2011)
    assert (resolution.name, resolution.method) == (official, method)
    assert official in resolution.describe()


def test_unknown_name_gets_suggestions(reference_dir):
    registry = load_registry(reference_dir / "registry.csv")
    resolution = registry.resolve("Vogheraa Nord", 2011)
    assert not resolution.resolved
    assert "Voghera" in resolution.suggestions


def test_queries(reference_dir):
    registry = load_registry(reference_dir / "registry.csv")
    assert registry.district_of("Spessa Po", 2011) == ["D07"]
    assert registry.district_of("Santa Maria della Versa", 2011) == []
    assert registry.district_of("Santa Maria della Versa", 2012) == ["D19"]
    assert len(registry.comuni_of("D07", 2011)) == 11
    # Renamed in 2012, same code: the name follows the wave's year.
    names = set(registry.comuni_of("D04", 2012)["comune"])
    assert "Godiasco Salice Terme" in names and "Godiasco" not in names
    assert registry.successor("018010") == "018191"  # Bastida de' Dossi -> Cornale e Bastida
    assert registry.successor("018010", 2012) is None  # still active in 2012
    assert registry.successor("018110") is None


def test_normalise_name():
    assert normalise_name("SANT’ALESSIO  con Vialone ") == "sant alessio con vialone"
