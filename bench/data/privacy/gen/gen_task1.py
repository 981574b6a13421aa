"""Generate bench/data/privacy/sensitive_numbers.jsonl"""
import json
import os
import re

from common import RNG, render, shift_spans
from fillers import FILLERS1
from templates_task1 import POSITIVE, NEGATIVE

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sensitive_numbers.jsonl")
N_POS, N_NEG = 198, 162

PREFIX = ["", "", "hi ", "Hi, ", "hello ", "Hey! ", "Good morning. ", "hola, ", "Hi Larkspur, ",
          "ok ", "Hello again - ", "so "]
SUFFIX = ["", "", " thanks", " Thanks!", " thx", " ty", "\n\n{name}", " 🙏", " asap please",
          " (sent from my phone)", "\n-- {fullname}"]


def one(template, decorate):
    ctx = {}
    text, spans = render(template, FILLERS1, ctx)
    if decorate and "\n" not in template:
        pre = RNG.choice(PREFIX)
        suf, _ = render(RNG.choice(SUFFIX), FILLERS1, ctx)
        if re.search(r"(?i)(thx|thanks|thank you|ty|please|pls|gracias|merci|[!?.]|\S+ \S+ \S+\s*\n.*)$", text.strip()) and not suf.startswith(("\n", " (")):
            suf = ""
        if re.match(r"(?i)(hi|hello|hola|hey|bonjour|ciao|hoi|good morning)\b", text):
            pre = ""
        if pre and not pre.rstrip().endswith((".", "!", "-")) and text[:1].isupper() and not text.startswith(("I ", "I'", "IBAN", "SSN", "ABA", "FedEx", "UPS", "LK-")):
            text = text[0].lower() + text[1:]
        spans = shift_spans(spans, len(pre))
        text = pre + text + suf
        for s in spans:  # keep span text consistent after lowercasing the first char
            s["text"] = text[s["start"]:s["end"]]
    return text, spans, ctx.get("used", [])


def build(templates, n, want_pos):
    rows, seen = [], set()
    order = [(i, False) for i in range(len(templates))]
    extra = list(range(len(templates)))
    RNG.shuffle(extra)
    order += [(i, True) for i in extra]
    for idx, deco in order:
        if len(rows) >= n:
            break
        for _ in range(20):
            text, spans, used = one(templates[idx], deco)
            if text not in seen:
                break
        if text in seen:
            continue
        assert bool(spans) == want_pos, (templates[idx], spans)
        seen.add(text)
        rows.append({"text": text, "spans": spans, "_tpl": idx, "_used": used})
    assert len(rows) >= n, (len(rows), n)
    return rows


def main():
    pos = build(POSITIVE, N_POS, True)
    neg = build(NEGATIVE, N_NEG, False)
    for r in pos:
        r["_kind"] = "pos"
    for r in neg:
        r["_kind"] = "neg"
    allrows = pos + neg
    RNG.shuffle(allrows)
    with open(OUT, "w", encoding="utf-8") as f:
        for i, r in enumerate(allrows, 1):
            obj = {"id": "P%03d" % i, "text": r["text"], "spans": r["spans"]}
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")
    # side file with placeholder usage for README statistics (not part of the dataset)
    with open(os.path.join(os.path.dirname(OUT), "gen", "_task1_meta.json"), "w") as f:
        json.dump({"P%03d" % i: {"kind": r["_kind"], "tpl": r["_tpl"], "used": r["_used"]}
                   for i, r in enumerate(allrows, 1)}, f)
    print("templates pos/neg:", len(POSITIVE), len(NEGATIVE), "rows:", len(allrows))


if __name__ == "__main__":
    main()
