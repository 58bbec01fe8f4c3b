"""Helpers for the build tests: small corpora written to disk, an executor over loaded models."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from dossier.ingest.records import RawDocument
from dossier.pipeline import PipelineModels
from dossier.scale.executor import run_pipeline
from dossier.store.rows import PreparedBatch

CITIES = ["Nairobi", "Lima", "Manila", "Accra", "Quito", "Hanoi", "Dakar", "Tunis", "Amman", "Baku",
          "Tbilisi", "Yerevan", "Kampala", "Lusaka", "Harare", "Maputo", "Luanda", "Windhoek", "Gaborone", "Bamako"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def article(i: int) -> str:
    """Return a short, original news story; each `i` gives different text."""
    city = CITIES[i % len(CITIES)]
    day = WEEKDAYS[i % len(WEEKDAYS)]
    families = 120 + 17 * i
    return (
        f"Floods force {families} families from homes near {city}\n\n"
        f"{city.upper()}, {3 + i % 20} April 2023 - Heavy rain forced {families} families from their homes on the "
        f"outskirts of {city} on {day}, the city's emergency office said.\n\n"
        f"Rescue teams from the Red Cross used boats to reach villages cut off by the water, and the regional "
        f"governor asked the national government for {2 + i % 5} million dollars in emergency aid.\n\n"
        f'"The river rose faster than anyone expected," said Maria Okafor, a volunteer who has worked in {city} '
        f"for {4 + i % 9} years.\n"
    )


def page(i: int) -> str:
    city = CITIES[(i + 7) % len(CITIES)]
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Port workers strike in "
        f"{city}</title></head><body><nav><a href='/'>Home</a></nav><article><h1>Port workers strike in {city}</h1>"
        f"<p>Dock workers in {city} walked off the job on Monday, demanding a 9 percent pay rise, the union said.</p>"
        f"<p>The port authority said {30 + i} ships were waiting to unload and urged both sides to resume talks.</p>"
        "</article><footer>© 2023 Harbour Times</footer></body></html>"
    )


def write_corpus(folder: Path, n_text: int = 3, *, with_bad: bool = True) -> Path:
    """Write text articles, one HTML page, a JSONL batch and (optionally) broken inputs."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_text):
        (folder / f"story_{i:03d}.txt").write_text(article(i), encoding="utf-8")
    (folder / "strike.html").write_text(page(1), encoding="utf-8")
    lines = [json.dumps({"id": "wire-7", "text": article(50), "outlet": "Example Wire", "date": "2023-04-09"})]
    if with_bad:
        lines.append('{"text": "cut off')
        (folder / "empty.txt").write_bytes(b"")
        (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


class ModelsExecutor:
    """The serial executor over models already loaded for the test session."""

    def __init__(self, models: PipelineModels) -> None:
        self.models = models
        self.batches = 0
        self.documents = 0

    def run(self, batches: Iterable[Sequence[RawDocument]]) -> Iterator[PreparedBatch]:
        for batch in batches:
            self.batches += 1
            self.documents += len(batch)
            yield run_pipeline(batch, self.models)

    def close(self) -> None:
        pass
