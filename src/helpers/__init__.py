"""Helpers of the analysis book *The MAM-TBK1 axis in ALS*.

Data flow: ``data/`` (raw tables, read-only) -> :mod:`helpers.validate`
(schemas at the boundary) -> analysis modules (:mod:`helpers.blots`, ...) ->
:mod:`helpers.plots` and :mod:`helpers.results` (glued numbers and the results
table) -> chapters -> the book (:mod:`helpers.book`).
"""

__version__ = "0.1.0"
