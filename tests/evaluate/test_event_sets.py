"""Third-party event regression sets: scoring helpers and floors that cannot silently drop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dossier.evaluate.event_sets import (
    SetScore,
    actor_code,
    actor_codes,
    cameo_to_plover,
    check_floors,
    load_cameo_map,
    load_petrarch_actors,
    score_petrarch,
    score_plover,
)

FLOORS = Path(__file__).resolve().parents[1] / "eval" / "event_floors.json"


@pytest.fixture(scope="module")
def external(shared_dir: Path) -> Path:
    return shared_dir / "external"


def test_event_sets_cameo_mapping(external: Path):
    table = load_cameo_map(external / "plover-gsr-cameo" / "CAMEO2PLOVER-2021.txt")
    assert cameo_to_plover("042", table) == "CONSULT"
    assert cameo_to_plover("0311", table) == "AGREE"
    assert cameo_to_plover("999", table) is None


def test_event_sets_actor_dictionary(external: Path):
    actors = load_petrarch_actors(external / "petrarch2-validation" / "PETR.Validate.actors.txt")
    assert actor_code("Arnor", actors) == "ARN"
    assert actor_code("the Ithilen military", actors) == "ITH"
    assert actor_code("Nowhere Land", actors) is None
    # prefix forms, "+" synonyms, multiple codes and date-restricted code blocks
    assert actor_codes("Eriadori leaders", actors) == {"ERI"}
    assert actor_codes("Minas Tirith", actors) == {"GON"}
    assert actor_codes("the Shire", actors) == {"FRO", "BIL", "SAM"}
    assert actor_codes("Prince of Dol Amroth", actors, 19950101) == {"---"}
    assert actor_codes("Prince of Dol Amroth", actors, 19960101) == {"DOL"}
    assert actor_codes("Smeagol", actors, 19950101) == {"HOB"}


def test_event_sets_check_floors_reports_drops():
    score = SetScore("plover", 10, {"type_accuracy": 0.3})
    assert check_floors([score], {"plover": {"type_accuracy": 0.3}}) == []
    assert check_floors([score], {"plover": {"type_accuracy": 0.4}}) == [
        "plover.type_accuracy = 0.3 is below its floor 0.4"
    ]


def test_event_sets_scores_stay_above_floors(models, external: Path):  # type: ignore[no-untyped-def]
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    scores = [score_plover(models, external), score_petrarch(models, external)]
    assert scores[0].items == 322
    assert check_floors(scores, floors) == []
