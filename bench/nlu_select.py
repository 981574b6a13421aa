"""How SentenceIntentClassifier's options were chosen: validation data only, never a test split.

Runs in the services environment (.venv: sentence-transformers, scikit-learn) on the same
all-MiniLM-L6-v2 sentence embeddings the Rasa pipeline uses, so each variant costs seconds
instead of a Rasa training:

    .venv/bin/python bench/nlu_select.py --banking77 $DATASETS/banking77/train.csv \
        --few-shot bench/data/banking77_train_10_per_intent.csv

Two validation settings, both inside Banking77's *training* split:
- full data: a seeded 10 % of the training split held out (seed 42), the rest trained on;
- 10 per intent: 5-fold stratified cross-validation of the committed 10-per-intent sample.

Each variant is the regression of bot/nlu/sentence_intent_classifier.py, with its score
logit + bonus x nearest-example cosine; the printed table is what bench/README.md quotes.
The chosen variant has the best mean of the two validation accuracies.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VARIANTS = [  # (name, C, n-gram weight, similarity bonus)
    ("embedding only", 10.0, 0.0, 0.0),
    ("embedding + n-grams (w 0.3)", 10.0, 0.3, 0.0),
    ("embedding + n-grams (w 0.5)", 10.0, 0.5, 0.0),
    ("embedding + n-grams (w 1.0)", 10.0, 1.0, 0.0),
    ("embedding + n-grams, C 30", 30.0, 0.5, 0.0),
    ("+ nearest-example bonus 2", 10.0, 0.5, 2.0),
    ("+ nearest-example bonus 5", 10.0, 0.5, 5.0),
    ("+ nearest-example bonus 10", 10.0, 0.5, 10.0),
]


def read(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [(" ".join(r["text"].split()), (r.get("category") or r.get("label")).strip()) for r in csv.DictReader(fh)]
    return [t for t, _ in rows], np.array([l for _, l in rows])


def predict(train_texts, train_x, train_y, test_texts, test_x, c, weight, bonus) -> np.ndarray:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from bot.nlu.ngram_features import NgramFeatures

    blocks_train, blocks_test = [sparse.csr_matrix(train_x)], [sparse.csr_matrix(test_x)]
    if weight > 0:
        ngrams = NgramFeatures.fit(train_texts, (1, 2), (2, 5), char_min_df=2)
        blocks_train.append(ngrams.transform(train_texts) * weight)
        blocks_test.append(ngrams.transform(test_texts) * weight)
    model = LogisticRegression(C=c, max_iter=3000).fit(sparse.hstack(blocks_train).tocsr(), train_y)
    scores = model.decision_function(sparse.hstack(blocks_test).tocsr())
    if bonus:
        sims = test_x @ train_x.T
        scores = scores + bonus * np.stack([sims[:, train_y == k].max(axis=1) for k in model.classes_], axis=1)
    return model.classes_[scores.argmax(axis=1)]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--banking77", type=Path, required=True, help="Banking77 train.csv")
    p.add_argument("--few-shot", type=Path, required=True, help="the committed 10-per-intent sample")
    args = p.parse_args()
    from sklearn.model_selection import StratifiedKFold

    from bot.embeddings import encode, load_encoder

    encoder = load_encoder()
    texts, labels = read(args.banking77)
    few_texts, few_labels = read(args.few_shot)
    x = encode(encoder, texts)
    few_x = encode(encoder, few_texts)
    order = np.random.RandomState(42).permutation(len(labels))
    held, fit = order[: len(labels) // 10], order[len(labels) // 10:]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=42).split(few_x, few_labels))

    print("| variant | C | n-gram weight | bonus | full data, 10 % validation (%) | 10 per intent, 5-fold CV (%) | mean | fit time, full (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, c, weight, bonus in VARIANTS:
        start = time.perf_counter()
        pred = predict([texts[i] for i in fit], x[fit], labels[fit], [texts[i] for i in held], x[held], c, weight, bonus)
        seconds = time.perf_counter() - start
        full = float((pred == labels[held]).mean())
        few = float(np.mean([
            (predict([few_texts[i] for i in a], few_x[a], few_labels[a], [few_texts[i] for i in b], few_x[b],
                     c, weight, bonus) == few_labels[b]).mean()
            for a, b in folds]))
        print(f"| {name} | {c:g} | {weight:g} | {bonus:g} | {100 * full:.2f} | {100 * few:.2f} | "
              f"{100 * (full + few) / 2:.2f} | {seconds:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
