"""REFI-QDA exchange: the coding frame as a codebook (``.qdc``), the coded answers as a project.

The REFI-QDA standard (www.qdasoftware.org) is what QualCoder, ATLAS.ti, MAXQDA, NVivo and
Taguette read and write. A codebook is the XML ``CodeBook`` of the namespace
``urn:QDA-XML:codebook:1.0``; a project (``.qdpx``) is a zip holding ``project.qde`` (XML of the
namespace ``urn:QDA-XML:project:1.0``) and the folder ``sources/`` with one UTF-8 text per answer.

How the frame maps: each theme is a code that is not codable (``isCodable="false"``) grouping
its codes; a sub-code sits inside its parent; the code's name is its Italian label, and its
``Description`` starts with ``Codice: <code_id>`` then the definition, when to use it, when not,
the examples (one labelled line each), so that `read_codebook` gets the frame back. Keywords and
patterns (our rules) have no place in the standard and are not exported.

In a project each open answer is a ``TextSource``; each coded segment (a sentence) is a
``PlainTextSelection`` (positions in Unicode code points from 0, end excluded) with one
``Coding`` per final code, created by the user standing for its source (rules, agreed coders,
consensus, coder A or B). Districts are ``Case``s referring to their answers. Every GUID is a
uuid5 of what it names, no date is written and the zip is byte-stable: the same inputs give the
same bytes.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from distretti_survey.coding.frame import COLUMNS, LABEL, THEME_LABELS, THEMES
from distretti_survey.findings import Finding, Findings

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
ORIGIN = "distretti_survey"
#: Namespace of every GUID written (fixed: GUIDs are stable across runs and machines).
GUID_NAMESPACE = uuid.UUID("7d0c4f1e-3a52-5b8e-9c61-2f4a8d9e0b17")
THEME_COLORS = {"progress": "#1F77B4", "training": "#2CA02C", "governance": "#D62728"}
#: Description lines: frame column -> Italian label, in order.
DESCRIPTION_FIELDS = {
    "code_id": "Codice",
    "definition": "Definizione",
    "use_when": "Quando usarlo",
    "not_when": "Quando non usarlo",
    "examples": "Esempi",
}
USERS = {
    "rule": "Regole del quadro di codifica",
    "agreed": "Codificatori A e B concordi",
    "consensus": "Consenso dei codificatori",
    "coder_a": "Codificatore A",
    "coder_b": "Codificatore B",
}


def guid(kind: str, key: object) -> str:
    """Return the GUID of one object: upper-case uuid5 of ``kind:key``.

    Examples
    --------
    >>> guid("code", "GOV_MANAGER") == guid("code", "GOV_MANAGER")
    True
    >>> len(guid("code", "GOV_MANAGER"))
    36
    """
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}")).upper()


def _description(code: pd.Series) -> str:
    lines = []
    for column, label in DESCRIPTION_FIELDS.items():
        value = str(code.get(column, "") or "").strip()
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def _codes(parent: ET.Element, frame: pd.DataFrame, ns: str) -> None:
    """Append the theme groups and the code tree of ``frame`` under ``parent``."""
    frame = frame.fillna("").astype(str)
    for theme in THEMES:
        theme_codes = frame[frame["theme"] == theme]
        if not len(theme_codes):
            continue
        group = ET.SubElement(
            parent,
            f"{{{ns}}}Code",
            guid=guid("theme", theme),
            name=THEME_LABELS[theme].capitalize(),
            isCodable="false",
            color=THEME_COLORS[theme],
        )
        ET.SubElement(group, f"{{{ns}}}Description").text = f"Tema: {theme}"
        _children(group, theme_codes, "", ns, THEME_COLORS[theme])


def _children(element, theme_codes: pd.DataFrame, parent: str, ns: str, color: str) -> None:
    known = set(theme_codes["code_id"])
    for row in theme_codes.to_dict("records"):
        # a parent that is not a code of the theme would lose the code: keep it at the top
        code_parent = row["parent"] if row["parent"] in known else ""
        if code_parent != parent:
            continue
        child = ET.SubElement(
            element,
            f"{{{ns}}}Code",
            guid=guid("code", row["code_id"]),
            name=str(row.get(LABEL) or row["code_id"]),
            isCodable="true",
            color=color,
        )
        ET.SubElement(child, f"{{{ns}}}Description").text = _description(pd.Series(row))
        _children(child, theme_codes, row["code_id"], ns, color)


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"


def codebook_xml(frame: pd.DataFrame) -> bytes:
    """Return the REFI-QDA codebook (``.qdc``) of a coding frame, as UTF-8 XML bytes."""
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", origin=ORIGIN)
    _codes(ET.SubElement(root, f"{{{CODEBOOK_NS}}}Codes"), frame, CODEBOOK_NS)
    return _xml_bytes(root)


def write_codebook(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the coding frame as a REFI-QDA codebook (``.qdc``); return the path."""
    path = Path(path)
    path.write_bytes(codebook_xml(frame))
    return path


