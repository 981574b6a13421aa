"""Markdown summary of the project's own NLU evaluations (`make nlu-report`).

    python bench/nlu_report.py var/results > bench/nlu-report.md

Reads two `rasa test nlu` output folders under the given directory:

- `nlu-cv/`: `rasa test nlu --nlu data/nlu --cross-validation --folds 5` (results accumulated
  over the five test folds),
- `nlu-holdout/`: `rasa test nlu --nlu tests/nlu_holdout --model models/carebot.tar.gz`.

From each it uses `intent_report.json` (sklearn classification report + Rasa's `confused_with`),
`intent_errors.json` (every misclassified example with the predicted intent and confidence) and,
when present, `EntityDIETClassifier_report.json` (entity extraction report; `DIETClassifier_report.json`
from runs before the entity-only DIET).

Note: `rasa test nlu` reverts FallbackClassifier predictions to the intent underneath, so the
figures are the classifier's top-intent figures; the "caught by fallback" column counts errors
whose confidence is below the config's fallback threshold (the ambiguity rule is not visible in
these files). Standard library only (PyYAML is used for config.yml when available).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EVALUATIONS = [
    ("nlu-cv", "5-fold cross-validation (data/nlu)"),
    ("nlu-holdout", "held-out set (tests/nlu_holdout)"),
]
AGGREGATE_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}
WORST_N = 10
CONFUSIONS_N = 15


def fallback_threshold(config: Path) -> float | None:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is in both project environments
        return None
    if not config.exists():
        return None
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    for component in data.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return None


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def per_label(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in report.items() if k not in AGGREGATE_KEYS and isinstance(v, dict)}


def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


class Evaluation:
    def __init__(self, folder: Path, title: str):
        self.folder = folder
        self.title = title
        self.report = load_json(folder / "intent_report.json")
        self.errors = load_json(folder / "intent_errors.json") or []
        self.entities = load_json(folder / "EntityDIETClassifier_report.json") or load_json(folder / "DIETClassifier_report.json")

    @property
    def available(self) -> bool:
        return isinstance(self.report, dict)

    def summary_row(self, threshold: float | None) -> str:
        r = self.report
        macro = r.get("macro avg", {})
        weighted = r.get("weighted avg", {})
        n = int(macro.get("support") or sum(v.get("support", 0) for v in per_label(r).values()))
        accuracy = r.get("accuracy")
        if accuracy is None and "micro avg" in r:
            accuracy = r["micro avg"].get("f1-score")
        caught = "n/a"
        if threshold is not None:
            low = sum(1 for e in self.errors if _confidence(e) < threshold)
            caught = f"{low} / {len(self.errors)}"
        return (f"| {self.title} | {n} | {len(per_label(r))} | {pct(accuracy)} | {pct(macro.get('f1-score'))} | "
                f"{pct(weighted.get('f1-score'))} | {len(self.errors)} | {caught} |")

    def worst_intents(self) -> list[str]:
        labels = per_label(self.report)
        worst = sorted(labels.items(), key=lambda kv: (kv[1].get("f1-score", 0.0), kv[0]))[:WORST_N]
        lines = [f"### {self.title}", "",
                 "| intent | precision | recall | F1 | support | confused with (count) |",
                 "| --- | --- | --- | --- | --- | --- |"]
        for name, m in worst:
            confused = m.get("confused_with") or {}
            confused_text = ", ".join(f"{k} ({v})" for k, v in
                                      sorted(confused.items(), key=lambda kv: -kv[1])) or "-"
            lines.append(f"| {cell(name)} | {pct(m.get('precision'))} | {pct(m.get('recall'))} | "
                         f"{pct(m.get('f1-score'))} | {m.get('support', 0)} | {cell(confused_text)} |")
        return lines

    def confusions(self) -> list[str]:
        pairs: Counter[tuple[str, str]] = Counter()
        examples: dict[tuple[str, str], str] = {}
        for error in self.errors:
            pair = (error.get("intent") or "?", _predicted(error))
            pairs[pair] += 1
            examples.setdefault(pair, error.get("text", ""))
        lines = [f"### {self.title}", ""]
        if not pairs:
            return lines + ["No misclassified examples."]
        lines += ["| gold intent | predicted | count | example |", "| --- | --- | --- | --- |"]
        for (gold, predicted), count in pairs.most_common(CONFUSIONS_N):
            example = examples[(gold, predicted)]
            if len(example) > 90:
                example = example[:87] + "..."
            lines.append(f"| {cell(gold)} | {cell(predicted)} | {count} | {cell(example)} |")
        return lines

    def entity_rows(self) -> list[str]:
        if not isinstance(self.entities, dict):
            return []
        rows = []
        for name, m in sorted(per_label(self.entities).items()):
            if name == "no_entity":
                continue
            rows.append(f"| {self.title} | {cell(name)} | {pct(m.get('precision'))} | {pct(m.get('recall'))} | "
                        f"{pct(m.get('f1-score'))} | {m.get('support', 0)} |")
        return rows


def _predicted(error: dict[str, Any]) -> str:
    prediction = error.get("intent_prediction") or {}
    return prediction.get("name") or "None"


def _confidence(error: dict[str, Any]) -> float:
    value = (error.get("intent_prediction") or {}).get("confidence")
    return float(value) if value is not None else 0.0


def render(results_dir: Path, threshold: float | None) -> str:
    evaluations = [Evaluation(results_dir / folder, title) for folder, title in EVALUATIONS]
    present = [e for e in evaluations if e.available]
    missing = [e for e in evaluations if not e.available]
    out = [
        "# NLU report",
        "",
        f"Generated by `bench/nlu_report.py` from `rasa test nlu` results in `{results_dir}` "
        "(`make nlu-report`). Percentages. The FallbackClassifier is reverted by `rasa test nlu`, "
        "so these are the classifier's top-intent results.",
        "",
    ]
    for e in missing:
        out += [f"> {e.title}: no `intent_report.json` in `{e.folder}` (not run yet).", ""]
    if not present:
        return "\n".join(out)

    out += ["## Summary", "",
            "| evaluation | examples | intents | accuracy | macro-F1 | weighted-F1 | errors | "
            "errors below fallback threshold" + (f" ({threshold:.2f})" if threshold is not None else "") + " |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    out += [e.summary_row(threshold) for e in present]
    out += ["", f"## {WORST_N} worst intents by F1", ""]
    for e in present:
        out += e.worst_intents() + [""]
    out += [f"## Most common confusions (top {CONFUSIONS_N} gold → predicted pairs)", ""]
    for e in present:
        out += e.confusions() + [""]
    entity_rows = [row for e in present for row in e.entity_rows()]
    if entity_rows:
        out += ["## Entities (DIET)", "",
                "| evaluation | entity | precision | recall | F1 | support |",
                "| --- | --- | --- | --- | --- | --- |"] + entity_rows + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Markdown summary of `rasa test nlu` results.")
    parser.add_argument("results", type=Path, nargs="?", default=PROJECT_ROOT / "var" / "results",
                        help="folder holding nlu-cv/ and nlu-holdout/ (default: var/results)")
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml",
                        help="config whose FallbackClassifier threshold is used (default: config.yml)")
    args = parser.parse_args(argv)
    text = render(args.results, fallback_threshold(args.config))
    sys.stdout.write(text)
    if not any((args.results / folder / "intent_report.json").exists() for folder, _ in EVALUATIONS):
        print(f"no rasa test results under {args.results}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
