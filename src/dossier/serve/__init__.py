"""Serve stage: a read-only JSON API and HTML pages over a store, with full-text search.

Entry points: `create_app(db)` (the FastAPI app), `serve(db, host=, port=)`,
`build_index(con)` (search and list indexes; needs a writable connection, run after every build).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossier.lazy import exports
from dossier.serve.index import build_index

if TYPE_CHECKING:
    from dossier.serve.app import create_app, serve

__all__ = ["build_index", "create_app", "serve"]

# FastAPI is imported only when the server is used, so `import dossier.serve.search` stays light.
__getattr__ = exports(__name__, "dossier.serve.app", ("create_app", "serve"))
