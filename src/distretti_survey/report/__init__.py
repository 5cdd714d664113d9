"""The talk of a wave: analysis (indicators as data), figures, tables, deck, HTML, manifest."""
