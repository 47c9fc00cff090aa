"""Each benchmark's --smoke mode still runs (the figures themselves are in bench/RESULTS.md, not tested)."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # subprocesses, a browser or a server under load; see conftest

BENCHES = ["cold_ask", "warm_ask", "indexing", "scale", "server_load", "llm", "store_eval"]


@pytest.mark.parametrize("name", BENCHES)
def test_bench_smoke(name):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), "--smoke"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((ROOT / "bench" / "results" / f"{name}.smoke.json").read_text())
    assert result["smoke"] is True and result["machine"]["cores"] >= 1
    if name == "llm":  # what the LLM bench is for: time to first token and tokens/s, from a real stream
        assert result["fallbacks"] == 0 and result["time_to_first_token"]["p50_ms"] > 0
        assert result["tokens_per_s"]["median"] > 0
