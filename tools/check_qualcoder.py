"""Import our REFI-QDA codebook and project into QualCoder, headless (a developer check).

QualCoder (github.com/ccbogel/QualCoder, LGPL) reads REFI-QDA with its own ``refi.RefiImport``.
This script runs that code without its windows: Qt offscreen, the file dialog answering with our
file, the message boxes printed, a project database made from QualCoder's own ``CREATE TABLE``
statements (``__main__.py``). It prints what QualCoder loaded and writes its codings to
``<file>.qdpx.qualcoder.csv`` (source, code, selected text, positions) for comparison.

Run with an interpreter that has QualCoder's needs, never the project's:

    git clone https://github.com/ccbogel/QualCoder /tmp/QualCoder
    python3 -m venv /tmp/qualcoder-venv
    /tmp/qualcoder-venv/bin/pip install PyQt6 pymupdf Pillow python-vlc
    /tmp/qualcoder-venv/bin/python tools/check_qualcoder.py /tmp/QualCoder/src \\
        quadro_di_codifica.qdc [codifica.qdpx]
"""

from __future__ import annotations

import builtins
import csv
import os
import re
import sqlite3
import sys
import tempfile
import types


def _database(src: str, folder: str) -> sqlite3.Connection:
    """Create a QualCoder project database with QualCoder's own CREATE TABLE statements."""
    with open(os.path.join(src, "qualcoder", "__main__.py"), encoding="utf-8") as handle:
        main = handle.read()
    start = main.index('"CREATE TABLE project')
    end = main.index(";", main.index("CREATE TABLE files_filter")) + 1
    conn = sqlite3.connect(os.path.join(folder, "data.qda"))
    for call in re.findall(r'cur\.execute\(\s*((?:"[^"]*"\s*)+)', "cur.execute(" + main[start:end]):
        sql = "".join(re.findall(r'"([^"]*)"', call))
        if sql.upper().startswith("CREATE TABLE"):
            conn.execute(sql.rstrip(";"))
    conn.commit()
    return conn


class App:
    """The few attributes of QualCoder's application object that the import uses."""

    def __init__(self, conn: sqlite3.Connection, folder: str) -> None:
        self.ai_models: list = []
        self.conn = conn
        self.project_path = folder
        self.project_name = "check.qda"
        self.project_events = None
        self.settings = {
            "directory": folder,
            "codername": "default",
            "language": "it",
            "ai_enable": "False",
        }

    def get_file_texts(self, *args, **kwargs) -> list:
        return []

    def write_config_ini(self, *args, **kwargs) -> None:
        return None


class Log:
    """Stands for the text panel where QualCoder writes its progress."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def append(self, text: object) -> None:
        self.lines.append(str(text))


class Printed:
    """Stands for QualCoder's message box: prints the message."""

    def __init__(self, *args, **kwargs) -> None:
        self.args = args

    def exec(self) -> int:
        print("QualCoder:", " | ".join(str(a) for a in self.args[1:]))
        return 0


def main(argv: list[str]) -> int:
    src, qdc, *rest = argv
    qdpx = rest[0] if rest else None
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, src)
    builtins._ = str  # QualCoder installs gettext's _ at start-up
    from PyQt6 import QtWidgets

    application = QtWidgets.QApplication([])
    # QtMultimedia needs a sound library; the import never plays media.
    media = types.ModuleType("qualcoder.media_player_qt")
    media.MediaInstance = object
    media.make_vlc_instance = None
    sys.modules["qualcoder.media_player_qt"] = media
    from qualcoder import refi

    refi.Message = Printed
    folder = tempfile.mkdtemp()
    for name in ("documents", "images", "audio", "video"):
        os.mkdir(os.path.join(folder, name))
    conn = _database(src, folder)
    app, log = App(conn, folder), Log()

    def choose(path: str):
        # (file, chosen filter): QualCoder reads an empty filter as "cancelled"
        return staticmethod(lambda *args, **kwargs: (path, "REFI-QDA"))

    QtWidgets.QFileDialog.getOpenFileName = choose(qdc)
    refi.RefiImport(app, log, "qdc")
    cats = conn.execute("select name from code_cat order by catid").fetchall()
    codes = conn.execute("select count(*), count(supercid) from code_name").fetchone()
    print(f"Categorie: {[c[0] for c in cats]}; codici: {codes[0]}, di cui sottocodici {codes[1]}")
    if qdpx:
        conn.execute("delete from code_name")
        conn.execute("delete from code_cat")
        conn.commit()
        QtWidgets.QFileDialog.getOpenFileName = choose(qdpx)
        refi.RefiImport(app, log, "qdpx")
        for table in ("source", "code_cat", "code_name", "code_text", "cases"):
            print(table, conn.execute(f"select count(*) from {table}").fetchone()[0])
        rows = conn.execute(
            "select s.name, c.name, t.seltext, t.pos0, t.pos1 from code_text t "
            "join code_name c on c.cid = t.cid join source s on s.id = t.fid order by 1, 4, 2"
        ).fetchall()
        with open(qdpx + ".qualcoder.csv", "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([("source", "code", "seltext", "pos0", "pos1"), *rows])
    print("\n".join(log.lines[-8:]))
    application.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
