"""Extract stage: PLOVER events, figures and quotes, each tied to verbatim evidence.

Entry points: `load_extractor(settings)` once per process, then `Extractor.extract(parsed)`
(`dossier.extract.extractor`). The extractors load on first use, so the stage's records
(`dossier.extract.records`) import without spaCy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossier.lazy import exports

if TYPE_CHECKING:
    from dossier.extract.extractor import Extractor, load_extractor

__all__ = ["Extractor", "load_extractor"]

__getattr__ = exports(__name__, "dossier.extract.extractor", __all__)
