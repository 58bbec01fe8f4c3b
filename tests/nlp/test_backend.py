"""spaCy's matrix products run on numpy's OpenBLAS (`nlp.matmul`) and annotate as spaCy's blis does."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from thinc.api import NumpyOps
from threadpoolctl import threadpool_info

from dossier.errors import ConfigError
from dossier.nlp import Parser, load_spacy
from dossier.settings import Settings

from .conftest import signature

CORPUS = Path(__file__).resolve().parents[2] / "examples" / "corpus"


def _ops(nlp: spacy.language.Language) -> object:
    return nlp.get_pipe("tok2vec").model.ops


def test_parser_uses_openblas_with_one_thread(parser: Parser, spacy_own: spacy.language.Language) -> None:
    ops = _ops(parser.nlp)
    assert isinstance(ops, NumpyOps) and not ops.use_blis
    assert _ops(spacy_own).use_blis  # type: ignore[attr-defined]  # spaCy's own default, for contrast
    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas and all(p["num_threads"] == 1 for p in blas)


def test_openblas_annotates_like_blis(parser: Parser, spacy_own: spacy.language.Language,
                                      shared_dir: Path) -> None:
    # The seeds as scraped and every text file of the example corpus, markup and all: long,
    # short, broken and non-English texts.
    files = [*sorted((shared_dir / "seeds").iterdir()), *sorted(CORPUS.iterdir())]
    texts = [p.read_text(encoding="utf-8") for p in files if p.suffix in {".html", ".txt", ".jsonl"}]
    assert len(texts) >= 15
    ours = list(parser.nlp.pipe(texts, batch_size=8))
    theirs = list(spacy_own.pipe(texts, batch_size=8))
    assert sum(len(d) for d in ours) > 8_000
    for a, b in zip(ours, theirs, strict=True):
        assert signature(a) == signature(b)


def test_blis_setting_keeps_spacys_default(settings: Settings) -> None:
    nlp = load_spacy(Settings(values={**settings.values, "nlp": {"matmul": "blis"}}))
    assert _ops(nlp).use_blis  # type: ignore[attr-defined]


def test_unknown_backend_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match=r"nlp\.matmul is 'mkl'"):
        load_spacy(Settings(values={**settings.values, "nlp": {"matmul": "mkl"}}))
