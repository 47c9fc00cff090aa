"""The eval on both stores (issue 12): the bundled suite over the local store, over PostgreSQL with BM25 in
tables (the default) and over PostgreSQL ranking keywords by its full-text search (`?keyword=fts`).

    python bench/store_eval.py            # a PostgreSQL from pgserver in a temporary folder; a few minutes
    python bench/store_eval.py --smoke    # the first 10 questions

Writes bench/results/store_eval.json: each run's dev and test metrics (as `rag eval` reports them), and how
many of the answers on PostgreSQL with BM25 differ from the local store's, word for word.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import save  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()

    import pgserver

    from rag.config import Config
    from rag.eval import evaluate_suite, load_suite

    suite = load_suite("bundled")
    if args.smoke:
        suite = replace(suite, items=suite.items[:10])
    work = Path(tempfile.mkdtemp(prefix="rag-store-eval-"))
    server = pgserver.get_server(work / "pg", cleanup_mode="stop")
    url = server.get_uri()
    stores = {"local": "local", "bm25": url, "fts": f"{url}{'&' if '?' in url else '?'}keyword=fts"}
    result, answers = {}, {}
    try:
        for name, store in stores.items():
            report, outcomes = evaluate_suite(suite, Config(index_dir=work / "index", store=store))
            result[name] = {split: report["splits"][split]["ours"] for split in ("dev", "test") if split in report["splits"]}
            answers[name] = [o.answer.answer for o in outcomes]
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    result["answers_differing_local_vs_postgres_bm25"] = sum(a != b for a, b in zip(answers["local"], answers["bm25"]))
    result["questions"] = len(answers["local"])
    save("store_eval", result, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
