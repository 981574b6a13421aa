"""Precision and recall of the health-detail flag (bot/health.py, issue 15, "minimum necessary").

    .venv/bin/python bench/health.py --half dev -v   # the development half, with every miss
    .venv/bin/python bench/health.py --half test     # the untouched half: measured once, at the end

Data: bench/data/privacy/health_mentions.jsonl, 310 customer messages written by a helper that had not
seen any detector (bench/data/privacy/README.md): 124 state a person's condition, drug, treatment,
pregnancy, injury or disability (135 labelled spans), 186 do not but many look like it ("sick of
waiting", "a clinic waiting room", "is decaf safe for pregnant women?", "my kettle died"). Odd ids
(H001, H003...) are the development half the lexicon and rules were corrected on; even ids are the
untouched half.

Message level: a message is flagged when the detector finds at least one span. Span recall: a
labelled span counts as found when a found span overlaps it; span precision: a found span in a
message labelled health-free, or overlapping no labelled span, counts as a false find.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.health import HealthDetector  # noqa: E402

DATA = ROOT / "bench" / "data" / "privacy" / "health_mentions.jsonl"
HALVES = {"dev": "Development half (odd ids)", "test": "Untouched half (even ids)", "all": "All"}


def load(half: str) -> list[dict]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    if half == "all":
        return rows
    odd = half == "dev"
    return [r for r in rows if (int(r["id"][1:]) % 2 == 1) == odd]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(rows: list[dict], detector: HealthDetector, verbose: bool = False) -> dict:
    tp = fp = fn = tn = 0
    spans_found = spans_labelled = finds_right = finds = 0
    misses: list[str] = []
    started = time.perf_counter()
    for row in rows:
        text, gold = row["text"], [(g["start"], g["end"]) for g in row["spans"]]
        found = [(s.start, s.end) for s in detector.find(text)]
        flagged = bool(found)
        if row["health"] and flagged:
            tp += 1
        elif row["health"]:
            fn += 1
            misses.append(f"{row['id']} missed: {[g['text'] for g in row['spans']]} in {text!r}")
        elif flagged:
            fp += 1
            misses.append(f"{row['id']} false flag: {[text[s:e] for s, e in found]} in {text!r}")
        else:
            tn += 1
        spans_labelled += len(gold)
        spans_found += sum(any(overlaps(g, f) for f in found) for g in gold)
        finds += len(found)
        right = sum(any(overlaps(f, g) for g in gold) for f in found)
        finds_right += right
        if verbose and row["health"] and right < len(found):
            extra = [text[s:e] for s, e in found if not any(overlaps((s, e), g) for g in gold)]
            misses.append(f"{row['id']} extra span: {extra}")
    elapsed = time.perf_counter() - started
    if verbose:
        print("\n".join(misses))
    return {"messages": len(rows), "health": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "spans": spans_labelled, "spans_found": spans_found, "finds": finds, "finds_right": finds_right,
            "ms_per_message": 1000 * elapsed / max(1, len(rows))}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "-"


def table(name: str, r: dict) -> str:
    precision = r["tp"] / (r["tp"] + r["fp"]) if r["tp"] + r["fp"] else 0.0
    recall = r["tp"] / (r["tp"] + r["fn"]) if r["tp"] + r["fn"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return "\n".join([
        f"### {name}: {r['messages']} messages, {r['health']} with health details", "",
        "| measure | value |", "| --- | --- |",
        f"| messages flagged right (true positives) | {r['tp']} |",
        f"| health messages missed (false negatives) | {r['fn']} |",
        f"| health-free messages flagged (false positives) | {r['fp']} |",
        f"| health-free messages left alone | {r['tn']} / {r['tn'] + r['fp']} |",
        f"| message precision | {precision:.3f} |",
        f"| message recall | {recall:.3f} |",
        f"| message F1 | {f1:.3f} |",
        f"| span recall (labelled spans overlapped by a find) | {_ratio(r['spans_found'], r['spans'])} "
        f"({r['spans_found']} / {r['spans']}) |",
        f"| span precision (finds overlapping a labelled span) | {_ratio(r['finds_right'], r['finds'])} "
        f"({r['finds_right']} / {r['finds']}) |",
        f"| time per message | {r['ms_per_message']:.2f} ms |",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=["dev", "test", "all"], default="dev",
                        help="dev (default); test only once, when the rules are final")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss and false flag")
    args = parser.parse_args(argv)
    detector = HealthDetector()
    print(table(HALVES[args.half], evaluate(load(args.half), detector, args.verbose)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
