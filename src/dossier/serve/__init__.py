"""Serve stage: a read-only JSON API and HTML pages over a store, with full-text search.

Entry points: `create_app(db)` (the FastAPI app), `serve(db, host=, port=)`,
`build_index(con)` (the search index; needs a writable connection).
"""

from __future__ import annotations

from dossier.serve.search import build_index

__all__ = ["build_index", "create_app", "serve"]


def __getattr__(name: str) -> object:
    # FastAPI is imported only when the server is used, so `import dossier.serve.search` stays light.
    if name in ("create_app", "serve"):
        from dossier.serve import app

        return getattr(app, name)
    raise AttributeError(name)
