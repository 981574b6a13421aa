"""Build and load the persisted knowledge-base index.

An index folder holds generations; `CURRENT` names the live one and is replaced
atomically, so a running action server or hub swaps to a rebuilt index between two
searches without a restart, and never reads a half-written one:

    var/kb-index/
      CURRENT                  -> "gen-20261202T101500-4711"
      gen-20261202T101500-4711/
        manifest.json          format, encoder, index type, articles with content hashes
        passages.jsonl         one passage per line (article id, heading, text)
        embeddings.npy         float32 (passages x 384), L2-normalised; reused by the next build
        titles.npy             float32 (articles x 384): the article titles, in manifest order
        dense.faiss            faiss inner-product index: flat, or HNSW beyond FLAT_LIMIT passages
        lexical.npz, lexical-terms.txt   BM25 weights

A build re-embeds only articles whose content hash changed; the rest reuse their rows.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from bot.kb.articles import Article, ArticleError, Passage, load_articles, split_passages
from bot.kb.lexical import LexicalIndex

FORMAT = 2  # bumped when the files of a generation change
FLAT_LIMIT = 50_000  # passages; beyond this an HNSW graph replaces exact search
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
CURRENT = "CURRENT"
KEEP_GENERATIONS = 2  # the live one and the one before it (a reader may still be loading it)


class KbError(Exception):
    """A knowledge-base problem with a message fit for an operator."""


class IndexNotFound(KbError):
    pass


@dataclass
class BuildReport:
    articles: int
    passages: int
    embedded_articles: int
    reused_articles: int
    removed_articles: int
    index_type: str
    seconds: float
    generation: str
    folder: Path

    def summary(self) -> str:
        return (
            f"{self.articles} articles, {self.passages} passages "
            f"({self.embedded_articles} articles embedded, {self.reused_articles} unchanged, "
            f"{self.removed_articles} removed); {self.index_type} index in {self.seconds:.1f} s "
            f"at {self.folder}"
        )

    def as_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "folder"}
        data["folder"] = str(self.folder)
        return data


@dataclass
class LoadedIndex:
    generation: str
    index_type: str
    articles: dict[str, dict]  # id -> title, url, tags, updated, hash
    passages: list[Passage]
    passage_article: np.ndarray  # passage row -> position in article_ids
    article_ids: list[str]
    embeddings: np.ndarray
    title_embeddings: np.ndarray  # row i = article_ids[i]
    dense: object  # faiss.Index
    lexical: LexicalIndex
    loaded_at: float = field(default_factory=time.monotonic)

    def __len__(self) -> int:
        return len(self.passages)


def current_generation(index_dir: Path) -> str | None:
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def load_index(index_dir: Path) -> LoadedIndex:
    import faiss

    index_dir = Path(index_dir)
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexNotFound(f"no knowledge-base index at {index_dir}: run `carebot kb build`")
    folder = index_dir / generation
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise KbError(f"index at {index_dir} has format {manifest.get('format')}; rebuild it with `carebot kb build`")
        passages = [_passage_from_json(line) for line in _lines(folder / "passages.jsonl")]
        embeddings = np.load(folder / "embeddings.npy")
        title_embeddings = np.load(folder / "titles.npy")
        dense = faiss.read_index(str(folder / "dense.faiss"))
        lexical = LexicalIndex.load(folder)
    except (OSError, ValueError, RuntimeError) as exc:
        raise KbError(f"knowledge-base index at {folder} is unreadable ({exc}); rebuild it with `carebot kb build`") from exc
    if not passages:
        raise KbError(f"knowledge-base index at {index_dir} is empty: add articles and run `carebot kb build`")
    if manifest["index_type"] == "hnsw":
        dense.hnsw.efSearch = HNSW_EF_SEARCH
    article_ids = list(manifest["articles"])
    position = {a: i for i, a in enumerate(article_ids)}
    return LoadedIndex(
        generation=generation,
        index_type=manifest["index_type"],
        articles=manifest["articles"],
        passages=passages,
        passage_article=np.array([position[p.article_id] for p in passages], dtype=np.int64),
        article_ids=article_ids,
        embeddings=embeddings,
        title_embeddings=title_embeddings,
        dense=dense,
        lexical=lexical,
    )


def build_index(
    source: Path,
    index_dir: Path,
    *,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    encoder_name: str | None = None,
    flat_limit: int = FLAT_LIMIT,
) -> BuildReport:
    """Build a new generation from `source` and make it current. Raises ArticleError / KbError."""
    started = time.perf_counter()
    source, index_dir = Path(source), Path(index_dir)
    articles = load_articles(source)
    if not articles:
        raise ArticleError(f"no articles (*.md) found in {source}")
    if encode is None:
        from bot import embeddings

        encoder = embeddings.load_encoder()
        encode = lambda texts: embeddings.encode(encoder, texts)  # noqa: E731
        encoder_name = embeddings.MODEL_NAME
    encoder_name = encoder_name or "custom"
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        previous = _previous_build(index_dir, encoder_name)
        passages: list[Passage] = []
        rows: list[np.ndarray] = []
        to_embed: list[tuple[int, list[Passage], Article]] = []
        reused = embedded = 0
        title_rows: list[np.ndarray | None] = []
        manifest_articles: dict[str, dict] = {}
        for article in articles:
            old = previous.get(article.id) if previous else None
            if old is not None and old[0] == article.content_hash:
                article_passages, article_rows = old[1], old[2]
                title_rows.append(old[3])
                reused += 1
            else:
                article_passages, article_rows = split_passages(article), None
                title_rows.append(None)
                embedded += 1
            manifest_articles[article.id] = {
                "title": article.title,
                "url": article.url,
                "tags": list(article.tags),
                "updated": article.updated,
                "hash": article.content_hash,
            }
            if article_rows is None:
                to_embed.append((len(rows), article_passages, article))
                rows.append(np.zeros((0, 0), dtype=np.float32))  # placeholder, filled below
            else:
                rows.append(article_rows)
            passages.extend(article_passages)
        if to_embed:
            texts = [p.indexed_text(a.title) for _, ps, a in to_embed for p in ps]
            texts += [a.title for _, _, a in to_embed]
            vectors = np.asarray(encode(texts), dtype=np.float32)
            new_titles = iter(vectors[len(texts) - len(to_embed) :])
            title_rows = [row if row is not None else next(new_titles) for row in title_rows]
            offset = 0
            for slot, ps, _ in to_embed:
                rows[slot] = vectors[offset : offset + len(ps)]
                offset += len(ps)
        embeddings = np.ascontiguousarray(np.vstack(rows), dtype=np.float32)
        titles = {a.id: a.title for a in articles}
        lexical = LexicalIndex.build([p.indexed_text(titles[p.article_id]) for p in passages])
        index_type = "flat" if len(passages) <= flat_limit else "hnsw"
        dense = _dense_index(embeddings, index_type)
        removed = len(set(previous or {}) - set(manifest_articles))

        generation = f"gen-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        folder = index_dir / generation
        folder.mkdir()
        import faiss

        np.save(folder / "embeddings.npy", embeddings)
        np.save(folder / "titles.npy", np.vstack(title_rows).astype(np.float32))
        faiss.write_index(dense, str(folder / "dense.faiss"))
        lexical.save(folder)
        with (folder / "passages.jsonl").open("w", encoding="utf-8") as out:
            for p in passages:
                out.write(json.dumps({"article": p.article_id, "heading": p.heading, "text": p.text}) + "\n")
        manifest = {
            "format": FORMAT,
            "encoder": encoder_name,
            "index_type": index_type,
            "created": datetime.now(timezone.utc).isoformat(),
            "source": str(source),
            "articles": manifest_articles,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _make_current(index_dir, generation)
        _prune(index_dir, keep=generation)
    return BuildReport(
        articles=len(articles),
        passages=len(passages),
        embedded_articles=embedded,
        reused_articles=reused,
        removed_articles=removed,
        index_type=index_type,
        seconds=time.perf_counter() - started,
        generation=generation,
        folder=index_dir,
    )


def _dense_index(embeddings: np.ndarray, index_type: str):
    import faiss

    dim = embeddings.shape[1]
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.add(embeddings)
    return index


def _previous_build(
    index_dir: Path, encoder_name: str
) -> dict[str, tuple[str, list[Passage], np.ndarray, np.ndarray]] | None:
    """article id -> (hash, passages, embedding rows, title row) of the current generation, if reusable."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    folder = index_dir / generation
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("encoder") != encoder_name:
            return None
        passages = [_passage_from_json(line) for line in _lines(folder / "passages.jsonl")]
        embeddings = np.load(folder / "embeddings.npy")
        titles = np.load(folder / "titles.npy")
    except (OSError, ValueError, KeyError):
        return None  # unreadable: rebuild everything
    if len(passages) != len(embeddings) or len(titles) != len(manifest.get("articles", {})):
        return None
    grouped: dict[str, list[int]] = {}
    for row, p in enumerate(passages):
        grouped.setdefault(p.article_id, []).append(row)
    out = {}
    for position, (article_id, meta) in enumerate(manifest.get("articles", {}).items()):
        idx = grouped.get(article_id, [])
        out[article_id] = (meta.get("hash"), [passages[i] for i in idx], embeddings[idx], titles[position])
    return out


def _make_current(index_dir: Path, generation: str) -> None:
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    tmp.write_text(generation + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / CURRENT)


def _prune(index_dir: Path, keep: str) -> None:
    generations = sorted(
        (p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    others = [folder for folder in generations if folder.name != keep]
    for folder in others[KEEP_GENERATIONS - 1 :]:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    with open(index_dir / ".build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line


def _passage_from_json(line: str) -> Passage:
    data = json.loads(line)
    return Passage(article_id=data["article"], heading=data["heading"], text=data["text"])
