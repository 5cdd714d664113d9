"""Run the command line as a user does: a new interpreter, its output captured, never raising."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(*args: object, cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    """Run ``distretti-survey ARGS`` in ``cwd``; the exit code is the caller's to check."""
    return subprocess.run(
        [sys.executable, "-m", "distretti_survey", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
