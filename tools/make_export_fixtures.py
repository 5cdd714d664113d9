"""Write the KoboToolbox and ODK Central export fixtures of ``tests/data/kobo/``.

    python3 -m venv /tmp/formpack-venv
    /tmp/formpack-venv/bin/pip install <formpack checkout> openpyxl xlwt
    /tmp/formpack-venv/bin/python tools/make_export_fixtures.py

The Kobo files are written by KoboToolbox's own export library, formpack
(github.com/kobotoolbox/formpack, ``formpack.reporting.export``), with the options KoboToolbox's
server passes to it (``force_index=True`` and the copy fields ``_id``, ``_uuid``,
``_submission_time``, ``_validation_status``, ``_notes``, ``_status``, ``_submitted_by``,
``__version__``, ``_tags``). The ODK Central zip is written here following
``lib/data/briefcase.js`` of getodk/central-backend: ``<form id>.csv`` with ``SubmissionDate``
first, group paths joined by ``-``, a select_multiple as its column plus one 0/1 column per
option (``name/option``), then ``KEY``, ``SubmitterID``, ... ``FormVersion``; one
``<form id>-<repeat>.csv`` per repeat with ``PARENT_KEY`` and ``KEY``
(``uuid:…/group/repeat[n]``). CI only reads the committed files; this script needs formpack.

The questionnaire is the demo one of 2011 with the repeat renamed ``interventi`` (not the
hard-coded name of old), a repeat ``pagamenti`` nested in it and Kobo's meta questions.
"""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "raw" / "demo" / "2011" / "questionnaire.xlsx"
OUT = ROOT / "tests" / "data" / "kobo"
FORM_ID = "distretti_pv_kobo"
META_TYPES = ("start", "end", "today", "username", "deviceid")
NESTED = [
    ("begin_repeat", "pagamenti", "Pagamenti dell'intervento", "Payments of the intervention"),
    ("decimal", "payment_amount", "Importo pagato (euro)", "Amount paid (euro)"),
    ("date", "payment_date", "Data del pagamento", "Payment date"),
    ("end_repeat", None, None, None),
]


def questionnaire() -> openpyxl.Workbook:
    """Return the fixture questionnaire: the demo one, repeat renamed, a nested repeat added."""
    wb = openpyxl.load_workbook(SOURCE)
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    out = [[t, t] + [None] * (len(header) - 2) for t in META_TYPES]
    depth = 0
    for row in rows:
        if row[0] == "begin_repeat" and row[1] == "interventions":
            row[1] = "interventi"
            depth = 1
        if row[0] == "end_repeat" and depth:
            for kind, name, it, en in NESTED:
                out.append([kind, name, it, en] + [None] * (len(header) - 4))
                out[-1][header.index("theme")] = "progress" if name else None
            depth = 0
        out.append(row)
    ws.delete_rows(2, ws.max_row)
    for row in out:
        ws.append(row)
    settings = wb["settings"]
    head = [c.value for c in settings[1]]
    settings.cell(row=2, column=head.index("form_id") + 1, value=FORM_ID)
    return wb


