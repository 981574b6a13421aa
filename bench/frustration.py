"""Frustration benchmark: per-message F1 on GoEmotions, escalation timing on scripted conversations.

    .venv/bin/python bench/frustration.py                       # everything, through `carebot frustration score`
    .venv/bin/python bench/frustration.py --in-process          # same numbers without the CLI subprocess
    .venv/bin/python bench/frustration.py --skip-goemotions     # conversations + latency only
    .venv/bin/python bench/frustration.py --json out.json

What it measures (see bench/README.md, section Frustration):

- precision / recall / F1 of `frustrated` on the grouped GoEmotions dev and test splits
  (anger, annoyance, disappointment, disapproval, disgust = frustrated), for the full scorer
  (model + signals, the CLI's `frustrated`) and for the text model alone (`model_score >= 0.5`);
- escalation on the right turn: over the scripted `escalate` conversations
  (tests/frustration/conversations.yml), the share whose first escalation falls within +-1
  customer turn of `handoff_turn` (also exact, early, late, missed), overall and per half
  (even positions were used to tune the policy thresholds, odd positions were held out);
- false escalations per 100 calm conversations (any escalation in a `calm` conversation);
- scorer latency per message (median, p95), in-process, one message at a time, after warm-up.

The GoEmotions test split is read from --goemotions (default $DATASETS/goemotions, else
/work/shared/datasets/goemotions): it is not vendored, so nothing in training can see it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_CONVERSATIONS = ROOT / "tests" / "frustration" / "conversations.yml"
TARGETS = {"f1": 0.60, "right_turn": 0.90, "false_per_100": 2.0}


# ---------------------------------------------------------------- metrics (pure, tested)

def prf(gold: list[bool], predicted: list[bool]) -> dict:
    """Precision, recall, F1 of the positive class and the counts behind them."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    tp = sum(1 for g, p in zip(gold, predicted) if g and p)
    fp = sum(1 for g, p in zip(gold, predicted) if p and not g)
    fn = sum(1 for g, p in zip(gold, predicted) if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(gold), "positives": tp + fn, "tp": tp, "fp": fp, "fn": fn,
            "precision": precision, "recall": recall, "f1": f1}


def first_escalation(escalate_flags: list[bool]) -> int | None:
    """Index of the first customer turn that escalates, or None."""
    return next((i for i, flag in enumerate(escalate_flags) if flag), None)


def timing_outcome(first: int | None, handoff_turn: int, tolerance: int = 1) -> str:
    """exact | early_ok | late_ok (within tolerance) | early | late | missed."""
    if first is None:
        return "missed"
    if first == handoff_turn:
        return "exact"
    if abs(first - handoff_turn) <= tolerance:
        return "early_ok" if first < handoff_turn else "late_ok"
    return "early" if first < handoff_turn else "late"


def right_turn_summary(outcomes: list[str]) -> dict:
    n = len(outcomes)
    right = sum(1 for o in outcomes if o in ("exact", "early_ok", "late_ok"))
    counts = {key: outcomes.count(key) for key in ("exact", "early_ok", "late_ok", "early", "late", "missed")}
    return {"n": n, "right": right, "right_rate": right / n if n else 0.0,
            "exact_rate": counts["exact"] / n if n else 0.0, **counts}


def false_escalations_per_100(escalated: list[bool]) -> float:
    """Calm conversations that escalated at any turn, per 100 calm conversations."""
    return 100.0 * sum(escalated) / len(escalated) if escalated else 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(min(rank, len(ordered))) - 1]


# ---------------------------------------------------------------- data

