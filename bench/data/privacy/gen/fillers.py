"""Placeholder fillers shared by both generators."""
import string

from common import (RNG, digits, gen_card, fmt_card, luhn_ok, gen_iban, fmt_iban, iban_valid,
                    gen_aba, aba_ok, gen_ssn, gen_ups, gen_usps, BIC)

FIRST = ["Maria", "James", "Linda", "Carlos", "Priya", "Tom", "Aisha", "Kevin", "Rosa", "Daniel",
         "Megan", "Luis", "Hannah", "Jorge", "Emily", "Marcus", "Sofia", "Brian", "Ana", "Derek",
         "Keiko", "Pat", "Lucia", "Greg", "Fatima", "Alejandro", "Beth", "Tyler", "Camila", "Ron"]
LAST = ["Gonzalez", "Smith", "Nguyen", "Okafor", "Patel", "Miller", "Hernandez", "Kowalski",
        "Johnson", "Ramirez", "O'Brien", "Chen", "Davis", "Torres", "Schmidt", "Williams", "Reyes",
        "Anderson", "Morales", "Fischer", "Brooks", "Castillo", "Murphy", "Kim", "Diaz"]
STREETS = ["Maple Ave", "Oak St", "Elm St", "Sunset Blvd", "Lakeview Dr", "Pine Ridge Rd",
           "W 34th St", "Mission St", "Cedar Ln", "Franklin Ave", "Broadway", "Willow Ct",
           "N Halsted St", "Magnolia Way", "Park Pl", "Grand River Ave", "Bayshore Dr"]
CITIES = [("Springfield", "IL", "62704"), ("Austin", "TX", "78704"), ("Portland", "OR", "97214"),
          ("Brooklyn", "NY", "11215"), ("San Francisco", "CA", "94110"), ("Chicago", "IL", "60614"),
          ("Miami", "FL", "33133"), ("Denver", "CO", "80206"), ("Seattle", "WA", "98103"),
          ("Boston", "MA", "02118"), ("Phoenix", "AZ", "85004"), ("Atlanta", "GA", "30307"),
          ("Raleigh", "NC", "27601"), ("Madison", "WI", "53703"), ("San Antonio", "TX", "78210")]
AREA = ["312", "415", "646", "206", "512", "305", "617", "503", "720", "919", "213", "404", "602",
        "773", "210", "608"]
PROMO = ["WELCOME10", "COFFEE15", "CLUB20", "FREESHIP", "SPRING25", "BREW5OFF", "HOLIDAY30",
         "LARK10", "GRINDER50"]
PASSWORDS = ["Sunny2024!", "hunter22", "Coffee4life!", "larkspur123", "Mocha#2019", "P@ssw0rd1",
             "mittens1987", "BlueJay!77", "espresso99", "Tr0ub4dor&3", "ilovemydog2", "Qwerty!234",
             "Rosa_1975", "GoBucks2023", "Pumpk1n$pice", "brewmaster", "Kettle-Pr0", "Dolores58!",
             "summer2025", "Charlie0801", "Jasmine*22", "b3ach-house", "OceanView#5", "Marisol1990",
             "Cafecito!", "N0rthSt4r", "latteart7", "Grandkids4!", "Yankees#1", "Babygirl06",
             "m1ch3ll3", "Zxcvbnm123", "September2!", "Rainier$14", "darkroast!!", "Tacos4ever",
             "gatito2020", "MyLarkspur1", "Buster&Max", "frenchpress8", "Steelers43", "Abuela1956",
             "coldbrew_22", "Winter#Is#Here", "jt041288", "Lucky7lucky", "Ch@i_latte", "teddybear99"]

STATE = {}


def _card(brand=None):
    def f(ctx, mod):
        b = brand or RNG.choice(["visa", "visa", "visa", "mc", "mc", "amex", "disc"])
        if mod == "half1":
            num = gen_card(b if b != "amex" else "visa")
            ctx["last_brand"] = b if b != "amex" else "visa"
            g = fmt_card(num, "space").split(" ")
            ctx["half2"] = " ".join(g[2:])
            return " ".join(g[:2]), "card_number", "split-part"
        if mod == "half2":
            return ctx.pop("half2"), "card_number", "split-part"
        num = gen_card(b)
        if mod == "split" and len(num) != 16:
            mod = "space"
        ctx["last_brand"] = b
        return fmt_card(num, mod), "card_number", None
    return f


