"""BM25 over passages, so exact terms (error codes, SKUs, plan names) count.

The index is a sparse term x passage matrix of precomputed BM25 weights: a query's
scores are the sum of its terms' rows, a few hundred microseconds at 10k passages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75

_TOKEN = re.compile(r"[a-z0-9]+(?:[-_.'][a-z0-9]+)*")
STOPWORDS = frozenset(
    """a about an and are as at be been but by can could did do does doing for from had has have
    how i if in into is it its me my of on or our so than that the their them then there these they
    this to too us was we were what when where which who why will with would you your i'm i've it's
    am any just get got been being im ive dont""".split()
)
_SUFFIXES = ("ing", "edly", "ed", "ies", "es", "s", "ly")


def stem(word: str) -> str:
    """A deliberately light suffix stripper: plurals and common verb endings only."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            base = word[: -len(suffix)]
            if suffix == "ies":
                return base + "y"
            return base
    return word


def tokenize(text: str) -> list[str]:
    """Lower-cased terms; codes like "LK-GR200" give the whole code and its parts."""
    terms: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        token = token.strip("'")
        if "'" in token:
            token = token.split("'")[0]
        if not token or token in STOPWORDS:
            continue
        if any(ch in token for ch in "-_."):
            terms.append(token)
            terms.extend(stem(p) for p in re.split(r"[-_.]", token) if p and p not in STOPWORDS)
        else:
            terms.append(stem(token))
    return terms


_CODE = re.compile(r"^(?=.*\d)[a-z0-9]+(?:[-_.][a-z0-9]+)*$")


def is_code(term: str) -> bool:
    """Error codes, SKUs, order and invoice numbers: terms with a digit ("e04", "lk-gr200", "402")."""
    return len(term) >= 2 and bool(_CODE.match(term))


@dataclass
class LexicalIndex:
    vocabulary: dict[str, int]
    weights: sparse.csr_matrix  # terms x passages
    idf: np.ndarray  # per term

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        docs = [tokenize(t) for t in texts]
        vocabulary: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for col, terms in enumerate(docs):
            tf: dict[int, int] = {}
            for term in terms:
                term_id = vocabulary.setdefault(term, len(vocabulary))
                tf[term_id] = tf.get(term_id, 0) + 1
            for row, count in tf.items():
                rows.append(row)
                cols.append(col)
                counts.append(count)
        n_docs = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
        rows_a = np.array(rows, dtype=np.int64)
        cols_a = np.array(cols, dtype=np.int64)
        tf_a = np.array(counts, dtype=np.float32)
        df = np.bincount(rows_a, minlength=len(vocabulary)).astype(np.float32)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        norm = K1 * (1.0 - B + B * lengths[cols_a] / avg) if len(cols_a) else np.zeros(0, np.float32)
        values = idf[rows_a] * tf_a * (K1 + 1.0) / (tf_a + norm)
        weights = sparse.csr_matrix(
            (values.astype(np.float32), (rows_a, cols_a)), shape=(len(vocabulary), n_docs)
        )
        return cls(vocabulary, weights, idf.astype(np.float32))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for `query` (zeros when no term is known)."""
        ids = [self.vocabulary[t] for t in tokenize(query) if t in self.vocabulary]
        if not ids:
            return np.zeros(self.weights.shape[1], dtype=np.float32)
        return np.asarray(self.weights[ids].sum(axis=0), dtype=np.float32).ravel()

    def normalised_scores(self, query: str) -> np.ndarray:
        """BM25 divided by the query's ceiling (every known term at saturation), so 0..1 and
        comparable between queries: a passage holding the query's rare terms scores high."""
        ids = [self.vocabulary[t] for t in set(tokenize(query)) if t in self.vocabulary]
        raw = self.scores(query)
        ceiling = float(self.idf[ids].sum()) * (K1 + 1.0) if ids else 0.0
        return raw / ceiling if ceiling > 0 else raw

    def code_matches(self, query: str) -> np.ndarray:
        """1.0 for each passage containing every code of the query (error codes, SKUs), else 0."""
        codes = [self.vocabulary.get(t, -1) for t in set(tokenize(query)) if is_code(t)]
        out = np.zeros(self.weights.shape[1], dtype=np.float32)
        if not codes or -1 in codes:
            return out
        present = [set(self.weights[i].indices) for i in codes]
        for col in set.intersection(*present):
            out[col] = 1.0
        return out

    def save(self, folder: Path) -> None:
        sparse.save_npz(folder / "lexical.npz", self.weights)
        np.save(folder / "lexical-idf.npy", self.idf)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (folder / "lexical-terms.txt").write_text("\n".join(terms), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        weights = sparse.load_npz(folder / "lexical.npz").tocsr()
        text = (folder / "lexical-terms.txt").read_text(encoding="utf-8")
        terms = text.split("\n") if text else []
        return cls({t: i for i, t in enumerate(terms)}, weights, np.load(folder / "lexical-idf.npy"))
