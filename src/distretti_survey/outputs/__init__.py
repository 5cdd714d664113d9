"""Outputs: render what they are given (charts, xlsx tables, deck, HTML); know nothing of files
in ``data/raw``, of the ingest or of the coding."""
