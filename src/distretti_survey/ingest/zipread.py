"""Read members of an xlsx (a zip) already held in memory, without ``zipfile``'s per-member cost.

An xlsx is opened once by calamine for the values; the formula scan of ``book.py`` needs the
raw XML of a few members of the same bytes. ``zipfile.ZipFile`` builds a ZipInfo per member
and a checked file object per read, which cost more than inflating the small sheets of a
data-entry workbook. Anything unusual (zip64, encryption, another compression) returns None so
the caller falls back to ``zipfile``.
"""

from __future__ import annotations

import struct
import zlib

_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_DEFLATED, _STORED = 8, 0

#: name -> (local header offset, compressed size, compression method)
Members = dict[str, tuple[int, int, int]]


def members(data: bytes) -> Members | None:
    """Return the members of the zip in ``data`` from its central directory, or None.

    None also for a damaged directory: the caller's ``zipfile`` fallback then says what is
    wrong.

    Examples
    --------
    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
    ...     zf.writestr("a.xml", "<a/>" * 10)
    >>> data = buf.getvalue()
    >>> read(data, members(data), "a.xml")[:8]
    b'<a/><a/>'
    """
    try:
        return _members(data)
    except (struct.error, UnicodeDecodeError):
        return None


def _members(data: bytes) -> Members | None:
    end = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        return None
    count, _, start = struct.unpack_from("<HII", data, end + 10)
    if start == 0xFFFFFFFF or count == 0xFFFF:
        return None  # zip64
    out: Members = {}
    pos = start
    for _ in range(count):
        if data[pos : pos + 4] != _CENTRAL:
            return None
        flags, method = struct.unpack_from("<HH", data, pos + 8)
        (size,) = struct.unpack_from("<I", data, pos + 20)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        (offset,) = struct.unpack_from("<I", data, pos + 42)
        if flags & 0x1 or method not in (_DEFLATED, _STORED):
            return None  # encrypted or unusual: zipfile decides
        raw_name = data[pos + 46 : pos + 46 + name_len]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        out[name] = (offset, size, method)
        pos += 46 + name_len + extra_len + comment_len
    return out


def read(data: bytes, index: Members, name: str) -> bytes | None:
    """Return member ``name`` inflated, or None when it cannot be read this way."""
    entry = index.get(name)
    if entry is None:
        return None
    offset, size, method = entry
    if data[offset : offset + 4] != _LOCAL:
        return None
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    begin = offset + 30 + name_len + extra_len
    raw = data[begin : begin + size]
    if method == _STORED:
        return raw
    try:
        return zlib.decompress(raw, -15)
    except zlib.error:
        return None