def write_taguette_codebook(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the frame as the CSV codebook Taguette imports (columns ``tag, description``).

    Taguette (1.5) exports REFI-QDA codebooks but imports codebooks only from CSV: this file
    is the way to bring the frame into it. The tag is ``<code_id> <label>``; the description
    is the one of the ``.qdc``.
    """
    import csv

    path = Path(path)
    frame = frame.fillna("").astype(str)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["tag", "description"])
    for theme in THEMES:
        for row in frame[frame["theme"] == theme].to_dict("records"):
            writer.writerow(
                [f"{row['code_id']} {row[LABEL]}".strip(), _description(pd.Series(row))]
            )
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def _parse_description(text: str) -> dict[str, str]:
    """Split a description written by `codebook_xml` back into frame columns.

    A description without our labelled lines becomes the definition.
    """
    labels = {label: column for column, label in DESCRIPTION_FIELDS.items()}
    out: dict[str, str] = {}
    current = None
    for line in (text or "").splitlines():
        head, sep, rest = line.partition(": ")
        if sep and head in labels:
            current = labels[head]
            out[current] = rest.strip()
        elif current:
            out[current] = f"{out[current]}\n{line}".strip()
        else:
            out["definition"] = f"{out.get('definition', '')}\n{line}".strip()
    return out


def _code_id(name: str, taken: set[str]) -> str:
    """Make a frame code id from a code name (upper case, letters, digits and _)."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_").upper() or "CODICE"
    base = base if base[0].isalpha() else f"C_{base}"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def read_codebook(path: str | Path) -> tuple[pd.DataFrame, Findings]:
    """Read a REFI-QDA codebook (``.qdc``) into a coding-frame table.

    Codebooks written by `write_codebook` come back with every exported column. From other
    tools: a top-level code that is not codable and is named like a theme ("Avanzamento",
    "Formazione", "Governance", or ``Tema: <theme>`` in its description) gives the theme of the
    codes inside it; a code's id comes from ``Codice:`` in its description or from its name;
    nesting gives the parent.

    Returns
    -------
    frame
        The columns of the coding frame (`frame.COLUMNS`); keywords and patterns are empty.
    findings
        An unreadable file, a code without a theme, a repeated code id.
    """
    path = Path(path)
    findings = Findings()

    def add(message: str, value: str = "", severity: str = "error") -> None:
        findings.add(Finding(file=path.name, value=value, severity=severity, message=message))

    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as error:
        add(f"Il file non è un codebook REFI-QDA leggibile: {error}.")
        return pd.DataFrame(columns=list(COLUMNS)), findings
    ns = root.tag.partition("}")[0].lstrip("{") if root.tag.startswith("{") else ""
    q = (lambda tag: f"{{{ns}}}{tag}") if ns else (lambda tag: tag)
    codes = (
        root.find(q("Codes"))
        if root.tag.endswith("CodeBook")
        else root.find(f"{q('CodeBook')}/{q('Codes')}")
    )
    if codes is None:
        add("Manca l'elemento Codes: nessun codice letto.")
        return pd.DataFrame(columns=list(COLUMNS)), findings
    theme_names = {label: theme for theme, label in THEME_LABELS.items()}
    rows: list[dict[str, str]] = []
    taken: set[str] = set()

    def walk(element, theme: str, parent: str) -> None:
        for code in element.findall(q("Code")):
            name = code.get("name", "")
            described = _parse_description(code.findtext(q("Description"), default=""))
            top_theme = described.get("definition", "").removeprefix("Tema: ").strip()
            as_theme = theme_names.get(name.strip().lower()) or (
                top_theme if top_theme in THEMES else None
            )
            if not parent and not theme and code.get("isCodable") == "false" and as_theme:
                walk(code, as_theme, "")
                continue
            code_id = described.pop("code_id", "") or _code_id(name, taken)
            if code_id in taken:
                add(f"Codice ripetuto nel codebook: «{code_id}» letto una volta sola.", code_id)
                continue
            taken.add(code_id)
            if not theme:
                add(
                    f"Il codice «{name}» non sta sotto un tema (avanzamento, formazione, "
                    "governance): il tema resta da indicare.",
                    code_id,
                    "warning",
                )
            rows.append(
                dict.fromkeys(COLUMNS, "")
                | described
                | {"code_id": code_id, "theme": theme, "parent": parent, LABEL: name}
            )
            walk(code, theme, code_id)

    walk(codes, "", "")
    return pd.DataFrame(rows, columns=list(COLUMNS)), findings


