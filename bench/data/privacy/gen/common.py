"""Shared helpers: template renderer with span tracking + number generators/validators.

Template syntax
  {name} or {name:mod}     -> filled by FILLERS[name](ctx, mod); a filler returns
                              (text, label_or_None, note_or_None)
  [[label|literal text]]   -> literal span with that label (task 1)
  [[literal text]]         -> literal span without label (task 2)
  placeholders inside [[...]] are expanded; the inner spans are dropped
  (the outer literal span wins).
"""
import random
import re
import string

RNG = random.Random(20260115)

TOKEN = re.compile(r"\[\[(.*?)\]\]|\{(\w+)(?::(\w+))?\}", re.S)


def render(template, fillers, ctx):
    out = ""
    spans = []
    pos = 0
    for m in TOKEN.finditer(template):
        out += template[pos:m.start()]
        start = len(out)
        if m.group(0).startswith("[["):
            inner = m.group(1)
            label = None
            lm = re.match(r"^(\w+)\|(.*)$", inner, re.S)
            if lm:
                label, inner = lm.group(1), lm.group(2)
            inner_text, _ = render(inner, fillers, ctx)
            out += inner_text
            sp = {"start": start, "end": len(out)}
            if label:
                sp["label"] = label
            sp["text"] = inner_text
            spans.append(sp)
        else:
            name, mod = m.group(2), m.group(3)
            text, label, note = fillers[name](ctx, mod)
            ctx.setdefault("used", []).append(name)
            out += text
            if label is not None:
                sp = {"start": start, "end": len(out)}
                if label:
                    sp["label"] = label
                sp["text"] = text
                if note:
                    sp["note"] = note
                spans.append(sp)
        pos = m.end()
    out += template[pos:]
    return out, spans


def shift_spans(spans, k):
    return [dict(s, start=s["start"] + k, end=s["end"] + k) for s in spans]


def digits(n):
    return "".join(RNG.choice(string.digits) for _ in range(n))


# ---------------------------------------------------------------- Luhn / cards
def luhn_ok(num):
    num = re.sub(r"\D", "", num)
    total = 0
    for i, ch in enumerate(reversed(num)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(prefix, length):
    body = prefix + digits(length - len(prefix) - 1)
    for c in string.digits:
        if luhn_ok(body + c):
            return body + c
    raise AssertionError


KNOWN_TEST = {
    "visa": ["4111111111111111", "4242424242424242", "4012888888881881"],
    "mc": ["5555555555554444", "5105105105105100", "2223003122003222"],
    "amex": ["378282246310005", "371449635398431"],
    "disc": ["6011111111111117", "6011000990139424"],
}


def gen_card(brand):
    if RNG.random() < 0.08:
        return RNG.choice(KNOWN_TEST[brand])
    if brand == "visa":
        return luhn_complete("4" + digits(5), 16)
    if brand == "mc":
        if RNG.random() < 0.7:
            pre = str(RNG.randint(51, 55))
        else:
            pre = str(RNG.randint(2221, 2720))
        return luhn_complete(pre, 16)
    if brand == "amex":
        return luhn_complete(RNG.choice(["34", "37"]), 15)
    if brand == "disc":
        pre = RNG.choice(["6011", "6011", "65" + digits(2), str(RNG.randint(644, 649))])
        return luhn_complete(pre, 16)
    raise ValueError(brand)


def group_card(num, sep):
    n = len(num)
    if n == 15:
        parts = [num[:4], num[4:10], num[10:]]
    else:
        parts = [num[i:i + 4] for i in range(0, n, 4)]
    return sep.join(parts)


def fmt_card(num, mod):
    if mod == "nospace":
        return num
    if mod == "dash":
        return group_card(num, "-")
    if mod == "space":
        return group_card(num, " ")
    if mod == "split":  # line break inside the number
        g = group_card(num, " ").split(" ")
        return " ".join(g[:-1]) + "\n" + g[-1]
    r = RNG.random()
    if r < 0.5:
        return group_card(num, " ")
    if r < 0.8:
        return num
    return group_card(num, "-")


# ---------------------------------------------------------------- IBAN
def _iban_num(s):
    return int("".join(str(int(c, 36)) for c in s))


def iban_valid(iban):
    s = re.sub(r"\s", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s):
        return False
    return _iban_num(s[4:] + s[:4]) % 97 == 1


def iban_from_bban(cc, bban):
    chk = 98 - _iban_num(bban + cc + "00") % 97
    return "%s%02d%s" % (cc, chk, bban)


def _es_dc(ten):
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
    d = 11 - sum(int(a) * b for a, b in zip(ten, w)) % 11
    return {11: 0, 10: 1}.get(d, d)


def gen_bban(cc):
    if cc == "DE":
        return digits(8) + digits(10)
    if cc == "GB":
        return RNG.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA"]) + digits(6) + digits(8)
    if cc == "FR":
        bank, branch, acct = digits(5), digits(5), digits(11)
        key = 97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97)
        return bank + branch + acct + "%02d" % key
    if cc == "NL":
        return RNG.choice(["ABNA", "INGB", "RABO", "TRIO", "SNSB"]) + digits(10)
    if cc == "ES":
        bank, branch, acct = digits(4), digits(4), digits(10)
        dc = "%d%d" % (_es_dc("00" + bank + branch), _es_dc(acct))
        return bank + branch + dc + acct
    if cc == "IT":
        return RNG.choice(string.ascii_uppercase) + digits(5) + digits(5) + digits(12)
    raise ValueError(cc)


