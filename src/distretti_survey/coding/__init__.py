"""Coding of open answers: frame, text normalisation, rule suggestions, coder workbooks.

Modules, in the order data flows: ``frame`` (the coding frame and its validation), ``text``
(normalise, stem, negation), ``suggest`` (segments and rule suggestions), ``workbooks`` (coder
workbooks out and back), ``decisions`` (fingerprints, carry-over, final codes) and ``outputs``
(frequencies, matrices, quotes). Import what you need from the submodules; nothing is loaded
here.
"""
