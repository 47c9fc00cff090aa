"""Render bench/results/*.json as the markdown tables between the markers in bench/RESULTS.md.

    python bench/report.py        # rewrites the generated part of bench/RESULTS.md; prints the tables
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- tables:begin -->", "<!-- tables:end -->"


def load(name: str) -> dict | None:
    path = HERE / "results" / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def when(r: dict) -> str:
    m = r["machine"]
    return f"{m['date']}, load average {m['load_average_1m']}; `{r['command']}`"


def tables() -> str:
    out = []
    summary = ["| What | Target | Measured | Met |", "| --- | --- | --- | --- |"]
    cold = load("cold_ask")
    if cold:
        torch = cold.get("torch", {})
        summary.append(f"| Cold `rag ask` (median, {cold['onnx']['runs']} runs) | ≤ 1.5 s | "
                       f"{cold['onnx']['median_s']:.2f} s (in Chinese: {cold.get('onnx_zh', {}).get('median_s', float('nan')):.2f} s; "
                       f"PyTorch path: {torch.get('median_s', float('nan')):.2f} s) | {'yes' if cold['met'] else 'no'} |")
    warm = load("warm_ask")
    if warm:
        a = warm["ask"]
        summary.append(f"| Warm `Assistant.ask`, {warm['questions']} gold questions × {warm['passes']} | p50 ≤ 30 ms, p95 ≤ 60 ms | "
                       f"p50 {a['p50_ms']:.1f} ms, p95 {a['p95_ms']:.1f} ms | {'yes' if warm['met'] else 'no'} |")
    idx = load("indexing")
    if idx and "torch" in idx["backends"]:
        o, t = idx["backends"]["onnx"], idx["backends"]["torch"]
        summary.append(f"| Full build, chunks/s (ONNX vs PyTorch) | ≥ 2× | {o['chunks_per_s']} vs {t['chunks_per_s']} "
                       f"(×{idx['speedup_full_build']}) | {'yes' if idx['met'] else 'no'} |")
    scale = load("scale")
    if scale:
        top = scale["sizes"][-1]
        a = top["ask"]
        summary.append(f"| Whole `Assistant` on the local store at {top['chunks']:,} chunks | open ≤ 2 s, RSS at open ≤ 1 GB, "
                       f"search p95 ≤ 20 ms, recall@10 ≥ 0.95 | open {a['open_s']} s, RSS {a['rss_open_mb']:.0f} MB, "
                       f"search p95 {a['search']['p95_ms']:.1f} ms, ask p50/p95 {a['ask']['p50_ms']:.0f}/{a['ask']['p95_ms']:.0f} ms, "
                       f"recall {a['recall_at_10']:.3f} | {'yes' if scale.get('met') else 'no' if 'met' in scale else 'n/a'} |")
    server = load("server_load")
    if server:
        cells = ", ".join(f"{r['clients']}: {r['requests_per_s']} req/s" for r in server["levels"])
        summary.append(f"| `rag serve`, 1/8/32 clients | 0 errors | {cells}; errors {sum(r['errors'] for r in server['levels'])} | "
                       f"{'yes' if server['met'] else 'no'} |")
    out += ["### Summary", "", *summary, ""]

    if cold:
        out += ["### Cold `rag ask`", "", when(cold), "", "| Path | median | mean | min | max |", "| --- | --- | --- | --- | --- |"]
        for key, label in (("onnx", "ONNX (default)"), ("onnx_zh", "ONNX, a question in Chinese"),
                           ("torch", "PyTorch (`RAG_BACKEND=torch`, before)")):
            if key in cold:
                c = cold[key]
                out.append(f"| {label} | {c['median_s']:.3f} s | {c['mean_s']:.3f} s | {c['min_s']:.3f} s | {c['max_s']:.3f} s |")
        out.append("")
    for name, label in (("warm_ask", "ONNX"), ("warm_ask_torch", "PyTorch")):
        w = load(name)
        if w:
            out += [f"### Warm answers ({label} encoder)", "", when(w), "", "| Step | p50 | p95 | max |", "| --- | --- | --- | --- |"]
            for step in ("ask", "encode", "retrieve", "generate"):
                out.append(f"| {step} | {w[step]['p50_ms']:.1f} ms | {w[step]['p95_ms']:.1f} ms | {w[step]['max_ms']:.1f} ms |")
            out.append("")
    if idx:
        out += ["### Indexing", "", when(idx), "",
                "| Backend | chunks | texts embedded | full build | chunks/s | encode texts/s | update after touching one file |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for key, b in idx["backends"].items():
            out.append(f"| {key} | {b['chunks']} | {b['texts_embedded']} | {b['full_build_s']} s | {b['chunks_per_s']} | "
                       f"{b['encode_texts_per_s']} | {b['incremental_update_s']} s |")
        out.append("")
    # Each run of bench/scale.py is a results file of its own (the 1M run is too big to repeat with the others).
    runs = [run for run in (scale, load("scale_1m")) if run]
    if runs:
        out += ["### Scale: the whole Assistant on the local store", ""]
    for run in runs:
        out += [when(run), "", "| Chunks | dense index | build (vectors given) | on disk | open | RSS open / after asking | search p50 / p95 | ask p50 / p95 | recall@10 |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for r in run["sizes"]:
            a, b = r["ask"], r["build"]
            kind = f"{b['ann']['type']} nlist {b['ann']['nlist']} nprobe {b['ann']['nprobe']}" if b.get("ann") else "exact"
            out.append(f"| {r['chunks']:,} | {kind} | {b['build_s']} s (peak {b['build_peak_rss_mb']:.0f} MB) | {b['index_disk_mb']} MB | "
                       f"{a['open_s']} s | {a['rss_open_mb']:.0f} / {a['rss_after_asking_mb']:.0f} MB | "
                       f"{a['search']['p50_ms']:.1f} / {a['search']['p95_ms']:.1f} ms | {a['ask']['p50_ms']:.1f} / {a['ask']['p95_ms']:.1f} ms | "
                       f"{a['recall_at_10']:.3f} |")
        if "met" in run:
            out.append(f"\nTargets {run['target']}: {'met' if run['met'] else '**not all met**'}.")
        out.append("")
    pg_runs = [run for run in (load("scale_postgres"), load("scale_postgres_1m")) if run]  # 1M: a file of its own too
    if pg_runs:
        out += ["### Scale: PostgreSQL + pgvector store", ""]
    for pg in pg_runs:
        out += [when(pg), "",
                "| Chunks | build (vectors given) | database size | open | search p50 / p95 | ask p50 / p95 | recall@10 (HNSW vs exact) |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in pg["sizes"]:
            a, b = r["ask"], r["build"]
            out.append(f"| {r['chunks']:,} | {b['build_s']} s | {b['index_disk_mb']} MB | {a['open_s']} s | "
                       f"{a['search']['p50_ms']:.1f} / {a['search']['p95_ms']:.1f} ms | {a['ask']['p50_ms']:.1f} / {a['ask']['p95_ms']:.1f} ms | "
                       f"{a['recall_at_10']:.3f} |")
        out.append("")
    txtai = load("txtai_compare")
    if txtai and "build_s" in txtai.get("txtai", {}):
        out += ["### Build with vectors given: rag against txtai", "", when(txtai), "",
                "| Chunks | rag local store | txtai (hybrid, content) | ratio | peak RSS rag / txtai |", "| --- | --- | --- | --- | --- |",
                f"| {txtai['chunks']:,} | {txtai['rag']['build_s']} s | {txtai['txtai']['build_s']} s | {txtai['ratio']} | "
                f"{txtai['rag']['peak_rss_mb']:.0f} / {txtai['txtai']['peak_rss_mb']:.0f} MB |", ""]
    if server:
        out += ["### Server", "", when(server), "", "| Clients | requests | req/s | p50 | p95 | max | errors |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in server["levels"]:
            out.append(f"| {r['clients']} | {r['requests']} | {r['requests_per_s']} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['max_ms']:.0f} ms | {r['errors']} |")
        out.append("")
    return "\n".join(out)


def main() -> int:
    text = tables()
    results = HERE / "RESULTS.md"
    if results.is_file():
        doc = results.read_text()
        if BEGIN in doc and END in doc:
            head, rest = doc.split(BEGIN, 1)
            results.write_text(head + BEGIN + "\n" + text + "\n" + END + rest.split(END, 1)[1])
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
