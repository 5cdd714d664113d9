"""Execute the researchers' notebooks in ``notebooks/`` and check what they wrote.

Each notebook runs with nbclient in a throwaway copy of the project (notebooks, reference data,
demo waves) made for each test, from its ``notebooks/`` folder (the notebooks' paths are relative
to it): what a test checks was written by that run, never by an earlier one, and the repository
is never written to. The kernel is ipykernel's own
spec for the interpreter running the tests, so a ``python3`` kernelspec installed elsewhere on
the machine (user or system Jupyter folders) cannot put another Python in its place. Parameters
are injected after the cell tagged ``parameters``, as papermill does.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
TIMEOUT = 180  # seconds per cell: generous for a slow CI machine; each notebook takes ~5 s

pytestmark = [
    pytest.mark.notebooks,
    # Older jupyter_core warns at start-up about its folders; not the project's concern.
    pytest.mark.filterwarnings("ignore:Jupyter is migrating its paths:DeprecationWarning"),
]

PROBE = "import sys\nprint(sys.executable)\nprint(sys.prefix)"


def _kernel_manager_class():
    """Return a kernel manager class that finds only ipykernel's spec for sys.executable."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ThisPython(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _no_kernel_folders(self) -> KernelSpecManager:
            # No kernel folders: "python3" falls back to ipykernel's own spec.
            return KernelSpecManager(kernel_dirs=[])

    return ThisPython


@pytest.fixture
def project(tmp_path) -> Path:
    """Return a fresh copy of the project's notebooks and data, in which the notebooks run."""
    import shutil

    copy = tmp_path / "progetto"
    shutil.copytree(NOTEBOOKS, copy / "notebooks")
    shutil.copytree(ROOT / "data" / "reference", copy / "data" / "reference")
    shutil.copytree(ROOT / "data" / "raw" / "demo", copy / "data" / "raw" / "demo")
    return copy


