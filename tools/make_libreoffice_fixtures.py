"""Save two demo district workbooks with LibreOffice, as xlsx and ods, for the ingest tests.

    python tools/make_libreoffice_fixtures.py

A person who opens a data-entry workbook in LibreOffice Calc and saves it changes how the
file is written (shared strings instead of inline ones, LibreOffice's styles, an ods
instead of an xlsx) but not a single answer. The files written here, in
``tests/data/libreoffice/``, are LibreOffice's own output: the tests read them and compare
with what the same workbooks give before the round trip. Needs ``soffice`` on the PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "raw" / "demo" / "2011" / "interviews"
OUT = ROOT / "tests" / "data" / "libreoffice"
#: D03 holds an amount typed as text ("€ 12.500,00"): LibreOffice must keep it as text.
DISTRICTS = ("D01_2011", "D03_2011")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()  # own profile: no clash with a running Calc
        for fmt in ("xlsx", "ods"):
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation={profile}",
                    "--headless",
                    "--convert-to",
                    fmt,
                    "--outdir",
                    tmp,
                    *(str(SOURCE / f"{d}.xlsx") for d in DISTRICTS),
                ],
                check=True,
                capture_output=True,
            )
            for district in DISTRICTS:
                shutil.copyfile(Path(tmp, f"{district}.{fmt}"), OUT / f"{district}.{fmt}")
    print(f"Scritti {2 * len(DISTRICTS)} file in {OUT}")


if __name__ == "__main__":
    main()
