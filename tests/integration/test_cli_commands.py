"""Every command through the CLI on a copy of the project: exit codes, files written, lookups.

The commands run from a folder outside the project, on the wave folder or on its
``interviews/`` folder: each finds the questionnaire, the registry, ``data/interim`` and
``reports`` the same way (from the wave folder upwards).
"""

from __future__ import annotations

import pytest
from cli_run import run

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory):
    """A working folder with no project above it."""
    return tmp_path_factory.mktemp("altrove")


@pytest.fixture(scope="module")
def whole_run(demo_project, elsewhere):
    """validate, code, report and compare both demo waves with every default, from elsewhere."""
    demo = demo_project / "data" / "raw" / "demo"
    results = {}
    for wave in ("2011", "2012"):
        results[f"validate {wave}"] = _ok(
            run("validate", demo / wave / "interviews", cwd=elsewhere)
        )
        results[f"code {wave}"] = _ok(run("code", demo / wave, "--simulate", cwd=elsewhere))
        results[f"report {wave}"] = _ok(run("report", demo / wave / "interviews", cwd=elsewhere))
    results["compare"] = _ok(run("compare", demo / "2011", demo / "2012", cwd=elsewhere))
    return demo_project, results


def test_defaults_write_into_the_project_of_the_wave(whole_run, elsewhere):
    project, _ = whole_run
    for wave in ("2011", "2012"):
        validate = project / "data" / "interim" / wave / "validate"
        assert {"findings.csv", "findings.xlsx", "accounting.json"} <= {
            p.name for p in validate.iterdir()
        }
        assert (project / "data" / "interim" / wave / "coding" / "decisions.csv").is_file()
        report = project / "reports" / wave
        assert len(list((report / "figure").glob("*.png"))) >= 9
        for name in ("tabelle.xlsx", "presentazione.pptx", "report.html", "manifest.json"):
            assert (report / name).is_file(), name
    confronto = project / "reports" / "confronto_2011_2012"
    assert (confronto / "confronto.pptx").is_file() and (confronto / "manifest.json").is_file()
    assert list(elsewhere.iterdir()) == []  # nothing written in the working folder


def test_report_and_compare_say_which_decisions_they_used(whole_run):
    project, results = whole_run
    decisions = project / "data" / "interim" / "2011" / "coding" / "decisions.csv"
    assert str(decisions) in results["report 2011"].stdout
    assert str(decisions) in results["compare"].stdout


def test_raw_data_is_never_written(demo_project, whole_run):
    raw = demo_project / "data" / "raw"
    # The copy was made before the run; its files keep the repository's bytes.
    from pathlib import Path

    repo_raw = Path(__file__).resolve().parents[2] / "data" / "raw" / "demo"
    for path in (raw / "demo").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (repo_raw / path.relative_to(raw / "demo")).read_bytes()
    assert not any(p.name in {"findings.csv", "decisions.csv"} for p in raw.rglob("*"))


@pytest.mark.parametrize(
    "args",
    [
        ("template", "{missing}", "--out", "{tmp}"),
        ("validate", "{missing}"),
        ("code", "{missing}"),
        ("report", "{missing}"),
        ("compare", "{missing}", "{wave}"),
        ("registry", "check", "{missing}/registry.csv"),
        ("code", "{wave}", "--coder", "{missing}/coder.xlsx", "--out", "{tmp}"),
        ("code", "{wave}", "--reuse", "{missing}/decisions.csv", "--out", "{tmp}"),
        ("report", "{wave}", "--decisions", "{missing}/decisions.csv", "--out", "{tmp}"),
        ("validate", "{wave}", "--registry", "{missing}/registry.csv", "--out", "{tmp}"),
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_a_missing_input_is_an_italian_one_line_error_with_exit_2(args, demo_project, tmp_path):
    values = {
        "missing": tmp_path / "non_esiste",
        "wave": demo_project / "data" / "raw" / "demo" / "2011",
        "tmp": tmp_path / "out",
    }
    result = run(*(a.format(**values) for a in args), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("errore:") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "non_esiste" in result.stderr  # names what is missing


def test_simulated_coders_are_refused_on_real_data(demo_project, tmp_path):
    import shutil

    from openpyxl import load_workbook

    wave = tmp_path / "2013"
    shutil.copytree(demo_project / "data" / "raw" / "demo" / "2011", wave)
    book = load_workbook(wave / "questionnaire.xlsx")
    settings = book["settings"]
    header = [c.value for c in settings[1]]
    settings.cell(2, header.index("synthetic") + 1, "no")
    book.save(wave / "questionnaire.xlsx")
    result = run(
        "code",
        wave,
        "--simulate",
        "--registry",
        demo_project / "data/reference/registry.csv",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "--simulate" in result.stderr and "Traceback" not in result.stderr
