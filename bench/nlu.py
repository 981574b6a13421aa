"""Intent-classification benchmark: train the project's NLU pipeline on a public dataset.

Run with the Rasa environment from the project root:

    .venv-rasa/bin/python bench/nlu.py --train train.csv --test test.csv [options]
    .venv-rasa/bin/python bench/nlu.py --clinc /path/to/clinc150/data_full.json [options]
    .venv-rasa/bin/python bench/nlu.py --project [options]     # data/nlu -> tests/nlu_holdout

Project mode trains on the project's own `data/nlu` (entities, lookups and regexes as written)
with its `domain.yml`, and tests on the held-out `tests/nlu_holdout` (never trained on); it also
scores the entities (exact span and type) of the test messages.

CSV input: a header row with a `text` column and a `label` (or Banking77's `category`) column.
CLINC150 input: `data_full.json`; training uses `train` only (in-scope), the fallback threshold
is tuned on `val` + `oos_val` and results are reported on `test` + `oos_test` (gold `oos`).

What it does: converts the data into a throw-away Rasa project (NLU YAML + a minimal domain
listing the intents), trains the NLU part of `--config` (the same as `rasa train nlu`;
policies are ignored), times the training (wall clock), loads the model with `Agent.load`,
does 20 warm-up parses and then parses every test message one at a time, recording latency.

Prediction = top intent; `nlu_fallback` (the config's FallbackClassifier fired) counts as an
out-of-scope prediction. See bench/README.md for the metric definitions and results.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import functools
import json
import logging
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # the project's custom NLU components (bot.nlu), as `rasa` run from the root
DEFAULT_CONFIG = PROJECT_ROOT / "config.yml"

# Nothing may be fetched from a model hub; the training cache must not make a second run
# look faster than the first (RASA_MAX_CACHE_SIZE=0 disables Rasa's graph cache).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ["RASA_MAX_CACHE_SIZE"] = "0"

FALLBACK_INTENT = "nlu_fallback"
OOS = "oos"  # internal name of the out-of-scope prediction / gold label
WARMUP_PARSES = 20
THRESHOLD_GRID = [round(i * 0.01, 2) for i in range(100)]  # 0.00 .. 0.99
MAX_IN_SCOPE_FALLBACK = 0.02
SELECTION_RULE = (
    "the highest threshold in 0.00..0.99 (step 0.01) at which the fallback fires on at most "
    f"{MAX_IN_SCOPE_FALLBACK:.0%} of the validation's in-scope messages (a care bot may answer at most "
    "1 answerable customer in 50 with 'sorry, I didn't get that'); the highest threshold catches the "
    "most out-of-scope messages within that budget. The config's ambiguity_threshold is kept as is."
)
# Rasa reads `[text](entity)` inside an example as an entity annotation.
ENTITY_MARKUP = re.compile(r"\[[^\]]+?\](\(|\{|\[)")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


class Dataset:
    """Training rows, evaluation rows (and optional validation rows) as (text, label) pairs."""

    def __init__(self, name: str, train: list[tuple[str, str]], test: list[tuple[str, str]],
                 val: list[tuple[str, str]] | None = None, oos_label: str = OOS):
        self.name = name
        self.train = train
        self.test = test
        self.val = val
        self.oos_label = oos_label
        self.rasa_files: tuple[Path, Path] | None = None  # (NLU data, domain) used as they are
        self.test_entities: list[list[tuple[int, int, str]]] | None = None  # gold spans per test row


PROJECT_NLU = PROJECT_ROOT / "data" / "nlu"
PROJECT_HOLDOUT = PROJECT_ROOT / "tests" / "nlu_holdout"


def read_project() -> Dataset:
    """The project's NLU data and held-out set, read with Rasa's own loader."""
    from rasa.shared.nlu.training_data.loading import load_data

    def rows(folder: Path):
        data = load_data(str(folder))
        examples = [m for m in data.intent_examples]
        spans = [[(e["start"], e["end"], e["entity"]) for e in m.get("entities") or []] for m in examples]
        return [(_clean(m.get("text")), m.get("intent")) for m in examples], spans

    train, _ = rows(PROJECT_NLU)
    test, spans = rows(PROJECT_HOLDOUT)
    data = Dataset("project (data/nlu -> tests/nlu_holdout)", train, test, oos_label="out_of_scope")
    data.rasa_files = (PROJECT_NLU, PROJECT_ROOT / "domain.yml")
    data.test_entities = spans
    return data


def _clean(text: str) -> str:
    return " ".join(text.split())


def read_csv(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        label_col = next((c for c in ("label", "category", "intent") if c in fields), None)
        if "text" not in fields or label_col is None:
            raise SystemExit(f"{path}: need a header with `text` and `label` (or `category`) columns, got {fields}")
        rows = []
        for raw in reader:
            row = {k.strip().lower(): (v or "") for k, v in raw.items() if k}
            text, label = _clean(row["text"]), row[label_col].strip()
            if text and label:
                rows.append((text, label))
    return rows


def read_clinc(path: Path) -> Dataset:
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = lambda key: [(_clean(t), lbl) for t, lbl in data.get(key, [])]  # noqa: E731
    return Dataset(
        name=f"CLINC150 ({path.name})",
        train=rows("train"),  # in-scope only: oos_train is deliberately not used
        val=rows("val") + rows("oos_val"),
        test=rows("test") + rows("oos_test"),
        oos_label="oos",
    )


def sample_per_intent(rows: list[tuple[str, str]], n: int, seed: int) -> list[tuple[str, str]]:
    """A fixed-seed sample of `n` rows per label (all rows when a label has fewer)."""
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for label in sorted(by_label):
        items = by_label[label]
        out.extend(items if len(items) <= n else rng.sample(items, n))
    return out


def limit_rows(rows: list[tuple[str, str]], n: int | None, seed: int) -> list[tuple[str, str]]:
    if not n or n >= len(rows):
        return rows
    idx = sorted(random.Random(seed).sample(range(len(rows)), n))
    return [rows[i] for i in idx]


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def write_rasa_project(workdir: Path, train: list[tuple[str, str]]) -> tuple[Path, Path, int]:
    """NLU YAML + minimal domain. Returns (nlu path, domain path, examples changed to avoid markup)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    changed = 0
    for text, label in train:
        if ENTITY_MARKUP.search(text):
            text = text.replace("[", "(").replace("]", ")")
            changed += 1
        if (text, label) not in seen:
            seen.add((text, label))
            by_label[label].append(text)
    lines = ['version: "3.1"', "nlu:"]
    for label in sorted(by_label):
        lines.append(f"- intent: {_yaml_str(label)}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in by_label[label])
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    nlu = workdir / "data" / "nlu.yml"
    nlu.write_text("\n".join(lines) + "\n", encoding="utf-8")
    domain = workdir / "domain.yml"
    domain.write_text(
        'version: "3.1"\nintents:\n' + "".join(f"  - {_yaml_str(l)}\n" for l in sorted(by_label)),
        encoding="utf-8",
    )
    return nlu, domain, changed


def write_config(src: Path, dest: Path, epochs: int | None, overrides: list[str] = ()) -> dict[str, Any]:
    """Copy of the config with DIET epochs and `--set Component.option=value` overridden, and
    relative model paths made absolute."""
    import yaml

    config = yaml.safe_load(src.read_text(encoding="utf-8"))
    for item in overrides:
        target, _, value = item.partition("=")
        component_name, _, option = target.rpartition(".")
        matches = [c for c in config.get("pipeline") or [] if str(c.get("name")).split(".")[-1] == component_name]
        if not matches or not option or not _:
            raise SystemExit(f"--set {item!r}: expected Component.option=value with a component of the pipeline")
        for component in matches:
            component[option] = yaml.safe_load(value)
    info: dict[str, Any] = {"epochs": None, "threshold": None, "ambiguity_threshold": 0.0}
    for component in config.get("pipeline") or []:
        name = component.get("name")
        weights = component.get("model_weights")
        if isinstance(weights, str) and not os.path.isabs(weights) and (src.parent / weights).exists():
            component["model_weights"] = str((src.parent / weights).absolute())
        if str(name).endswith("DIETClassifier"):  # Rasa's, or the project's entity-only subclass
            if epochs is not None:
                component["epochs"] = epochs
            info["epochs"] = component.get("epochs", 300)  # Rasa's default
        if name == "FallbackClassifier":
            info["threshold"] = float(component.get("threshold", 0.3))
            info["ambiguity_threshold"] = float(component.get("ambiguity_threshold", 0.1))
    dest.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return info


# --------------------------------------------------------------------------- rasa


def configure_rasa_logging(verbose: bool) -> None:
    """Rasa logs to stdout by default; keep stdout for our tables/JSON."""
    level = logging.INFO if verbose else logging.WARNING
    if not verbose:  # library deprecation noise, before the imports that emit it
        import warnings

        warnings.filterwarnings("ignore")
    logging.basicConfig(stream=sys.stderr, level=level, format="%(levelname)s %(name)s: %(message)s")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(level)
    configure_structlog(level)
    if not verbose:
        import warnings

        warnings.filterwarnings("ignore")  # configure_logging_and_warnings re-adds filters


def train_model(config: Path, nlu: Path, domain: Path, out: Path) -> tuple[Path, float, float | None]:
    """Trains the NLU pipeline. Returns (model archive, wall-clock seconds, seconds inside DIET)."""
    import rasa.model_training
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    diet_seconds: list[float] = []
    original_train = DIETClassifier.train

    @functools.wraps(original_train)  # keeps the annotations Rasa's graph validation reads
    def timed_train(self, *args, **kwargs):  # the graph runs in this process and thread
        start = time.perf_counter()
        try:
            return original_train(self, *args, **kwargs)
        finally:
            diet_seconds.append(time.perf_counter() - start)

    DIETClassifier.train = timed_train
    try:
        with contextlib.redirect_stdout(sys.stderr):
            start = time.perf_counter()
            model = rasa.model_training.train_nlu(
                str(config), str(nlu), str(out), fixed_model_name="nlu", domain=str(domain)
            )
            seconds = time.perf_counter() - start
    finally:
        DIETClassifier.train = original_train
    if not model:
        raise SystemExit("Rasa did not produce a model (see the log above)")
    return Path(model), seconds, (sum(diet_seconds) if diet_seconds else None)


def _record(result: dict[str, Any]) -> dict[str, Any]:
    intent = (result.get("intent") or {}).get("name")
    ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    top = ranking[0] if ranking else {"name": intent, "confidence": 0.0}
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    return {
        "predicted": intent,  # after the FallbackClassifier
        "top_intent": top.get("name"),  # classifier's choice, fallback ignored
        "confidence": float(top.get("confidence") or 0.0),
        "second_confidence": float(second or 0.0),
    }


async def parse_all(agent, rows: list[tuple[str, str]], label: str) -> list[dict[str, Any]]:
    out = []
    step = max(1, len(rows) // 10)
    for i, (text, gold) in enumerate(rows, 1):
        start = time.perf_counter()
        result = await agent.parse_message(text)
        ms = (time.perf_counter() - start) * 1000.0
        entities = sorted({(e["start"], e["end"], e["entity"]) for e in result.get("entities") or []})
        out.append({"text": text, "gold": gold, "latency_ms": ms, "entities": entities, **_record(result)})
        if i % step == 0 or i == len(rows):
            log(f"[nlu-bench] parsed {label} {i}/{len(rows)}")
    return out


async def evaluate(model: Path, warmup: list[str], test, val) -> tuple[float, list, list | None]:
    from rasa.core.agent import Agent

    with contextlib.redirect_stdout(sys.stderr):
        start = time.perf_counter()
        agent = Agent.load(str(model))
        load_s = time.perf_counter() - start
        for text in (warmup * WARMUP_PARSES)[:WARMUP_PARSES]:
            await agent.parse_message(text)
        val_records = await parse_all(agent, val, "val") if val else None
        test_records = await parse_all(agent, test, "test")
    return load_s, test_records, val_records


# --------------------------------------------------------------------------- metrics


def is_oos_prediction(rec: dict[str, Any], oos_label: str, threshold: float | None = None,
                      ambiguity: float = 0.0) -> bool:
    """With `threshold` None the real parse decides; otherwise the FallbackClassifier's rule is
    re-applied to the recorded classifier confidences (conf < threshold, or top-2 gap < ambiguity)."""
    if threshold is None:
        return rec["predicted"] in (FALLBACK_INTENT, oos_label)
    if rec["top_intent"] == oos_label:
        return True
    return rec["confidence"] < threshold or (rec["confidence"] - rec["second_confidence"]) < ambiguity


def predictions(records, oos_label, threshold=None, ambiguity=0.0, ignore_fallback=False) -> list[str]:
    if ignore_fallback:
        return [OOS if r["top_intent"] == oos_label else r["top_intent"] for r in records]
    return [OOS if is_oos_prediction(r, oos_label, threshold, ambiguity) else r["top_intent"]
            for r in records]


def golds(records, oos_label) -> list[str]:
    return [OOS if r["gold"] == oos_label else r["gold"] for r in records]


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def macro_f1(gold: list[str], pred: list[str], labels: Iterable[str]) -> float | None:
    """Mean F1 over `labels` (the gold in-scope intents). A gold-oos row predicted as X is a
    false positive for X; an in-scope row predicted oos is a false negative for its intent."""
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    for g, p in zip(gold, pred):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    scores = []
    for label in labels:
        denom = 2 * tp[label] + fp[label] + fn[label]
        scores.append(2 * tp[label] / denom if denom else 0.0)
    return round(sum(scores) / len(scores), 4) if scores else None


def accuracy_metrics(gold: list[str], pred: list[str]) -> dict[str, Any]:
    in_scope = [(g, p) for g, p in zip(gold, pred) if g != OOS]
    oos = [(g, p) for g, p in zip(gold, pred) if g == OOS]
    labels = sorted({g for g, _ in in_scope})
    return {
        "accuracy": _ratio(sum(g == p for g, p in zip(gold, pred)), len(gold)),
        "in_scope_accuracy": _ratio(sum(g == p for g, p in in_scope), len(in_scope)),
        "oos_recall": _ratio(sum(p == OOS for _, p in oos), len(oos)),  # None: no gold oos
        "macro_f1": macro_f1(gold, pred, labels),
        "fallback_rate": _ratio(sum(p == OOS for p in pred), len(pred)),
        "in_scope_fallback_rate": _ratio(sum(p == OOS for _, p in in_scope), len(in_scope)),
    }


def entity_metrics(gold_spans: list[list[tuple[int, int, str]]], records) -> dict[str, Any]:
    """Micro precision / recall / F1 of exact (start, end, type) matches. Predicted types that no
    gold annotation uses (spaCy's DATE or PERSON here) are not scored."""
    types = {t for spans in gold_spans for _, _, t in spans}
    tp = fp = fn = 0
    for spans, rec in zip(gold_spans, records):
        gold = {tuple(s) for s in spans}
        pred = {tuple(e) for e in rec["entities"] if e[2] in types}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else None
    return {"entity_precision": precision, "entity_recall": recall, "entity_f1": f1, "n_entities": tp + fn}


def calibration_error(records, oos_label, bins: int = 10) -> float | None:
    """Expected calibration error of the top intent's confidence on the gold in-scope rows:
    the mean |confidence - accuracy| over equal-width confidence bins, weighted by bin size."""
    rows = [(r["confidence"], r["top_intent"] == r["gold"]) for r in records if r["gold"] != oos_label]
    if not rows:
        return None
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        cell = [(c, ok) for c, ok in rows if lo <= c < hi or (b == bins - 1 and c >= hi)]
        if cell:
            total += len(cell) * abs(sum(c for c, _ in cell) / len(cell) - sum(ok for _, ok in cell) / len(cell))
    return round(total / len(rows), 4)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def curve(records, oos_label, ambiguity) -> list[dict[str, Any]]:
    gold = golds(records, oos_label)
    rows = []
    for t in THRESHOLD_GRID:
        m = accuracy_metrics(gold, predictions(records, oos_label, t, ambiguity))
        rows.append({"threshold": t, **{k: m[k] for k in (
            "in_scope_accuracy", "oos_recall", "accuracy", "macro_f1", "in_scope_fallback_rate")}})
    return rows


def choose_threshold(val_curve: list[dict[str, Any]]) -> float:
    """SELECTION_RULE: the highest threshold within the in-scope fallback budget (0.00 if none is)."""
    within = [r["threshold"] for r in val_curve if (r["in_scope_fallback_rate"] or 0) <= MAX_IN_SCOPE_FALLBACK]
    return max(within, default=0.0)


# --------------------------------------------------------------------------- output


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}"


def markdown_table(results: dict[str, Any]) -> str:
    m = results["metrics"]
    fb = results["fallback"]
    fb_text = (
        "none in config" if fb["threshold"] is None
        else f"threshold {fb['threshold']:.2f}, ambiguity {fb['ambiguity_threshold']:.2f} ({fb['source']})"
    )
    per_epoch = m.get("diet_seconds_per_epoch")
    rows = [
        ("dataset", results["dataset"]["name"]),
        ("n_train", m["n_train"]),
        ("n_test", m["n_test"]),
        ("intents (in-scope)", m["n_intents"]),
        ("epochs (DIETClassifier)", "n/a" if m["epochs"] is None else m["epochs"]),
        ("fallback", fb_text),
        ("accuracy (%)", pct(m["accuracy"])),
        ("in-scope accuracy (%)", pct(m["in_scope_accuracy"])),
        ("out-of-scope recall (%)", pct(m["oos_recall"])),
        ("macro-F1, in-scope intents (%)", pct(m["macro_f1"])),
        ("top-intent accuracy, fallback ignored (%)", pct(m["accuracy_without_fallback"])),
        ("fallback rate (%)", pct(m["fallback_rate"])),
        ("training time (s)", f"{m['train_seconds']:.1f}"),
        ("of which DIETClassifier (s)", "n/a" if m["diet_seconds"] is None else f"{m['diet_seconds']:.1f}"),
        ("DIETClassifier s/epoch", "n/a" if per_epoch is None else f"{per_epoch:.2f}"),
        ("parse latency median (ms)", f"{m['latency_median_ms']:.1f}"),
        ("parse latency p95 (ms)", f"{m['latency_p95_ms']:.1f}"),
        ("calibration error of the top confidence (ECE, in-scope rows)", "n/a" if m.get("calibration_error") is None
         else f"{m['calibration_error']:.3f}"),
    ]
    if m.get("n_entities") is not None:
        rows += [("entities in the test set", m["n_entities"]),
                 ("entity precision / recall / F1 (%)",
                  f"{pct(m['entity_precision'])} / {pct(m['entity_recall'])} / {pct(m['entity_f1'])}")]
    out = ["| metric | value |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in rows]
    text = "\n".join(out)
    if results.get("config_fallback_metrics"):
        c = results["config_fallback_metrics"]
        text += (
            "\n\nAt the config's own fallback threshold "
            f"({fb['config_threshold']:.2f}): accuracy {pct(c['accuracy'])}, in-scope accuracy "
            f"{pct(c['in_scope_accuracy'])}, out-of-scope recall {pct(c['oos_recall'])}, "
            f"macro-F1 {pct(c['macro_f1'])}."
        )
    if results.get("test_curve"):
        text += "\n\nThreshold selection (validation): " + results["threshold_selection"]["rule"]
        text += f" Chosen: {results['threshold_selection']['chosen']:.2f}.\n\n"
        text += "Trade-off on test (threshold applied to the classifier's top-intent confidence):\n\n"
        text += "| threshold | in-scope acc (%) | oos recall (%) | accuracy (%) | val in-scope acc (%) | val oos recall (%) |\n"
        text += "| --- | --- | --- | --- | --- | --- |\n"
        val = {r["threshold"]: r for r in results["threshold_selection"]["val_curve"]}
        chosen = results["threshold_selection"]["chosen"]
        text = text.replace("Trade-off on test (", "Trade-off on test, every 0.05 and the chosen threshold; every 0.01 in "
                            "results.json (")
        for r in results["test_curve"]:
            if round(r["threshold"] * 100) % 5 and r["threshold"] != chosen:
                continue
            mark = " **←**" if r["threshold"] == chosen else ""
            v = val[r["threshold"]]
            text += (f"| {r['threshold']:.2f}{mark} | {pct(r['in_scope_accuracy'])} | {pct(r['oos_recall'])} | "
                     f"{pct(r['accuracy'])} | {pct(v['in_scope_accuracy'])} | {pct(v['oos_recall'])} |\n")
    return text.rstrip("\n")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for mod in ("rasa", "tensorflow", "transformers", "spacy"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # pragma: no cover - optional information
            pass
    return out


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--train", type=Path, help="training CSV (text,label or text,category)")
    src.add_argument("--clinc", type=Path, help="CLINC150 data_full.json")
    src.add_argument("--project", action="store_true", help="the project's data/nlu, tested on tests/nlu_holdout")
    p.add_argument("--test", type=Path, help="test CSV (required with --train)")
    p.add_argument("--name", help="dataset name shown in the table (default: from the file names)")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="Rasa config (default: the project's)")
    p.add_argument("--epochs", type=int, help="override DIETClassifier epochs")
    p.add_argument("--set", action="append", default=[], metavar="COMPONENT.OPTION=VALUE",
                   help="override a pipeline option, e.g. SentenceIntentClassifier.ngram_weight=0 (repeatable)")
    p.add_argument("--per-intent", type=int, help="fixed-seed sample of N training examples per intent")
    p.add_argument("--limit-test", type=int, help="fixed-seed sample of N test rows (and N validation rows for CLINC)")
    p.add_argument("--seed", type=int, default=42, help="seed for --per-intent/--limit-test sampling (default 42)")
    p.add_argument("--oos-label", default="oos", help="gold label meaning out-of-scope in CSV data (default: oos)")
    p.add_argument("--out", type=Path, help="keep converted data, model, predictions and results.json here")
    p.add_argument("--json", action="store_true", help="print results as JSON instead of Markdown tables")
    p.add_argument("--verbose", action="store_true", help="show Rasa's INFO logs")
    args = p.parse_args(argv)
    if args.train and not args.test:
        p.error("--train needs --test")
    if args.clinc and args.test:
        p.error("--test is not used with --clinc")
    return args


def load_dataset(args: argparse.Namespace) -> Dataset:
    if args.project:
        data = read_project()
    elif args.clinc:
        data = read_clinc(args.clinc)
    else:
        name = args.name or f"{args.train.parent.name}/{args.train.name} -> {args.test.name}"
        data = Dataset(name, read_csv(args.train), read_csv(args.test), oos_label=args.oos_label)
    if args.name:
        data.name = args.name
    if args.per_intent:
        data.train = sample_per_intent(data.train, args.per_intent, args.seed)
    data.test = limit_rows(data.test, args.limit_test, args.seed)
    if data.val is not None:
        data.val = limit_rows(data.val, args.limit_test, args.seed)
    if not data.train or not data.test:
        raise SystemExit("empty training or test data")
    return data


def run(args: argparse.Namespace) -> dict[str, Any]:
    data = load_dataset(args)
    with contextlib.ExitStack() as stack:
        if args.out:
            workdir = args.out.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nlu-bench-")))
        if data.rasa_files:
            (nlu, domain), changed = data.rasa_files, 0
        else:
            nlu, domain, changed = write_rasa_project(workdir, data.train)
        if args.per_intent:
            with (workdir / "train_sample.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["text", "label"])
                writer.writerows(data.train)
        config = workdir / "config.yml"
        cfg = write_config(args.config.resolve(), config, args.epochs, args.set)

        configure_rasa_logging(args.verbose)
        in_scope_train = sorted({label for _, label in data.train if label != data.oos_label})
        log(f"[nlu-bench] {data.name}: {len(data.train)} training examples, {len(in_scope_train)} intents, "
            f"{len(data.test)} test rows, epochs={cfg['epochs']}")
        model, train_s, diet_s = train_model(config, nlu, domain, workdir / "models")
        log(f"[nlu-bench] trained in {train_s:.1f}s")
        warmup = [text for text, _ in data.train]
        load_s, test_recs, val_recs = asyncio.run(evaluate(model, warmup, data.test, data.val))

        oos_label = data.oos_label
        gold = golds(test_recs, oos_label)
        fallback = {
            "threshold": cfg["threshold"],
            "ambiguity_threshold": cfg["ambiguity_threshold"],
            "config_threshold": cfg["threshold"],
            "source": "config",
        }
        results: dict[str, Any] = {
            "dataset": {
                "name": data.name,
                "train": str(args.train or args.clinc or PROJECT_NLU),
                "test": str(args.test or args.clinc or PROJECT_HOLDOUT),
                "per_intent": args.per_intent,
                "limit_test": args.limit_test,
                "seed": args.seed,
                "examples_with_brackets_changed": changed,
            },
            "config": str(args.config),
            "overrides": args.set,
            "fallback": fallback,
            "versions": versions(),
            "cpus": os.cpu_count(),
        }
        config_metrics = accuracy_metrics(gold, predictions(test_recs, oos_label))
        if val_recs is not None:
            amb = cfg["ambiguity_threshold"] if cfg["threshold"] is not None else 0.0
            val_curve = curve(val_recs, oos_label, amb)
            chosen = choose_threshold(val_curve)
            results["threshold_selection"] = {"rule": SELECTION_RULE, "chosen": chosen, "val_curve": val_curve,
                                              "n_val": len(val_recs)}
            results["test_curve"] = curve(test_recs, oos_label, amb)
            results["config_fallback_metrics"] = config_metrics if cfg["threshold"] is not None else None
            fallback.update(threshold=chosen, ambiguity_threshold=amb, source="tuned on validation")
            headline = accuracy_metrics(gold, predictions(test_recs, oos_label, chosen, amb))
            if cfg["threshold"] is not None:  # the re-applied rule must reproduce the real parse
                real = predictions(test_recs, oos_label)
                again = predictions(test_recs, oos_label, cfg["threshold"], amb)
                results["rethreshold_mismatches"] = sum(a != b for a, b in zip(real, again))
        else:
            headline = config_metrics

        latencies = [r["latency_ms"] for r in test_recs]
        epochs = cfg["epochs"]
        results["metrics"] = {
            "n_train": len(data.train),
            "n_test": len(test_recs),
            "n_intents": len(in_scope_train),
            "epochs": epochs,
            **headline,
            "accuracy_without_fallback": accuracy_metrics(
                gold, predictions(test_recs, oos_label, ignore_fallback=True))["accuracy"],
            "train_seconds": round(train_s, 2),
            "diet_seconds": None if diet_s is None else round(diet_s, 2),
            "diet_seconds_per_epoch": (round(diet_s / epochs, 3) if diet_s is not None and epochs else None),
            "model_load_seconds": round(load_s, 2),
            "latency_median_ms": round(percentile(latencies, 50), 2),
            "latency_p95_ms": round(percentile(latencies, 95), 2),
            "calibration_error": calibration_error(test_recs, oos_label),
        }
        if data.test_entities is not None:
            results["metrics"].update(entity_metrics(data.test_entities, test_recs))
        if args.out:
            for name, recs in (("predictions.jsonl", test_recs), ("val_predictions.jsonl", val_recs or [])):
                if recs:
                    with (workdir / name).open("w", encoding="utf-8") as fh:
                        for rec in recs:
                            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            (workdir / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
            results["out"] = str(workdir)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
