"""Safe CSV, control characters, encodings and redaction, function by function."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from distretti_survey.csv_io import write_csv
from distretti_survey.ingest.book import BookError, decode_text, open_book
from distretti_survey.ingest.plausible import implausible_date
from distretti_survey.privacy import (
    OwnValues,
    load_redaction_list,
    method_note,
    redact_open_answers,
    redact_text,
)
from distretti_survey.xlsx_io import safe_text, workbook_bytes

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]

# ----------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("space", ["", " ", "  \u00a0"])
def test_csv_text_cannot_start_a_formula(tmp_path, prefix, space):
    value = f"{space}{prefix}SUM(1)"
    write_csv(pd.DataFrame({"text": [value], "n": [-1]}), tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    # tab and CR are risky as first character; after other whitespace they are whitespace
    risky = prefix in "=+-@" or not space
    written = value.replace("\r", "\n")  # a lone CR would end the CSV row
    assert back["text"].iloc[0] == ("'" + written if risky else written)
    assert back["n"].iloc[0] == "-1"


def test_csv_numbers_stay_numbers_and_output_is_byte_stable(tmp_path):
    frame = pd.DataFrame(
        {"n": [-5, 3], "x": [-0.25, 1e15], "t": ["-5 euro", "ok"], "d": ["", None]}
    )
    first = write_csv(frame, tmp_path / "a.csv").read_bytes()
    second = write_csv(frame, tmp_path / "b.csv").read_bytes()
    assert first == second
    assert first.decode("utf-8") == "n,x,t,d\n-5,-0.25,'-5 euro,\n3,1000000000000000.0,ok,\n"
    assert b"\r" not in first


def test_csv_leaves_the_frame_unchanged(tmp_path):
    frame = pd.DataFrame({"t": ["=1"]})
    write_csv(frame, tmp_path / "a.csv")
    assert frame["t"].iloc[0] == "=1"


# ----------------------------------------------------------------------------- xlsx text


@pytest.mark.parametrize("control", ["\x0b", "\x0c", "\x00", "\x07", "\x1f"])
def test_xlsx_writer_accepts_control_characters(control):
    wb = openpyxl.Workbook()
    wb.active["A1"] = safe_text(f"uno{control}due")
    data = workbook_bytes(wb)
    back = openpyxl.load_workbook(io.BytesIO(data)).active["A1"].value
    assert back == ("uno\ndue" if control in "\x0b\x0c" else "unodue")


# ----------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-32", "utf-32"),
        ("cp1252", "cp1252"),
    ],
)
def test_decode_order(encoding, expected):
    text = "perché più €"
    assert decode_text(text.encode(encoding)) == (text, expected)


def test_decode_falls_back_to_latin1_and_utf16_without_bom():
    assert decode_text(b"caf\xe9 \x81") == ("café \x81", "latin-1")
    assert decode_text("district_id;sì".encode("utf-16-le")) == ("district_id;sì", "utf-16-le")


def test_csv_with_lone_cr_and_nul_is_read(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"district_id,a\rD01,uno\x00due\r")
    book = open_book(path, "x.csv")
    assert book.sheets["x"] == [["district_id", "a"], ["D01", "unodue"]]
    assert len(book.findings) == 1


def test_symlink_inside_the_wave_is_read(tmp_path):
    (tmp_path / "a.csv").write_text("district_id\nD01\n", encoding="utf-8")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    assert open_book(tmp_path / "b.csv", "b.csv", tmp_path).sheets["b"][1] == ["D01"]


def test_zip_member_with_bad_compressed_data(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook/>" * 100)
    data = bytearray(out.getvalue())
    data[40:60] = b"\xff" * 20  # inside the compressed stream of the first member
    path = tmp_path / "x.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(BookError):
        open_book(path, "x.xlsx")


def test_dates_outside_the_wave_or_in_the_future():
    today = dt.date(2026, 11, 29)
    assert implausible_date(dt.date(2011, 6, 1), 2011, in_repeat=False, today=today) == ""
    assert "3011" in implausible_date(dt.date(3011, 6, 1), 2011, in_repeat=False, today=today)
    assert "futuro" in implausible_date(dt.date(2027, 1, 1), 2026, in_repeat=False, today=today)
    assert implausible_date(dt.date(2024, 1, 1), 2011, in_repeat=True, today=today) == ""
    assert implausible_date(dt.date(2031, 1, 1), 2011, in_repeat=True, today=today)


# ----------------------------------------------------------------------------- privacy

OWN = OwnValues(
    names=("Maria Lucia Bianchi-Ferrà",),
    emails=("m.bianchi@comune.example.it",),
    phones=("0382 555.123",),
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Ne ha parlato la dott.ssa BIANCHI.", "referente"),
        ("Come dice Maria Lucia Bianchi Ferra", "referente"),
        ("lo sa FERRÀ", "referente"),
        ("scrivere a M.Bianchi@Comune.Example.it", "email"),
        ("scrivere a chiunque@altro.example.org", "email"),
        ("telefonare allo 0382-555123", "telefono"),
        ("telefonare al +39 0382 555 123", "telefono"),
        ("cellulare 347 123 4567", "telefono"),
        ("cellulare +39 347.1234567", "telefono"),
        ("tel.347 1234567 ore pasti", "telefono"),
        ("CF rssmra80a01g388x dell'assessore", "codice_fiscale"),
    ],
)
def test_personal_data_is_replaced(text, kind):
    redacted, counts = redact_text(text, OWN)
    assert counts[kind] >= 1
    for word in ("bianchi", "ferr", "lucia", "555", "1234567", "@", "rssmra"):
        assert word not in redacted.lower()


@pytest.mark.parametrize(
    "text",
    [
        "Spesi 300.000 euro nel 2011 e 1.250.000 nel 2012, in tutto 1.300.000.000 lire.",
        "Il 01/02/2012 e il 31.12.2012 abbiamo chiuso.",
        "Maria e Lucia sono nomi comuni, ma non di questa referente: restano se non sono sue.",
    ],
)
def test_amounts_dates_and_other_peoples_words_are_kept(text):
    redacted, counts = redact_text(text)
    assert redacted == text and not counts


def test_redact_open_answers_uses_each_interviews_own_values(tmp_path):
    keys = {"wave": [2011, 2011], "district_id": ["D01", "D02"]}
    contacts = pd.DataFrame(
        {"interview_id": ["a", "b"], **keys, "referent_name": ["Ugo Neri", "Ada Rosi"]}
    )
    answers = pd.DataFrame(
        {
            "interview_id": ["a", "b"],
            **keys,
            "question": ["q", "q"],
            "theme": ["t", "t"],
            "text": ["Neri e Ugo Neri e Rosi", "Ada ha scritto a Ugo Neri; Ugo è altro"],
        }
    )
    interventions = pd.DataFrame({"interview_id": ["a"], "description": ["con Ada Rosi"]})

    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class Survey:
        contacts: pd.DataFrame
        open_answers: pd.DataFrame
        interventions: pd.DataFrame

    data = Survey(contacts, answers, interventions)
    out, counts = redact_open_answers(data, ["Rosi"])
    assert list(out.open_answers["text"]) == [
        "[REFERENTE] e [REFERENTE] e [NOME]",
        "[REFERENTE] ha scritto a [REFERENTE]; Ugo è altro",
    ]
    assert list(out.interventions["description"]) == ["con [REFERENTE]"]
    assert counts["risposte"] == 3 and counts["nome_elenco"] == 1
    assert data.open_answers["text"].iloc[0] == "Neri e Ugo Neri e Rosi"  # input untouched
    note = method_note(counts)
    assert "Ugo" not in note and "nomi dei referenti" in note


def test_redaction_list_skips_comments(tmp_path, repo_root):
    path = tmp_path / "redact.csv"
    path.write_text("name\n# commento, con virgole\nGiulio Verdi\n\n", encoding="utf-8")
    assert load_redaction_list(path) == ["Giulio Verdi"]
    assert load_redaction_list(tmp_path / "nope.csv") == []
    assert load_redaction_list(repo_root / "data" / "reference" / "redact.csv") == []


def test_csv_error_values_are_findings(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("district_id;budget\nD01;#DIV/0!\nD02;#N/A\n", encoding="utf-8")
    book = open_book(path, "x.csv")
    assert [(f.cell, f.value) for f in book.findings] == [("B2", "#DIV/0!"), ("B3", "#N/A")]
    assert book.sheets["x"][1] == ["D01", ""]


def test_check_workbook_refuses_what_open_book_refuses(tmp_path):
    from corpus import DEMO, corner_cells

    from distretti_survey.ingest.book import check_workbook

    check_workbook(DEMO / "questionnaire.xlsx")
    path = tmp_path / "q.xlsx"
    path.write_bytes(corner_cells())
    with pytest.raises(BookError, match="colonne"):
        check_workbook(path)


def test_symlink_named_explicitly_is_read_but_not_from_a_folder(tmp_path):
    from distretti_survey.ingest.guard import list_inputs

    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.csv").write_text("district_id\nD01\n", encoding="utf-8")
    (tmp_path / "wave").mkdir()
    link = tmp_path / "wave" / "a.csv"
    link.symlink_to(tmp_path / "elsewhere" / "a.csv")
    [explicit], _, _ = list_inputs(link)
    assert open_book(explicit.path, explicit.name, explicit.root).sheets["a"][1] == ["D01"]
    [listed], _, _ = list_inputs(tmp_path / "wave")
    with pytest.raises(BookError, match="fuori dalla cartella"):
        open_book(listed.path, listed.name, listed.root)


@pytest.mark.parametrize(
    ("rows", "cols", "value", "prefix", "refused"),
    [
        (10, 3, True, b"table", False),
        (1_048_576, 16_384, False, b"table", False),  # LibreOffice's empty tail: harmless
        (1_000_000, 1_000, True, b"table", True),
        (1_000_000, 1_000, True, b"t", True),  # another prefix, same namespace
        (300_000, 1, True, b"table", True),
    ],
)
def test_ods_repeats_are_bounded(tmp_path, rows, cols, value, prefix, refused):
    from corpus import ods_bytes

    path = tmp_path / "x.ods"
    path.write_bytes(ods_bytes(rows, cols, value=value, prefix=prefix))
    if refused:
        with pytest.raises(BookError, match="colonne"):
            open_book(path, "x.ods")
    else:
        book = open_book(path, "x.ods")
        assert len(book.sheets["interviste"]) == (rows if value else 0)


@pytest.mark.parametrize(
    "ref", [b'r="XFD1"', b"r='XFD1'", b'r = "XFD1"', b'r="&#88;FD1"', b"r='XFD1048576'"]
)
def test_far_cell_found_however_its_reference_is_written(tmp_path, ref):
    from corpus import odd_refs

    path = tmp_path / "x.xlsx"
    path.write_bytes(odd_refs(ref))
    with pytest.raises(BookError, match=r"colonne|non standard"):
        open_book(path, "x.xlsx")


def test_segment_originals_for_coders_without_pseudonyms():
    from distretti_survey.coding.suggest import split_segments
    from distretti_survey.privacy import segment_originals

    keys = {"interview_id": ["a", "b"], "wave": [2011, 2011], "district_id": ["D01", "D02"]}
    answers = pd.DataFrame(
        {
            **keys,
            "question": ["progress_difficulties"] * 2,
            "theme": ["progress"] * 2,
            "text": ["Ne parla Ugo Neri. Il bando è lento.", "Chiamare il 0382 123456."],
        }
    )
    contacts = pd.DataFrame({**keys, "referent_name": ["Ugo Neri", ""]})
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class Survey:
        contacts: pd.DataFrame
        open_answers: pd.DataFrame
        interventions: pd.DataFrame

    redacted, _ = redact_open_answers(Survey(contacts, answers, pd.DataFrame()))
    segments = split_segments(redacted.open_answers)
    originals = segment_originals(answers, segments, split_segments)
    assert set(originals) == set(segments["segment_id"])
    assert "Ugo Neri" in " ".join(originals.values())
    assert "Ugo Neri" not in " ".join(segments["text"])


# ----------------------------------------------------------------------------- zip scan


def test_near_area_is_inside_every_cap():
    # The scan skips collecting references when every cell lies within ZZ999: that area must
    # pass the caps, or the shortcut would let through what the full count refuses.
    from distretti_survey.ingest import limits
    from distretti_survey.ingest.zipscan import NEAR_AREA

    rows, cols = NEAR_AREA
    assert cols == 26 + 26 * 26  # ZZ
    assert rows <= limits.MAX_ROWS and cols <= limits.MAX_COLS
    assert rows * cols <= limits.MAX_SHEET_CELLS


@pytest.mark.parametrize(
    ("rows_xml", "refused"),
    [
        (b'<row r="1"><c r="ZZ999"><v>1</v></c></row>', False),
        (b'<row r="1"><c r="AAA1"><v>1</v></c></row>', False),  # past ZZ999: counted, allowed
        (b'<row r="1"><c r="A150000"><v>1</v></c></row>', False),
        (b'<row r="1"><c r="A1"><v>1</v></c><c r="BXY3000"><v>2</v></c></row>', True),
        (b'<row r="1"><c r="A1"><v>1</v></c><c r="A250000"><v>2</v></c></row>', True),
        (b'<row r="250000"><c><v>1</v></c></row>', True),  # the row gives the position
    ],
)
def test_cells_past_zz999_are_counted_exactly(tmp_path, rows_xml, refused):
    from corpus import sheet, xlsx_bytes

    path = tmp_path / "x.xlsx"
    path.write_bytes(xlsx_bytes(sheet(rows_xml)))
    if refused:
        with pytest.raises(BookError, match="righe"):
            open_book(path, "x.xlsx")
    else:
        rows = open_book(path, "x.xlsx").sheets["interviste"]
        assert sum(1 for row in rows for value in row if value == 1) == 1


def test_prefixed_elements_are_scanned_like_plain_ones(tmp_path):
    # calamine reads <x:c r="..."> as a cell: the far one must be found all the same.
    from corpus import xlsx_bytes

    def prefixed(ref: bytes) -> bytes:
        return (
            b'<?xml version="1.0"?>\n<x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v>'
            b'</x:c><x:c r="' + ref + b'"><x:f>A1+1</x:f></x:c></x:row></x:sheetData>'
            b"</x:worksheet>"
        )

    path = tmp_path / "x.xlsx"
    path.write_bytes(xlsx_bytes(prefixed(b"XFD1048576")))
    with pytest.raises(BookError, match="colonne"):
        open_book(path, "x.xlsx")
    path.write_bytes(xlsx_bytes(prefixed(b"B1")))
    book = open_book(path, "x.xlsx")
    assert book.formulas["interviste"] == {"B1": ("=A1+1", False)}


def test_a_lying_member_that_calamine_reads_is_caught(tmp_path):
    # styles.xml is not scanned, only bounded: a small compressed size bounds it without
    # inflating (deflate expands at most 1032 times); a large one is inflated and checked
    # (zipfile stops at the declared size, and its checksum then fails).
    from corpus import patch_sizes, sheet, xlsx_bytes

    rng = __import__("random").Random(3)
    styles = b"<styleSheet>" + rng.randbytes(1_500_000).hex().encode() + b"</styleSheet>"
    data = xlsx_bytes(sheet(b""), extra={"xl/styles.xml": styles})
    path = tmp_path / "x.xlsx"
    path.write_bytes(patch_sizes(data, "xl/styles.xml", declared=1_000))
    with pytest.raises(BookError, match="archivio zip"):
        open_book(path, "x.xlsx")


def test_package_sheets_of_a_data_entry_workbook_are_bounded_not_read(tmp_path):
    # Istruzioni and _liste hold the package's own text: a data-entry workbook's are not read
    # (a far cell there cannot reach calamine), any other workbook's sheets all are.
    from corpus import DEMO, edit_workbook

    from distretti_survey.layout import unread_sheets

    assert unread_sheets(["Istruzioni", "Profilo", "_meta", "_liste"]) == {"Istruzioni", "_liste"}
    assert unread_sheets(["Istruzioni", "interviste"]) == set()

    def far_cells(wb):
        wb["Istruzioni"]["XFD1048576"] = "x"
        wb["_liste"]["A1"] = "#N/A"

    path = tmp_path / "D01.xlsx"
    edit_workbook(DEMO / "interviews" / "D01_2011.xlsx", path, far_cells)
    book = open_book(path, "D01.xlsx")
    assert book.unread == {"Istruzioni", "_liste"}
    assert book.sheets["Istruzioni"] == [] and book.sheets["_liste"] == []
    assert book.sheets["Profilo"] and not book.findings

    def not_a_template(wb):
        del wb["_meta"]

    edit_workbook(path, path, not_a_template)
    with pytest.raises(BookError, match="colonne"):
        open_book(path, "D01.xlsx")


def test_xls_with_a_far_cell_is_refused_before_python_holds_it(tmp_path, repo_root):
    # An .xls is not a zip, so it is not scanned: its used range is checked as calamine gives
    # it, before the rows become Python lists. The file: KoboToolbox's own .xls export with
    # one text cell (BIFF LABELSST record) moved to row 30,001, column 200.
    import struct

    data = bytearray((repo_root / "tests/data/kobo/kobo_xml.xls").read_bytes())
    record = data.rfind(b"\xfd\x00\x0a\x00")  # LABELSST, 10 bytes: row, col, xf, sst index
    assert record > 0
    struct.pack_into("<HH", data, record + 4, 30_000, 199)
    path = tmp_path / "export.xls"
    path.write_bytes(bytes(data))
    with pytest.raises(BookError, match=r"30\.001 righe x 200 colonne"):
        open_book(path, "export.xls")


def test_odk_zip_is_untrusted_like_any_workbook(tmp_path):
    # The ODK Central zip used to be opened straight from its path: a symlink leading out of
    # the wave folder was followed. A member inflating past its declared size stays refused.
    from corpus import patch_sizes

    from distretti_survey.ingest.exports import open_odk_zip

    rng = __import__("random").Random(5)
    big = "KEY,testo\n" + "".join(f"uuid:{i},{rng.randbytes(20).hex()}\n" for i in range(60_000))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("form.csv", big)
    wave = tmp_path / "wave"
    wave.mkdir()
    lying = wave / "export.zip"
    lying.write_bytes(patch_sizes(out.getvalue(), "form.csv", declared=1_000))
    with pytest.raises(BookError, match="zip"):
        open_odk_zip(lying, "export.zip", wave)
    outside = tmp_path / "altrove.zip"
    outside.write_bytes(out.getvalue())
    (wave / "link.zip").symlink_to(outside)
    with pytest.raises(BookError, match="collegamento simbolico"):
        open_odk_zip(wave / "link.zip", "link.zip", wave)
    assert len(open_odk_zip(outside, "altrove.zip").sheets["form"]) == 60_001
