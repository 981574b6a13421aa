"""Question or request (bot/nlu/speech_act.py): how well the rule learned from data/speech_acts.yml holds.

    .venv-rasa/bin/python bench/speech_act.py

1. Stratified 10-fold cross-validation on data/speech_acts.yml (every example is predicted by a
   model that did not see it).
2. The journeys of bench/journeys/dev.yml (written by someone who never saw the examples or the
   model): the first message of each journey tagged `question` or `request` (not both), trained on
   all of data/speech_acts.yml. test.yml is only read with --test, at the end.

Prints accuracy, and precision/recall of "question" (a request taken for a question delays an
action by one offer; a question taken for a request starts a form the customer did not ask for).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu.speech_act import (LABELS, SpeechActModel, choose_threshold, load_examples,  # noqa: E402
                                out_of_fold_probabilities, stratified_folds)

QUESTION_MISS_COST = 2.0  # the component's default


def scores(gold: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    tp = int(((gold == 1) & (predicted == 1)).sum())
    precision = tp / max(int((predicted == 1).sum()), 1)
    recall = tp / max(int((gold == 1).sum()), 1)
    return {"n": len(gold), "accuracy": float((gold == predicted).mean()), "precision": precision, "recall": recall}


def cross_validate(texts: list[str], labels: np.ndarray, folds: int = 10, seed: int = 42) -> dict[str, float]:
    """Every example predicted by a model that did not see it; the threshold is chosen, as the
    component does, on the training folds only (nested)."""
    fold_of = stratified_folds(labels, folds, seed)
    predicted = np.zeros(len(texts), dtype=int)
    for fold in range(folds):
        train, test = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        train_texts = [texts[i] for i in train]
        threshold = choose_threshold(out_of_fold_probabilities(train_texts, labels[train]), labels[train],
                                     QUESTION_MISS_COST)
        model = SpeechActModel.fit(train_texts, labels[train])
        predicted[test] = model.question_probability([texts[i] for i in test]) >= threshold
    return scores(labels, predicted)


def journey_messages(path: Path) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    for journey in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        tags = set(journey.get("tags") or [])
        if len(tags & set(LABELS)) != 1 or not journey.get("turns"):
            continue
        texts.append(str(journey["turns"][0]["say"]))
        labels.append(int("question" in tags))
    return texts, np.asarray(labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=Path, default=ROOT / "data" / "speech_acts.yml")
    parser.add_argument("--test", action="store_true", help="also score bench/journeys/test.yml (once, at the end)")
    args = parser.parse_args(argv)
    texts, labels = load_examples(args.examples)
    rows = [("data/speech_acts.yml, 10-fold CV", cross_validate(texts, labels))]
    model = SpeechActModel.fit(texts, labels)
    threshold = choose_threshold(out_of_fold_probabilities(texts, labels), labels, QUESTION_MISS_COST)
    print(f"threshold chosen on data/speech_acts.yml by 5-fold CV: {threshold:.3f}")
    sets = ["dev"] + (["test"] if args.test else [])
    for name in sets:
        path = ROOT / "bench" / "journeys" / f"{name}.yml"
        if path.exists():
            j_texts, j_labels = journey_messages(path)
            if len(j_texts):
                predicted = (model.question_probability(j_texts) >= threshold).astype(int)
                rows.append((f"journeys {name}.yml, first messages", scores(j_labels, predicted)))
                if name == "dev":
                    for text, gold, pred in zip(j_texts, j_labels, predicted):
                        if gold != pred:
                            print(f"  dev miss: {LABELS[gold]:8} -> {LABELS[pred]:8} {text}")
    print("\n| set | n | accuracy | question precision | question recall |\n| --- | --- | --- | --- | --- |")
    for name, s in rows:
        print(f"| {name} | {s['n']} | {s['accuracy']:.3f} | {s['precision']:.3f} | {s['recall']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