def _execute(project: Path, name: str, parameters: dict[str, Any] | None = None):
    """Run one notebook of ``project`` with the test interpreter's kernel; return it executed."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(project / "notebooks" / name, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    if parameters:
        position = next(
            i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])
        )
        source = "\n".join(f"{key} = {value!r}" for key, value in parameters.items())
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
        nb.cells.insert(position + 1, cell)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_manager_class=_kernel_manager_class(),
        resources={"metadata": {"path": str(project / "notebooks")}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    return nb


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


# "<file>:<line>: <Category>Warning: <message>", as Python writes a warning to stderr.
WARNING_LINE = re.compile(r"^(?P<file>\S.*?):\d+: \w*Warning: ", re.MULTILINE)


def _ours(file: str) -> bool:
    """Tell whether a warning comes from a notebook cell or from the package."""
    return "distretti_survey" in file or re.search(r"ipykernel_\d+", file) is not None


def _check_run(nb) -> None:
    """Check the kernel was this interpreter and no cell or package code wrote a warning.

    Warnings from Jupyter itself (kernel start-up, deprecations in its own modules) are left
    alone: they are not the project's and must not fail the suite on a newer machine.
    """
    executable, prefix = _text(nb.cells[-1]).splitlines()
    assert executable == sys.executable
    assert prefix == sys.prefix
    stderr = "".join(
        o.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.get("name") == "stderr"
    )
    ours = [m.group(0) for m in WARNING_LINE.finditer(stderr) if _ours(m.group("file"))]
    assert not ours, "avvisi Python nel notebook:\n" + stderr


def _shown(nb) -> str:
    """Return everything the code cells displayed, as text."""
    return "".join(str(o) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def _images(nb) -> int:
    return sum(
        "image/png" in o.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )


def test_notebooks_are_committed_without_outputs():
    import nbformat

    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert names == [
        "01_acquisizione_e_validazione.ipynb",
        "02_codifica_e_accordo.ipynb",
        "03_grafici_del_talk.ipynb",
        "04_confronto_tra_ondate.ipynb",
    ]
    for name in names:
        text = (NOTEBOOKS / name).read_text(encoding="utf-8")
        assert "output_type" not in text, name  # the repository's before-stop check
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3", name
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), name
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name


def test_acquisizione_e_validazione(project):
    nb = _execute(project, "01_acquisizione_e_validazione.ipynb")
    _check_run(nb)
    out = project / "data" / "interim" / "2011" / "validate"  # as the command
    accounting = json.loads((out / "accounting.json").read_text(encoding="utf-8"))
    assert accounting["balanced"] is True
    assert accounting["interviews_read"] == 18  # the 18 demo districts of 2011
    assert (out / "findings.xlsx").is_file()
    assert not (out / "contacts.csv").exists()
    assert "referent_email" not in _shown(nb)  # the contacts table is never displayed


def test_acquisizione_on_the_messy_folder(project, tmp_path):
    # Unreadable, duplicated and unknown-district workbooks: errors and rejections to show.
    nb = _execute(
        project,
        "01_acquisizione_e_validazione.ipynb",
        {"wave_dir": "../data/raw/demo/messy", "out_dir": str(tmp_path)},
    )
    _check_run(nb)
    accounting = json.loads((tmp_path / "accounting.json").read_text(encoding="utf-8"))
    assert accounting["balanced"] is True
    assert accounting["rejected"] > 0
    assert "referent_email" not in _shown(nb)


def test_codifica_e_accordo_with_carry_over(project, tmp_path):
    # The demo wave: the committed workbooks of coders A and B and their consensus.
    nb = _execute(project, "02_codifica_e_accordo.ipynb")
    _check_run(nb)
    first = project / "data" / "interim" / "notebooks" / "2011" / "coding"
    counts = json.loads((first / "counts.json").read_text(encoding="utf-8"))
    assert counts["simulated_coders"] is False
    assert counts["segments_reused"] == 0
    assert counts["segments_coded_a"] == counts["segments"]
    assert counts["segments_coded_b"] == counts["segments"] - 2  # B left two rows empty
    assert counts["codes_consensus"] > 0
    assert counts["disagreements_unresolved"] == 0
    for name in ("agreement.csv", "disaccordi.xlsx", "unresolved.csv", "codifica_coder_b.xlsx"):
        assert (first / name).is_file(), name
    assert "non compilate" in _shown(nb)

    # The next wave reuses the decisions of the first for the answers repeated word for word.
    later = tmp_path / "2012"
    nb = _execute(
        project,
        "02_codifica_e_accordo.ipynb",
        {
            "wave_dir": "../data/raw/demo/2012",
            "earlier_decisions": str(first / "decisions.csv"),
            "out_dir": str(later),
        },
    )
    _check_run(nb)
    counts = json.loads((later / "counts.json").read_text(encoding="utf-8"))
    assert 0 < counts["segments_reused"] < counts["segments"]
    assert counts["segments_to_code"] == counts["segments"] - counts["segments_reused"]
    assert counts["segments_coded_a"] == counts["segments_coded_b"] == counts["segments_to_code"]


def test_codifica_e_accordo_on_real_data_before_coding(project, tmp_path):
    # Not synthetic, no coder workbook yet: the notebook writes them and does not fail.
    import shutil

    from openpyxl import load_workbook

    wave = tmp_path / "2011"
    shutil.copytree(
        ROOT / "data/raw/demo/2011", wave, ignore=shutil.ignore_patterns("coding")
    )
    book = load_workbook(wave / "questionnaire.xlsx")
    header = [c.value for c in book["settings"][1]]
    book["settings"].cell(row=2, column=header.index("synthetic") + 1, value="no")
    book.save(wave / "questionnaire.xlsx")
    out = tmp_path / "out"
    nb = _execute(
        project, "02_codifica_e_accordo.ipynb", {"wave_dir": str(wave), "out_dir": str(out)}
    )
    _check_run(nb)
    counts = json.loads((out / "counts.json").read_text(encoding="utf-8"))
    assert counts["simulated_coders"] is False
    assert counts["segments_not_coded"] == counts["segments"]
    for name in ("codifica_coder_a.xlsx", "codifica_coder_b.xlsx"):
        assert (out / name).is_file(), name


def test_grafici_del_talk(project):
    nb = _execute(project, "03_grafici_del_talk.ipynb")
    _check_run(nb)
    assert _images(nb) == 3
    out = project / "data" / "interim" / "notebooks" / "2011" / "report"
    for name in ("report.html", "presentazione.pptx", "tabelle.xlsx", "manifest.json"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "indagine 2011" in html and "DATI DIMOSTRATIVI" in html
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["row_counts"]["interviews"] == 18


def test_confronto_tra_ondate(project):
    nb = _execute(project, "04_confronto_tra_ondate.ipynb")
    _check_run(nb)
    assert _images(nb) == 1
    out = project / "data" / "interim" / "notebooks" / "confronto_2011_2012"
    for name in ("confronto.html", "confronto.xlsx", "manifest.json"):
        assert (out / name).is_file(), name
    html = (out / "confronto.html").read_text(encoding="utf-8")
    assert "2011" in html and "2012" in html and "gov_manager" in html  # excluded, with reason
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["waves"] == [2011, 2012]
