"""The build driver and the CLI start without the pipeline's libraries.

A driver with workers never runs the pipeline, and every second it spends importing
spaCy or trafilatura comes before the first document reaches a worker (docs/scale.md).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PIPELINE_LIBRARIES = ("spacy", "thinc", "trafilatura", "py3langid")


def _loaded_after(module: str) -> list[str]:
    code = (f"import sys, {module}; "
            f"print(' '.join(m for m in {PIPELINE_LIBRARIES!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.parametrize(
    "module", ["dossier.build", "dossier.cli", "dossier.store.writer", "dossier.scale", "dossier.scale.pool"])
def test_driver_modules_do_not_import_the_pipeline(module: str) -> None:
    assert _loaded_after(module) == []


def test_the_stages_entry_points_still_load_on_first_use() -> None:
    # The packages export their entry points lazily; asking for one loads its library.
    assert set(_loaded_after("dossier.nlp; dossier.nlp.load_parser")) >= {"spacy"}
    assert set(_loaded_after("dossier.clean; dossier.clean.load_cleaner")) >= {"trafilatura"}
    assert set(_loaded_after("dossier.extract; dossier.extract.Extractor")) >= {"spacy"}
