"""The scorer embeds each text once: a conversation re-compares earlier messages every turn."""
from __future__ import annotations

import numpy as np

from bot.frustration import scorer as scorer_module
from bot.frustration.scorer import FrustrationScorer


class CountingEncoder:
    """Deterministic vectors from the text, counting how many texts it was asked for."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        vectors = np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32).reshape(-1, 3)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def test_each_text_is_embedded_once_and_results_match_the_encoder():
    encoder = CountingEncoder()
    scorer = FrustrationScorer(embed=encoder)
    first = scorer.embed(["where is my order", "it is late"])
    second = scorer.embed(["it is late", "where is my order", "still nothing"])
    assert encoder.calls == [["where is my order", "it is late"], ["still nothing"]]
    np.testing.assert_allclose(second, encoder(["it is late", "where is my order", "still nothing"]))
    np.testing.assert_allclose(first[0], second[1])
    assert scorer.embed([]).shape[0] == 0


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(scorer_module, "_VECTOR_CACHE", 3)
    encoder = CountingEncoder()
    scorer = FrustrationScorer(embed=encoder)
    scorer.embed(["a", "b", "c", "d"])  # more than fit: all are still returned
    assert len(scorer._vectors) == 3
    scorer.embed(["a"])  # the oldest was dropped, so it is embedded again
    assert encoder.calls[-1] == ["a"]
