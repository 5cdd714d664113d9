"""Every command in the README runs as written.

The ``sh`` code blocks of README.md are read line by line: ``make`` lines must name a target
that ``make -n`` accepts; ``distretti-survey`` lines (with or without ``.venv/bin/``) run, in
order, in a copy of the project's data, from the state ``make report`` leaves behind (the coding
decisions of the demo waves). One step of the recipe is field work, not a command: before the
new wave is validated, its interviews are stood in for by the 2012 demo workbooks stamped as
the new wave. Commands the CLI does not have yet (``new-wave``) run through the library
function they wrap.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import run

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CLI = re.compile(r"^(?:\.venv/bin/)?distretti-survey\s+(?P<args>.*)$")


def readme_commands() -> list[str]:
    """Return the command lines of the README's ``sh`` code blocks, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return run(*args, cwd=cwd)


def _cli_has(command: str) -> bool:
    from distretti_survey.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return command in sub.choices


def _new_wave(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``new-wave YEAR --from DIR [--out DIR]`` through ``create_wave`` (CLI not wired)."""
    year, rest = args[0], args[1:]
    options = dict(zip(rest[::2], rest[1::2], strict=True))
    code = (
        "import sys; from distretti_survey.new_wave import create_wave; "
        "from distretti_survey.registry import find_reference_dir; "
        f"r = create_wave({int(year)}, {options['--from']!r}, "
        f"{options.get('--out', 'data/raw/' + year)!r}, find_reference_dir() / 'registry.csv'); "
        "[print(f.one_line()) for f in r.findings]"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False
    )


def _collect_interviews(wave_dir: Path, year: int) -> None:
    """Stand in for the field work: the 2012 demo workbooks, stamped as filled for ``year``."""
    from openpyxl import load_workbook

    from distretti_survey.xlsx_io import stable_save

    source = ROOT / "data" / "raw" / "demo" / "2012" / "interviews"
    for path in sorted(source.glob("*.xlsx")):
        wb = load_workbook(path)
        for key, value in wb["_meta"].iter_rows(min_col=1, max_col=2):
            if key.value in ("wave", "version", "synthetic"):
                value.value = {"wave": year, "version": f"{year}.1", "synthetic": "no"}[key.value]
        stable_save(wb, wave_dir / "interviews" / path.name.replace("2012", str(year)))


def test_readme_has_the_commands_of_the_recipe():
    commands = readme_commands()
    assert any("new-wave" in c for c in commands)
    assert any(c.startswith("make lab") for c in commands)
    assert sum(bool(CLI.match(c)) for c in commands) >= 9


@pytest.mark.skipif(shutil.which("make") is None, reason="make non installato")
def test_make_targets_of_the_readme_exist():
    for line in readme_commands():
        if line.startswith("make "):
            target = line.split()[1]
            result = subprocess.run(
                ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False
            )
            assert result.returncode == 0, f"{line}: {result.stderr}"


def test_every_distretti_survey_command_runs_as_written(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")

    # What `make report` leaves behind and the recipe reuses: the demo waves' coding decisions,
    # from the demo coders' workbooks and consensus, as `make report` codes them.
    def coders(wave: str) -> list[str]:
        folder = f"data/raw/demo/{wave}/coding"
        return ["--coder", f"{folder}/coder_A.xlsx", "--coder", f"{folder}/coder_B.xlsx",
                "--consensus", f"{folder}/disaccordi.xlsx"]  # fmt: skip

    for args in (
        ["code", "data/raw/demo/2011", *coders("2011")],
        ["code", "data/raw/demo/2012", *coders("2012"),
         "--reuse", "data/interim/2011/coding/decisions.csv"],
    ):  # fmt: skip
        assert run_cli(args, tmp_path).returncode == 0

    ran = []
    for line in readme_commands():
        match = CLI.match(line)
        if not match:
            continue
        args = shlex.split(match["args"])
        if args[0] == "validate" and not args[1].startswith("data/raw/demo"):
            wave_dir = tmp_path / args[1]
            if not any((wave_dir / "interviews").glob("*.xlsx")):
                _collect_interviews(wave_dir, int(wave_dir.name))
        if args[0] == "new-wave" and not _cli_has("new-wave"):
            result = _new_wave(args[1:], tmp_path)
        else:
            result = run_cli(args, tmp_path)
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr, line
        ran.append((line, result.stdout))

    assert len(ran) == sum(bool(CLI.match(c)) for c in readme_commands())
    check = next(out for line, out in ran if line.endswith("registry check"))
    assert re.search(r"^2013\s+totale\s+19\s+96$", check, flags=re.MULTILINE)
    assert (tmp_path / "reports" / "2013" / "presentazione.pptx").is_file()
    assert (tmp_path / "reports" / "confronto_2012_2013").is_dir()
    # The demo waves are untouched: nothing is written under an existing wave.
    for wave in ("2011", "2012"):
        copied = sorted(p.name for p in (tmp_path / "data/raw/demo" / wave).rglob("*"))
        original = sorted(p.name for p in (ROOT / "data/raw/demo" / wave).rglob("*"))
        assert copied == original
