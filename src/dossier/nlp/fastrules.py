"""A vectorised stand-in for spaCy's `attribute_ruler` with the same result on every token.

spaCy's AttributeRuler runs a token Matcher over ~180 patterns (tag -> POS/morph map and
word exceptions) and then sets attributes one match at a time from Python: ~12% of the
model's time on news text. The patterns are fixed-length token tests on TAG, LOWER, DEP
and IS_SPACE, so they evaluate as column tests over `Doc.to_array`, and the results go
back with one `Doc.from_array`. The semantics copied from spaCy 3.8:

- every pattern is tested against the token values *before* any change (the Matcher runs
  on the whole doc first);
- matches are applied in the order the rules were added (`attr_id`), a later rule
  overriding an earlier one on the same token; the token changed is `index` in the match;
- `set_token_attrs` writes the token struct only for these attributes (the lexeme call is
  a no-op for TAG/POS/MORPH/LEMMA/DEP).

A ruler with any other pattern feature (operators, other attributes, extension attributes)
is not replaced: `FastAttributeRuler.from_ruler` returns None and spaCy's own ruler stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, POS, TAG
from spacy.language import Language

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from spacy.pipeline import AttributeRuler
    from spacy.tokens import Doc
    from spacy.vocab import Vocab
    from thinc.types import Ints2d

# Columns read by the tests, in `Doc.to_array` order.
_TEST_ATTRS = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}
_READ = [TAG, LOWER, DEP, IS_SPACE]
# Columns the rules may write.
_WRITE_IDS = {TAG: 0, POS: 1, MORPH: 2, LEMMA: 3, DEP: 4}
_WRITE = [TAG, POS, MORPH, LEMMA, DEP]
FACTORY = "dossier_attribute_ruler"

Test = Callable[["NDArray[np.uint64]", "Vocab"], "NDArray[np.bool_]"]


@dataclass(frozen=True, slots=True)
class _Rule:
    """One `AttributeRuler.add` call: patterns (lists of column tests), target index, values."""

    patterns: tuple[tuple[tuple[tuple[int, Test], ...], ...], ...]  # pattern > token > tests
    index: int
    values: tuple[tuple[int, int], ...]  # (write column, value)


def _test(attr: str, spec: Any, vocab: Vocab) -> Test | None:
    """A column test for one pattern entry, or None when the entry is not supported."""
    if attr == "IS_SPACE":
        if not isinstance(spec, bool):
            return None
        want = np.uint64(1 if spec else 0)
        return lambda col, _v: col == want
    if isinstance(spec, str):
        value = np.uint64(vocab.strings.add(spec))
        return lambda col, _v: col == value
    if not isinstance(spec, dict) or len(spec) != 1:
        return None
    (op, arg), = spec.items()
    if op in {"IN", "NOT_IN"} and isinstance(arg, list) and all(isinstance(a, str) for a in arg):
        values = np.array([vocab.strings.add(a) for a in arg], dtype=np.uint64)
        if op == "IN":
            return lambda col, _v: np.isin(col, values)
        return lambda col, _v: ~np.isin(col, values)
    if op == "REGEX" and isinstance(arg, str):
        pattern = re.compile(arg)

        def regex(col: NDArray[np.uint64], v: Vocab) -> NDArray[np.bool_]:
            # The Matcher calls re.search on the token's string: once per distinct value here.
            uniq, inverse = np.unique(col, return_inverse=True)
            hits = np.array([bool(pattern.search(v.strings[int(u)])) for u in uniq], dtype=bool)
            return hits[inverse].reshape(col.shape)

        return regex
    return None


class FastAttributeRuler:
    """Applies an AttributeRuler's rules to a Doc with array operations."""

    def __init__(self, vocab: Vocab, rules: list[_Rule]) -> None:
        self.vocab = vocab
        self.rules = rules

    @classmethod
    def from_ruler(cls, ruler: AttributeRuler) -> FastAttributeRuler | None:
        """The vectorised equivalent of `ruler`, or None when a rule uses an unsupported feature."""
        vocab = ruler.vocab
        rules: list[_Rule] = []
        for i, entry in enumerate(cast(list[dict[str, Any]], ruler.patterns)):
            attrs = ruler.attrs[i]
            if not isinstance(attrs, dict) or any(k not in _WRITE_IDS for k in attrs):
                return None
            patterns: list[tuple[tuple[tuple[int, Test], ...], ...]] = []
            pattern: list[dict[str, Any]]
            for pattern in entry["patterns"]:
                if not pattern:
                    return None
                tokens: list[tuple[tuple[int, Test], ...]] = []
                for spec in pattern:
                    tests: list[tuple[int, Test]] = []
                    for attr, value in spec.items():
                        test = _test(attr, value, vocab) if attr in _TEST_ATTRS else None
                        if test is None:
                            return None
                        tests.append((_TEST_ATTRS[attr], test))
                    tokens.append(tuple(tests))
                patterns.append(tuple(tokens))
            index = int(ruler.indices[i])
            if any(not -len(p) <= index < len(p) for p in patterns):
                return None  # spaCy raises E1001 on a match: keep its ruler for that
            values = tuple((_WRITE_IDS[k], int(v)) for k, v in attrs.items())
            rules.append(_Rule(tuple(patterns), index, values))
        return cls(vocab, rules)

    def __call__(self, doc: Doc) -> Doc:
        self.apply([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Process a stream of docs, `batch_size` at a time (spaCy's component interface)."""
        stream = iter(docs)
        while batch := list(islice(stream, max(1, batch_size))):
            self.apply(batch)
            yield from batch

    def apply(self, docs: Sequence[Doc]) -> None:
        """Set the rules' attributes on every token of `docs`.

        The docs' token rows are tested together (the cost of a rule is mostly per call, not
        per token); a pattern of several tokens never matches across two docs.
        """
        docs = [d for d in docs if len(d)]
        if not docs:
            return
        lengths = [len(d) for d in docs]
        read = cast("NDArray[np.uint64]", np.concatenate([d.to_array(_READ) for d in docs]))
        out = np.concatenate([d.to_array(_WRITE) for d in docs])
        n = len(read)
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        cols = [read[:, j] for j in range(read.shape[1])]
        for rule in self.rules:
            for pattern in rule.patterns:
                width = len(pattern)
                if width > n:
                    continue
                last = n - width + 1
                starts = doc_of[:last] == doc_of[width - 1:] if width > 1 else np.ones(last, dtype=bool)
                for offset, tests in enumerate(pattern):
                    for col, test in tests:
                        starts &= test(cols[col][offset:last + offset], self.vocab)
                if not starts.any():
                    continue
                target = np.flatnonzero(starts) + (rule.index if rule.index >= 0 else width + rule.index)
                for col, value in rule.values:
                    out[target, col] = value
        for doc, part in zip(docs, np.split(out, np.cumsum(lengths)[:-1]), strict=True):
            doc.from_array(_WRITE, cast("Ints2d", part))


@Language.factory(FACTORY)
def _make(nlp: Language, name: str) -> FastAttributeRuler:
    """Build from the pipeline's `attribute_ruler`, which must be present when this is added."""
    got = FastAttributeRuler.from_ruler(nlp.get_pipe("attribute_ruler"))  # type: ignore[arg-type]
    if got is None:
        raise ValueError("the attribute_ruler uses a pattern feature the fast ruler does not support")
    return got


def install(nlp: Language) -> bool:
    """Replace the pipeline's `attribute_ruler` by the fast equivalent; False when it cannot."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    if FastAttributeRuler.from_ruler(nlp.get_pipe("attribute_ruler")) is None:  # type: ignore[arg-type]
        return False
    nlp.add_pipe(FACTORY, name="fast_attribute_ruler", after="attribute_ruler")
    nlp.remove_pipe("attribute_ruler")
    return True
