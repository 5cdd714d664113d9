"""Coding of open answers: frame, text normalisation, rule suggestions, coder workbooks.

Modules, in the order data flows: ``frame`` (the coding frame and its validation), ``text``
(normalise, stem, lemmas, negation scope), ``suggest`` (segments and suggestions from the rules,
combined with ``model`` when it was trained on earlier decisions), ``evaluate`` (precision,
recall and F1 against human codes), ``workbooks`` (coder
workbooks out and back), ``decisions`` (fingerprints, carry-over, final codes) and ``outputs``
(frequencies, matrices, quotes). Import what you need from the submodules; nothing is loaded
here.
"""