def gen_iban(cc):
    return iban_from_bban(cc, gen_bban(cc))


def fmt_iban(iban, mod):
    if mod == "nospace" or (mod is None and RNG.random() < 0.4):
        return iban
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


BIC = {"DE": ["COBADEFFXXX", "DEUTDEFF", "GENODEF1M04"], "GB": ["NWBKGB2L", "BARCGB22"],
       "FR": ["BNPAFRPP", "SOGEFRPP"], "NL": ["INGBNL2A", "ABNANL2A", "RABONL2U"],
       "ES": ["CAIXESBBXXX", "BBVAESMM"], "IT": ["UNCRITMM", "BCITITMM"]}


# ---------------------------------------------------------------- ABA
def aba_ok(r):
    if not re.fullmatch(r"\d{9}", r):
        return False
    d = [int(c) for c in r]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def gen_aba():
    pre = RNG.choice(["%02d" % RNG.randint(1, 12), str(RNG.randint(21, 32)),
                      str(RNG.randint(61, 72))])
    body = pre + digits(6)
    d = [int(c) for c in body]
    s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return body + str((10 - s % 10) % 10)


# ---------------------------------------------------------------- SSN
def gen_ssn():
    while True:
        area = RNG.randint(1, 899)
        if area != 666:
            break
    return "%03d" % area, "%02d" % RNG.randint(1, 99), "%04d" % RNG.randint(1, 9999)


def ssn_ok(s):
    d = re.sub(r"[\s-]", "", s)
    if not re.fullmatch(r"\d{9}", d):
        return False
    a, g, n = d[:3], d[3:5], d[5:]
    return a not in ("000", "666") and a[0] != "9" and g != "00" and n != "0000"


# ---------------------------------------------------------------- UPS / USPS
def ups_check(body15):
    total = 0
    for i, ch in enumerate(body15):
        v = int(ch) if ch.isdigit() else (ord(ch) - 63) % 10
        total += v * 2 if i % 2 == 1 else v
    return str((10 - total % 10) % 10)


def gen_ups():
    shipper = "".join(RNG.choice(string.ascii_uppercase + string.digits) for _ in range(6))
    body = shipper + RNG.choice(["01", "02", "03", "12", "13"]) + digits(7)
    return "1Z" + body + ups_check(body)


def usps_check(body21):
    s = 0
    for i, ch in enumerate(reversed(body21)):
        s += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - s % 10) % 10)


def gen_usps():
    body = RNG.choice(["9400", "9205", "9361", "9405"]) + "1" + digits(16)
    return body + usps_check(body)


assert ups_check("999AA1012345678") == "4"  # 1Z999AA10123456784 (UPS example)