def formpack_content(wb: openpyxl.Workbook) -> dict:
    """Return the questionnaire as formpack's JSON content (labels per translation)."""
    survey, choices = [], []
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        rec = dict(zip(header, row, strict=False))
        kind = rec["type"]
        item = {"type": kind.split()[0]}
        if " " in kind:
            item["select_from_list_name"] = kind.split()[1]
        if rec["name"]:
            item["name"] = rec["name"]
        if rec.get("label::Italiano (it)"):
            item["label"] = [rec["label::Italiano (it)"], rec["label::English (en)"]]
        survey.append(item)
    ws = wb["choices"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        rec = dict(zip(header, row, strict=False))
        if rec["list_name"]:
            choices.append(
                {
                    "list_name": rec["list_name"],
                    "name": rec["name"],
                    "label": [rec["label::Italiano (it)"], rec["label::English (en)"]],
                }
            )
    return {
        "survey": survey,
        "choices": choices,
        "translations": ["Italiano (it)", "English (en)"],
        "translated": ["label"],
        "settings": {"id_string": FORM_ID},
    }


def _status(uid: str | None) -> dict:
    labels = {
        "validation_status_approved": "Approved",
        "validation_status_not_approved": "Not approved",
        "validation_status_on_hold": "On hold",
    }
    return {"uid": uid, "label": labels[uid], "by_whom": "ricercatore"} if uid else {}


def _intervention(area, status, planned, spent, end, payments=()) -> dict:
    base = "avanzamento/interventi/"
    row = {
        base + "area": area,
        base + "description": f"Intervento di {area.replace('_', ' ')}",
        base + "status": status,
        base + "budget_planned": planned,
        base + "budget_spent": spent,
        base + "end_planned": end,
    }
    if payments:
        row[base + "pagamenti"] = [
            {base + "pagamenti/payment_amount": a, base + "pagamenti/payment_date": d}
            for a, d in payments
        ]
    return row


#: (district, validation status, interview date, interventions, training topics, gov problems)
SUBMISSIONS = [
    (
        "D01",
        "validation_status_approved",
        "2011-10-03",
        [
            _intervention(
                "arredo_urbano",
                "in_corso",
                "45000.5",
                "0.125",
                "2012-06-30",
                [("1.234", "2011-05-02"), ("20000", "2011-07-15")],
            ),
            _intervention("fiere", "completato", "12000", "11500.75", "2011-09-30"),
            _intervention("sicurezza", "in_progettazione", "30000", "", "2012-12-31"),
        ],
        "marketing_digitale accoglienza_lingue",
        "burocrazia_bandi decisioni_lente",
    ),
    (
        "D02",
        None,
        "2011-10-05",
        [
            _intervention("promozione_eventi", "completato", "8000", "8000", "2011-06-30"),
            _intervention(
                "comunicazione_marketing",
                "in_corso",
                "15000",
                "4000",
                "2012-03-31",
                [("4000", "2011-09-01")],
            ),
        ],
        "vetrine_allestimento",
        "nessuno",
    ),
    (
        "D03",
        "validation_status_not_approved",
        "2011-10-07",
        [_intervention("fiere", "annullato", "5000", "0", "2011-12-31")],
        "gestione_aziendale",
        "cofinanziamento",
    ),
    (
        "D03",
        "validation_status_approved",
        "2011-10-09",
        [
            _intervention("fiere", "annullato", "5000", "0", "2011-12-31"),
            _intervention("servizi_imprese", "in_corso", "22000", "10000", "2012-09-30"),
        ],
        "gestione_aziendale reti_impresa",
        "cofinanziamento",
    ),
    ("D05", "validation_status_on_hold", "2011-10-12", [], "", "manager_assente"),
]


def submissions() -> list[dict]:
    """Return the submissions as KoboToolbox stores them (XPath keys, string values)."""
    out = []
    for i, (district, status, day, interventions, topics, problems) in enumerate(SUBMISSIONS):
        uuid = f"00000000-0000-4000-8000-{i + 1:012d}"
        sub = {
            "start": f"{day}T09:00:00.000+02:00",
            "end": f"{day}T10:30:00.000+02:00",
            "today": day,
            "username": "intervistatore",
            "deviceid": f"collect:{i + 1:04d}",
            "profilo/district_id": district,
            "profilo/interview_date": day,
            "profilo/referent_role": "manager_distretto",
            "profilo/referent_email": f"referente{i + 1}@example.org",
            "profilo/quote_district_ok": "si",
            "avanzamento/progress_difficulties": "Ritardi nei cofinanziamenti comunali.",
            "formazione/training_awareness": "medio",
            "formazione/training_participation": "basso",
            "governance/gov_comuni": "abbastanza",
            "governance/gov_associazioni": "poco",
            "governance/gov_camera": "molto",
            "governance/gov_regione": "non_so",
            "governance/gov_manager": "abbastanza",
            "governance/gov_problems": problems,
            "meta/instanceID": f"uuid:{uuid}",
            "_id": 1000 + i,
            "_uuid": uuid,
            "_submission_time": f"{day}T10:31:00",
            "_validation_status": _status(status),
            "_notes": [],
            "_tags": [],
            "_status": "submitted_via_web",
            "_submitted_by": "intervistatore",
            "__version__": "v1",
        }
        if topics:
            sub["formazione/training_topics"] = topics
        if interventions:
            sub["avanzamento/interventi"] = copy.deepcopy(interventions)
        out.append(sub)
    return out


def kobo_exports(content: dict) -> None:
    """Write the KoboToolbox exports with formpack, as KoboToolbox's server calls it."""
    from formpack import FormPack
    from formpack.schema.fields import (
        IdCopyField,
        NotesCopyField,
        SubmissionTimeCopyField,
        TagsCopyField,
        ValidationStatusCopyField,
    )

    pack = FormPack([{"version": "v1", "content": content}], title="Distretti 2011 (Kobo)")
    copy_fields = (
        IdCopyField,
        "_uuid",
        SubmissionTimeCopyField,
        ValidationStatusCopyField,
        NotesCopyField,
        "_status",
        "_submitted_by",
        "__version__",
        TagsCopyField,
    )
    options = {"versions": "v1", "force_index": True, "copy_fields": copy_fields}
    variants = {
        "kobo_xml.xlsx": {"lang": False, "hierarchy_in_labels": True},
        "kobo_labels_it.xlsx": {"lang": "Italiano (it)"},
        "kobo_labels_en_dot.xlsx": {
            "lang": "English (en)",
            "hierarchy_in_labels": True,
            "group_sep": ".",
        },
        "kobo_xml_dot.xlsx": {"lang": False, "hierarchy_in_labels": True, "group_sep": "."},
    }
    for name, extra in variants.items():
        pack.export(**options, **extra).to_xlsx(str(OUT / name), submissions())
    with (OUT / "kobo_xml.csv").open("w", encoding="utf-8", newline="") as fh:
        for line in pack.export(**options, lang=False).to_csv(submissions()):
            fh.write(line + "\r\n")
    to_xls(OUT / "kobo_xml.xlsx", OUT / "kobo_xml.xls")


def to_xls(source: Path, target: Path) -> None:
    """Copy an xlsx export into the old .xls format (cell values as written), with xlwt."""
    import xlwt

    book = xlwt.Workbook()
    for ws in openpyxl.load_workbook(source, read_only=True).worksheets:
        sheet = book.add_sheet(ws.title)
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.save(str(target))


def odk_zip(content: dict) -> None:
    """Write an ODK Central "all data" zip the way ``briefcase.js`` writes it."""
    fields = _odk_fields(content)
    tables = {"": [], "interventi": [], "pagamenti": []}
    headers = _odk_headers(fields, content)
    states = {
        "validation_status_not_approved": "rejected",
        "validation_status_approved": "approved",
    }
    for sub, (_, status, day, *_rest) in zip(submissions(), SUBMISSIONS, strict=True):
        key = sub["meta/instanceID"]
        row = {h: (0 if "/" in h else "") for h in headers[""]}  # select columns start at 0
        _odk_fill(row, sub, fields[""], content)
        row.update(
            {
                "SubmissionDate": f"{day}T08:31:00.000Z",
                "KEY": key,
                "SubmitterID": "5",
                "SubmitterName": "intervistatore",
                "AttachmentsPresent": 0,
                "AttachmentsExpected": 0,
                "Status": "",
                "ReviewState": states.get(status, ""),
                "DeviceID": sub["deviceid"],
                "Edits": 0,
                "FormVersion": "2011.1",
            }
        )
        tables[""].append(row)
        for n, item in enumerate(sub.get("avanzamento/interventi", []), start=1):
            ikey = f"{key}/avanzamento/interventi[{n}]"
            irow = {h: "" for h in headers["interventi"]}
            _odk_fill(irow, item, fields["interventi"], content)
            irow.update({"PARENT_KEY": key, "KEY": ikey})
            tables["interventi"].append(irow)
            for m, pay in enumerate(item.get("avanzamento/interventi/pagamenti", []), start=1):
                prow = {h: "" for h in headers["pagamenti"]}
                _odk_fill(prow, pay, fields["pagamenti"], content)
                prow.update({"PARENT_KEY": ikey, "KEY": f"{ikey}/pagamenti[{m}]"})
                tables["pagamenti"].append(prow)
    with zipfile.ZipFile(OUT / "odk_central.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for table, rows in tables.items():
            name = f"{FORM_ID}.csv" if not table else f"{FORM_ID}-{table}.csv"
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(headers[table])
            writer.writerows([[r[h] for h in headers[table]] for r in rows])
            info = zipfile.ZipInfo(name, date_time=(2011, 12, 1, 0, 0, 0))
            zf.writestr(info, buf.getvalue())


def _odk_fields(content: dict) -> dict[str, list[tuple[str, str, str]]]:
    """Return table -> [(xpath, column base name, type)] in form order (groups joined by -)."""
    out: dict[str, list[tuple[str, str, str]]] = {"": [], "interventi": [], "pagamenti": []}
    path: list[str] = []
    tables = [("", 0)]
    for item in content["survey"]:
        kind, name = item["type"], item.get("name")
        if kind in ("begin_group", "begin_repeat"):
            path.append(name)
            if kind == "begin_repeat":
                tables.append((name, len(path)))
            continue
        if kind in ("end_group", "end_repeat"):
            if kind == "end_repeat":
                tables.pop()
            path.pop()
            continue
        table, depth = tables[-1]
        xpath = "/".join([*path, name])
        out[table].append((xpath, "-".join([*path[depth:], name]), kind))
    out[""].append(("meta/instanceID", "meta-instanceID", "text"))
    return out


def _odk_headers(fields: dict, content: dict) -> dict[str, list[str]]:
    headers = {}
    for table, items in fields.items():
        cols = ["SubmissionDate"] if not table else []
        for xpath, base, kind in items:
            cols.append(base)
            if kind == "select_multiple":
                list_name = next(
                    i["select_from_list_name"]
                    for i in content["survey"]
                    if i.get("name") == xpath.rsplit("/", 1)[-1]
                )
                cols += [
                    f"{base}/{c['name']}" for c in content["choices"] if c["list_name"] == list_name
                ]
        if table:
            cols += ["PARENT_KEY", "KEY"]
        else:
            cols += [
                "KEY",
                "SubmitterID",
                "SubmitterName",
                "AttachmentsPresent",
                "AttachmentsExpected",
                "Status",
                "ReviewState",
                "DeviceID",
                "Edits",
                "FormVersion",
            ]
        headers[table] = cols
    return headers


def _odk_fill(row: dict, sub: dict, fields: list, content: dict) -> None:
    for xpath, base, kind in fields:
        value = sub.get(xpath)
        if value in (None, ""):
            continue
        row[base] = value
        if kind == "select_multiple":
            for code in str(value).split():
                if f"{base}/{code}" in row:
                    row[f"{base}/{code}"] = 1


def main() -> None:
    """Write the questionnaire, the Kobo exports and the ODK zip under tests/data/kobo/."""
    OUT.mkdir(parents=True, exist_ok=True)
    wb = questionnaire()
    wb.save(OUT / "questionnaire.xlsx")
    content = formpack_content(wb)
    kobo_exports(content)
    odk_zip(content)


if __name__ == "__main__":
    main()
