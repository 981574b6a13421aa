"""Precision, recall, F1 of the `frustrated` class and the dev-split threshold search."""
from __future__ import annotations

import numpy as np

# Candidate thresholds on a probability: 0.05, 0.06, ..., 0.95.
THRESHOLDS = tuple(round(0.05 + 0.01 * i, 2) for i in range(91))


def f1_at(gold, predicted) -> tuple[float, float, float]:
    """(precision, recall, F1) of the positive class; 0.0 where undefined (no predictions / no positives)."""
    gold = np.asarray(gold).astype(bool)
    predicted = np.asarray(predicted).astype(bool)
    if gold.shape != predicted.shape:
        raise ValueError(f"gold and predicted differ in shape: {gold.shape} vs {predicted.shape}")
    tp = int(np.sum(gold & predicted))
    precision = tp / int(predicted.sum()) if predicted.any() else 0.0
    recall = tp / int(gold.sum()) if gold.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def best_threshold(gold, probability, thresholds=THRESHOLDS) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of `probability >= threshold`; ties go to the lower threshold."""
    probability = np.asarray(probability, dtype=np.float64)
    best = (float(thresholds[0]), -1.0)
    for threshold in thresholds:
        f1 = f1_at(gold, probability >= threshold)[2]
        if f1 > best[1] + 1e-12:
            best = (float(threshold), f1)
    return best
