"""The hostile corpus: a demo wave with broken, malicious and odd files, run through the CLI.

Every run goes through ``python -m distretti_survey`` in a subprocess limited to 2 GiB of
address space (``RLIMIT_AS``) and a timeout; its wall time and peak RSS are recorded and the
worst ones printed at the end of the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import corpus as c  # the builders live beside this file

ADDRESS_SPACE = 2 * 2**30
TIMEOUT = 60
RUNS: list[tuple[str, float, float]] = []


@dataclass
class Run:
    """A finished CLI run: exit code, output, wall time (s) and peak RSS (MiB)."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_cli(*args: str, cwd: Path, label: str, timeout: float = TIMEOUT) -> Run:
    """Run the CLI under the address-space limit; measure time and peak RSS of that child."""
    out, err = cwd / f".{label}.out", cwd / f".{label}.err"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg"}
    with out.open("wb") as so, err.open("wb") as se:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "distretti_survey", *args],
            cwd=cwd,
            stdout=so,
            stderr=se,
            preexec_fn=_limit,
            env=env,
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
    run = Run(
        proc.returncode,
        out.read_text(encoding="utf-8", errors="replace"),
        err.read_text(encoding="utf-8", errors="replace"),
        seconds,
        usage.ru_maxrss / 1024,
    )
    out.unlink()
    err.unlink()
    RUNS.append((label, run.seconds, run.max_rss_mb))
    return run


def snapshot(folder: Path) -> dict[str, str]:
    """Return sha256 of every regular file under ``folder`` (not following links, no pipes)."""
    hashes = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            hashes[os.fsencode(path).hex()] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            hashes[os.fsencode(path).hex()] = f"mode {stat.S_IFMT(info.st_mode)}"
    return hashes


@dataclass
class WaveRun:
    """A hostile wave after ``validate``: the run, its findings, accounting and inputs."""

    wave: Path
    out: Path
    run: Run
    findings: pd.DataFrame
    accounting: dict
    before: dict[str, str]
    after: dict[str, str]

    def about(self, file: str) -> pd.DataFrame:
        """Return the findings about one file (as named in findings.csv)."""
        return self.findings[self.findings["file"] == file]


#: files added to interviews/ -> builder (bytes)
FILE_CASES = {
    "cifrato.xlsx": c.encrypted,
    "casuale.xlsx": lambda: __import__("random").Random(4).randbytes(4096),
    "vuoto.xlsx": lambda: b"",
    "pagina.xlsx": lambda: b"<html><body><table><tr><td>=1+1</td></tr></table></body></html>",
    "bomba_dichiarata.xlsx": c.bomb_declared,
    "bomba_rapporto.xlsx": c.bomb_ratio,
    "bomba_bugiarda.xlsx": c.bomb_lying,
    "troppi_elementi.xlsx": c.many_members,
    "dimensione.xlsx": c.dimension_bomb,
    "a1_xfd1048576.xlsx": c.corner_cells,
    "righe.xlsx": c.row_bomb,
    "riga_senza_rif.xlsx": c.no_refs_wide_row,
    "xml_troncato.xlsx": c.broken_xml,
    "entita.xlsx": c.entity_bomb,
    "ripetute.ods": lambda: c.ods_bytes(1_000_000, 1_000),
    "vecchio.xls": c.encrypted,
    "utf16_rotto.csv": lambda: b"\xff\xfe" + "district_id".encode("utf-16-le") + b"\x00\xd8x",
    "nul.csv": lambda: b"colonna;altra\nuno\x00;due\n",
    "campo_enorme.csv": lambda: b'district_id;x\nD01;"' + b"a" * 200_000 + b'"\n',
    "vuoto.csv": lambda: b"",
    "a\nb.xlsx": lambda: b"non un file excel",
}
#: files that cannot be read at all (a finding each, no interview)
FAILING = [*FILE_CASES, "troncato.xlsx", "pipe.xlsx", "zero.xlsx", "fuori.xlsx", "rotto.xlsx"]
#: the demo districts whose workbook is replaced by a CSV export in an encoding
CSV_CASES = {
    "D15": ("utf-8-sig", "perché è più lento: così"),
    "D16": ("utf-16", "perché è più lento: così"),
    "D17": ("cp1252", "perché costa 5 €"),
    "D18": ("latin-1", "perché \x81 è più"),
}
ODD_NAME = os.fsdecode(b"D06_\xe9t\xe9_2011.xlsx")
CONTROL_TEXT = "riga uno_x000B_riga due_x0007_fine"


