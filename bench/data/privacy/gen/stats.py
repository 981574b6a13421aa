"""Print statistics used in README.md."""
import collections
import json
import os
import re

from templates_task1 import POSITIVE, NEGATIVE
from templates_task2 import TRUE, FALSE

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
rows = [json.loads(l) for l in open(os.path.join(BASE, "sensitive_numbers.jsonl"), encoding="utf-8")]
meta = json.load(open(os.path.join(BASE, "gen", "_task1_meta.json")))

print("TASK 1: %d messages, %d with >=1 sensitive span, %d with none" % (
    len(rows), sum(bool(r["spans"]) for r in rows), sum(not r["spans"] for r in rows)))
print("templates: %d positive + %d negative = %d" % (len(POSITIVE), len(NEGATIVE), len(POSITIVE) + len(NEGATIVE)))
msgs, spans, notes = collections.Counter(), collections.Counter(), collections.Counter()
multi = 0
for r in rows:
    labs = {s["label"] for s in r["spans"]}
    if len(r["spans"]) > 1:
        multi += 1
    for l in labs:
        msgs[l] += 1
    for s in r["spans"]:
        spans[s["label"]] += 1
        if "note" in s:
            notes[(s["label"], s["note"])] += 1
print("messages with >1 span:", multi)
for l in ["card_number", "cvv", "ssn", "iban", "bank_account", "routing_number", "password"]:
    print("  %-15s messages=%3d spans=%3d" % (l, msgs[l], spans[l]))
print("notes:", dict(notes))

fmt = collections.Counter()
for r in rows:
    for s in r["spans"]:
        if s["label"] == "card_number" and s.get("note") != "split-part":
            d = re.sub(r"\D", "", s["text"])
            brand = {"4": "visa", "3": "amex", "5": "mc", "2": "mc", "6": "discover"}[d[0]]
            sep = "newline" if "\n" in s["text"] else "dash" if "-" in s["text"] else "space" if " " in s["text"] else "none"
            fmt[("card", brand)] += 1
            fmt[("card_sep", sep)] += 1
        if s["label"] == "iban":
            fmt[("iban", s["text"][:2])] += 1
            fmt[("iban_sep", "space" if " " in s["text"] else "none")] += 1
        if s["label"] == "ssn":
            fmt[("ssn", "dash" if "-" in s["text"] else "space" if " " in s["text"] else "none")] += 1
for k in sorted(fmt):
    print("  ", k, fmt[k])

CAT = {"order": "order id (A1234)", "phone": "phone number", "phone_plus1": "phone number",
       "phone_uk": "phone number", "ups": "UPS tracking", "usps": "USPS tracking",
       "fedex": "FedEx tracking", "amount": "amount", "date": "date", "zip": "ZIP code",
       "exp": "card expiry alone", "last4": "card last four", "gift": "gift card code",
       "promo": "promo code", "invoice": "invoice number", "addr": "street address",
       "street": "street address", "time": "time", "qty": "quantity", "year": "year",
       "serial": "other reference id", "caseid": "other reference id",
       "conf": "other reference id", "paypal": "other reference id",
       "bankref": "other reference id", "member": "other reference id",
       "receipt": "other reference id", "lot": "other reference id"}
REGEX = [("model number (LK-...)", r"\bLK-[A-Z]{2}\d{3}\b"), ("order id (A1234)", r"\bA\d{4}\b"),
         ("amount", r"\$\d"), ("quantity", r"\b\d+ ?(g|kg|mg|bar|shots?|bags?|mugs|items|cases)\b|\b\d{1,3}(,\d{3})+\b(?!\.)"),
         ("phone number", r"\b800-555-\d{4}\b"), ("ZIP code", r"\b90210\b|\bM5V 2T6\b"),
         ("date", r"\b20\d\d-\d\d-\d\d\b"), ("other reference id", r"\bVAT\b|\bPO \d+|\b1000 2043 5567\b"),
         ("sensitive keyword without a value", r"(?i)password|cvv|\bssn\b|iban|routing|card number|security code|bank details|ach\b"),
         ("time", r"\b\d{1,2}:\d\d\s?(am|pm)\b")]
neg = collections.Counter()
for r in rows:
    if r["spans"]:
        continue
    cats = {CAT[u] for u in meta[r["id"]]["used"] if u in CAT}
    for name, rx in REGEX:
        if re.search(rx, r["text"]):
            cats.add(name)
    for c in cats:
        neg[c] += 1
print("negatives containing each look-alike type:")
for c, n in neg.most_common():
    print("  %-36s %d" % (c, n))
pos_lookalike = sum(1 for r in rows if r["spans"] and any(u in CAT for u in meta[r["id"]]["used"]))
print("positives that also contain look-alikes:", pos_lookalike)

h = [json.loads(l) for l in open(os.path.join(BASE, "health_mentions.jsonl"), encoding="utf-8")]
print("\nTASK 2: %d messages, health=true %d, health=false %d, spans %d" % (
    len(h), sum(r["health"] for r in h), sum(not r["health"] for r in h), sum(len(r["spans"]) for r in h)))
print("templates: %d true + %d false = %d" % (len(TRUE), len(FALSE), len(TRUE) + len(FALSE)))
