"""A new wave: the folder made by create_wave, then the whole job run on it through the CLI."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
from cli_run import run

from distretti_survey.errors import ConfigError, InputError
from distretti_survey.instrument import load_instrument
from distretti_survey.new_wave import PROPOSED_MARK, create_wave
from distretti_survey.registry import load_registry

pytestmark = pytest.mark.integration


@pytest.fixture()
def project(tmp_path, repo_root) -> Path:
    """Return a copy of the project's data folder (reference and demo waves) in tmp_path."""
    shutil.copytree(repo_root / "data", tmp_path / "data")
    return tmp_path


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_create_wave_makes_a_folder_for_real_interviews(project):
    demo = project / "data" / "raw" / "demo"
    digest = _digest(demo)
    registry_csv = project / "data" / "reference" / "registry.csv"
    old_rows = pd.read_csv(registry_csv, dtype=str, keep_default_na=False)
    before = load_registry(registry_csv)
    result = create_wave(2013, demo / "2012", project / "data" / "raw" / "2013", registry_csv)

    assert _digest(demo) == digest  # the previous wave is untouched
    new = load_instrument(result.questionnaire)
    old = load_instrument(demo / "2012" / "questionnaire.xlsx")
    assert (new.wave, new.version, new.synthetic) == (2013, "2013.1", False)
    assert "2013" in new.form_title and "sintetici" not in new.form_title
    assert new.question_names == old.question_names
    assert list(new.crosswalk.columns) == list(old.crosswalk.columns)
    assert new.crosswalk.empty and not old.crosswalk.empty
    assert result.interviews_dir.is_dir()
    ignore = (result.interviews_dir / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "*" in ignore and "!.gitignore" in ignore

    # Proposed registry rows: the open memberships of 2012, repeated from 2013 and marked.
    reg = load_registry(registry_csv)
    at_2012 = reg.memberships_at(2012)
    at_2013 = reg.memberships_at(2013)
    key = ["district_id", "comune_istat"]
    assert sorted(map(tuple, at_2013[key].values)) == sorted(map(tuple, at_2012[key].values))
    assert set(at_2013["source"]) == {PROPOSED_MARK.format(year=2013)}
    assert len(result.proposed) == len(at_2013)
    assert 2013 in reg.waves
    assert len(reg.memberships) == len(old_rows) + len(result.proposed)
    # Waves before the new one keep the same memberships.
    for wave in (2011, 2012):
        assert sorted(map(tuple, reg.memberships_at(wave)[key].values)) == sorted(
            map(tuple, before.memberships_at(wave)[key].values)
        )
    warnings = [f for f in result.findings if f.severity == "warning"]
    assert warnings and "da confermare" in warnings[0].message

    check = run("registry", "check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"2013    totale         {at_2012['district_id'].nunique()}" in check.stdout


def test_create_wave_refuses_to_write_into_existing_folders(project):
    demo = project / "data" / "raw" / "demo"
    registry_csv = project / "data" / "reference" / "registry.csv"
    with pytest.raises(InputError, match="non è vuota"):
        create_wave(2013, demo / "2012", demo / "2011", registry_csv)
    with pytest.raises(InputError, match="ondata precedente"):
        create_wave(2013, demo / "2012", demo / "2012" / "nuova", registry_csv)
    with pytest.raises(InputError, match="dentro l'ondata esistente"):
        create_wave(2013, demo / "2012", demo / "2011" / "interviews" / "nuova", registry_csv)
    with pytest.raises(ConfigError, match="successiva"):
        create_wave(2012, demo / "2012", project / "x", registry_csv)
    create_wave(2013, demo / "2012", project / "a", registry_csv)
    with pytest.raises(ConfigError, match="già righe per l'ondata 2013"):
        create_wave(2013, demo / "2012", project / "b", registry_csv)
    assert not (project / "x").exists() and not (project / "b").exists()


def test_merged_comuni_are_proposed_as_their_successor(project):
    demo = project / "data" / "raw" / "demo"
    registry_csv = project / "data" / "reference" / "registry.csv"
    reg = load_registry(registry_csv)
    year = 2025
    gone = {
        c
        for c in reg.memberships_at(2012)["comune_istat"]
        if c not in reg.names_at(year) and reg.successor(c, year)
    }
    assert gone, "the demo registry has comuni merged after 2012"
    result = create_wave(year, demo / "2012", project / "w", registry_csv)
    proposed = set(result.proposed["comune_istat"])
    assert not gone & proposed
    assert {reg.successor(c, year) for c in gone} <= proposed
    assert sum("confluito" in f.message for f in result.findings) == len(gone)


def _collect_interviews(source: Path, target: Path, wave: int) -> None:
    """Stand in for the field work: the 2012 demo workbooks, stamped as filled for ``wave``."""
    from openpyxl import load_workbook

    from distretti_survey.xlsx_io import stable_save

    for path in sorted(source.glob("*.xlsx")):
        wb = load_workbook(path)
        for key, value in wb["_meta"].iter_rows(min_col=1, max_col=2):
            if key.value in ("wave", "version", "synthetic"):
                value.value = {"wave": wave, "version": f"{wave}.1", "synthetic": "no"}[key.value]
        stable_save(wb, target / path.name.replace("2012", str(wave)))


def test_new_wave_then_the_whole_job(project):
    demo = project / "data" / "raw" / "demo"
    wave_dir = project / "data" / "raw" / "2013"
    create_wave(2013, demo / "2012", wave_dir, project / "data" / "reference" / "registry.csv")

    result = run("template", "data/raw/2013", "--out", "modelli_2013", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "versione 2013.1, ondata 2013: 19 cartelle" in result.stdout

    _collect_interviews(demo / "2012" / "interviews", wave_dir / "interviews", 2013)
    result = run("validate", "data/raw/2013", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accettate: 19" in result.stdout

    prev = run(
        "code", "data/raw/demo/2012", "--simulate", "--out", "data/interim/2012/coding", cwd=project
    )
    assert prev.returncode == 0, prev.stderr
    result = run(
        "code", "data/raw/2013", "--reuse", "data/interim/2012/coding/decisions.csv", cwd=project
    )
    assert result.returncode == 0, result.stderr
    assert (project / "data" / "interim" / "2013" / "coding" / "decisions.csv").is_file()

    result = run(
        "report",
        "data/raw/2013",
        "--decisions",
        "data/interim/2013/coding/decisions.csv",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert "DATI DIMOSTRATIVI" not in result.stdout  # real-interview settings
    assert (project / "reports" / "2013" / "presentazione.pptx").is_file()

    result = run("compare", "data/raw/demo/2012", "data/raw/2013", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Confronto delle ondate 2012, 2013" in result.stdout
    assert (project / "reports" / "confronto_2012_2013").is_dir()