def _positions(text: str, segments: list[str]) -> list[tuple[int, int] | None]:
    """Return (start, end) of each segment in ``text``, in order; None where not found."""
    out: list[tuple[int, int] | None] = []
    cursor = 0
    for segment in segments:
        start = text.find(segment, cursor)
        if start >= 0:
            end = start + len(segment)
        else:  # the splitter joined pieces with one space: match any whitespace
            pattern = r"\s+".join(re.escape(part) for part in segment.split())
            match = re.compile(pattern).search(text, cursor)
            if match is None:
                out.append(None)
                continue
            start, end = match.span()
        out.append((start, end))
        cursor = end
    return out


def _source_name(answer) -> str:
    return f"{answer.interview_id} · {answer.question}"


def _sources(sources, answers, segments, final, el) -> dict[str, bytes]:
    """Add one TextSource per answer, its coded selections and codings; return the texts."""
    codes_by_segment = {
        seg_id: list(zip(group["code_id"], group["source"], strict=True))
        for seg_id, group in final.sort_values(["segment_id", "code_id"]).groupby("segment_id")
    }
    files: dict[str, bytes] = {}
    for answer in answers.itertuples(index=False):
        source_guid = guid("source", _source_name(answer))
        text = str(answer.text)
        files[f"sources/{source_guid}.txt"] = text.encode("utf-8")
        source = el(
            sources,
            "TextSource",
            guid=source_guid,
            name=_source_name(answer),
            plainTextPath=f"internal://{source_guid}.txt",
        )
        el(
            source, "Description"
        ).text = f"Distretto {answer.district_id}, ondata {answer.wave}, domanda {answer.question}"
        mine = segments[
            (segments["interview_id"] == answer.interview_id)
            & (segments["question"] == answer.question)
        ].sort_values("segment")
        spans = _positions(text, list(mine["text"]))
        for seg, span in zip(mine.itertuples(index=False), spans, strict=True):
            coded = codes_by_segment.get(seg.segment_id, [])
            if not coded:
                continue
            start, end = span if span is not None else (0, len(text))
            selection = el(
                source,
                "PlainTextSelection",
                guid=guid("selection", seg.segment_id),
                name=seg.segment_id,
                startPosition=str(start),
                endPosition=str(end),
            )
            for code_id, origin in coded:
                coding = el(
                    selection,
                    "Coding",
                    guid=guid("coding", f"{seg.segment_id}:{code_id}"),
                    creatingUser=guid("user", origin if origin in USERS else "rule"),
                )
                el(coding, "CodeRef", targetGUID=guid("code", code_id))
    return files


def project_files(
    open_answers: pd.DataFrame,
    segments: pd.DataFrame,
    final: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    name: str,
) -> dict[str, bytes]:
    """Return the members of a ``.qdpx``: ``project.qde`` and ``sources/<GUID>.txt``.

    Parameters
    ----------
    open_answers
        The answers (``interview_id, wave, district_id, question, text``): one source each.
    segments
        Their segments (`suggest.split_segments`): one selection each, where it is coded.
    final
        The final codes (`decisions.final_codes`): one coding each, by the user of its source.
    frame
        The coding frame (the codebook of the project).
    name
        The project's name.
    """
    ET.register_namespace("", PROJECT_NS)

    def el(parent, tag: str, **attributes) -> ET.Element:
        return ET.SubElement(parent, f"{{{PROJECT_NS}}}{tag}", attributes)

    root = ET.Element(f"{{{PROJECT_NS}}}Project", name=name, origin=ORIGIN)
    users = el(root, "Users")
    for key, label in USERS.items():
        el(users, "User", guid=guid("user", key), name=label, id=key)
    _codes(el(el(root, "CodeBook"), "Codes"), frame, PROJECT_NS)
    answers = open_answers.sort_values(["interview_id", "question"], kind="stable")
    cases = el(root, "Cases")
    for district, group in answers.groupby("district_id", sort=True):
        case = el(cases, "Case", guid=guid("case", district), name=str(district))
        for answer in group.itertuples(index=False):
            el(case, "SourceRef", targetGUID=guid("source", _source_name(answer)))
    files = _sources(el(root, "Sources"), answers, segments, final, el)
    return {"project.qde": _xml_bytes(root), **dict(sorted(files.items()))}


def write_project(
    open_answers: pd.DataFrame,
    segments: pd.DataFrame,
    final: pd.DataFrame,
    frame: pd.DataFrame,
    path: str | Path,
    *,
    name: str | None = None,
) -> Path:
    """Write the coded answers as a REFI-QDA project (``.qdpx``, byte-stable); return the path.

    See `project_files` for the parameters; ``name`` defaults to
    ``Distretti del Commercio, ondata <wave>``.
    """
    from distretti_survey.stable import stable_zip

    path = Path(path)
    if name is None:
        waves = sorted({str(w) for w in open_answers["wave"]})
        name = f"Distretti del Commercio, ondata {', '.join(waves)}"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in project_files(open_answers, segments, final, frame, name=name).items():
            archive.writestr(member, data)
    path.write_bytes(stable_zip(raw.getvalue()))
    return path