def badcard(ctx, mod):
    b = RNG.choice(["visa", "visa", "mc", "amex", "disc"])
    num = gen_card(b)
    while True:
        if RNG.random() < 0.75:  # wrong last digit
            bad = num[:-1] + RNG.choice([d for d in string.digits if d != num[-1]])
        else:  # two neighbouring digits swapped or one digit missing
            i = RNG.randint(0, len(num) - 2)
            if RNG.random() < 0.5:
                bad = num[:i] + num[i + 1] + num[i] + num[i + 2:]
            else:
                bad = num[:i] + num[i + 1:]
        if not luhn_ok(bad) and 13 <= len(bad) <= 19:
            break
    ctx["last_brand"] = b
    if len(bad) not in (15, 16):
        txt = bad if RNG.random() < 0.5 else " ".join(bad[i:i + 4] for i in range(0, len(bad), 4))
    else:
        txt = fmt_card(bad, mod)
    return txt, "card_number", "luhn-invalid"


def cvv(ctx, mod):
    n = 4 if (mod == "4" or ctx.get("last_brand") == "amex") else 3
    return digits(n), "cvv", None


def ssn(ctx, mod):
    a, g, n = gen_ssn()
    if mod == "nodash":
        return a + g + n, "ssn", None
    if mod == "space":
        return " ".join([a, g, n]), "ssn", None
    return "-".join([a, g, n]), "ssn", None


def iban(ctx, mod):
    cc = mod if mod in ("DE", "GB", "FR", "NL", "ES", "IT") else RNG.choice(
        ["DE", "GB", "FR", "NL", "ES", "IT"])
    ctx["iban_cc"] = cc
    return fmt_iban(gen_iban(cc), "nospace" if mod == "nospace" else None), "iban", None


def badiban(ctx, mod):
    cc = RNG.choice(["DE", "GB", "FR", "NL", "ES", "IT"])
    ctx["iban_cc"] = cc
    good = gen_iban(cc)
    while True:
        i = RNG.randint(4, len(good) - 1)
        if not good[i].isdigit():
            continue
        bad = good[:i] + RNG.choice([d for d in string.digits if d != good[i]]) + good[i + 1:]
        if not iban_valid(bad):
            break
    return fmt_iban(bad, None), "iban", "checksum-invalid"


def bic(ctx, mod):
    return RNG.choice(BIC[ctx.get("iban_cc", "DE")]), None, None


def acct(ctx, mod):
    r = RNG.random()
    if r < 0.25:
        a = "000" + digits(RNG.randint(6, 9))
    else:
        a = str(RNG.randint(1, 9)) + digits(RNG.randint(7, 13))
    return a, "bank_account", None


def routing(ctx, mod):
    return gen_aba(), "routing_number", None


def badrouting(ctx, mod):
    good = gen_aba()
    bad = good[:-1] + RNG.choice([d for d in string.digits if d != good[-1]])
    assert not aba_ok(bad)
    return bad, "routing_number", "aba-invalid"


def pw(ctx, mod):
    used = ctx.setdefault("pw_used", set())
    p = RNG.choice([x for x in PASSWORDS if x not in used])
    used.add(p)
    return p, "password", None


# ------------------------------------------------------------- non-sensitive
def plain(fn, name=None):
    def f(ctx, mod):
        seen = ctx.setdefault("seen_vals", {}).setdefault(name or fn.__name__, set())
        for _ in range(30):
            v = fn(mod)
            if v not in seen:
                break
        seen.add(v)
        return v, None, None
    return f


def _order(mod):
    return "A" + str(RNG.randint(1000, 9999))


def _phone(mod):
    a, e, l = RNG.choice(AREA), str(RNG.randint(200, 989)), digits(4)
    fmts = ["(%s) %s-%s", "%s-%s-%s", "%s.%s.%s", "%s%s%s", "+1 (%s) %s-%s", "+1 %s %s %s",
            "1-%s-%s-%s", "%s %s %s"]
    return RNG.choice(fmts) % (a, e, l)


def _phone_plus1(mod):
    return RNG.choice(["+1 (%s) %s-%s", "+1 %s-%s-%s", "+1%s%s%s"]) % (
        RNG.choice(AREA), RNG.randint(200, 989), digits(4))


def _phone_uk(mod):
    return RNG.choice(["+44 7700 9%s", "+44 20 7946 0%s", "07700 9%s", "+44 (0)161 496 0%s"]) % digits(3)


def _ups(mod):
    return gen_ups()


def _usps(mod):
    t = gen_usps()
    if mod == "nospace" or RNG.random() < 0.4:
        return t
    return " ".join(t[i:i + 4] for i in range(0, 22, 4))


def _fedex(mod):
    return RNG.choice(["7", "7", "3", "5"]) + digits(11)


