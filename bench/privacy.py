"""Precision and recall of the sensitive-number detector (bot/redaction.py, issue 15).

    .venv/bin/python bench/privacy.py            # both halves, tables in Markdown
    .venv/bin/python bench/privacy.py --half dev -v   # the development half, with every miss

Data: bench/data/privacy/sensitive_numbers.jsonl, 360 customer messages written by a helper that
had not read the detector (bench/data/privacy/README.md), each with the spans a careful reviewer
would hide (card numbers, security codes, SSNs, IBANs, bank account and routing numbers,
passwords); 45 % hold none but carry look-alikes (order ids, phones, tracking numbers, amounts,
dates, last four digits). Messages with an odd number (P001, P003...) are the development half the
rules were corrected on; the even ones are the untouched half.

A found span counts as right when it overlaps a labelled span of the same category; "hidden at
all" ignores the category (a CVV hidden as part of a card is still hidden). "Clean negatives" are
messages with no labelled span that come out unchanged.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.redaction import CATEGORIES, Redactor  # noqa: E402

DATA = ROOT / "bench" / "data" / "privacy" / "sensitive_numbers.jsonl"


def load(half: str) -> list[dict]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    if half == "all":
        return rows
    odd = half == "dev"
    return [r for r in rows if (int(r["id"][1:]) % 2 == 1) == odd]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(rows: list[dict], redactor: Redactor, verbose: bool = False) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    any_tp = any_fn = 0
    negatives = clean = 0
    misses: list[str] = []
    for row in rows:
        text, gold = row["text"], row["spans"]
        found = redactor.find(text)
        for f in found:
            if any(overlaps((f.start, f.end), (g["start"], g["end"])) and g["label"] == f.category for g in gold):
                tp[f.category] += 1
            else:
                fp[f.category] += 1
                misses.append(f"{row['id']} false {f.category}: {text[f.start:f.end]!r} in {text!r}")
        for g in gold:
            if not any(overlaps((f.start, f.end), (g["start"], g["end"])) and g["label"] == f.category for f in found):
                fn[g["label"]] += 1
                misses.append(f"{row['id']} missed {g['label']}: {g['text']!r} in {text!r}")
            if any(overlaps((f.start, f.end), (g["start"], g["end"])) for f in found):
                any_tp += 1
            else:
                any_fn += 1
        if not gold:
            negatives += 1
            clean += not found
    if verbose:
        print("\n".join(misses))
    return {"tp": tp, "fp": fp, "fn": fn, "hidden": any_tp, "not_hidden": any_fn,
            "negatives": negatives, "clean": clean, "messages": len(rows)}


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def table(name: str, result: dict) -> str:
    tp, fp, fn = result["tp"], result["fp"], result["fn"]
    lines = [f"### {name}: {result['messages']} messages", "",
             "| category | labelled | found right | false finds | precision | recall |",
             "| --- | --- | --- | --- | --- | --- |"]
    for c in CATEGORIES:
        lines.append(f"| {c} | {tp[c] + fn[c]} | {tp[c]} | {fp[c]} | {_ratio(tp[c], tp[c] + fp[c])} | "
                     f"{_ratio(tp[c], tp[c] + fn[c])} |")
    t, f, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    lines.append(f"| **all** | {t + n} | {t} | {f} | {_ratio(t, t + f)} | {_ratio(t, t + n)} |")
    lines += ["", f"Labelled spans hidden at all (any category): {result['hidden']} / "
                  f"{result['hidden'] + result['not_hidden']} ({_ratio(result['hidden'], result['hidden'] + result['not_hidden'])}); "
                  f"messages with nothing to hide left unchanged: {result['clean']} / {result['negatives']} "
                  f"({_ratio(result['clean'], result['negatives'])})."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=["dev", "test", "all", "both"], default="both")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss and false find")
    args = parser.parse_args(argv)
    redactor = Redactor()
    halves = ["dev", "test"] if args.half == "both" else [args.half]
    for half in halves:
        print(table({"dev": "Development half (odd ids)", "test": "Untouched half (even ids)",
                     "all": "All"}[half], evaluate(load(half), redactor, args.verbose)))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