def load_conversations(path: Path = DEFAULT_CONVERSATIONS) -> dict[str, list[dict]]:
    """{"escalate": [...], "calm": [...]}, each conversation with `turns` in the CLI's JSON form."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out: dict[str, list[dict]] = {}
    for kind in ("escalate", "calm"):
        conversations = []
        for position, item in enumerate(data.get(kind) or []):
            turns = []
            for turn in item["turns"]:
                if "customer" in turn:
                    entry = {"role": "customer", "text": turn["customer"]}
                    if "wait_s" in turn:
                        entry["wait_s"] = turn["wait_s"]
                else:
                    entry = {"role": "bot", "text": turn["bot"], "events": list(turn.get("events", []))}
                turns.append(entry)
            n_customer = sum(1 for t in turns if t["role"] == "customer")
            handoff = item.get("handoff_turn")
            if kind == "escalate" and not (isinstance(handoff, int) and 0 <= handoff < n_customer):
                raise ValueError(f"{item['id']}: handoff_turn must index one of its {n_customer} customer turns")
            conversations.append({"id": item["id"], "style": item.get("style", ""), "position": position,
                                  "half": "tuning" if position % 2 == 0 else "held_out",
                                  "customer": item.get("customer") or {}, "handoff_turn": handoff,
                                  "turns": turns})
        out[kind] = conversations
    return out


def prefixes(conversation: dict) -> list[dict]:
    """One scoring request per customer turn: the conversation up to and including that turn."""
    requests = []
    for end, turn in enumerate(conversation["turns"]):
        if turn["role"] == "customer":
            requests.append({"turns": conversation["turns"][: end + 1], "customer": conversation["customer"]})
    return requests


def goemotions_folder(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    datasets = os.environ.get("DATASETS")
    return Path(datasets) / "goemotions" if datasets else Path("/work/shared/datasets/goemotions")


# ---------------------------------------------------------------- scoring back-ends

class CliScorer:
    """Scores JSON lines through `carebot frustration score` (the interface the issue specifies)."""

    def __init__(self, config: Path | None, model: Path | None) -> None:
        carebot = Path(sys.executable).with_name("carebot")
        self.command = [str(carebot) if carebot.exists() else "carebot", "frustration", "score"]
        if config:
            self.command += ["--config", str(config)]
        if model:
            self.command += ["--model", str(model)]

    def run(self, requests: list[dict]) -> list[dict]:
        payload = "".join(json.dumps(r) + "\n" for r in requests)
        done = subprocess.run(self.command, input=payload, capture_output=True, text=True,
                              env={**os.environ, "CAREBOT_LOG_FORMAT": "text"})
        if done.returncode != 0:
            raise RuntimeError(f"carebot frustration score failed ({done.returncode}): {done.stderr[-2000:]}")
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        if len(lines) != len(requests):
            raise RuntimeError(f"expected {len(requests)} output lines, got {len(lines)}")
        return lines


class InProcessScorer:
    def __init__(self, config: Path | None, model: Path | None) -> None:
        from bot.frustration.config import load_escalation_config
        from bot.frustration.scorer import FrustrationScorer
        from bot.frustration.text_model import DEFAULT_MODEL, TextModel

        self.scorer = FrustrationScorer(TextModel.load(model or DEFAULT_MODEL), load_escalation_config(config))

    def run(self, requests: list[dict]) -> list[dict]:
        from bot.frustration.scorer import parse_customer, parse_turns

        texts = [r["text"] for r in requests if "text" in r]
        by_text = iter([s.to_dict() for s in self.scorer.score_many(texts)]) if texts else iter(())
        out = []
        for r in requests:
            if "text" in r:
                out.append(next(by_text))
            else:
                out.append(self.scorer.assess(parse_turns(r["turns"]), parse_customer(r.get("customer"))).to_dict())
        return out


# ---------------------------------------------------------------- benchmark parts

def bench_goemotions(scorer, folder: Path, splits: list[str]) -> dict:
    from bot.frustration.goemotions import load_split

    results = {}
    for name in splits:
        split = load_split(name, folder)
        started = time.monotonic()
        lines = scorer.run([{"text": t} for t in split.texts])
        gold = [bool(v) for v in split.frustrated]
        results[name] = {
            "scorer": prf(gold, [line["frustrated"] for line in lines]),
            "model_only": prf(gold, [line["model_score"] >= 0.5 for line in lines]),
            "seconds": time.monotonic() - started,
        }
    return results


def bench_conversations(scorer, path: Path) -> dict:
    data = load_conversations(path)
    requests, owners = [], []
    for kind in ("escalate", "calm"):
        for conversation in data[kind]:
            for request in prefixes(conversation):
                requests.append(request)
                owners.append((kind, conversation["id"]))
    lines = scorer.run(requests)
    flags: dict[tuple[str, str], list[bool]] = {}
    levels: dict[tuple[str, str], list[str]] = {}
    reasons: dict[tuple[str, str], list[list[str]]] = {}
    for owner, line in zip(owners, lines):
        flags.setdefault(owner, []).append(bool(line["escalate"]))
        levels.setdefault(owner, []).append(line["level"])
        reasons.setdefault(owner, []).append(line["reasons"])

    per_conversation = []
    for conversation in data["escalate"]:
        key = ("escalate", conversation["id"])
        first = first_escalation(flags[key])
        per_conversation.append({"id": conversation["id"], "style": conversation["style"], "half": conversation["half"],
                                 "handoff_turn": conversation["handoff_turn"], "first": first,
                                 "outcome": timing_outcome(first, conversation["handoff_turn"]),
                                 "reasons": reasons[key][first] if first is not None else []})
    calm = []
    for conversation in data["calm"]:
        key = ("calm", conversation["id"])
        first = first_escalation(flags[key])
        calm.append({"id": conversation["id"], "half": conversation["half"], "escalated": first is not None,
                     "first": first, "reasons": reasons[key][first] if first is not None else [],
                     "max_level": max(levels[key], key=["calm", "annoyed", "angry"].index)})

    def summary(rows, half=None):
        return right_turn_summary([r["outcome"] for r in rows if half in (None, r["half"])])

    def false_rate(rows, half=None):
        picked = [r["escalated"] for r in rows if half in (None, r["half"])]
        return {"n": len(picked), "escalated": sum(picked), "per_100": false_escalations_per_100(picked)}

    styles = sorted({r["style"] for r in per_conversation})
    return {
        "right_turn": {"all": summary(per_conversation), "tuning": summary(per_conversation, "tuning"),
                       "held_out": summary(per_conversation, "held_out"),
                       "by_style": {s: right_turn_summary([r["outcome"] for r in per_conversation if r["style"] == s])
                                    for s in styles}},
        "false_escalations": {"all": false_rate(calm), "tuning": false_rate(calm, "tuning"),
                              "held_out": false_rate(calm, "held_out")},
        "escalate_conversations": per_conversation,
        "calm_conversations": calm,
    }


def bench_latency(config: Path | None, model: Path | None, n: int, warmup: int = 20) -> dict:
    """Milliseconds per message for `FrustrationScorer.score`, one message at a time."""
    from bot.frustration.goemotions import load_split

    scorer = InProcessScorer(config, model).scorer
    texts = load_split("dev").texts[: n + warmup]
    for text in texts[:warmup]:
        scorer.score(text)
    timings = []
    for text in texts[warmup:]:
        started = time.perf_counter()
        scorer.score(text)
        timings.append((time.perf_counter() - started) * 1000)
    return {"n": len(timings), "median_ms": statistics.median(timings), "p95_ms": percentile(timings, 95),
            "threads": _torch_threads()}


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


# ---------------------------------------------------------------- table

def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def render(results: dict) -> str:
    rows = ["| metric | value | target | met |", "| --- | --- | --- | --- |"]
    goemotions = results.get("goemotions", {})
    for split in ("dev", "test"):
        if split not in goemotions:
            continue
        for variant, label in (("scorer", "scorer (model + signals)"), ("model_only", "text model only")):
            m = goemotions[split][variant]
            target = TARGETS["f1"] if split == "test" and variant == "scorer" else None
            rows.append(f"| GoEmotions {split} ({m['n']} comments, {m['positives']} frustrated), {label}: "
                        f"precision / recall / **F1** | {m['precision']:.3f} / {m['recall']:.3f} / **{m['f1']:.3f}** | "
                        + (f">= {target:.2f} | {'yes' if m['f1'] >= target else 'NO'} |" if target else "| |"))
    conversations = results.get("conversations")
    if conversations:
        for half, label in (("all", "all"), ("tuning", "tuning half (even positions)"),
                            ("held_out", "held-out half (odd positions)")):
            s = conversations["right_turn"][half]
            target = TARGETS["right_turn"] if half == "all" else None
            rows.append(f"| escalation on the right turn +-1, {label} (n={s['n']}) | {_pct(s['right_rate'])} "
                        f"(exact {_pct(s['exact_rate'])}; early {s['early']}, late {s['late']}, missed {s['missed']}) | "
                        + (f">= 90% | {'yes' if s['right_rate'] >= target else 'NO'} |" if target else "| |"))
        for half, label in (("all", "all"), ("tuning", "tuning half"), ("held_out", "held-out half")):
            f = conversations["false_escalations"][half]
            target = TARGETS["false_per_100"] if half == "all" else None
            rows.append(f"| false escalations per 100 calm conversations, {label} (n={f['n']}) | "
                        f"{f['per_100']:.1f} ({f['escalated']} escalated) | "
                        + (f"<= 2 | {'yes' if f['per_100'] <= target else 'NO'} |" if target else "| |"))
    latency = results.get("latency")
    if latency:
        rows.append(f"| scorer latency per message, median / p95 (n={latency['n']}, {latency['threads']} torch threads) | "
                    f"{latency['median_ms']:.1f} ms / {latency['p95_ms']:.1f} ms | | |")
    out = "\n".join(rows)
    if conversations:
        styles = conversations["right_turn"]["by_style"]
        out += "\n\n| style | n | right turn +-1 | exact | early | late | missed |\n| --- | --- | --- | --- | --- | --- | --- |\n"
        out += "\n".join(f"| {name} | {s['n']} | {_pct(s['right_rate'])} | {s['exact']} | {s['early']} | {s['late']} | "
                         f"{s['missed']} |" for name, s in styles.items())
        wrong = [r for r in conversations["escalate_conversations"]
                 if r["outcome"] not in ("exact", "early_ok", "late_ok")]
        if wrong:
            out += "\n\nWrong turn: " + "; ".join(f"{r['id']} ({r['outcome']}: expected {r['handoff_turn']}, "
                                                  f"got {r['first']}, {','.join(r['reasons'])})" for r in wrong)
        false = [r for r in conversations["calm_conversations"] if r["escalated"]]
        if false:
            out += "\n\nFalse escalations: " + "; ".join(f"{r['id']} (turn {r['first']}: {','.join(r['reasons'])})"
                                                         for r in false)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goemotions", help="folder with the upstream dev.tsv / test.tsv")
    parser.add_argument("--splits", default="dev,test", help="GoEmotions splits to score (default dev,test)")
    parser.add_argument("--conversations", default=str(DEFAULT_CONVERSATIONS))
    parser.add_argument("--config", help="client file with the escalation section (default: CAREBOT_CLIENT_FILE)")
    parser.add_argument("--model", help="model file (default: the committed one)")
    parser.add_argument("--in-process", action="store_true", help="score in this process instead of the CLI")
    parser.add_argument("--skip-goemotions", action="store_true")
    parser.add_argument("--latency-n", type=int, default=300, help="messages timed (0 skips the latency part)")
    parser.add_argument("--threads", type=int, help="torch threads for in-process scoring and latency (default: torch's)")
    parser.add_argument("--json", help="also write all results (per conversation too) to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    config = Path(args.config) if args.config else None
    model = Path(args.model) if args.model else None
    scorer = InProcessScorer(config, model) if args.in_process else CliScorer(config, model)

    results: dict = {"interface": "in-process" if args.in_process else "carebot frustration score"}
    if not args.skip_goemotions:
        results["goemotions"] = bench_goemotions(scorer, goemotions_folder(args.goemotions),
                                                 [s for s in args.splits.split(",") if s])
    results["conversations"] = bench_conversations(scorer, Path(args.conversations))
    if args.latency_n:
        results["latency"] = bench_latency(config, model, args.latency_n)
    print(render(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