def _amount(mod):
    r = RNG.random()
    if r < 0.5:
        return "$%d.%02d" % (RNG.choice([9, 14, 16, 18, 22, 29, 39, 54, 64, 89]), RNG.choice([0, 50, 95, 99]))
    if r < 0.75:
        return "$" + RNG.choice(["1,299.00", "649.99", "1,049.00", "249.00", "379.95", "2,150.40"])
    if r < 0.9:
        return RNG.choice(["14.95", "32.40", "129.00", "1,299.00", "59.90"])
    return RNG.choice(["$45", "$120", "$8", "45 dollars", "USD 89.00"])


MONTHS = ["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec"]


def _date(mod):
    m, d = RNG.randint(1, 12), RNG.randint(1, 28)
    y = RNG.choice([2025, 2026, 2026, 2027])
    fm = RNG.choice(["us", "us", "iso", "short", "word", "word2"])
    if mod == "iso" or fm == "iso":
        return "%d-%02d-%02d" % (y, m, d)
    if fm == "us":
        return "%02d/%02d/%d" % (m, d, y)
    if fm == "short":
        return "%d/%d" % (m, d)
    if fm == "word":
        return "%s %d" % (MONTHS[m - 1], d)
    return "%s %d, %d" % (MONTHS[m - 1], d, y)


def _zip(mod):
    z = RNG.choice(CITIES)[2] if RNG.random() < 0.5 else "%05d" % RNG.randint(10001, 99950)
    if mod == "4":
        return z + "-" + digits(4)
    return z


def _exp(mod):
    m, y = RNG.randint(1, 12), RNG.randint(26, 31)
    return RNG.choice(["%02d/%02d", "%02d/20%02d", "%d/%02d", "%02d-%02d", "%02d / %02d"]) % (m, y)


def _last4(mod):
    return RNG.choice(["4242", "1881", "0005", "4444", digits(4), digits(4), digits(4)])


def _gift(mod):
    al = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "LARK-" + "".join(RNG.choice(al) for _ in range(4)) + "-" + "".join(RNG.choice(al) for _ in range(4))


def _promo(mod):
    return RNG.choice(PROMO)


def _invoice(mod):
    return "INV-%d-%05d" % (RNG.choice([2025, 2026]), RNG.randint(1, 9999))


def _addr(mod):
    c = RNG.choice(CITIES)
    return "%d %s, %s, %s %s" % (RNG.randint(12, 9800), RNG.choice(STREETS), c[0], c[1], c[2])


def _street(mod):
    return "%d %s" % (RNG.randint(12, 9800), RNG.choice(STREETS))


def _time(mod):
    return RNG.choice(["3:45pm", "10:00 AM", "9am", "11:30", "2 pm", "7:15 a.m.", "16:20", "noon",
                       "6pm", "8:30am"])


def _name(mod):
    return RNG.choice(FIRST)


def _fullname(mod):
    return RNG.choice(FIRST) + " " + RNG.choice(LAST)


def _qty(mod):
    return str(RNG.choice([2, 2, 3, 4, 5, 6, 10, 12]))


def _year(mod):
    return str(RNG.randint(2016, 2025))


def _serial(mod):
    return RNG.choice(["ES100", "GR200"]) + "-" + digits(2) + "-" + digits(6)


def _caseid(mod):
    return "00" + digits(6)


def _conf(mod):
    return "".join(RNG.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(6))


def _paypal(mod):
    return digits(1) + "".join(RNG.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def _bankref(mod):
    return digits(10)


def _member(mod):
    return "CC-" + digits(6)


def _receipt(mod):
    return digits(4) + "-" + digits(4) + "-" + digits(4)


def _lot(mod):
    return "%02d%02d%02d-%s" % (RNG.choice([25, 26]), RNG.randint(1, 12), RNG.randint(1, 28), RNG.choice("ABC"))


FILLERS1 = {
    "card": _card(), "visa": _card("visa"), "mc": _card("mc"), "amex": _card("amex"),
    "disc": _card("disc"), "badcard": badcard, "cvv": cvv, "ssn": ssn, "iban": iban,
    "badiban": badiban, "bic": bic, "acct": acct, "routing": routing, "badrouting": badrouting,
    "pw": pw,
}
for _k, _fn in {"order": _order, "phone": _phone, "phone_plus1": _phone_plus1, "phone_uk": _phone_uk,
                "ups": _ups, "usps": _usps, "fedex": _fedex, "amount": _amount, "date": _date,
                "zip": _zip, "exp": _exp, "last4": _last4, "gift": _gift, "promo": _promo,
                "invoice": _invoice, "addr": _addr, "street": _street, "time": _time,
                "name": _name, "fullname": _fullname, "qty": _qty, "year": _year,
                "serial": _serial, "caseid": _caseid, "conf": _conf, "paypal": _paypal,
                "bankref": _bankref, "member": _member, "receipt": _receipt, "lot": _lot}.items():
    FILLERS1[_k] = plain(_fn, _k)
