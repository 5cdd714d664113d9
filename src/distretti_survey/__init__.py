"""Survey research on the Distretti del Commercio of the Provincia di Pavia.

Stages, in the order data flows: ``registry`` and ``instrument`` (foundations), ``ingest``
(read and validate filled workbooks), ``coding`` (open answers), ``indicators``, and the
outputs (``charts``, ``tables``, ``deck``, ``html``). Importing the package loads none of the
heavy plotting or slide libraries.
"""

__version__ = "0.1.0"
