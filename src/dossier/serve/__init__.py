"""Serve stage: a read-only JSON API and HTML pages over a store, with full-text search.

Entry points: `create_app(db)` (the FastAPI app), `serve(db, host=, port=)`,
`build_index(con)` (search and list indexes; needs a writable connection, run after every build).
"""

from __future__ import annotations

from dossier.serve.index import build_index

__all__ = ["build_index", "create_app", "serve"]


def __getattr__(name: str) -> object:
    # FastAPI is imported only when the server is used, so `import dossier.serve.search` stays light.
    if name in ("create_app", "serve"):
        from dossier.serve import app

        return getattr(app, name)
    raise AttributeError(name)
