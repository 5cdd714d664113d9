"""LibreOffice for the deck tests: a deck converted to PDF, a page's text read back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def to_pdf(deck: Path, out: Path) -> Path:
    """Convert ``deck`` to PDF in ``out`` with LibreOffice (skip the test where it is missing).

    LibreOffice runs with its own profile, so it does not clash with another instance.
    """
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice non installato (né soffice né libreoffice nel PATH)")
    profile = (out / "lo-profile").as_uri()
    result = subprocess.run(
        [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(deck)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    pdf = out / f"{deck.stem}.pdf"
    assert pdf.is_file(), result.stdout + result.stderr
    return pdf


def page_lines(pdf: Path, page: int) -> list[str]:
    """Return the lines of text of one page, as laid out, spaces collapsed (pdftotext)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) non installato")
    text = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [" ".join(line.split()) for line in text.splitlines()]
