"""The results ledger, in one package.

* :mod:`~helpers.report.ledger.record` — in the chapter kernel: :class:`ResultsLedger`
  records each reported number, glues it into the prose and stores the chapter's
  results table in the executed notebook;
* :mod:`~helpers.report.ledger.files` — on disk: collect the tables from executed
  notebooks, read and write ``results.csv``, compare it with the committed reference
  (``python -m helpers results``);
* :mod:`~helpers.report.ledger.page` — in the published book: every number with its
  provenance in ``results.csv``, ``results.json`` and the *Results ledger* page.

``from helpers.report.ledger import ResultsLedger`` keeps working: the kernel's names
are re-exported here.
"""

from helpers.report.ledger.record import (
    DATA_KINDS,
    GLUE_PREFIX,
    LEDGER_COLUMNS,
    LEDGER_KEY,
    PROVENANCE_COLUMNS,
    REQUIRED_COLUMNS,
    RESULT_COLUMNS,
    Result,
    ResultsLedger,
)

__all__ = ["DATA_KINDS", "GLUE_PREFIX", "LEDGER_COLUMNS", "LEDGER_KEY", "PROVENANCE_COLUMNS", "REQUIRED_COLUMNS",
           "RESULT_COLUMNS", "Result", "ResultsLedger"]
