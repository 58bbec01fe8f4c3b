"""Dossier: news coverage turned into an evidence-backed record.

Pipeline stages, in data-flow order: ingest, clean, nlp, extract, resolve, fuse, store,
report/serve. Each stage consumes the previous stage's typed records (its `records.py`)
and returns its own.
"""

__version__ = "0.1.0"
