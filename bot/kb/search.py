"""Hybrid search: MiniLM cosine (faiss) + BM25, fused per passage, best passage per article.

    kb = KnowledgeBase(index_dir)
    hits = kb.search("my barista one says E04", k=5)
    hits[0].article_id, hits[0].passage, hits[0].score

`KnowledgeBase` checks the index folder's CURRENT file at most every `reload_interval`
seconds and swaps to a rebuilt index between two searches (no restart needed).
Each stage can be switched off (`Ranking`) so bench/kb.py can report what it adds.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Collection

import numpy as np

from bot.kb.index import KbError, LoadedIndex, current_generation, load_index
from bot.kb.lexical import is_code, tokenize

MAX_QUERY_CHARS = 2000


class QueryError(KbError):
    """A query the engine refuses (empty, too long)."""


@dataclass(frozen=True)
class Ranking:
    """How the evidence combines; the weights are chosen on development data (bench/README.md).

    linear fusion, per article:  best passage's [cosine + lexical_weight x BM25 / query ceiling
                                                 + code_weight x (passage holds the query's codes)]
                                 + title_weight x cosine(query, article title)
    The score is divided by the sum of the weights, so it stays between 0 and 1.
    """

    dense: bool = True
    lexical: bool = True
    title: bool = True
    lexical_weight: float = 0.5
    code_weight: float = 0.0  # measured, not used: no gain on the development questions
    title_weight: float = 0.5
    candidates: int = 100  # passages taken from each ranker before fusion
    fusion: str = "linear"  # "linear" or "rrf" (reciprocal rank fusion, for comparison)
    rrf_k: int = 60

    def only(self, stage: str) -> "Ranking":
        return replace(self, dense=stage == "dense", lexical=stage == "lexical", title=False)


DEFAULT_RANKING = Ranking()


@dataclass(frozen=True)
class Hit:
    article_id: str
    title: str
    url: str
    heading: str
    passage: str
    score: float  # fused score, 0..1 (see Ranking)
    dense: float  # cosine similarity to the query of the article's best-ranked passage
    lexical: float  # its raw BM25 score

    def as_dict(self) -> dict:
        return {
            "article": self.article_id,
            "title": self.title,
            "url": self.url,
            "heading": self.heading,
            "passage": self.passage,
            "score": round(self.score, 4),
            "dense": round(self.dense, 4),
            "lexical": round(self.lexical, 4),
        }


def check_query(query: str) -> str:
    if not isinstance(query, str):
        raise QueryError("the question must be text")
    if not query.strip():
        raise QueryError("the question is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the question is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}")
    return query.strip()


def rank(
    index: LoadedIndex,
    query: str,
    query_vector: np.ndarray | None,
    k: int = 5,
    ranking: Ranking = DEFAULT_RANKING,
) -> list[Hit]:
    """The best `k` articles for `query`, each with its best passage."""
    n = len(index)
    candidates = min(ranking.candidates, n)
    dense_scores: dict[int, float] = {}
    lexical_all = np.zeros(n, dtype=np.float32)
    ranked_lists: list[list[int]] = []
    if ranking.dense and query_vector is not None:
        sims, ids = index.dense.search(query_vector.reshape(1, -1).astype(np.float32), candidates)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], sims[0]) if i >= 0]
        dense_scores = dict(pairs)
        ranked_lists.append([i for i, _ in pairs])
    if ranking.lexical:
        lexical_all = index.lexical.scores(query)
        if lexical_all.any():
            top = np.argpartition(-lexical_all, candidates - 1)[:candidates] if candidates < n else np.arange(n)
            top = top[np.argsort(-lexical_all[top], kind="stable")]
            ranked_lists.append([int(i) for i in top if lexical_all[i] > 0])
    pool = sorted({i for ranked in ranked_lists for i in ranked})
    if not pool:
        return []
    pool_a = np.array(pool, dtype=np.int64)
    # Exact cosines for every candidate (HNSW may not have returned the lexical ones).
    use_dense = ranking.dense and query_vector is not None
    cosines = index.embeddings[pool_a] @ query_vector if use_dense else np.zeros(len(pool), np.float32)
    lexical = lexical_all[pool_a]
    if ranking.fusion == "rrf":
        fused = np.zeros(len(pool), dtype=np.float64)
        position = {p: j for j, p in enumerate(pool)}
        for ranked in ranked_lists:
            for r, p in enumerate(ranked):
                fused[position[p]] += 1.0 / (ranking.rrf_k + r + 1)
        total = 1.0
    else:
        fused = cosines.astype(np.float64) if use_dense else np.zeros(len(pool), dtype=np.float64)
        total = 1.0 if use_dense else 0.0
        if ranking.lexical:
            weight = ranking.lexical_weight if use_dense else 1.0
            fused += weight * index.lexical.normalised_scores(query)[pool_a]
            total += weight
            codes = index.lexical.code_matches(query)[pool_a]
            if codes.any() and ranking.code_weight:
                fused += ranking.code_weight * codes
                total += ranking.code_weight
    # Article score: its best passage, plus the title evidence below. The passage shown is
    # that one too, except that a section whose heading names a code of the question
    # ("E04: Pump blocked") is preferred within its article to one that merely mentions it.
    best: dict[int, int] = {}
    for j in np.argsort(-fused, kind="stable"):
        best.setdefault(int(index.passage_article[pool[j]]), int(j))
    articles = np.fromiter(best.keys(), dtype=np.int64)
    evidence = np.fromiter(best.values(), dtype=np.int64)
    scores = fused[evidence]
    shown = _sections_named_by_codes(index, query, pool, best)
    passage_of = np.fromiter((shown.get(a, j) for a, j in best.items()), dtype=np.int64)
    if ranking.fusion != "rrf" and ranking.title and use_dense:
        scores = scores + ranking.title_weight * (index.title_embeddings[articles] @ query_vector)
        total += ranking.title_weight
    hits: list[Hit] = []
    for a in np.argsort(-scores, kind="stable")[:k]:
        j, e = passage_of[a], evidence[a]
        passage = index.passages[pool[j]]
        meta = index.articles[passage.article_id]
        hits.append(
            Hit(
                article_id=passage.article_id,
                title=meta["title"],
                url=meta["url"],
                heading=passage.heading,
                passage=passage.text,
                score=float(scores[a] / total) if total else float(scores[a]),
                dense=float(cosines[e]),  # of the passage that ranked the article
                lexical=float(lexical[e]),
            )
        )
    return hits


def _sections_named_by_codes(index: LoadedIndex, query: str, pool: list[int], best: dict[int, int]) -> dict[int, int]:
    """article position -> pool position of a passage whose heading holds every code of the query."""
    wanted = {t for t in tokenize(query) if is_code(t)}
    if not wanted:
        return {}
    out: dict[int, int] = {}
    for j, row in enumerate(pool):
        article = int(index.passage_article[row])
        if article in best and article not in out and wanted <= set(tokenize(index.passages[row].heading)):
            out[article] = j
    return out


_UNIT = re.compile(r"(?<=[.!?])\s+|\n+")  # sentences and lines of a passage


def in_topics_prefixes(topics: Collection[str]) -> tuple[str, ...]:
    return tuple(f"{t.strip('/')}/" for t in topics if t and t.strip("/"))


def in_topics(article_id: str, topics: Collection[str]) -> bool:
    """Whether an article is filed under one of `topics` (folders of the knowledge base)."""
    return article_id.startswith(in_topics_prefixes(topics))


class KnowledgeBase:
    """A loaded index plus the query encoder; thread-safe; reloads when the index is rebuilt."""

    def __init__(
        self,
        index_dir: Path,
        *,
        encode: Callable[[list[str]], np.ndarray] | None = None,
        ranking: Ranking = DEFAULT_RANKING,
        reload_interval: float = 2.0,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.ranking = ranking
        self.reload_interval = reload_interval
        self._encode = encode
        self._lock = threading.Lock()
        self._index: LoadedIndex | None = None
        self._checked_at = 0.0
        self.refresh(force=True)

    @property
    def index(self) -> LoadedIndex:
        assert self._index is not None
        return self._index

    def refresh(self, force: bool = False) -> bool:
        """Load the current generation if it changed; True when a new one was loaded."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.reload_interval:
            return False
        self._checked_at = now
        generation = current_generation(self.index_dir)
        if self._index is not None and generation == self._index.generation:
            return False
        loaded = load_index(self.index_dir)
        with self._lock:
            self._index = loaded
        return True

    def _refresh_or_keep(self) -> None:
        """Load a rebuilt index if there is one; a broken rebuild keeps serving the last good index."""
        try:
            self.refresh()
        except KbError:
            if self._index is None:
                raise

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """L2-normalised embeddings with the index's encoder (loaded on first use)."""
        if self._encode is None:
            from bot import embeddings

            encoder = embeddings.load_encoder()
            self._encode = lambda batch: embeddings.encode(encoder, batch)
        return np.asarray(self._encode(list(texts)), dtype=np.float32)

    def encode_query(self, query: str) -> np.ndarray:
        return self.encode_texts([query])[0]

    def article_hit(self, query: str, article_id: str) -> Hit | None:
        """The passage of one article that best answers `query` (the customer picked the article)."""
        query = check_query(query)
        with self._lock:
            index = self._index
        rows = [i for i, p in enumerate(index.passages) if p.article_id == article_id]
        if not rows:
            return None
        vector = self.encode_query(query)
        cosines = index.embeddings[rows] @ vector
        lexical = index.lexical.normalised_scores(query)[rows]
        best = int(np.argmax(cosines + self.ranking.lexical_weight * lexical))
        passage, meta = index.passages[rows[best]], index.articles[article_id]
        return Hit(article_id, meta["title"], meta["url"], passage.heading, passage.text,
                   score=float(cosines[best]), dense=float(cosines[best]), lexical=float(lexical[best]))

    def named_by_code(self, query: str, max_passages: int = 2) -> tuple[Hit, str] | None:
        """What the knowledge base says about the codes a query names, when few passages name them
        ("can I use WELCOME10 on it"): the first such passage and every sentence, in the base's order,
        that names the codes ("Codes in emails use capital letters, for example WELCOME10. ... Our
        welcome code WELCOME10 gives 10% off a first order of $30 or more ..."). None when the query
        names no code with letters and digits, or when its codes are too common to point anywhere
        (order numbers given as examples in many articles). A short ask scores a low cosine; a rare
        code it shares with a passage is evidence of its own."""
        query = check_query(query)
        self._refresh_or_keep()
        with self._lock:
            index = self._index
        codes = {t for t in tokenize(query) if is_code(t) and any(c.isalpha() for c in t)}
        rows: set[int] | None = None
        for code in codes:
            column = index.lexical.vocabulary.get(code)
            found = set(index.lexical.weights[column].indices) if column is not None else set()
            rows = found if rows is None else rows & found
        if not rows or len(rows) > max_passages:
            return None
        ordered = sorted(rows)
        sentences = [u.strip() for r in ordered for u in _UNIT.split(index.passages[r].text)
                     if codes <= set(tokenize(u))]
        first = index.passages[ordered[0]]
        meta = index.articles[first.article_id]
        dense = float(index.embeddings[ordered[0]] @ self.encode_query(query))
        hit = Hit(first.article_id, meta["title"], meta["url"], first.heading, first.text,
                  score=dense, dense=dense, lexical=0.0)
        return hit, " ".join(sentences) or first.text

    def summary(self, article_id: str) -> str | None:
        """The article's summary (its text before the first heading), or None."""
        with self._lock:
            index = self._index
        return next((p.text for p in index.passages if p.article_id == article_id and not p.heading), None)

    def next_passage(self, hit: Hit) -> Hit | None:
        """The passage that follows `hit`'s in its article (None at the article's end)."""
        with self._lock:
            index = self._index
        for i, p in enumerate(index.passages):
            if p.article_id == hit.article_id and p.text == hit.passage:
                if i + 1 < len(index.passages) and index.passages[i + 1].article_id == hit.article_id:
                    following = index.passages[i + 1]
                    return Hit(hit.article_id, hit.title, hit.url, following.heading, following.text,
                               score=hit.score, dense=hit.dense, lexical=hit.lexical)
                return None
        return None

    def search_topics(self, query: str, topics: Collection[str], k: int = 3,
                      outside_margin: float | None = None) -> list[Hit]:
        """The best `k` articles among those filed under `topics` (folders of the knowledge base:
        article ids "shipping/...", "returns/..."), each with its best passage. Every passage of
        those articles is scored exactly (cosine plus the weighted lexical score, as for a picked
        article), so a narrow topic never loses its passages to the candidate pool of the whole
        base. `dense` of each hit is its passage's cosine to the query.

        With `outside_margin`, articles outside `topics` compete too, their score lowered by the
        margin: the topics are a preference (an intent read slightly wrong, or a question the
        intent's folders do not hold, still finds its article), not a wall."""
        query = check_query(query)
        self._refresh_or_keep()
        prefixes = in_topics_prefixes(topics)
        with self._lock:
            index = self._index
        if outside_margin is None:
            rows = [i for i, p in enumerate(index.passages) if p.article_id.startswith(prefixes)]
        else:
            rows = list(range(len(index.passages)))
        if not rows:
            return []
        vector = self.encode_query(query)
        cosines = index.embeddings[rows] @ vector
        lexical = index.lexical.normalised_scores(query)[rows]
        combined = cosines + self.ranking.lexical_weight * lexical
        if outside_margin is not None:
            outside = np.array([not index.passages[r].article_id.startswith(prefixes) for r in rows])
            combined = combined - outside_margin * outside
        best: dict[str, int] = {}
        for j, row in enumerate(rows):
            article = index.passages[row].article_id
            if article not in best or combined[j] > combined[best[article]]:
                best[article] = j
        hits = []
        for article, j in sorted(best.items(), key=lambda item: -combined[item[1]])[:k]:
            passage, meta = index.passages[rows[j]], index.articles[article]
            hits.append(Hit(article, meta["title"], meta["url"], passage.heading, passage.text,
                            score=float(combined[j]), dense=float(cosines[j]), lexical=float(lexical[j])))
        return hits

    def search(self, query: str, k: int = 5, ranking: Ranking | None = None) -> list[Hit]:
        query = check_query(query)
        self._refresh_or_keep()
        ranking = ranking or self.ranking
        vector = self.encode_query(query) if ranking.dense else None
        with self._lock:
            index = self._index
        return rank(index, query, vector, k=k, ranking=ranking)
