"""The fast attribute ruler gives every token the attributes spaCy's own ruler gives it."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from dossier.nlp import Parser, batches
from dossier.nlp.fastrules import FastAttributeRuler

from .conftest import article, signature

TRICKY = (
    "I ain't gonna sign it, y'all. Let's go, c'mon! There are gotta be 3 ways.\n\n"
    "He 'd say the junta's envoy - who is it? - met them  in  Moscow on Monday.\n \n"
    "Something, anyone, nothing: everybody knows.  \t"
)


def test_fastrules_installed_in_parser(parser: Parser) -> None:
    assert "attribute_ruler" not in parser.nlp.pipe_names
    assert "fast_attribute_ruler" in parser.nlp.pipe_names


def test_fastrules_same_attributes_as_spacy(parser: Parser, spacy_own: spacy.language.Language,
                                            shared_dir: Path) -> None:
    seeds = sorted((shared_dir / "seeds").iterdir())
    texts = [TRICKY, "", " ", "Gon na"] + [p.read_text(encoding="utf-8") for p in seeds]
    ours = list(parser.nlp.pipe(texts))
    theirs = list(spacy_own.pipe(texts))
    for a, b in zip(ours, theirs, strict=True):
        assert signature(a) == signature(b)
    # The exceptions fired: a lemma and a POS that only the word rules give.
    tricky = ours[0]
    assert [t.lemma_ for t in tricky if t.lower_ == "ai"] == ["be"]
    assert [t.pos_ for t in tricky if t.lower_ == "something"] == ["PRON"]


def test_fastrules_refuses_unsupported_patterns(spacy_own: spacy.language.Language) -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"TAG": "NN", "OP": "+"}]], {"POS": "NOUN"})
    assert FastAttributeRuler.from_ruler(ruler) is None
    assert FastAttributeRuler.from_ruler(spacy_own.get_pipe("attribute_ruler")) is not None


@pytest.mark.parametrize(
    ("lengths", "max_docs", "max_chars", "expected"),
    [
        ([10, 10, 10], 32, 100, [[10, 10, 10]]),
        ([10, 10, 10], 2, 100, [[10, 10], [10]]),
        ([60, 60, 10], 32, 100, [[60], [60, 10]]),
        ([500, 10, 10], 32, 100, [[500], [10, 10]]),  # a long article goes alone
        ([], 32, 100, []),
    ],
)
def test_batches_caps_docs_and_characters(lengths: list[int], max_docs: int, max_chars: int,
                                          expected: list[list[int]]) -> None:
    got = [[len(t) for t in group] for group in batches(["x" * n for n in lengths], max_docs, max_chars)]
    assert got == expected


def test_parse_same_alone_and_in_a_batch(parser: Parser, shared_dir: Path) -> None:
    bodies = [p.read_text(encoding="utf-8") for p in sorted((shared_dir / "seeds").iterdir())][:3]
    arts = [article(b, "2024-03-27", title=f"Title {i}: Russia and Myanmar") for i, b in enumerate(bodies)]
    together = parser.parse(arts)
    alone = [parser.parse([a])[0] for a in arts]
    for x, y in zip(together, alone, strict=True):
        assert (x.entities, x.mentions, x.timexes) == (y.entities, y.mentions, y.timexes)
        assert signature(x.doc) == signature(y.doc)
