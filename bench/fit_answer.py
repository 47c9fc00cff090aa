"""Fit the answerer's two logistic models on the dev splits of every eval suite at once, and write
them to rag/answer_weights.json (what rag.answer.ExtractiveGenerator reads).

    python bench/fit_answer.py            # fit, print the figures, write the weights
    python bench/fit_answer.py --dry-run  # fit and print only
    python bench/fit_answer.py --suite bundled postgres  # fit on these suites' dev splits only

1. The ranking model: for each answerable dev question, every candidate sentence or clause of the
   retrieved passages, labelled by whether it (as shown, with any referent) matches the gold answer.
2. The answerability model: for each dev question with a supported candidate, the best candidate's
   features (including the ranking model's score), labelled by whether the question is answerable;
   its threshold is the one that gets the most dev questions right, as the generator answers them
   (answered right, or abstained on when unanswerable), while the false abstentions it adds on the dev
   answerable questions stay under --max-false-abstention (0.02); of equals, the middle one.

Plain numpy: Newton's method on the L2-regularised, class-balanced log loss. Test splits are never read.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import Assistant  # noqa: E402
from rag.answer import _WEIGHTS_FILE, ExtractiveGenerator, _as_sentence  # noqa: E402
from rag.eval import MAX_ANSWER_CHARS, load_gold  # noqa: E402

RANK_FEATURES = ["similarity", "own", "around", "type", "rank", "missing", "length", "cover", "own_cover", "subject_cover",
                 "off_topic"]
ANSWERABLE_FEATURES = ["score", "cover", "own_cover", "subject_cover", "subject_own", "gap", "type", "similarity"]


def suites() -> list[tuple[str, Path, Path]]:
    """(name, gold file, corpus) of every eval suite; the bundled gold set when there are no suites yet."""
    found = []
    for suite in sorted((ROOT / "eval" / "suites").glob("*/suite.json")):
        corpus = ROOT / json.loads(suite.read_text())["corpus"]
        found.append((suite.parent.name, suite.parent / "gold.jsonl", corpus))
    return found or [("bundled", ROOT / "eval" / "gold.jsonl", ROOT / "corpus")]


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float = 1.0, steps: int = 50) -> tuple[float, np.ndarray]:
    """(bias, weights) minimising the class-balanced log loss plus |w|^2 / (2c) (the bias is not penalised)."""
    x1 = np.hstack([np.ones((len(x), 1)), x])
    balance = np.where(y == 1, len(y) / (2 * max(1, y.sum())), len(y) / (2 * max(1, len(y) - y.sum())))
    w = np.zeros(x1.shape[1])
    penalty = np.eye(x1.shape[1]) / c
    penalty[0, 0] = 0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x1 @ w, -50, 50)))
        gradient = x1.T @ (balance * (p - y)) + penalty @ w
        hessian = (x1 * (balance * p * (1 - p))[:, None]).T @ x1 + penalty + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), w[1:]


def shown(c, passages) -> str:
    chunk = passages[c.passage].chunk
    return f"{c.referent} {_as_sentence(chunk.text, c.span, c.sentence)}".strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--c", type=float, default=0.3, help="inverse L2 strength")
    parser.add_argument("--max-false-abstention", type=float, default=0.02)
    parser.add_argument("--suite", nargs="+", metavar="NAME", help="fit on these suites only (default: every suite)")
    args = parser.parse_args()
    chosen = [s for s in suites() if not args.suite or s[0] in args.suite]
    if args.suite and len(chosen) != len(set(args.suite)):
        parser.error(f"unknown suite among {args.suite}; there are {[name for name, *_ in suites()]}")

    generator = ExtractiveGenerator()
    asked = []  # (suite, gold item, retrieval)
    for name, gold, corpus in chosen:
        items = [i for i in load_gold(gold) if i.split == "dev"]
        assistant = Assistant.open(index_dir=ROOT / "index" / f"eval-{name}", corpus=corpus, log=print)
        asked += [(name, item, assistant.retrieve(item.question)) for item in items]
        print(f"{name}: {len(items)} dev questions ({sum(i.answerable for i in items)} answerable)")

    rows, labels = [], []
    for _, item, retrieval in asked:
        if item.answerable:
            for c in generator.score(retrieval.question, retrieval).candidates:
                rows.append([c.features[k] for k in RANK_FEATURES])
                labels.append(item.matches(shown(c, retrieval.passages)))
    bias, w = fit_logistic(np.array(rows), np.array(labels, dtype=float), args.c)
    generator.rank_model = {"bias": round(bias, 3), "weights": {k: round(float(v), 3) for k, v in zip(RANK_FEATURES, w)}}
    print(f"ranking model on {len(rows)} candidates ({sum(labels)} right): {generator.rank_model}")

    rows, labels = [], []
    for name, item, retrieval in asked:
        scored = generator.score(retrieval.question, retrieval)
        if scored.supported:
            rows.append([scored.supported[0].features[k] for k in ANSWERABLE_FEATURES])
            labels.append(item.answerable)
    bias, w = fit_logistic(np.array(rows), np.array(labels, dtype=float), args.c)
    model = {"bias": round(bias, 3), "weights": {k: round(float(v), 3) for k, v in zip(ANSWERABLE_FEATURES, w)}}

    # Each dev question answered as the generator would with no threshold: abstained on regardless
    # (no candidate may answer), or answered right or wrong, with the probability it is answerable.
    generator.answerable_model = {**model, "threshold": 0.0}
    outcomes = []  # (suite, answerable, abstains regardless, right, probability)
    for name, item, retrieval in asked:
        answer = generator.generate(retrieval.question, retrieval)
        right = item.answerable and not answer.abstained and item.matches(answer.answer) \
            and len(answer.answer) <= MAX_ANSWER_CHARS
        p = None if answer.abstained else generator.score(retrieval.question, retrieval).answerable
        outcomes.append((name, item.answerable, answer.abstained, right, p))

    def tally(rows: list, t: float) -> tuple[int, int, int]:
        """(right answers, right abstentions, false abstentions) at threshold t."""
        abstains = [forced or p < t for _, _, forced, _, p in rows]
        return (sum(r and not a for (_, _, _, r, _), a in zip(rows, abstains)),
                sum(a and not y for (_, y, *_), a in zip(rows, abstains)),
                sum(a and y for (_, y, *_), a in zip(rows, abstains)))

    # The threshold that gets the most dev questions right (a right answer kept, an unanswerable one
    # abstained on) while the false abstentions it adds stay in bounds; of equals, the middle one, as
    # far as can be from the questions on either side.
    answerable = sum(y for _, y, *_ in outcomes)
    forced = tally(outcomes, 0.0)[2]
    scores = {}
    for t in sorted({round(p, 4) for *_, p in outcomes if p is not None} | {0.0}):
        kept, abstained, false = tally(outcomes, t)
        if false - forced > args.max_false_abstention * answerable:
            break
        scores[t] = kept + abstained
    best = [t for t, score in scores.items() if score == max(scores.values())]
    threshold = best[len(best) // 2]
    model["threshold"] = threshold
    print(f"answerability model on {len(rows)} questions: {model}")
    for suite in dict.fromkeys(name for name, *_ in outcomes):
        mine = [o for o in outcomes if o[0] == suite]
        kept, abstained, false = tally(mine, threshold)
        n_ans = sum(y for _, y, *_ in mine)
        print(f"  {suite} dev: answer accuracy {kept / max(1, n_ans):.3f}, abstention recall "
              f"{abstained / max(1, len(mine) - n_ans):.3f}, false abstention {false / max(1, n_ans):.3f}")
    if not args.dry_run:
        weights = {"fitted_on": [name for name, *_ in chosen], "split": "dev",
                   "rank": generator.rank_model, "answerable": model}
        _WEIGHTS_FILE.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {_WEIGHTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
