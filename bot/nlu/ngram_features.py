"""TF-IDF word and character n-grams for the intent classifier, stored without pickles.

    ngrams = NgramFeatures.fit(texts, word=(1, 2), char=(2, 5), char_min_df=2)
    matrix = ngrams.transform(["my top-up failed"])      # csr, rows L2-normalised per block
    again = NgramFeatures.from_arrays(ngrams.meta(), ngrams.arrays())   # same transform

Words are lower-cased; character n-grams are taken inside word boundaries (`char_wb`), so
spelling slips ("recieve") still share most of their n-grams with the right word. Each block
uses sublinear term frequency and is L2-normalised on its own.
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
from scipy import sparse

BLOCKS = ("word", "char")


def _vectorizer(block: str, ngrams: Tuple[int, int], min_df: int = 1, vocabulary=None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = "word" if block == "word" else "char_wb"
    return TfidfVectorizer(analyzer=analyzer, ngram_range=tuple(ngrams), sublinear_tf=True,
                           min_df=min_df, vocabulary=vocabulary, dtype=np.float32)


class NgramFeatures:
    def __init__(self, vectorizers: Dict[str, Any], ranges: Dict[str, Tuple[int, int]]) -> None:
        self.vectorizers = vectorizers
        self.ranges = ranges

    @classmethod
    def fit(cls, texts: Sequence[str], word: Tuple[int, int], char: Tuple[int, int],
            char_min_df: int = 1) -> "NgramFeatures":
        ranges = {"word": tuple(word), "char": tuple(char)}
        vectorizers = {}
        for block in BLOCKS:
            min_df = char_min_df if block == "char" else 1
            vec = _vectorizer(block, ranges[block], min_df)
            try:
                vec.fit(texts)
            except ValueError:  # every n-gram below min_df (tiny data): fall back to all of them
                vec = _vectorizer(block, ranges[block]).fit(texts)
            vectorizers[block] = vec
        return cls(vectorizers, ranges)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack([self.vectorizers[b].transform(texts) for b in BLOCKS], format="csr")

    @property
    def size(self) -> int:
        return sum(len(self.vectorizers[b].vocabulary_) for b in BLOCKS)

    # storage: vocabularies in index order (JSON) and idf weights (arrays)

    def meta(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"ranges": {b: list(self.ranges[b]) for b in BLOCKS}}
        for block in BLOCKS:
            vocab = self.vectorizers[block].vocabulary_
            terms: List[str] = [""] * len(vocab)
            for term, i in vocab.items():
                terms[i] = term
            out[f"{block}_terms"] = terms
        return out

    def arrays(self) -> Dict[str, np.ndarray]:
        return {f"{b}_idf": self.vectorizers[b].idf_.astype(np.float32) for b in BLOCKS}

    @classmethod
    def from_arrays(cls, meta: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> "NgramFeatures":
        ranges = {b: tuple(meta["ranges"][b]) for b in BLOCKS}
        vectorizers = {}
        for block in BLOCKS:
            terms = meta[f"{block}_terms"]
            vec = _vectorizer(block, ranges[block], vocabulary={t: i for i, t in enumerate(terms)})
            vec.fit(terms[:1] or [""])  # fixes the vocabulary; the idf weights are set next
            vec.idf_ = np.asarray(arrays[f"{block}_idf"], dtype=np.float64)
            vectorizers[block] = vec
        return cls(vectorizers, ranges)
