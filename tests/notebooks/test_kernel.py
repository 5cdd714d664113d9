"""`make lab`: the project kernel lives in .venv, runs .venv's Python and imports this checkout.

No Jupyter server is started: the kernel is launched directly with jupyter_client from the
kernelspec that `make kernel` (run by `make lab`) writes, and `make lab` itself is checked with
a dry run. Notebook outputs are stripped by the nbstripout git filter that make sets up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
KERNEL_DIR = VENV / "share" / "jupyter" / "kernels" / "distretti_survey"

pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.filterwarnings("ignore:Jupyter is migrating its paths:DeprecationWarning"),
]

in_project_venv = pytest.mark.skipif(
    Path(sys.prefix).resolve() != VENV.resolve() or shutil.which("make") is None,
    reason="serve il .venv del progetto (make venv-dev) e make",
)


def _make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )


@pytest.fixture(scope="module")
def kernel_spec() -> dict:
    if Path(sys.prefix).resolve() != VENV.resolve() or shutil.which("make") is None:
        pytest.skip("serve il .venv del progetto (make venv-dev) e make")
    result = _make("kernel")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((KERNEL_DIR / "kernel.json").read_text(encoding="utf-8"))


def test_kernel_is_registered_inside_the_venv_with_its_python(kernel_spec):
    assert kernel_spec["display_name"] == "distretti_survey (.venv)"
    python = Path(kernel_spec["argv"][0])
    assert python.parent == VENV / "bin"
    assert python.resolve() == Path(sys.executable).resolve()


def test_kernel_imports_the_package_of_this_checkout(kernel_spec, tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    # Only the .venv's kernels: the test sees what `make lab` registered, nothing else.
    specs = KernelSpecManager(kernel_dirs=[str(KERNEL_DIR.parent)], ensure_native_kernel=False)
    manager = KernelManager(kernel_name="distretti_survey", kernel_spec_manager=specs)
    manager.start_kernel(cwd=str(tmp_path))  # not the checkout: no import by working folder
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        lines: list[str] = []

        def collect(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                lines.extend(msg["content"]["text"].splitlines())
            elif msg["msg_type"] == "error":
                lines.append("ERROR " + msg["content"]["evalue"])

        code = "import sys, distretti_survey\nprint(distretti_survey.__file__)\nprint(sys.prefix)"
        client.execute_interactive(code, output_hook=collect, timeout=120)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    package_file, prefix = lines
    assert Path(package_file).resolve().is_relative_to(ROOT / "src" / "distretti_survey")
    assert Path(prefix).resolve() == VENV.resolve()


@in_project_venv
def test_jupyter_path_puts_the_venv_kernel_before_a_user_kernel(kernel_spec, tmp_path):
    # A stale user-level kernel of the same name pointing at another Python: the situation in
    # which notebooks silently imported another copy of the package.
    stale = tmp_path / "user" / "kernels" / "distretti_survey"
    stale.mkdir(parents=True)
    (stale / "kernel.json").write_text(
        json.dumps({"argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{cf}"],
                    "display_name": "vecchio", "language": "python"}),
        encoding="utf-8",
    )  # fmt: skip
    # Recent jupyter_core already prefers a virtualenv's folders; with that preference off (older
    # jupyter_core, conda, a user setting) the user's folder comes first.
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "user"), "JUPYTER_PREFER_ENV_PATH": "0"}
    env.pop("JUPYTER_PATH", None)
    listing = VENV / "bin" / "jupyter-kernelspec"

    def found(extra: dict) -> str:
        result = subprocess.run(
            [str(listing), "list", "--json"], env={**env, **extra}, capture_output=True,
            text=True, check=True,
        )  # fmt: skip
        return json.loads(result.stdout)["kernelspecs"]["distretti_survey"]["resource_dir"]

    assert Path(found({})) == stale  # without JUPYTER_PATH the user's kernel wins
    venv_first = {"JUPYTER_PATH": str(VENV / "share" / "jupyter")}  # as `make lab` sets it
    assert Path(found(venv_first)).resolve() == KERNEL_DIR.resolve()


@in_project_venv
def test_make_lab_installs_registers_and_opens_the_notebooks():
    result = _make("-n", "-B", "lab")  # dry run: prints the commands, runs nothing
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "pip install" in text and ".[notebooks]" in text
    assert "ipykernel install --sys-prefix --name distretti_survey" in text
    assert "jupyter lab notebooks/" in text
    assert 'JUPYTER_PATH="' + str(ROOT / ".venv" / "share" / "jupyter") in text
    assert "default_kernel_name=distretti_survey" in text


def test_jupyterlab_starts_when_installed():
    lab = Path(sys.prefix) / "bin" / "jupyter-lab"
    if not lab.is_file():
        pytest.skip("JupyterLab non installato in questo ambiente (make lab lo installa)")
    result = subprocess.run([str(lab), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "JupyterLab" in result.stdout


def test_notebook_outputs_are_stripped_by_the_git_filter(tmp_path):
    import nbformat

    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert "*.ipynb filter=nbstripout" in attributes
    git = shutil.which("git")
    configured = (
        subprocess.run(
            [git, "config", "--get", "filter.nbstripout.clean"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        ).stdout.strip()
        if git
        else ""
    )  # fmt: skip
    if not configured:
        pytest.skip("filtro git non configurato (make venv-dev o make git-filters lo configura)")
    assert "nbstripout" in configured and "--keep-id" in configured
    if not (VENV / "bin" / "nbstripout").is_file():
        pytest.skip("nbstripout non installato in .venv (make venv-dev lo installa)")

    def clean(text: str) -> str:  # as git runs a clean filter: a shell, from the checkout
        return subprocess.run(
            ["sh", "-c", configured], input=text, capture_output=True, text=True, check=True,
            cwd=ROOT,
        ).stdout  # fmt: skip

    # A committed notebook passes unchanged (the filter never dirties a clean checkout; cell
    # ids are kept) ...
    path = ROOT / "notebooks" / "01_acquisizione_e_validazione.ipynb"
    text = path.read_text(encoding="utf-8")
    assert clean(text) == text
    # ... and an executed one loses its outputs and execution counts.
    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 7
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")]
    stripped = nbformat.reads(clean(nbformat.writes(nb)), as_version=4)
    code = [c for c in stripped.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c.id for c in stripped.cells] == [c.id for c in nb.cells]