def _add_files(interviews: Path, wave: Path, outside: Path) -> None:
    for name, build in FILE_CASES.items():
        (interviews / name).write_bytes(build())
    (interviews / "troncato.xlsx").write_bytes(c.truncated(c.DEMO / "interviews/D01_2011.xlsx"))
    os.mkfifo(interviews / "pipe.xlsx")
    (interviews / "zero.xlsx").symlink_to("/dev/zero")
    shutil.copy2(c.DEMO / "interviews/D01_2011.xlsx", outside / "D01_2011.xlsx")
    (interviews / "fuori.xlsx").symlink_to(outside / "D01_2011.xlsx")
    (interviews / "rotto.xlsx").symlink_to(interviews / "non_esiste.xlsx")
    (interviews / "cartella.xlsx").mkdir()
    (interviews / "~$D01_2011.xlsx").write_bytes(b"lock")
    (interviews / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (interviews / "note.txt").write_text("appunti", encoding="utf-8")
    shutil.copy2(c.DEMO / "interviews/D02_2011.xlsx", wave / "D02_copia.xlsx")


def _edit_contents(interviews: Path) -> None:
    src = c.DEMO / "interviews"

    def edit(district: str, edits, name: str | None = None) -> None:
        dest = interviews / (name or f"{district}_2011.xlsx")
        c.edit_workbook(src / f"{district}_2011.xlsx", dest, edits)
        if name:
            (interviews / f"{district}_2011.xlsx").unlink()

    edit("D01", c.put_errors)
    edit("D02", c.set_answer("interview_date", 60, number_format="dd/mm/yyyy"))
    edit("D03", c.future_year)
    edit("D04", c.set_cell("Interventi", "D3", 1e15))
    edit("D05", c.set_answer("progress_difficulties", "CTRLMARK"))
    path = interviews / "D05_2011.xlsx"
    path.write_bytes(c.patch_members(path.read_bytes(), b"CTRLMARK", CONTROL_TEXT.encode()))
    edit("D06", lambda wb: None, name=ODD_NAME)
    edit("D07", c.set_answer("progress_difficulties", '=HYPERLINK("http://x.example","clic")'))
    edit("D08", c.set_answer("progress_difficulties", "+39 risposta"))
    edit("D09", c.set_answer("progress_difficulties", "-20% di affluenza"))
    edit("D10", c.set_answer("progress_difficulties", "@SOMMA(A1)"))
    edit("D11", c.shift_profile)
    edit("D12", c.set_answer("progress_difficulties", "lungo " * 5_000))
    edit("D13", c.set_cell("Interventi", "D3", "=1+1"))
    edit("D14", c.set_answer("progress_difficulties", "emoji 🙂 e \u202edestra-sinistra"))
    for district, (encoding, text) in CSV_CASES.items():
        (interviews / f"{district}_2011.xlsx").unlink()
        data = c.wide_csv(district, text).encode(encoding)
        (interviews / f"{district}.csv").write_bytes(data)


def _cap_budgets(questionnaire: Path) -> None:
    """Give the budgets the cap issue 14 asks the questionnaire to state."""

    def edits(wb):
        ws = wb["survey"]
        header = [cell.value for cell in ws[1]]
        name_col, cons_col = header.index("name"), header.index("constraint")
        for row in ws.iter_rows(min_row=2):
            if row[name_col].value in ("budget_planned", "budget_spent"):
                row[cons_col].value = ". >= 0 and . <= 10000000"

    c.edit_workbook(questionnaire, questionnaire, edits)


@pytest.fixture(scope="session")
def hostile_wave(tmp_path_factory) -> WaveRun:
    """Build the hostile wave, run ``validate`` on it once, and read what it wrote."""
    base = tmp_path_factory.mktemp("hostile")
    wave = c.copy_demo_wave(base / "wave")
    outside = base / "altrove"
    outside.mkdir()
    _cap_budgets(wave / "questionnaire.xlsx")
    _edit_contents(wave / "interviews")
    _add_files(wave / "interviews", wave, outside)
    before = snapshot(wave)
    out = base / "out"
    run = run_cli(
        "validate", str(wave), "--out", str(out), "--registry", str(c.REGISTRY),
        cwd=base, label="validate_hostile",
    )  # fmt: skip
    findings = (
        pd.read_csv(out / "findings.csv", dtype=str, keep_default_na=False)
        if (out / "findings.csv").is_file()
        else pd.DataFrame(columns=["file"])
    )
    accounting = (
        json.loads((out / "accounting.json").read_text(encoding="utf-8"))
        if (out / "accounting.json").is_file()
        else {}
    )
    return WaveRun(wave, out, run, findings, accounting, before, snapshot(wave))


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the worst wall time and peak RSS of the corpus runs (for the issue's note)."""
    if not RUNS:
        return
    slowest = max(RUNS, key=lambda r: r[1])
    biggest = max(RUNS, key=lambda r: r[2])
    terminalreporter.write_line(
        f"hostile corpus: {len(RUNS)} CLI runs under {ADDRESS_SPACE // 2**30} GiB; slowest "
        f"{slowest[0]} {slowest[1]:.1f} s; largest {biggest[0]} {biggest[2]:.0f} MiB RSS "
        f"({dt.date.today():%Y-%m-%d})"
    )
