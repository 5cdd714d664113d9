"""Referents' own names, e-mails and phones typed in open answers never reach an output.

A copy of the demo wave gets realistic contact data in every workbook, and the same name,
e-mail and phone written into the open answers. Every output is then scanned, inside the
xlsx/pptx zips too, for those values.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli
from corpus import DEMO, REGISTRY, answer_cell, copy_demo_wave, edit_workbook

pytestmark = pytest.mark.integration

FIRST = ["Giovanna", "Piercarlo", "Ernestina", "Gianfranco", "Ludovica", "Evaristo"]
LAST = ["Maffè-Lombardi", "Vercesi", "Bonizzoni", "Scarabelli", "Ghezzi", "Trovamala"]


def _contact(i: int) -> tuple[str, str, str]:
    first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
    name = f"{first} {last} {'Quarto' if i >= len(FIRST) else ''}".strip()
    mail = f"{first.lower()}.{i:02d}@comune-prova.example.it"
    phone = f"0382 {400 + i:03d} {100 + i:03d}" if i % 2 else f"+39 347 {500 + i:03d} {1000 + i}"
    return name, mail, phone


def _plant(wave: Path) -> list[tuple[str, str, str]]:
    planted = []
    for i, path in enumerate(sorted((wave / "interviews").glob("*.xlsx"))):
        name, mail, phone = _contact(i)
        planted.append((name, mail, phone))

        def edits(wb, name=name, mail=mail, phone=phone):
            sheets = {"Profilo": ["progress_difficulties"], "Governance": ["gov_problems_text"]}
            answer_cell(wb["Profilo"], "referent_name").value = name
            answer_cell(wb["Profilo"], "referent_email").value = mail
            answer_cell(wb["Profilo"], "referent_phone").value = phone
            surname = name.split()[1]
            for sheet, codes in sheets.items():
                for code in codes:
                    cell = answer_cell(wb[sheet], code)
                    cell.value = (
                        f"{cell.value or ''} Come ha detto {name.upper()} i ritardi pesano. "
                        f"Per i dettagli scrivere a {mail} o chiamare il {phone}. "
                        f"Anche {surname} segue il bando."
                    )

        edit_workbook(path, path, edits)
    return planted


def _needles(planted) -> list[str]:
    out = []
    for name, mail, phone in planted:
        surname = name.split()[1]
        out += [name, surname, mail, mail.split("@")[0], phone, re.sub(r"\D", "", phone)]
    return sorted({n.casefold() for n in out})


def _texts(folder: Path):
    """Yield (file, text) for every output, members of zips included (xlsx, pptx)."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    yield f"{path.name}:{name}", zf.read(name).decode("utf-8", "ignore")
        elif path.suffix.lower() != ".png":
            yield path.name, html.unescape(data.decode("utf-8", "ignore"))


def _leaks(folders, needles) -> list[tuple[str, str]]:
    found = []
    for folder in folders:
        for where, text in _texts(folder):
            folded = text.casefold()
            digits_only = re.sub(r"[\s.]", "", folded)
            found += [(where, n) for n in needles if n in folded or n in digits_only]
    return found


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    base = tmp_path_factory.mktemp("privacy")
    wave = copy_demo_wave(base / "2011")
    planted = _plant(wave)
    common = ("--registry", str(REGISTRY))
    runs = [
        run_cli("validate", str(wave), "--out", str(base / "validate"), *common,
                cwd=base, label="privacy_validate"),
        run_cli("code", str(wave), "--simulate", "--out", str(base / "coding"), *common,
                cwd=base, label="privacy_code"),
        run_cli("report", str(wave), "--decisions", str(base / "coding" / "decisions.csv"),
                "--out", str(base / "report"), *common, cwd=base, label="privacy_report",
                timeout=240),
    ]  # fmt: skip
    folders = [base / "validate", base / "coding", base / "report"]
    return runs, folders, _needles(planted), wave


