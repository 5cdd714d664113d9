"""The command line: help, registry check, one-line errors with exit codes."""

import subprocess
import sys

import pytest
from cli_run import run

pytestmark = pytest.mark.integration


def test_help_lists_subcommands():
    result = run("--help")
    assert result.returncode == 0
    assert "registry" in result.stdout


def test_registry_check_demo(repo_root):
    result = run("registry", "check", cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert "2011    totale         18      91" in result.stdout
    assert "2012    totale         19" in result.stdout


def test_registry_check_broken_exits_1(tmp_path, reference_dir):
    text = (reference_dir / "registry.csv").read_text(encoding="utf-8")
    broken = text + "D05,Via Emilia,DID,018037,018016,Borgo Priolo,2011,,fonte\n"
    (tmp_path / "registry.csv").write_text(broken, encoding="utf-8")
    result = run("registry", "check", str(tmp_path / "registry.csv"), cwd=reference_dir.parents[1])
    assert result.returncode == 1
    assert "Borgo Priolo" in result.stdout and "Traceback" not in result.stderr


def test_missing_file_is_one_line_error(tmp_path):
    result = run("registry", "check", str(tmp_path / "nope.csv"))
    assert result.returncode == 2
    assert result.stderr.startswith("errore:") and len(result.stderr.strip().splitlines()) == 1


def test_import_does_not_load_heavy_libraries():
    code = (
        "import sys, distretti_survey, distretti_survey.cli; "
        "print([m for m in ('matplotlib', 'pptx') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_subcommand_has_help():
    for command in ("registry", "template", "validate", "code", "report", "compare"):
        result = run(command, "--help")
        assert result.returncode == 0, command
        assert "usage:" in result.stdout


def test_validate_exit_codes_and_findings_columns(repo_root, tmp_path):
    clean = run("validate", "data/raw/demo/2011", "--out", str(tmp_path / "ok"), cwd=repo_root)
    assert clean.returncode == 0, clean.stderr
    messy = run("validate", "data/raw/demo/messy", "--out", str(tmp_path / "ko"), cwd=repo_root)
    assert messy.returncode == 1
    header = (tmp_path / "ko" / "findings.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "file,sheet,cell,district,question,value,severity,message,suggestion"
    assert (tmp_path / "ko" / "findings.xlsx").is_file()
    missing = run(
        "validate",
        str(tmp_path / "nothing"),
        "--questionnaire",
        "data/raw/demo/2011/questionnaire.xlsx",
        cwd=repo_root,
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("errore:") and "Traceback" not in missing.stderr


def test_template_writes_one_workbook_per_district(repo_root, tmp_path):
    result = run("template", "data/raw/demo/2012", "--out", str(tmp_path), cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("D*_2012.xlsx"))) == 19


def test_validate_prints_the_repeat_rows_accounting(repo_root, tmp_path):
    import json

    from openpyxl import load_workbook

    result = run("validate", "data/raw/demo/messy", "--out", str(tmp_path), cwd=repo_root)
    counts = json.loads((tmp_path / "accounting.json").read_text(encoding="utf-8"))["repeats"]
    # each repeat is named by its label, as the questionnaire's begin_repeat row gives it
    survey = load_workbook(repo_root / "data/raw/demo/messy/questionnaire.xlsx")["survey"]
    rows = list(survey.iter_rows(values_only=True))
    header = list(rows[0])
    kind, name_at = header.index("type"), header.index("name")
    label_at = next(i for i, h in enumerate(header) if str(h).startswith("label"))
    labels = {r[name_at]: r[label_at] for r in rows[1:] if r[kind] == "begin_repeat"}
    for name, c in counts.items():
        line = (
            f"Righe di «{labels[name]}»: lette {c['read']} = accettate {c['accepted']} + "
            f"scartate {c['rejected']}."
        )
        assert line in result.stdout
    assert sum(c["read"] for c in counts.values()) > 0
