"""Helpers of the analysis book *The MAM-TBK1 axis in ALS*.

Data flow: ``data/`` (raw tables, read-only) -> :mod:`helpers.data.validate`
(schemas at the boundary) -> analysis modules (:mod:`helpers.analysis.blots`, ...) ->
:mod:`helpers.report.plots` and :mod:`helpers.report.ledger` (glued numbers and the results
table) -> chapters -> the book (:mod:`helpers.engine.build`).
"""

__version__ = "0.1.0"
