"""Real measurements published by others, bundled with the book under ``data/real/``.

One module per study converts the authors' files (kept unchanged in the study's
``raw/`` folder, checked against ``SHA256SUMS`` on every read) into the book's
tables, and reports every row it drops or changes and why.
"""
