"""Clean stage: article body and metadata from HTML pages and scraped text.

Entry points: `load_cleaner(settings, site_lines=...)` once per process, then
`Cleaner.clean(doc)`; `site_lines(article)` gives the lines a build driver counts per site
to learn each site's boilerplate (`dossier.clean.cleaner`). They load trafilatura and the
language identifier on first use, so the stage's records import without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dossier.clean.cleaner import Cleaner, PublishedDate, load_cleaner, site_lines

__all__ = ["Cleaner", "PublishedDate", "load_cleaner", "site_lines"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from dossier.clean import cleaner

        return getattr(cleaner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
