"""Untrusted input files: which files are read, how many bytes, and what a zip may hold.

Every check here runs before a native reader sees the file, with bounded memory:

- ``list_inputs`` says which entries of a wave folder are read and why the others are not
  (folders, notes, lock files, entries beside ``interviews/``);
- ``read_input`` reads only a regular file inside the wave folder (no named pipe, device, or
  symlink leading out of it), and at most ``MAX_FILE_BYTES``;
- ``display_name`` turns any file name (undecodable bytes, control characters) into text that
  every writer accepts.

The caps are in ``limits.py``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from distretti_survey.errors import InputError
from distretti_survey.ingest import limits


class BookError(Exception):
    """The file is not a readable workbook; the message (Italian) says why."""


SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".zip"}
#: Files in an input folder that are not interviews.
NOT_INTERVIEWS = {"questionnaire.xlsx", "questionario.xlsx"}
#: Folders a wave folder holds besides its files: the interviews, and the coders' workbooks.
WAVE_FOLDERS = {"interviews", "coding"}


@dataclass(frozen=True)
class InputFile:
    """A file to read, its name as shown in findings, and the folder it must stay in.

    ``name`` is relative to the wave folder and escaped (``display_name``); ``root`` is the
    folder a symlink must not lead out of (None for a file named on the command line).
    """

    path: Path
    name: str
    root: Path | None = None


@dataclass(frozen=True)
class Ignored:
    """An entry of the input folder that is not read, and why (Italian)."""

    name: str
    reason: str


def display_name(name: str) -> str:
    """Return a file name as printable text: undecodable bytes and controls as escapes.

    File names on Linux are bytes; Python decodes the undecodable ones as lone surrogates,
    which no UTF-8 writer accepts.

    Examples
    --------
    >>> display_name("D01_2011.xlsx")
    'D01_2011.xlsx'
    >>> display_name(b"D\\xe901.xlsx".decode("utf-8", "surrogateescape"))
    'D\\\\xe901.xlsx'
    >>> display_name("a\\nb.csv")
    'a\\\\x0ab.csv'
    """
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def list_inputs(path: Path) -> tuple[list[InputFile], list[Ignored], Path]:
    """Return the files to read, the entries not read with the reason, and the base folder.

    Parameters
    ----------
    path
        One file, a folder of files, or a wave folder holding ``interviews/``.

    Raises
    ------
    InputError
        When ``path`` does not exist or holds no interview file.
    """
    if not os.path.lexists(path):
        raise InputError(f"Percorso inesistente: {display_name(str(path))}")
    if not path.is_dir():
        return [InputFile(path, display_name(path.name))], [], path.parent
    base = path
    folder = path / "interviews" if (path / "interviews").is_dir() else path
    files: list[InputFile] = []
    ignored: list[Ignored] = []
    if folder != path:
        for item in sorted(path.iterdir(), key=lambda p: p.name):
            if item.name not in WAVE_FOLDERS and item.name.lower() not in NOT_INTERVIEWS:
                ignored.append(
                    Ignored(
                        display_name(item.name),
                        "accanto alla cartella interviews/, dove non si legge; spostarlo "
                        "in interviews/ se è un'intervista",
                    )
                )
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        name = display_name(item.relative_to(base).as_posix())
        reason = _ignore_reason(item)
        if reason:
            ignored.append(Ignored(name, reason))
        else:
            files.append(InputFile(item, name, base))
    if not files:
        raise InputError(f"Nessun file di interviste (.xlsx, .csv) in {display_name(str(folder))}")
    return files, ignored, base


def _ignore_reason(item: Path) -> str:
    """Return why a folder entry is not read, or "" when it is an interview file to read."""
    name = item.name
    if name.startswith("~$"):
        return "file temporaneo di Excel: la cartella è aperta in Excel"
    if name.startswith("."):
        return "file nascosto"
    if name.lower() in NOT_INTERVIEWS:
        return "è il questionario, non un'intervista"
    if item.is_dir() and not item.is_symlink():
        if item.suffix.lower() in SUFFIXES:
            return "è una cartella, non un file"
        return "cartella: i file nelle sottocartelle non sono letti"
    if item.suffix.lower() not in SUFFIXES:
        return "estensione non letta: si leggono .xlsx, .xlsm, .xls, .ods, .csv, .zip (ODK Central)"
    return ""


def read_input(path: Path, root: Path | None) -> bytes:
    """Return the bytes of ``path``: only a regular file (inside ``root``), at most the cap.

    ``root`` None accepts a symlink leading anywhere (a file the user named explicitly).

    Raises
    ------
    BookError
        For a named pipe, a device, a folder, a symlink leading outside ``root``, or a file
        larger than ``limits.MAX_FILE_BYTES``.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve()
            if root is not None and not target.is_relative_to(root.resolve()):
                raise BookError(
                    "collegamento simbolico a un file fuori dalla cartella dell'ondata "
                    f"({display_name(str(target))}): non letto"
                )
            info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise BookError(f"non è un file normale ({_kind(info.st_mode)}): non letto")
        _check_size(info.st_size)
        # O_NONBLOCK: if the file was swapped for a pipe since the check, open does not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(handle.fileno())
            if not stat.S_ISREG(opened.st_mode):
                raise BookError("non è un file normale: non letto")
            # read what the file holds, not a cap-sized buffer; on past it if it grew meanwhile
            data = handle.read(min(opened.st_size, limits.MAX_FILE_BYTES) + 1)
            if len(data) > opened.st_size:
                data += handle.read(limits.MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        raise BookError(f"file illeggibile ({exc.strerror or exc})") from exc
    _check_size(len(data))
    return data


def _check_size(size: int) -> None:
    if size > limits.MAX_FILE_BYTES:
        raise BookError(
            f"file troppo grande ({size / limits.MIB:.0f} MB; massimo "
            f"{limits.MAX_FILE_BYTES // limits.MIB} MB): dividerlo in più file"
        )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "dispositivo"
    if stat.S_ISDIR(mode):
        return "cartella"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "tipo speciale"


def ignored_findings(ignored: list[Ignored]) -> list:
    """Return a warning for each entry not read, except hidden files (``.DS_Store``, ...)."""
    from distretti_survey.findings import Finding

    return [
        Finding(
            file=item.name,
            severity="warning",
            message=f"Non letto: {item.reason}.",
            suggestion="Nessuna azione se il file non è un'intervista.",
        )
        for item in ignored
        if item.reason != "file nascosto"
    ]
