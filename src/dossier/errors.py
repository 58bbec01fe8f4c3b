"""Errors that Dossier reports to a user.

Hierarchy::

    DossierError            base: the CLI prints its message, never a traceback
    ├── InputError          a document or path cannot be read or has no article in it
    │   └── SkippedInput    readable, but deliberately not processed (e.g. not English)
    ├── ConfigError         a settings file, lexicon or data file is malformed
    └── StoreError          the DuckDB store cannot be opened, migrated or written

Messages name the input, the problem and what to do next.
"""

from __future__ import annotations


class DossierError(Exception):
    """Base of every error Dossier reports to a user."""


class InputError(DossierError):
    """A document or path cannot be turned into an article."""


class SkippedInput(InputError):
    """A readable document that is deliberately not processed (recorded as skipped)."""


class ConfigError(DossierError):
    """A settings file, lexicon or data file is malformed."""


class StoreError(DossierError):
    """The store cannot be opened, migrated or written."""
