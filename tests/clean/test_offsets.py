"""OffsetMap: body spans map back to the raw spans that cover them."""

from __future__ import annotations

import pytest

from dossier.clean.records import OffsetMap

# body "Hello world" built from raw "<p>Hello</p> <b>world</b>": two exact segments and a
# gap (the joining space) between them.
RAW = "<p>Hello</p>\n<b>world</b>"
BODY = "Hello world"
MAP = OffsetMap(((0, 3, 5), (6, 16, 5)))

CASES = [  # body span, raw span
    ((0, 5), (3, 8)),  # inside a segment: exact
    ((6, 11), (16, 21)),
    ((0, 11), (3, 21)),  # across the gap
    ((5, 6), (8, 16)),  # only the gap: the raw text between the segments
    ((3, 8), (6, 18)),
]


@pytest.mark.parametrize("body_span, raw_span", CASES)
def test_offsets_map_spans(body_span: tuple[int, int], raw_span: tuple[int, int]) -> None:
    assert MAP.to_raw(*body_span) == raw_span


def test_offsets_exact_segments_give_verbatim_text() -> None:
    for b, _r, n in MAP.segments:
        start, end = MAP.to_raw(b, b + n)
        assert RAW[start:end] == BODY[b : b + n]


def test_offsets_never_reversed() -> None:
    for a in range(len(BODY) + 1):
        for b in range(a, len(BODY) + 1):
            start, end = MAP.to_raw(a, b)
            assert start <= end


def test_offsets_empty_map_is_identity() -> None:
    assert OffsetMap().to_raw(4, 9) == (4, 9)
