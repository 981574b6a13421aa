"""Knowledge-base retrieval benchmark: quality per ranking stage, latency, build time, ANN cost.

Run with the services environment from the project root:

    .venv/bin/python bench/kb.py                 # everything (about 5 minutes on 2 cores)
    .venv/bin/python bench/kb.py --quick         # quality tables only (no 10k-passage scale run)

Quality (article level; an article counts once, with its best passage):
  * the project's labelled questions, bench/data/kb_questions/*.jsonl, against knowledge_base/;
  * StackFAQ (bench/data/stackfaq): each thread (question + answers) is an article, its
    user rephrasings are the queries.
Recall@k = share of queries whose article is in the top k; MRR over the top 10.
Latency: one query at a time after 20 warm-up queries, query encoding included.
Scale: 1,000 synthetic articles (sentences of the real articles and StackFAQ, reshuffled
with a fixed seed) are built from scratch (build time), then grown past 10,000 passages
with an incremental build, where latency is measured; the same corpus with an HNSW index
gives the recall cost of approximate search.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.kb.index import build_index  # noqa: E402
from bot.kb.search import KnowledgeBase, Ranking  # noqa: E402

QUESTIONS_DIR = PROJECT_ROOT / "bench" / "data" / "kb_questions"
STACKFAQ_FILE = PROJECT_ROOT / "bench" / "data" / "stackfaq" / "stackExchange-FAQ.json"
KB_SOURCE = PROJECT_ROOT / "knowledge_base"
MRR_DEPTH = 10
WARMUP = 20

STAGES = {
    "dense: MiniLM cosine, best passage": Ranking().only("dense"),
    "lexical: BM25, best passage": Ranking().only("lexical"),
    "fusion: reciprocal rank (dense, BM25)": Ranking(fusion="rrf"),
    "fusion: cosine + BM25 + code match": Ranking(title=False),
    "fusion + title similarity (default)": Ranking(),
}


@dataclass
class Query:
    id: str
    text: str
    article: str


@dataclass
class Quality:
    n: int
    recall_1: float
    recall_5: float
    mrr: float
    median_ms: float
    p95_ms: float


def load_questions(folder: Path = QUESTIONS_DIR) -> list[Query]:
    queries = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                queries.append(Query(str(row["id"]), row["query"], row["article"]))
    return queries


def stackfaq_corpus(path: Path, target: Path) -> list[Query]:
    """Write one Markdown article per thread into `target`; return the rephrasings as queries."""
    threads = json.loads(path.read_text(encoding="utf-8"))["root"]["qapair"]
    queries = []
    for number, thread in enumerate(threads):
        article_id = f"thread-{number:03d}"
        answers = thread["answer"] if isinstance(thread["answer"], list) else [thread["answer"]]
        body = "\n\n".join(f"## Answer {i + 1}\n\n{a.strip()}" for i, a in enumerate(answers) if a.strip())
        title = thread["question"].strip().replace("\n", " ")
        (target / f"{article_id}.md").write_text(
            f"---\ntitle: {json.dumps(title)}\nurl: https://stackexchange.example/faq/{number}\n"
            f"tags: [stackfaq]\nupdated: 2018-01-01\n---\n{body or title}\n",
            encoding="utf-8",
        )
        rephrasings = thread["rephr"] if isinstance(thread["rephr"], list) else [thread["rephr"]]
        for i, text in enumerate(rephrasings):
            if isinstance(text, str) and re.search(r"[A-Za-z]{3}", text):
                queries.append(Query(f"{article_id}/{i}", text.strip(), article_id))
    return queries


def evaluate(kb: KnowledgeBase, queries: list[Query], ranking: Ranking) -> Quality:
    for q in queries[:WARMUP]:
        kb.search(q.text, k=MRR_DEPTH, ranking=ranking)
    hits_1 = hits_5 = 0
    reciprocal = 0.0
    latencies = []
    for q in queries:
        started = time.perf_counter()
        ranked = [h.article_id for h in kb.search(q.text, k=MRR_DEPTH, ranking=ranking)]
        latencies.append((time.perf_counter() - started) * 1000)
        if q.article in ranked:
            position = ranked.index(q.article) + 1
            reciprocal += 1.0 / position
            hits_1 += position == 1
            hits_5 += position <= 5
    n = len(queries)
    return Quality(n, hits_1 / n, hits_5 / n, reciprocal / n, statistics.median(latencies), _p95(latencies))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def whole_article_baseline(kb: KnowledgeBase, queries: list[Query]) -> Quality:
    """One MiniLM vector per article (title + all its text, truncated by the encoder): the
    plain baseline the passage handling is compared with. Latency not measured (n/a)."""
    import numpy as np

    from bot import embeddings

    encoder = embeddings.load_encoder()
    index = kb.index
    texts = [
        index.articles[a]["title"] + ". " + " ".join(p.text for p in index.passages if p.article_id == a)
        for a in index.article_ids
    ]
    articles = embeddings.encode(encoder, texts)
    vectors = embeddings.encode(encoder, [q.text for q in queries])
    order = np.argsort(-(vectors @ articles.T), axis=1)[:, :MRR_DEPTH]
    hits_1 = hits_5 = 0
    reciprocal = 0.0
    for q, row in zip(queries, order):
        ranked = [index.article_ids[i] for i in row]
        if q.article in ranked:
            position = ranked.index(q.article) + 1
            reciprocal += 1.0 / position
            hits_1 += position == 1
            hits_5 += position <= 5
    n = len(queries)
    return Quality(n, hits_1 / n, hits_5 / n, reciprocal / n, float("nan"), float("nan"))


def quality_table(title: str, kb: KnowledgeBase, queries: list[Query], stages: dict[str, Ranking]) -> None:
    print(f"\n### {title}: {len(queries)} queries, {len(kb.index.articles)} articles, {len(kb.index)} passages\n")
    print("| ranking | Recall@1 | Recall@5 | MRR | median ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    q = whole_article_baseline(kb, queries)
    print(f"| baseline: MiniLM cosine, one vector per whole article | {q.recall_1:.3f} | {q.recall_5:.3f} | {q.mrr:.3f} | n/a | n/a |")
    for name, ranking in stages.items():
        q = evaluate(kb, queries, ranking)
        print(f"| {name} | {q.recall_1:.3f} | {q.recall_5:.3f} | {q.mrr:.3f} | {q.median_ms:.1f} | {q.p95_ms:.1f} |")
    sys.stdout.flush()


def synthetic_corpus(target: Path, sources: list[Path], articles: int, start: int, seed: int) -> None:
    """Articles of 3-8 sections, each section 2-6 sentences drawn from the real texts."""
    sentences: list[str] = []
    for source in sources:
        for path in sorted(source.rglob("*.md")):
            text = path.read_text(encoding="utf-8").split("\n---", 1)[-1]
            sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) >= 5]
    rng = random.Random(seed)
    for number in range(start, start + articles):
        sections = []
        for s in range(rng.randint(3, 8)):
            words = " ".join(rng.sample(sentences, rng.randint(2, 6)))
            sections.append(f"## Section {s + 1}\n\n{words}")
        (target / f"synthetic-{number:05d}.md").write_text(
            f"---\ntitle: Synthetic article {number}\nurl: https://example.invalid/{number}\n"
            f"tags: [synthetic]\nupdated: 2026-01-01\n---\n" + "\n\n".join(sections) + "\n",
            encoding="utf-8",
        )


def scale_section(work: Path, faq_source: Path, faq_queries: list[Query]) -> None:
    source = work / "scale"
    source.mkdir()
    for path in faq_source.glob("*.md"):  # the StackFAQ articles stay findable among the synthetic ones
        (source / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    synthetic_corpus(source, [KB_SOURCE, faq_source], 1000, 0, seed=7)
    index_dir = work / "scale-index"
    first = build_index(source, index_dir)
    synthetic_corpus(source, [KB_SOURCE, faq_source], 900, 1000, seed=8)
    grown = build_index(source, index_dir)
    print("\n### Build time and scale\n")
    print("| build | articles | passages | embedded | reused | seconds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, report in (("from scratch", first), ("incremental (+900 articles)", grown)):
        print(
            f"| {name} | {report.articles} | {report.passages} | {report.embedded_articles} "
            f"| {report.reused_articles} | {report.seconds:.1f} |"
        )
    kb = KnowledgeBase(index_dir)
    flat = evaluate(kb, faq_queries, Ranking())
    dense_flat = evaluate(kb, faq_queries, Ranking().only("dense"))
    hnsw_dir = work / "scale-hnsw"
    hnsw_report = build_index(source, hnsw_dir, flat_limit=0)
    hnsw = KnowledgeBase(hnsw_dir)
    approx = evaluate(hnsw, faq_queries, Ranking())
    dense_approx = evaluate(hnsw, faq_queries, Ranking().only("dense"))
    overlap = _neighbour_recall(kb, hnsw, faq_queries)
    print(f"\n### StackFAQ queries among {grown.passages} passages: exact (flat) vs approximate (HNSW) index\n")
    print("| index | ranking | Recall@1 | Recall@5 | MRR | median ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for index_name, ranking_name, q in (
        ("flat", "dense", dense_flat),
        ("flat", "hybrid (default)", flat),
        (f"HNSW (M={32}, efSearch=128; built in {hnsw_report.seconds:.1f} s)", "dense", dense_approx),
        ("HNSW", "hybrid (default)", approx),
    ):
        print(f"| {index_name} | {ranking_name} | {q.recall_1:.3f} | {q.recall_5:.3f} | {q.mrr:.3f} | {q.median_ms:.1f} | {q.p95_ms:.1f} |")
    print(f"\nHNSW recall of the exact top-10 dense neighbours: {overlap:.4f}")


def _neighbour_recall(exact: KnowledgeBase, approx: KnowledgeBase, queries: list[Query]) -> float:
    found = total = 0
    for q in queries:
        vector = exact.encode_query(q.text).reshape(1, -1)
        _, truth = exact.index.dense.search(vector, 10)
        _, got = approx.index.dense.search(vector, 10)
        found += len(set(truth[0]) & set(got[0]))
        total += 10
    return found / total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="quality tables only")
    parser.add_argument("--stackfaq", type=Path, default=STACKFAQ_FILE)
    parser.add_argument("--questions", type=Path, default=QUESTIONS_DIR)
    args = parser.parse_args(argv)
    import torch

    print(f"# Knowledge-base benchmark\n\nmachine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}; python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        work = Path(tmp)
        questions = load_questions(args.questions)
        if questions:
            project_index = work / "project-index"
            build_index(KB_SOURCE, project_index)
            quality_table("Project questions (held out)", KnowledgeBase(project_index), questions, STAGES)
        faq_source = work / "stackfaq"
        faq_source.mkdir()
        faq_queries = stackfaq_corpus(args.stackfaq, faq_source)
        faq_index = work / "stackfaq-index"
        build_index(faq_source, faq_index)
        quality_table("StackFAQ", KnowledgeBase(faq_index), faq_queries, STAGES)
        if not args.quick:
            scale_section(work, faq_source, faq_queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
