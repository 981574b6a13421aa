"""Word and character n-gram model: hashed TF-IDF into a logistic regression.

It sees what sentence embeddings blur: spelling ("sooo annoying"), slang, emoji, punctuation
inside words. Hashing keeps the committed model to a few arrays (no vocabulary to pickle):
word 1-2 grams and character 2-5 grams (within word boundaries) each hashed into 2**18
buckets, sublinear term frequency, IDF from the training split, each block L2-normalised.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

BITS = 18
N_FEATURES = 2 ** BITS
BLOCKS = (("word", (1, 2), 2), ("char_wb", (2, 5), 3))  # analyzer, n-gram range, minimum document frequency


def _vectorizers():
    from sklearn.feature_extraction.text import HashingVectorizer

    return [HashingVectorizer(analyzer=analyzer, ngram_range=ngrams, n_features=N_FEATURES, alternate_sign=False,
                              norm=None, lowercase=True)
            for analyzer, ngrams, _ in BLOCKS]


def _counts(texts: Sequence[str]):
    return [vectorizer.transform(list(texts)) for vectorizer in _vectorizers()]


def fit_idf(counts, min_df: int) -> np.ndarray:
    """Smoothed IDF as scikit-learn computes it; buckets seen in fewer than min_df texts get 0 (dropped)."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    n = counts.shape[0]
    idf = np.log((1 + n) / (1 + df)) + 1
    idf[df < min_df] = 0
    return idf.astype(np.float32)


def features(counts_blocks, idfs):
    from scipy.sparse import hstack
    from sklearn.preprocessing import normalize

    blocks = []
    for counts, idf in zip(counts_blocks, idfs):
        weighted = counts.astype(np.float32).tocsr(copy=True)
        weighted.data = 1 + np.log(weighted.data)
        blocks.append(normalize(weighted.multiply(idf[None, :]).tocsr()))
    return hstack(blocks).tocsr()


@dataclass
class WordModel:
    idfs: list[np.ndarray]  # one (N_FEATURES,) array per block
    coef: np.ndarray  # (len(BLOCKS) * N_FEATURES,)
    intercept: float

    @classmethod
    def fit(cls, texts: Sequence[str], y: np.ndarray, c: float = 1.0) -> "WordModel":
        from sklearn.linear_model import LogisticRegression

        counts = _counts(texts)
        idfs = [fit_idf(block.tocsr(), min_df) for block, (_, _, min_df) in zip(counts, BLOCKS)]
        model = LogisticRegression(C=c, max_iter=3000).fit(features(counts, idfs), np.asarray(y))
        return cls(idfs, model.coef_[0].astype(np.float32), float(model.intercept_[0]))

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        return np.asarray(features(_counts(texts), self.idfs) @ self.coef, dtype=np.float64) + self.intercept

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {f"words.idf.{i}": idf.astype(np.float16) for i, idf in enumerate(self.idfs)}
        arrays["words.coef"] = self.coef.astype(np.float16)
        arrays["words.intercept"] = np.array([self.intercept], dtype=np.float32)
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> "WordModel":
        idfs = [np.asarray(arrays[f"words.idf.{i}"], dtype=np.float32) for i in range(len(BLOCKS))]
        return cls(idfs, np.asarray(arrays["words.coef"], dtype=np.float32),
                   float(np.asarray(arrays["words.intercept"]).reshape(-1)[0]))
