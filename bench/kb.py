"""Knowledge-base retrieval benchmark: quality per ranking stage, latency, build time, ANN cost.

Run with the services environment from the project root:

    .venv/bin/python bench/kb.py                 # everything (about 5 minutes on 2 cores)
    .venv/bin/python bench/kb.py --quick         # quality tables only (no 10k-passage scale run)
    .venv/bin/python bench/kb.py --tune          # choose ranking weights and answer thresholds

Tuning (--tune) uses only development data: bench/data/kb_dev_questions.jsonl (120 in-KB
questions, 60 with no answer in the KB) and the even-numbered StackFAQ rephrasings. Rules,
written before looking at results:
  * ranking weights: the grid point with the best mean of dev Recall@1 and StackFAQ-dev
    Recall@1 (ties: higher mean MRR, then the smaller weights);
  * answer policy: utility over the dev questions, where an answer from the right article
    is +1, an answer from a wrong article or to an unanswerable question -2 (a wrong answer
    is worse than an honest "I don't know"), a correct "I don't know" +1, an unanswered
    answerable question 0, a clarifying question that contains the right article +0.5 and
    one that does not (or for an unanswerable question) -0.5. Best utility wins (ties: the
    higher threshold).

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
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.kb.answering import AnswerPolicy, decide  # noqa: E402
from bot.kb.answers import ANSWERED, CLARIFIED  # noqa: E402
from bot.kb.index import build_index  # noqa: E402
from bot.kb.search import DEFAULT_RANKING, KnowledgeBase, Ranking  # noqa: E402

QUESTIONS_DIR = PROJECT_ROOT / "bench" / "data" / "kb_questions"
DEV_FILE = PROJECT_ROOT / "bench" / "data" / "kb_dev_questions.jsonl"
STACKFAQ_FILE = PROJECT_ROOT / "bench" / "data" / "stackfaq" / "stackExchange-FAQ.json"
KB_SOURCE = PROJECT_ROOT / "knowledge_base"
MRR_DEPTH = 10
WARMUP = 20

STAGES = {
    "dense: MiniLM cosine, best passage": Ranking().only("dense"),
    "lexical: BM25, best passage": Ranking().only("lexical"),
    "fusion: reciprocal rank (dense, BM25)": Ranking(fusion="rrf"),
    "fusion: cosine + 0.5 x BM25": Ranking(title=False),
    "fusion + 0.5 x title similarity (default)": Ranking(),
    "fusion + title + 0.15 x code match": Ranking(code_weight=0.15),
}


@dataclass
class Query:
    id: str
    text: str
    article: str | None  # None: no article answers it


@dataclass
class Quality:
    n: int
    recall_1: float
    recall_5: float
    mrr: float
    median_ms: float
    p95_ms: float


def load_questions(source: Path = QUESTIONS_DIR) -> list[Query]:
    """Labelled questions from a .jsonl file or every .jsonl file of a folder."""
    paths = [source] if source.is_file() else sorted(source.glob("*.jsonl"))
    queries = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                queries.append(Query(str(row["id"]), row["query"], row.get("article")))
    return queries


class CachedEncoder:
    """The real encoder with a cache, so a grid search encodes each query once."""

    def __init__(self) -> None:
        from bot import embeddings

        self._encoder = embeddings.load_encoder()
        self._encode = embeddings.encode
        self._cache: dict[str, object] = {}

    def __call__(self, texts: list[str]):
        import numpy as np

        missing = [t for t in texts if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self._encode(self._encoder, missing)):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts])


def policy_outcomes(kb: KnowledgeBase, queries: list[Query], policy: AnswerPolicy, ranking: Ranking) -> dict:
    counts = {"answered right": 0, "answered wrong": 0, "clarified (right among)": 0, "clarified (wrong)": 0,
              "no answer (answerable)": 0, "no answer (unanswerable)": 0, "answered unanswerable": 0}
    utility = 0.0
    for q in queries:
        decision = decide(kb.search(q.text, k=5, ranking=ranking), policy)
        shown = [h.article_id for h in decision.hits]
        if decision.outcome == ANSWERED:
            if q.article is None:
                counts["answered unanswerable"] += 1
                utility -= 2
            elif shown[0] == q.article:
                counts["answered right"] += 1
                utility += 1
            else:
                counts["answered wrong"] += 1
                utility -= 2
        elif decision.outcome == CLARIFIED:
            if q.article is not None and q.article in shown:
                counts["clarified (right among)"] += 1
                utility += 0.5
            else:
                counts["clarified (wrong)"] += 1
                utility -= 0.5
        elif q.article is None:
            counts["no answer (unanswerable)"] += 1
            utility += 1
        else:
            counts["no answer (answerable)"] += 1
    counts["utility"] = utility
    return counts


def tune(work: Path, stackfaq: Path, policy_only: bool = False) -> None:
    import itertools

    encode = CachedEncoder()
    index = work / "project-index"
    build_index(KB_SOURCE, index, encode=encode, encoder_name="all-MiniLM-L6-v2")
    kb = KnowledgeBase(index, encode=encode)
    dev = load_questions(DEV_FILE)
    answerable = [q for q in dev if q.article]
    if policy_only:
        tune_policy(kb, dev, DEFAULT_RANKING)
        return
    faq_source = work / "stackfaq"
    faq_source.mkdir()
    faq_dev = [q for q in stackfaq_corpus(stackfaq, faq_source) if int(q.id.split("/")[1]) % 2 == 0]
    build_index(faq_source, work / "stackfaq-index", encode=encode, encoder_name="all-MiniLM-L6-v2")
    faq = KnowledgeBase(work / "stackfaq-index", encode=encode)
    print(f"\n### Ranking weights on development data ({len(answerable)} project dev questions, "
          f"{len(faq_dev)} StackFAQ dev rephrasings)\n")
    print("| lexical | code | title | dev R@1 | dev MRR | StackFAQ-dev R@1 | StackFAQ-dev MRR |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    best = None
    for lexical, code, title in itertools.product((0.2, 0.35, 0.5, 0.7, 1.0), (0.0, 0.1, 0.2), (0.0, 0.3, 0.5, 0.7)):
        ranking = Ranking(lexical_weight=lexical, code_weight=code, title_weight=title)
        a = evaluate(kb, answerable, ranking)
        b = evaluate(faq, faq_dev, ranking)
        print(f"| {lexical} | {code} | {title} | {a.recall_1:.3f} | {a.mrr:.3f} | {b.recall_1:.3f} | {b.mrr:.3f} |")
        key = ((a.recall_1 + b.recall_1) / 2, (a.mrr + b.mrr) / 2, -(lexical + code + title))
        if best is None or key > best[0]:
            best = (key, ranking)
    chosen = best[1]
    print(f"\nchosen: lexical_weight={chosen.lexical_weight}, code_weight={chosen.code_weight}, "
          f"title_weight={chosen.title_weight} (default now: {DEFAULT_RANKING})")
    tune_policy(kb, dev, chosen)


def tune_policy(kb: KnowledgeBase, dev: list[Query], chosen: Ranking) -> None:
    answerable = [q for q in dev if q.article]
    print(f"\n### Answer policy on development data ({len(answerable)} answerable, "
          f"{len(dev) - len(answerable)} unanswerable)\n")
    print("| answer threshold | clarify margin | utility | answered right | answered wrong | answered unanswerable "
          "| clarified (right among) | clarified (wrong) | no answer (answerable) | no answer (unanswerable) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    best_policy = None
    for threshold in [round(0.30 + 0.025 * i, 3) for i in range(17)]:
        for margin in (0.0, 0.01, 0.02, 0.03):
            policy = AnswerPolicy(answer_threshold=threshold, clarify_floor=round(threshold - 0.05, 3),
                                  clarify_margin=margin)
            c = policy_outcomes(kb, dev, policy, chosen)
            print(f"| {threshold} | {margin} | {c['utility']:.1f} | {c['answered right']} | {c['answered wrong']} "
                  f"| {c['answered unanswerable']} | {c['clarified (right among)']} | {c['clarified (wrong)']} "
                  f"| {c['no answer (answerable)']} | {c['no answer (unanswerable)']} |")
            key = (c["utility"], threshold)
            if best_policy is None or key > best_policy[0]:
                best_policy = (key, policy)
    print(f"\nchosen: {best_policy[1]}")



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


def quality_table(title: str, kb: KnowledgeBase, queries: list[Query], stages: dict[str, Ranking],
                  baseline: bool = True) -> None:
    print(f"\n### {title}: {len(queries)} queries, {len(kb.index.articles)} articles, {len(kb.index)} passages\n")
    print("| ranking | Recall@1 | Recall@5 | MRR | median ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    if baseline:
        q = whole_article_baseline(kb, queries)
        print(f"| baseline: MiniLM cosine, one vector per whole article | {q.recall_1:.3f} | {q.recall_5:.3f} "
              f"| {q.mrr:.3f} | n/a | n/a |")
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
    sys.stdout.flush()
    kb = KnowledgeBase(index_dir)
    flat = evaluate(kb, faq_queries, Ranking())
    print(f"\nlatency at {grown.passages} passages, flat index, default ranking: median {flat.median_ms:.1f} ms, "
          f"p95 {flat.p95_ms:.1f} ms", flush=True)
    dense_flat = evaluate(kb, faq_queries, Ranking().only("dense"))
    hnsw_dir = work / "scale-hnsw"
    shutil.copytree(index_dir, hnsw_dir)  # same embeddings: only the faiss index differs
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
    parser.add_argument("--tune", action="store_true", help="choose weights and thresholds on development data")
    parser.add_argument("--policy-only", action="store_true", help="with --tune: thresholds only, default weights")
    parser.add_argument("--default-only", action="store_true", help="quality tables: the default ranking only")
    parser.add_argument("--scale-only", action="store_true", help="only the build-time / 10k-passage / HNSW part")
    args = parser.parse_args(argv)
    if args.tune:
        with tempfile.TemporaryDirectory(prefix="kb-tune-") as tmp:
            tune(Path(tmp), args.stackfaq, policy_only=args.policy_only)
        return 0
    import torch

    print(f"# Knowledge-base benchmark\n\nmachine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}; python {platform.python_version()}")
    stages = {k: v for k, v in STAGES.items() if "(default)" in k} if args.default_only else STAGES
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        work = Path(tmp)
        faq_source = work / "stackfaq"
        faq_source.mkdir()
        faq_queries = stackfaq_corpus(args.stackfaq, faq_source)
        if args.scale_only:
            scale_section(work, faq_source, faq_queries)
            return 0
        questions = load_questions(args.questions)
        if questions:
            project_index = work / "project-index"
            build_index(KB_SOURCE, project_index)
            quality_table("Project questions (held out)", KnowledgeBase(project_index), questions, stages,
                          baseline=not args.default_only)
        faq_index = work / "stackfaq-index"
        build_index(faq_source, faq_index)
        quality_table("StackFAQ", KnowledgeBase(faq_index), faq_queries, stages, baseline=not args.default_only)
        if not args.quick:
            scale_section(work, faq_source, faq_queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
