"""Try our codebooks on a running Taguette (a real QDA client), through its web app.

A developer check, not a test (Taguette is not a dependency). Install Taguette in a throwaway
virtual environment and start it on localhost, then run this with the link it prints:

    python3 -m venv /tmp/taguette-venv && /tmp/taguette-venv/bin/pip install taguette
    HOME=/tmp/tg-home /tmp/taguette-venv/bin/taguette --no-browser -p 7465 \\
        --database /tmp/tg.sqlite3 &
    .venv/bin/python tools/check_taguette.py "http://localhost:7465/?token=..." \\
        data/raw/demo/2011/questionnaire.xlsx

It writes the demo frame as a REFI-QDA codebook (``.qdc``) and as Taguette's CSV codebook,
creates a project, uploads each file to "Import codebook" as a user would, confirms the import
and prints what Taguette answered and which tags the project then has (read back from its
REFI-QDA codebook export, parsed with our reader). Standard library only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from html import unescape
from pathlib import Path


class Browser:
    """A cookie-keeping client that sends Tornado's ``_xsrf`` with every form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def xsrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "_xsrf")

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, fields: dict[str, str], files: dict | None = None) -> tuple[int, str]:
        fields = {**fields, "_xsrf": self.xsrf()}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for key, value in fields.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for key, (name, data) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                    f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                    + data
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            kind = f"multipart/form-data; boundary={boundary}"
        else:
            body, kind = (
                urllib.parse.urlencode(fields).encode(),
                "application/x-www-form-urlencoded",
            )
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": kind}
        )
        try:
            with self.opener.open(request) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")


def _error(page: str) -> str:
    found = re.search(r'class="alert alert-danger"[^>]*>(.*?)</div>', page, re.S)
    return unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def main(argv: list[str] | None = None) -> int:
    from distretti_survey.coding.refiqda import (
        read_codebook,
        write_codebook,
        write_taguette_codebook,
    )
    from distretti_survey.instrument import load_instrument

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("link", help="the link Taguette prints at start-up (with ?token=)")
    parser.add_argument("questionnaire", type=Path, help="questionnaire.xlsx with the frame")
    args = parser.parse_args(argv)
    frame = load_instrument(args.questionnaire).coding_frame
    link = urllib.parse.urlsplit(args.link)
    browser = Browser(f"{link.scheme}://{link.netloc}")
    browser.get(f"/?{link.query}")  # logs in (single-user mode)
    browser.get("/project/new")
    status, page = browser.post("/project/new", {"name": "Quadro di codifica", "description": ""})
    project = re.search(r"/project/(\d+)", page)
    project_id = project.group(1) if project else "1"
    out = Path(tempfile.mkdtemp())
    files = {
        "REFI-QDA .qdc": write_codebook(frame, out / "quadro.qdc"),
        "CSV": write_taguette_codebook(frame, out / "quadro.csv"),
    }
    for kind, path in files.items():
        browser.get(f"/project/{project_id}/import_codebook")
        status, page = browser.post(
            f"/project/{project_id}/import_codebook", {}, {"file": (path.name, path.read_bytes())}
        )
        paths = re.findall(r'name="tag(\d+)-path" value="([^"]*)"', page)
        print(f"{kind} ({path.name}): HTTP {status}, {len(paths)} tag proposti", end="")
        print(f", errore: {_error(page)!r}" if _error(page) else "")
        if not paths:
            continue
        descriptions = dict(re.findall(r'name="tag(\d+)-description" value="([^"]*)"', page))
        confirm = {}
        for index, tag in paths:
            confirm[f"tag{index}-path"] = unescape(tag)
            confirm[f"tag{index}-description"] = unescape(descriptions.get(index, ""))
            confirm[f"tag{index}-import"] = "on"
        status, page = browser.post(f"/project/{project_id}/import_codebook", confirm)
        print(f"  conferma: HTTP {status}{', errore: ' + _error(page) if _error(page) else ''}")
    exported = out / "taguette_export.qdc"
    exported.write_bytes(
        browser.opener.open(f"{browser.base}/project/{project_id}/export/codebook.qdc").read()
    )
    back, _ = read_codebook(exported)
    print(f"Tag del progetto (dall'export REFI-QDA di Taguette): {len(back)}")
    for label in back["label::Italiano (it)"].head(5):
        print(f"  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
