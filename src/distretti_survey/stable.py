"""Byte-stable files: the same content always gives the same bytes, so reruns compare equal.

Office files (xlsx, pptx) are zips whose libraries stamp the save time in every member header
and in ``docProps/core.xml``; ``stable_zip`` rewrites both with fixed values. Every zip the
package writes goes through it.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

# The earliest date a zip header can hold: every member gets it.
FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Created/modified time written into docProps/core.xml (no real date leaks in).
FIXED_CORE_TIME = "2000-01-01T00:00:00Z"

_CORE_TIME_RE = re.compile(
    r"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)"
)


def stable_zip(data: bytes) -> bytes:
    """Return the zip ``data`` rewritten with fixed member dates, permissions and core times.

    The members keep their names, order and content; ``docProps/core.xml`` gets
    ``FIXED_CORE_TIME`` as its created and modified times.

    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as z:
    ...     z.writestr("a.txt", "x")
    >>> zipfile.ZipFile(io.BytesIO(stable_zip(buffer.getvalue()))).infolist()[0].date_time
    (1980, 1, 1, 0, 0, 0)
    """
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                content = _CORE_TIME_RE.sub(rf"\g<1>{FIXED_CORE_TIME}\g<2>", text).encode("utf-8")
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            member.create_system = 0
            target.writestr(member, content)
    return buffer.getvalue()


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` beside ``path`` then rename, so a crash never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
