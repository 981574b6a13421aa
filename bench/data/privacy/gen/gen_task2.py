"""Generate bench/data/privacy/health_mentions.jsonl"""
import json
import os
import re

from common import RNG, render, shift_spans
from fillers import plain, _order, _date, _name, _qty, _time
from templates_task2 import TRUE, FALSE

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "health_mentions.jsonl")
N_TRUE, N_FALSE = 124, 186

REL = ["my husband", "my wife", "my mom", "my dad", "my son", "my daughter", "my partner",
       "my grandma", "my father-in-law", "my sister", "my brother"]
MEDS = ["warfarin", "metformin", "lisinopril", "sertraline", "Adderall", "Lexapro", "prednisone",
        "Eliquis", "omeprazole", "methotrexate", "lithium", "propranolol", "Zoloft", "atorvastatin",
        "clozapine", "theophylline", "Wellbutrin", "amlodipine"]
CONDS = ["type 2 diabetes", "high blood pressure", "acid reflux", "GERD", "IBS", "atrial fibrillation",
         "celiac disease", "chronic migraines", "anxiety", "Crohn's disease", "hypertension",
         "gastritis", "arrhythmia", "ulcerative colitis", "insomnia", "hyperthyroidism"]
PRODUCTS = ["Barista One", "Burr Grinder Pro", "gooseneck kettle", "Coffee Club box",
            "fox mug", "decaf sampler", "pour-over set", "Colombia Huila beans"]


def _pick(lst, key):
    def f(ctx, mod):
        seen = ctx.setdefault("seen_vals", {}).setdefault(key, set())
        v = RNG.choice([x for x in lst if x not in seen])
        seen.add(v)
        if mod == "cap":
            v = v[0].upper() + v[1:]
        return v
    return f


def health(fn):
    def f(ctx, mod):
        return fn(ctx, mod), "", None  # "" -> span without label
    return f


def nonhealth(fn):
    def f(ctx, mod):
        return fn(ctx, mod), None, None
    return f


_rel = _pick(REL, "rel")
# grammatical fix for "diagnosed with an arrhythmia" etc. is built into CONDS
FILLERS2 = {
    "rel": nonhealth(_rel),
    "Rel": nonhealth(lambda c, m: _rel(c, "cap")),
    "med": health(_pick(MEDS, "med")),
    "cond": health(_pick(CONDS, "cond")),
    "product": nonhealth(_pick(PRODUCTS, "product")),
    "order": plain(_order, "order"), "date": plain(_date, "date"), "name": plain(_name, "name"),
    "qty": plain(_qty, "qty"), "time": plain(_time, "time"),
}

PREFIX = ["", "", "", "hi ", "Hi, ", "hello, ", "Hey! ", "Good morning. ", "hola, ", "Hi Larkspur, ",
          "ok so ", "hey there, "]
SUFFIX = ["", "", "", " thanks", " Thanks!", " thx", " ty", " 🙏", " — {name}", "\n\nThanks,\n{name}",
          " (sent from my phone)"]


def one(template, decorate):
    ctx = {}
    text, spans = render(template, FILLERS2, ctx)
    if decorate and "\n" not in template:
        pre = RNG.choice(PREFIX)
        suf, _ = render(RNG.choice(SUFFIX), FILLERS2, ctx)
        if re.search(r"(?i)(thx|thanks|thank you|ty|please|pls|gracias|merci|[!?.]|\S+ \S+ \S+\s*\n.*)$", text.strip()) and not suf.startswith(("\n", " (")):
            suf = ""
        if re.match(r"(?i)(hi|hello|hola|hey|good morning)\b", text):
            pre = ""
        if pre and not pre.rstrip().endswith((".", "!", ":")) and text[:1].isupper() \
                and not re.match(r"(I\b|I'|COVID|IBS|IVF)", text):
            text = text[0].lower() + text[1:]
        spans = shift_spans(spans, len(pre))
        text = pre + text + suf
        for s in spans:
            s["text"] = text[s["start"]:s["end"]]
    return text, spans


def build(templates, n, want_true):
    rows, seen = [], set()
    order = [(i, False) for i in range(len(templates))]
    extra = list(range(len(templates)))
    RNG.shuffle(extra)
    order += [(i, True) for i in extra]
    for idx, deco in order:
        if len(rows) >= n:
            break
        for _ in range(20):
            text, spans = one(templates[idx], deco)
            if text not in seen:
                break
        if text in seen:
            continue
        assert bool(spans) == want_true, templates[idx]
        seen.add(text)
        rows.append({"text": text, "health": want_true, "spans": spans})
    assert len(rows) >= n, (len(rows), n)
    return rows


def main():
    rows = build(TRUE, N_TRUE, True) + build(FALSE, N_FALSE, False)
    RNG.shuffle(rows)
    with open(OUT, "w", encoding="utf-8") as f:
        for i, r in enumerate(rows, 1):
            f.write(json.dumps({"id": "H%03d" % i, **r}, ensure_ascii=False) + "\n")
    print("templates true/false:", len(TRUE), len(FALSE), "rows:", len(rows))


if __name__ == "__main__":
    main()
