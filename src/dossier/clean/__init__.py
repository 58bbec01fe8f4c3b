"""Clean stage: article body and metadata from HTML pages and scraped text.

Entry points: `load_cleaner(settings, site_lines=...)` once per process, then
`Cleaner.clean(doc)`; `site_lines(article)` gives the lines a build driver counts per site
to learn each site's boilerplate (`dossier.clean.cleaner`). They load trafilatura and the
language identifier on first use, so the stage's records import without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossier.lazy import exports

if TYPE_CHECKING:
    from dossier.clean.cleaner import Cleaner, PublishedDate, load_cleaner, site_lines

__all__ = ["Cleaner", "PublishedDate", "load_cleaner", "site_lines"]

__getattr__ = exports(__name__, "dossier.clean.cleaner", __all__)
