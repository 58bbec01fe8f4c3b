"""Build tests: an executor over the session's models (see build_helpers.py)."""

from __future__ import annotations

import pytest
from build_helpers import ModelsExecutor

from dossier.pipeline import PipelineModels


@pytest.fixture
def executor(models: PipelineModels) -> ModelsExecutor:
    return ModelsExecutor(models)
