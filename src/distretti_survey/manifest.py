"""Manifest of a run: sha256 of inputs and outputs, and a scanner for strings in outputs.

The manifest records what went in and what came out so a report can be traced back to its
inputs. It holds no timestamps, so the same run gives the same manifest bytes.
"""

from __future__ import annotations

import hashlib
import html
import json
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from distretti_survey.errors import InputError

MANIFEST_VERSION = 1

_CHUNK = 1 << 20


def sha256_file(path: Path | str) -> str:
    """Return the hex sha256 digest of a file's bytes.

    Parameters
    ----------
    path
        The file to hash.

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_entries(paths: Iterable[Path | str], root: Path, role: str) -> list[dict[str, Any]]:
    entries = []
    for raw in paths:
        path = Path(raw)
        full = path if path.is_absolute() else root / path
        if not full.is_file():
            raise InputError(f"Manifest: il file {role} «{full}» non esiste.")
        try:
            relative = full.resolve().relative_to(root.resolve())
        except ValueError as error:
            raise InputError(
                f"Manifest: il file {role} «{full}» non è dentro la cartella «{root}»."
            ) from error
        entries.append(
            {
                "path": relative.as_posix(),
                "sha256": sha256_file(full),
                "bytes": full.stat().st_size,
            }
        )
    entries.sort(key=lambda entry: entry["path"])
    paths_seen = [entry["path"] for entry in entries]
    if len(set(paths_seen)) != len(paths_seen):
        raise InputError(f"Manifest: un file {role} compare più volte.")
    return entries


def _jsonable(value: Any) -> Any:
    """Turn paths, sets and tuples into JSON types with a stable order."""
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(item) for item in value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value


def build_manifest(
    inputs: list[Path],
    outputs: list[Path],
    *,
    row_counts: Mapping[str, int],
    questionnaire_version: str,
    package_version: str,
    parameters: Mapping[str, Any],
    root: Path,
) -> dict[str, Any]:
    """Build the manifest of one run: files with sha256 and size, row counts, parameters.

    Parameters
    ----------
    inputs, outputs
        Files read and written by the run, absolute or relative to `root`.
    row_counts
        Rows per table (e.g. ``{"interviews": 18}``).
    questionnaire_version, package_version
        Versions of the questionnaire and of this package.
    parameters
        Run parameters (wave, options); paths are stored as POSIX strings.
    root
        Folder the file paths are made relative to, so the manifest does not depend on
        where the project lives.

    Returns
    -------
    dict
        JSON-ready; file lists sorted by path; no timestamps.

    Raises
    ------
    InputError
        A file is missing, outside `root`, or listed twice.
    """
    root = Path(root)
    return {
        "manifest_version": MANIFEST_VERSION,
        "package_version": str(package_version),
        "questionnaire_version": str(questionnaire_version),
        "parameters": _jsonable(parameters),
        "row_counts": {str(key): int(value) for key, value in row_counts.items()},
        "inputs": _file_entries(inputs, root, "di input"),
        "outputs": _file_entries(outputs, root, "di output"),
    }


def manifest_text(manifest: Mapping[str, Any]) -> str:
    """Return the manifest as JSON text: sorted keys, indent 2, trailing newline."""
    return json.dumps(_jsonable(manifest), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_manifest(manifest: Mapping[str, Any], path: Path | str) -> Path:
    """Write the manifest as UTF-8 JSON and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(manifest_text(manifest).encode("utf-8"))
    return path


def _texts_of(path: Path) -> Iterable[str]:
    """Yield the text of a file, or of each member when it is a zip (xlsx, pptx)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield archive.read(name).decode("utf-8", errors="replace")
    else:
        yield path.read_bytes().decode("utf-8", errors="replace")


def scan_for_strings(paths: Iterable[Path | str], strings: Iterable[str]) -> list[tuple[Path, str]]:
    """Find which of the given strings occur in which files, looking inside zip members.

    Used to check that no report output carries personal data: matching ignores case and
    also looks at the text with XML/HTML entities decoded (``D&apos;Angelo``).

    Parameters
    ----------
    paths
        Files to scan; xlsx/pptx (any zip) are scanned member by member.
    strings
        Strings to look for; empty ones are ignored.

    Returns
    -------
    list of (path, string)
        One pair per file and string found, sorted; empty when nothing was found.
    """
    needles = sorted({text.strip() for text in strings if text and text.strip()})
    hits: set[tuple[Path, str]] = set()
    for raw in paths:
        path = Path(raw)
        for text in _texts_of(path):
            haystacks = (text.casefold(), html.unescape(text).casefold())
            for needle in needles:
                folded = needle.casefold()
                if any(folded in haystack for haystack in haystacks):
                    hits.add((path, needle))
    return sorted(hits, key=lambda hit: (str(hit[0]), hit[1]))
