"""Caps on what an input file may hold, stated in one place.

Interview workbooks arrive by e-mail from many offices: a file is untrusted until these
checks pass. They are applied (``guard.py``) with streamed reads, before a native reader
(python-calamine) allocates anything for the file. A district workbook of the package weighs
about 20 KB; a master workbook of 18,000 interviews about 10 MB with a 60 MB sheet: the caps
leave a wide margin above real data and keep the whole read well under 2 GiB of memory.
"""

from __future__ import annotations

MIB = 2**20

#: Largest input file read (bytes on disk).
MAX_FILE_BYTES = 64 * MIB
#: Most members in an xlsx/ods zip (a workbook has a few dozen).
MAX_ZIP_MEMBERS = 5_000
#: Largest decompressed member (declared and actual).
MAX_PART_BYTES = 128 * MIB
#: Largest decompressed total of all members (declared and actual).
MAX_TOTAL_BYTES = 256 * MIB
#: Largest compression ratio of a member bigger than ``RATIO_FLOOR_BYTES`` (zip bombs: 1000+).
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1 * MIB
#: Largest used range of one sheet, rows x columns (what a native reader allocates densely).
MAX_SHEET_CELLS = 5_000_000
#: Largest row and column numbers of one sheet (Excel's own limits are 1,048,576 and 16,384).
MAX_ROWS = 200_000
MAX_COLS = 2_000
#: Size of the chunks in which zip members are decompressed and scanned.
CHUNK_BYTES = 1 * MIB
#: Years around the wave in which an interview date is plausible.
INTERVIEW_DATE_YEARS = 1
#: Years around the wave in which any other date (planned ends, ...) is plausible.
OTHER_DATE_YEARS = 15
