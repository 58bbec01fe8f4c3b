"""The quality gate: `dossier eval --check` over the seeds and the example gold stays above its floors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
DOSSIER = Path(sys.executable).parent / "dossier"


@pytest.mark.slow
@pytest.mark.parametrize("gold, inputs", [
    (SHARED / "gold", [SHARED / "seeds"]),
    (REPO / "examples" / "gold", [REPO / "examples" / "corpus" / n for n in (
        "t01_parade_irrawaddy_ledger.txt", "h02_lavrov_naypyitaw_visit.html", "h04_naval_exercise_andaman.html")]),
], ids=["seeds", "examples"])
def test_eval_gate_figures_at_or_above_floors(gold, inputs):
    if not gold.is_dir():
        pytest.fail(f"{gold} is missing: clone the repo with ../shared beside it")
    cmd = [str(DOSSIER), "eval", "--gold", str(gold), *map(str, inputs), "--check",
           "--floors", str(REPO / "tests" / "eval" / "floors.json")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=280, env={"COLUMNS": "120", "PATH": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "every figure at or above its floor" in proc.stdout
