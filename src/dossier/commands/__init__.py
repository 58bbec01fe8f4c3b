"""CLI commands, one module per area; each module has `register(app)`.

Add a module name here when you add a module. The order is the order of `dossier --help`.
"""

COMMAND_MODULES: tuple[str, ...] = (
    "extract",
    "evaluate",
    "build",
    "status",
    "export",
    "serve",
    "fuse",
    "ftm",
    "entities",
    "eval_clean",
    "explain",
    "eval_events",
)
