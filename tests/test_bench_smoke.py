"""scripts/bench.py runs end to end on a tiny generated database and reports every figure.

The figures themselves are not judged here (a loaded CI machine says little about them); the
full-scale run is `python scripts/bench.py`. This only checks that the benchmark still works
against the current code: exit 0, and a JSON last line with every key, each a number (a figure
that came back null means its measurement broke)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEYS = ("outcome_p50_ms", "outcome_p95_ms", "queue_ms", "queue_named_ms", "lookup_ms",
        "cold_start_s", "cold_start_ratio", "import_rows_per_s", "import_ratio",
        "import_existing_rows_per_s", "import_existing_ratio", "rss_mb", "scale")


@pytest.mark.heavy
def test_bench_smoke(tmp_path: Path) -> None:
    env = dict(os.environ, DIALER_BENCH_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--scale", "0.01", "--json",
         "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    data = json.loads(last)
    for key in KEYS:
        assert key in data, f"{key} missing from {last}"
        value = data[key]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{key}={value!r}"
    assert data["scale"] == 0.01
    assert data["backend"] == "sqlite"
    assert set(data["budgets"]) >= set(KEYS) - {"scale"}
