"""Survey research on the Distretti del Commercio of the Provincia di Pavia.

``pipeline`` has one function per command and reads as the table of contents: ``ingest`` (read
and validate filled workbooks), ``coding`` (open answers), ``indicators`` and ``report`` (a
wave's numbers and talk), with ``outputs`` (charts, tables, deck, HTML) below and the
foundations (``instrument``, ``registry``, ``findings``...) at the bottom. Importing the package
loads none of the heavy plotting or slide libraries.
"""

__version__ = "0.1.0"
