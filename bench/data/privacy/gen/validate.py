"""Validate both datasets. Exit code != 0 on any problem."""
import json
import os
import re
import sys

from common import luhn_ok, iban_valid, aba_ok, ssn_ok

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LABELS = {"card_number", "cvv", "ssn", "iban", "bank_account", "routing_number", "password"}
errors = []


def err(*a):
    errors.append(" ".join(str(x) for x in a))


def load(name):
    rows = []
    with open(os.path.join(BASE, name), encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            try:
                rows.append(json.loads(line))
            except Exception as e:  # noqa
                err(name, "line", ln, "does not parse:", e)
    return rows


def check_offsets(r):
    prev_end = -1
    for s in sorted(r["spans"], key=lambda s: s["start"]):
        if not (0 <= s["start"] < s["end"] <= len(r["text"])):
            err(r["id"], "bad offsets", s)
            continue
        if r["text"][s["start"]:s["end"]] != s["text"]:
            err(r["id"], "span text mismatch", s, repr(r["text"][s["start"]:s["end"]]))
        if s["text"] != s["text"].strip():
            err(r["id"], "span has outer whitespace", s)
        if s["start"] < prev_end:
            err(r["id"], "overlapping spans")
        prev_end = s["end"]


def task1():
    rows = load("sensitive_numbers.jsonl")
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        err("task1 duplicate ids")
    if len({r["text"] for r in rows}) != len(rows):
        err("task1 duplicate texts")
    if len(rows) < 340:
        err("task1 too few rows", len(rows))
    npos = 0
    for r in rows:
        assert set(r) == {"id", "text", "spans"}, r
        check_offsets(r)
        if r["spans"]:
            npos += 1
        split_parts = []
        for s in r["spans"]:
            lab, t, note = s["label"], s["text"], s.get("note")
            if lab not in LABELS:
                err(r["id"], "unknown label", lab)
            d = re.sub(r"[\s-]", "", t)
            if lab == "card_number":
                if not d.isdigit():
                    err(r["id"], "card not digits", t)
                if note == "split-part":
                    split_parts.append(d)
                    continue
                if not 13 <= len(d) <= 19:
                    err(r["id"], "card length", t)
                if note == "luhn-invalid":
                    if luhn_ok(d):
                        err(r["id"], "claimed luhn-invalid but valid", t)
                elif note is None:
                    if not luhn_ok(d):
                        err(r["id"], "card fails luhn", t)
                else:
                    err(r["id"], "unexpected note", note)
            elif lab == "cvv":
                if not re.fullmatch(r"\d{3,4}", t):
                    err(r["id"], "bad cvv", t)
            elif lab == "ssn":
                if not (re.fullmatch(r"\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{9}", t) and ssn_ok(t)):
                    err(r["id"], "bad ssn", t)
            elif lab == "iban":
                ok = iban_valid(t)
                if note == "checksum-invalid":
                    if ok:
                        err(r["id"], "claimed invalid iban is valid", t)
                elif not ok:
                    err(r["id"], "iban fails mod97", t)
                cc = re.sub(r"\s", "", t)[:2]
                ln = {"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24, "IT": 27}.get(cc)
                if ln != len(re.sub(r"\s", "", t)):
                    err(r["id"], "iban length", t)
            elif lab == "routing_number":
                ok = aba_ok(t)
                if note == "aba-invalid":
                    if ok:
                        err(r["id"], "claimed invalid aba valid", t)
                elif not ok:
                    err(r["id"], "aba fails", t)
            elif lab == "bank_account":
                if not re.fullmatch(r"\d{6,17}", t):
                    err(r["id"], "bad account", t)
            elif lab == "password":
                if re.search(r"\s", t) or len(t) < 6:
                    err(r["id"], "bad password span", t)
        if split_parts:
            full = "".join(split_parts)
            if not (len(full) == 16 and luhn_ok(full)):
                err(r["id"], "split card parts do not form a valid card", split_parts)
    # negatives must not contain an unlabelled Luhn-valid 13-19 digit run
    for r in rows:
        if r["spans"]:
            continue
        for m in re.finditer(r"\d[\d -]{11,24}\d", r["text"]):
            d = re.sub(r"\D", "", m.group())
            if 13 <= len(d) <= 19 and luhn_ok(d) and not re.search(r"1Z|tracking|usps|fedex", r["text"], re.I):
                err(r["id"], "negative contains luhn-valid digit run", m.group())
    share = npos / len(rows)
    print("task1 rows=%d positives=%d (%.1f%%)" % (len(rows), npos, 100 * share))
    if not 0.5 <= share <= 0.6:
        err("task1 positive share off", share)


def task2():
    rows = load("health_mentions.jsonl")
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        err("task2 duplicate ids")
    if len({r["text"] for r in rows}) != len(rows):
        err("task2 duplicate texts")
    if len(rows) < 300:
        err("task2 too few rows", len(rows))
    ntrue = 0
    for r in rows:
        assert set(r) == {"id", "text", "health", "spans"}, r
        assert isinstance(r["health"], bool)
        check_offsets(r)
        for s in r["spans"]:
            if set(s) != {"start", "end", "text"}:
                err(r["id"], "task2 span keys", s)
        if r["health"]:
            ntrue += 1
            if not r["spans"]:
                err(r["id"], "health true without spans")
        elif r["spans"]:
            err(r["id"], "health false with spans")
    share = ntrue / len(rows)
    print("task2 rows=%d true=%d (%.1f%%)" % (len(rows), ntrue, 100 * share))
    if not 0.35 <= share <= 0.45:
        err("task2 true share off", share)


if __name__ == "__main__":
    which = sys.argv[1:] or ["1", "2"]
    if "1" in which:
        task1()
    if "2" in which:
        task2()
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else "%d errors" % len(errors))
    sys.exit(1 if errors else 0)
