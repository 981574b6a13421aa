"""FallbackClassifier thresholds for the project's own NLU data, chosen on a validation split.

Run with the Rasa environment from the project root:

    .venv-rasa/bin/python bench/fallback_threshold.py [--out var/bench/fallback-threshold] [options]

What it does:

1. reads the training examples of `data/nlu/*.yml` with Rasa's own YAML reader, which strips
   the entity markup (`[text](entity)`, `[text]{"entity": ...}`) and leaves the plain text;
   lookup tables and regexes are kept (the RegexFeaturizer uses them, as in the real model),
   synonyms are dropped (no entities are trained here);
2. splits them per intent (stratified) into 80 % training / 20 % validation with a fixed seed;
   `tests/nlu_holdout` is never read;
3. trains the NLU pipeline of `config.yml` (DIET epochs as configured) on the training part and
   parses every validation message once, with `bench/nlu.py`'s functions;
4. re-applies the FallbackClassifier's rule (top confidence < threshold, or top two confidences
   closer than the ambiguity threshold) to the recorded classifier confidences for every pair
   of threshold 0.00..0.95 (step 0.05) x ambiguity threshold {0.0, 0.03, 0.05, 0.1}, without
   retraining, and reports per pair (validation split):

   - in-scope accuracy: gold in-scope rows whose prediction is the gold intent; a fallback, or a
     top intent `out_of_scope`, on an in-scope row is wrong;
   - caught-error share: of the gold in-scope rows whose top intent is wrong (`out_of_scope`
     included), the share on which the fallback fires (the bot asks instead of acting);
   - out-of-scope recall: gold `out_of_scope` rows predicted `out_of_scope` or answered by the
     fallback;
   - fallback rate: share of all validation messages on which the fallback fires.

   The project's `out_of_scope` intent is trained as an ordinary intent and is the
   out-of-scope label.

Selection rule (also in bench/README.md): the pair maximising in-scope accuracy + out-of-scope
recall + caught-error share; ties go to the higher in-scope accuracy, then the lower threshold,
then the lower ambiguity threshold. The script does not change config.yml.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import hashlib
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nlu as bench  # noqa: E402  bench/nlu.py (sets the offline/cache environment on import)

PROJECT_ROOT = bench.PROJECT_ROOT
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
OOS_INTENT = "out_of_scope"
THRESHOLDS = [round(i * 0.05, 2) for i in range(20)]  # 0.00 .. 0.95
AMBIGUITIES = [0.0, 0.03, 0.05, 0.1]
RULE = (
    f"bench/nlu.py's budget: among the pairs whose fallback fires on at most {bench.MAX_IN_SCOPE_FALLBACK:.0%} of the "
    "validation's in-scope messages, the one with the highest out-of-scope recall, then the most caught "
    "errors, then the higher in-scope accuracy, then the lower threshold and ambiguity threshold"
)


# --------------------------------------------------------------------------- data


def load_project_nlu(nlu_dir: Path):
    """(text, intent) rows of every data/nlu/*.yml file in file order, plain text (Rasa's reader
    strips the entity markup), and a TrainingData holding only the lookup tables and regexes."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    rows: list[tuple[str, str]] = []
    regexes: list[dict] = []
    lookups: list[dict] = []
    files = sorted(nlu_dir.glob("*.yml"))
    if not files:
        raise SystemExit(f"no *.yml files in {nlu_dir}")
    for path in files:
        data = load_data(str(path))
        rows.extend((bench._clean(m.get("text")), m.get("intent")) for m in data.intent_examples)
        regexes.extend(data.regex_features)
        lookups.extend(data.lookup_tables)
    return rows, TrainingData(regex_features=regexes, lookup_tables=lookups), files


def stratified_split(rows: list[tuple[str, str]], val_share: float, seed: int):
    """Per intent (sorted), a fixed-seed shuffle; round(val_share * n) rows (at least one when the
    intent has two or more) go to validation, the rest to training."""
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    train: list[tuple[str, str]] = []
    val: list[tuple[str, str]] = []
    for label in sorted(by_label):
        items = list(by_label[label])
        rng.shuffle(items)
        k = max(1, round(val_share * len(items))) if len(items) >= 2 else 0
        val.extend(items[:k])
        train.extend(items[k:])
    return train, val


def data_digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


# --------------------------------------------------------------------------- metrics


def fallback_fires(rec: dict[str, Any], threshold: float, ambiguity: float) -> bool:
    """The FallbackClassifier's own rule on the recorded confidences (bench/nlu.py's
    `is_oos_prediction` with an out-of-scope label no intent has, i.e. the rule alone)."""
    return bench.is_oos_prediction(rec, "\0", threshold, ambiguity)


def evaluate_pair(records: list[dict[str, Any]], threshold: float, ambiguity: float) -> dict[str, Any]:
    gold = bench.golds(records, OOS_INTENT)
    pred = bench.predictions(records, OOS_INTENT, threshold, ambiguity)
    m = bench.accuracy_metrics(gold, pred)
    fires = [fallback_fires(r, threshold, ambiguity) for r in records]
    wrong = [f for r, f in zip(records, fires) if r["gold"] != OOS_INTENT and r["top_intent"] != r["gold"]]
    in_scope = [f for r, f in zip(records, fires) if r["gold"] != OOS_INTENT]
    return {
        "threshold": threshold,
        "ambiguity_threshold": ambiguity,
        "in_scope_accuracy": m["in_scope_accuracy"],
        "caught_error_share": bench._ratio(sum(wrong), len(wrong)),
        "oos_recall": m["oos_recall"],
        "fallback_rate": bench._ratio(sum(fires), len(fires)),
        "in_scope_fallback_rate": bench._ratio(sum(in_scope), len(in_scope)),
        "accuracy": m["accuracy"],
        "macro_f1": m["macro_f1"],
    }


def within_budget(row: dict[str, Any]) -> bool:
    return (row["in_scope_fallback_rate"] or 0.0) <= bench.MAX_IN_SCOPE_FALLBACK


def choose(grid: list[dict[str, Any]]) -> dict[str, Any]:
    """RULE (the pair 0.00 / 0.00, no fallback at all, is always within the budget)."""
    return max((r for r in grid if within_budget(r)), key=lambda r: (
        r["oos_recall"] or 0.0, r["caught_error_share"] or 0.0, r["in_scope_accuracy"] or 0.0,
        -r["threshold"], -r["ambiguity_threshold"]))


# --------------------------------------------------------------------------- output


def markdown(results: dict[str, Any]) -> str:
    s = results["split"]
    chosen = results["chosen"]
    cfg = results["config_fallback"]
    lines = [
        f"Project NLU data ({s['files']} files, digest {s['data_digest']}): {s['n_train']} training / "
        f"{s['n_val']} validation examples ({s['n_val_oos']} `{OOS_INTENT}`), {s['n_intents']} intents, "
        f"stratified {1 - s['val_share']:.0%}/{s['val_share']:.0%} split, seed {s['seed']}; "
        f"DIET epochs {results['epochs']}; training {results['train_seconds']:.0f} s.",
        f"Top-intent accuracy on validation, fallback ignored: {bench.pct(results['top_intent_accuracy'])} %; "
        f"wrong top intents on in-scope rows: {results['n_wrong_in_scope']} of {s['n_val'] - s['n_val_oos']}.",
        f"Re-applying the rule at the config's pair reproduces the real parses: "
        f"{results['rethreshold_mismatches']} mismatches.",
        "",
        f"Rule: {RULE}.",
        "",
        "| threshold | ambiguity | in-scope acc (%) | caught errors (%) | oos recall (%) | fallback rate (%) | "
        "fallback on in-scope (%) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results["grid"]:
        marks = []
        if r is chosen or (r["threshold"], r["ambiguity_threshold"]) == (chosen["threshold"], chosen["ambiguity_threshold"]):
            marks.append("**chosen**")
        if cfg and (r["threshold"], r["ambiguity_threshold"]) == (cfg["threshold"], cfg["ambiguity_threshold"]):
            marks.append("config")
        mark = f" ({', '.join(marks)})" if marks else ""
        lines.append(
            f"| {r['threshold']:.2f}{mark} | {r['ambiguity_threshold']:.2f} | {bench.pct(r['in_scope_accuracy'])} | "
            f"{bench.pct(r['caught_error_share'])} | {bench.pct(r['oos_recall'])} | {bench.pct(r['fallback_rate'])} | "
            f"{bench.pct(r['in_scope_fallback_rate'])}{'' if within_budget(r) else ' (over budget)'} |"
        )
    lines += [
        "",
        f"Chosen: threshold {chosen['threshold']:.2f}, ambiguity_threshold {chosen['ambiguity_threshold']:.2f} "
        f"(in-scope accuracy {bench.pct(chosen['in_scope_accuracy'])} %, caught errors "
        f"{bench.pct(chosen['caught_error_share'])} %, out-of-scope recall {bench.pct(chosen['oos_recall'])} %, "
        f"fallback rate {bench.pct(chosen['fallback_rate'])} %).",
    ]
    if cfg:
        lines.append(f"Config now: threshold {cfg['threshold']:.2f}, ambiguity_threshold {cfg['ambiguity_threshold']:.2f}.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nlu", type=Path, default=NLU_DIR, help="folder of NLU YAML files (default: data/nlu)")
    p.add_argument("--config", type=Path, default=bench.DEFAULT_CONFIG, help="Rasa config (default: the project's)")
    p.add_argument("--epochs", type=int, help="override DIETClassifier epochs (smoke tests only)")
    p.add_argument("--val-share", type=float, default=0.2, help="validation share per intent (default 0.2)")
    p.add_argument("--seed", type=int, default=42, help="split seed (default 42)")
    p.add_argument("--out", type=Path, help="keep the split, Rasa project, model, predictions and results.json here")
    p.add_argument("--json", action="store_true", help="print results as JSON instead of a Markdown table")
    p.add_argument("--verbose", action="store_true", help="show Rasa's INFO logs")
    return p.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    bench.configure_rasa_logging(args.verbose)
    rows, extras, files = load_project_nlu(args.nlu.resolve())
    if OOS_INTENT not in {label for _, label in rows}:
        raise SystemExit(f"no `{OOS_INTENT}` examples in {args.nlu}")
    train, val = stratified_split(rows, args.val_share, args.seed)
    with contextlib.ExitStack() as stack:
        if args.out:
            workdir = args.out.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fallback-threshold-")))
        nlu_file, domain, changed = bench.write_rasa_project(workdir, train)
        from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

        (nlu_file.parent / "lookups.yml").write_text(RasaYAMLWriter().dumps(extras), encoding="utf-8")
        for name, part in (("train.csv", train), ("val.csv", val)):
            with (workdir / name).open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows([("text", "label"), *part])
        cfg = bench.write_config(args.config.resolve(), workdir / "config.yml", args.epochs)

        intents = sorted({label for _, label in rows})
        bench.log(f"[fallback-threshold] {len(train)} training / {len(val)} validation examples, "
                  f"{len(intents)} intents, epochs={cfg['epochs']}")
        model, train_s, diet_s = bench.train_model(workdir / "config.yml", nlu_file.parent, domain, workdir / "models")
        bench.log(f"[fallback-threshold] trained in {train_s:.1f}s")
        warmup = [text for text, _ in train]
        _, _, records = asyncio.run(bench.evaluate(model, warmup, [], val))

        grid = [evaluate_pair(records, t, a) for a in AMBIGUITIES for t in THRESHOLDS]
        chosen = choose(grid)
        config_fallback = None
        mismatches = None
        if cfg["threshold"] is not None:
            config_fallback = {"threshold": cfg["threshold"], "ambiguity_threshold": cfg["ambiguity_threshold"]}
            real = bench.predictions(records, OOS_INTENT)
            again = bench.predictions(records, OOS_INTENT, cfg["threshold"], cfg["ambiguity_threshold"])
            mismatches = sum(a != b for a, b in zip(real, again))
        gold = bench.golds(records, OOS_INTENT)
        results: dict[str, Any] = {
            "split": {
                "nlu": str(args.nlu), "files": len(files), "data_digest": data_digest(files),
                "seed": args.seed, "val_share": args.val_share, "n_train": len(train), "n_val": len(val),
                "n_val_oos": sum(label == OOS_INTENT for _, label in val), "n_intents": len(intents),
                "examples_with_brackets_changed": changed,
            },
            "config": str(args.config),
            "epochs": cfg["epochs"],
            "train_seconds": round(train_s, 2),
            "diet_seconds": None if diet_s is None else round(diet_s, 2),
            "top_intent_accuracy": bench.accuracy_metrics(
                gold, bench.predictions(records, OOS_INTENT, ignore_fallback=True))["accuracy"],
            "n_wrong_in_scope": sum(r["gold"] != OOS_INTENT and r["top_intent"] != r["gold"] for r in records),
            "config_fallback": config_fallback,
            "rethreshold_mismatches": mismatches,
            "rule": RULE,
            "chosen": chosen,
            "grid": grid,
            "versions": bench.versions(),
        }
        if args.out:
            with (workdir / "predictions.jsonl").open("w", encoding="utf-8") as fh:
                for rec in records:
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            (workdir / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
            results["out"] = str(workdir)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    print(json.dumps(results, indent=2) if args.json else markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