@pytest.mark.slow
def test_pipeline_runs_on_the_planted_wave(pipeline):
    runs, folders, needles, _ = pipeline
    for run in runs:
        assert run.returncode in (0, 1), run.stderr
        assert "Traceback" not in run.stderr
    assert all(folder.is_dir() for folder in folders)
    # the scan can fail: it finds the planted values in the inputs
    assert _leaks([pipeline[3] / "interviews"], needles)


@pytest.mark.slow
def test_no_personal_data_in_any_output(pipeline):
    _, folders, needles, _ = pipeline
    assert _leaks(folders, needles) == []


def test_redaction_after_ingest_keeps_outputs_clean(tmp_path):
    """The wiring the lead adds, done here in-process: read, redact, write ingest and coding."""
    import dataclasses

    from distretti_survey.coding.run import code_wave, write_coding
    from distretti_survey.ingest import read_wave, write_outputs
    from distretti_survey.instrument import load_instrument
    from distretti_survey.privacy import redact_open_answers
    from distretti_survey.registry import load_registry

    wave = tmp_path / "2011"
    (wave / "interviews").mkdir(parents=True)
    for path in sorted((DEMO / "interviews").glob("*.xlsx"))[:6]:
        (wave / "interviews" / path.name).write_bytes(path.read_bytes())
    (wave / "questionnaire.xlsx").write_bytes((DEMO / "questionnaire.xlsx").read_bytes())
    needles = _needles(_plant(wave))
    assert _leaks([wave / "interviews"], needles)  # the scan sees what was planted
    instrument = load_instrument(wave / "questionnaire.xlsx")
    result = read_wave(wave, instrument, load_registry(REGISTRY))
    data, counts = redact_open_answers(result.data)
    assert counts["referente"] >= 12 and counts["email"] >= 12 and counts["telefono"] >= 12
    write_outputs(dataclasses.replace(result, data=data), tmp_path / "v")
    coding = code_wave(data.open_answers, instrument.coding_frame, simulate_seed=1)
    write_coding(coding, instrument.coding_frame, tmp_path / "c")
    assert _leaks([tmp_path / "v", tmp_path / "c"], needles) == []


def test_coders_see_typed_names_only_with_no_pseudonymise(tmp_path):
    """Coders' workbooks pseudonymise by default; ``--no-pseudonymise`` shows what was typed.

    Either way the CSV outputs stay redacted, and a workbook written unpseudonymised reads
    back (with the same option) without "text modified" warnings.
    """
    from openpyxl import load_workbook

    from distretti_survey.pipeline import code_wave

    wave = copy_demo_wave(tmp_path / "2011")
    name = _plant(wave)[0][0]

    def texts(path: Path) -> str:
        book = load_workbook(path, read_only=True)
        return " ".join(
            str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row
        )

    hidden = code_wave(wave, out=tmp_path / "a", registry=REGISTRY)
    workbook = tmp_path / "a" / "codifica_coder_b.xlsx"
    assert name.upper() not in texts(workbook) and "[REFERENTE]" in texts(workbook)

    shown = code_wave(wave, out=tmp_path / "b", registry=REGISTRY, pseudonymise=False)
    workbook = tmp_path / "b" / "codifica_coder_b.xlsx"
    assert name.upper() in texts(workbook)
    for result in (hidden, shown):
        segments = (result.out_dir / "segments.csv").read_text(encoding="utf-8")
        assert name.upper() not in segments and name.split()[1] not in segments

    back = code_wave(
        wave, out=tmp_path / "c", registry=REGISTRY, coders=[workbook], pseudonymise=False
    )
    assert not [f for f in back.findings if "modificato" in f.message]
    assert back.readings[0].n_rows > 0
    # Read back without the option, the typed names do not match the redacted segments.
    mixed = code_wave(wave, out=tmp_path / "d", registry=REGISTRY, coders=[workbook])
    assert [f for f in mixed.findings if "modificato" in f.message]
