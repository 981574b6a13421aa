"""Deterministic demo data for the Larkspur & Co CRM.

`seed(crm, now)` fills an empty `SqlCrm` with the same data every time (fixed
random seed); all dates are relative to `now`, so statuses stay plausible
whenever the demo is seeded (reseed with `carebot crm seed --reset`). Seeding is
idempotent: it does nothing when customers already exist, unless `reset=True`.

Volume: 60 customers (C1001..C1060), 300 orders (A1001..A1300) with 440 lines,
467 invoices (INV-2026-00001.., numbered chronologically), 28 Coffee Club
subscriptions (SUB-1001..), 6 returns and 15 tickets (TCK-10001..).

Fixed records (for tests, demos and the NLU examples); "N days ago" is relative to `now`:

  C1001 Maria Lopez     maria.lopez@example.com   (555) 201-3344  plus
        Visa ending 4242, 1420 Maple Avenue, Austin, TX 78704
        A1042 shipped: UPS 1Z84F2A70399271864, shipped 3 days ago, expected in 2 days;
              Pour-Over Kettle $49.00 + Coffee Beans x2 $18.00 = $85.00
        A1043 delivered 10 days ago (FedEx), returnable until delivery + 30 days;
              Burr Grinder Pro $149.00 + Ceramic Mug Set $34.00 = $183.00
        A1044 delivered 45 days ago (USPS), outside the return window; Cast Iron Skillet $59.00
        A1045 delayed: FedEx, shipped 8 days ago, expected 3 days ago; Stand Mixer $299.00
        A1046 processing: placed 20 hours ago; Toaster $69.00 + Linen Tea Towels $22.00
        SUB-1001 Coffee Club taster, active, next delivery in 6 days
        no open tickets (one closed)
  C1002 James Okafor    james.okafor@example.com  (555) 318-7720  standard
        SUB-1002 Coffee Club regular ($22/month), active, next delivery in 3 days
        DOUBLE CHARGE: two $22.00 charges 4 days ago (same day, 90 seconds apart; the invoice
        numbers depend on the time of day of `now`: use find_charges("C1002", "22.00"));
        earlier monthly $22.00 charges 34, 64 and 94 days ago (billing runs at 14:05 UTC)
  C1003 Aisha Khan      aisha.khan@example.com    (555) 442-9087  vip
        A1047 lost: USPS, shipped 21 days ago, expected 16 days ago; Dutch Oven $179.00
        A1048 cancelled 6 days ago (charge refunded); Air Fryer $129.00
        SUB-1003 barista, paused 10 days ago until 50 days from now (= next delivery)
        TCK-10001 open: parcel for A1047 never arrived
  C1004 Tom Becker      tom.becker@example.com    (555) 660-1298  standard
        A1049 exception: UPS, address could not be verified, held at the UPS facility; Blender $119.00
        SUB-1004 regular, cancelled 20 days ago
        TCK-10002 pending: delivery exception on A1049

Random customers C1005..C1060 hold the other orders (A1001..A1041, A1050..A1300);
three of them (C1021 $22.00, C1027 $40.00, C1047 $40.00) also have a same-day double
charge of their Coffee Club plan.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.crm.interface import format_phone

if TYPE_CHECKING:  # pragma: no cover
    from bot.crm.sql import SqlCrm

RANDOM_SEED = 20260314
FIRST_ORDER = 1001
ORDER_COUNT = 300
CUSTOMER_COUNT = 60
CENT = Decimal("0.01")
FREE_SHIPPING_FROM = Decimal("50.00")
SHIPPING_FEE = Decimal("5.95")


@dataclass(frozen=True)
class Product:
    name: str
    sku: str
    price: Decimal


# The names are the `product` lookup table of the NLU data (data/nlu/lookups.yml).
CATALOGUE: tuple[Product, ...] = tuple(
    Product(name, sku, Decimal(price))
    for name, sku, price in (
        ("Pour-Over Kettle", "LK-KET-01", "49.00"),
        ("Barista One espresso machine", "LK-ESP-01", "399.00"),
        ("Burr Grinder Pro", "LK-GRD-02", "149.00"),
        ("Cold Brew Jar", "LK-CBJ-01", "29.00"),
        ("Milk Frother", "LK-FRO-01", "39.00"),
        ("Ceramic Mug Set", "LK-MUG-04", "34.00"),
        ("Cast Iron Skillet", "LK-SKL-10", "59.00"),
        ("Chef's Knife", "LK-KNF-08", "89.00"),
        ("Bamboo Cutting Board", "LK-BCB-01", "32.00"),
        ("Stand Mixer", "LK-MIX-01", "299.00"),
        ("Toaster", "LK-TST-02", "69.00"),
        ("Blender", "LK-BLN-01", "119.00"),
        ("Air Fryer", "LK-AFR-01", "129.00"),
        ("Dutch Oven", "LK-DOV-55", "179.00"),
        ("French Press", "LK-FRP-01", "35.00"),
        ("Coffee Beans", "LK-BEAN-12", "18.00"),
        ("Glass Storage Jars", "LK-JAR-06", "27.00"),
        ("Linen Tea Towels", "LK-TWL-03", "22.00"),
        ("Water Filter Pitcher", "LK-WFP-01", "38.00"),
        ("Smart Kitchen Scale", "LK-SCL-01", "45.00"),
    )
)
PRODUCTS = {product.name: product for product in CATALOGUE}

# Same as client.yml `subscription.plans` (a test keeps them in sync).
PLANS: dict[str, tuple[str, Decimal]] = {
    "taster": ("Taster", Decimal("12.00")),
    "regular": ("Regular", Decimal("22.00")),
    "barista": ("Barista", Decimal("40.00")),
}

_FIRST_NAMES = (
    "Olivia", "Liam", "Sofia", "Noah", "Emma", "Mateo", "Ava", "Ethan", "Chloe", "Lucas", "Zoe", "Jamal",
    "Priya", "Wei", "Hannah", "Diego", "Fatima", "Connor", "Yuki", "Kwame", "Isabella", "Omar", "Grace",
    "Andre", "Mei", "Samuel", "Leila", "Marcus", "Nadia", "Kevin", "Rosa", "Tyler", "Aaliyah", "Ben",
    "Camila", "Darnell", "Elena", "Hiroshi", "Ingrid", "Jasmine", "Kofi", "Lauren", "Miguel", "Nora",
    "Patrick", "Quinn", "Rahul", "Sarah", "Tariq", "Valentina", "Wyatt", "Ximena", "Yusuf", "Zara",
    "Brianna", "Carlos", "Deborah", "Erik", "Gabriela", "Ivan",
)
_LAST_NAMES = (
    "Johnson", "Nguyen", "Garcia", "Patel", "Williams", "Kim", "Rodriguez", "Chen", "Brown", "Hernandez",
    "Okonkwo", "Smith", "Martinez", "Sato", "Davis", "Ali", "Murphy", "Rossi", "Jackson", "Kowalski",
    "Lee", "Thompson", "Singh", "Moreno", "Walker", "Haddad", "O'Brien", "Yamamoto", "Mensah", "Clark",
    "Silva", "Goldberg", "Fischer", "Reyes", "Washington", "Ivanova", "Novak", "Cohen", "Bianchi", "Mitchell",
    "Tran", "Dubois", "Sullivan", "Lindqvist", "Ortiz", "Abdullah", "Park", "Campbell", "Mendoza", "Wright",
)
_STREETS = (
    "Oak Street", "Pine Avenue", "Cedar Lane", "Elm Street", "Willow Way", "Sunset Boulevard", "Park Place",
    "Highland Avenue", "Riverside Drive", "Chestnut Street", "Magnolia Court", "Hillcrest Road", "Lakeshore Drive",
    "Juniper Street", "Main Street", "Washington Avenue", "Spring Street", "Meadow Lane", "Franklin Street",
    "Grand Avenue",
)
_CITIES = (
    ("Seattle", "WA", "981"), ("San Diego", "CA", "921"), ("Denver", "CO", "802"), ("Phoenix", "AZ", "850"),
    ("Atlanta", "GA", "303"), ("Miami", "FL", "331"), ("Boston", "MA", "021"), ("Brooklyn", "NY", "112"),
    ("Philadelphia", "PA", "191"), ("Minneapolis", "MN", "554"), ("Nashville", "TN", "372"),
    ("Raleigh", "NC", "276"), ("Salt Lake City", "UT", "841"), ("Kansas City", "MO", "641"),
    ("Sacramento", "CA", "958"), ("Houston", "TX", "770"), ("Madison", "WI", "537"), ("Richmond", "VA", "232"),
    ("Albuquerque", "NM", "871"), ("Pittsburgh", "PA", "152"), ("New Orleans", "LA", "701"),
    ("Baltimore", "MD", "212"),
)
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example")
_CARDS = ("Visa", "Visa", "Mastercard", "Mastercard", "American Express", "Discover")
_EXCEPTION_NOTES = (
    "Address could not be verified; parcel held at the carrier facility",
    "Parcel damaged in transit; the carrier is inspecting it",
    "Delivery attempted; a signature is required",
    "Weather delay at the regional hub",
)
_TICKET_SUBJECTS = (
    ("order", "Where is my order {order}?"),
    ("order", "Wrong colour received in order {order}"),
    ("billing", "Question about a charge on my card"),
    ("account", "Cannot log in to my account"),
    ("account", "Please update my shipping address"),
    ("general", "Is the Burr Grinder Pro back in stock?"),
    ("general", "Promo code SPRING15 did not work at checkout"),
    ("return", "Item from order {order} arrived chipped"),
    ("billing", "Need a copy of my invoice"),
)
_RETURN_REASONS = (
    "arrived damaged", "changed my mind", "wrong size", "does not match the description",
    "received a duplicate", "stopped working after a week",
)


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        numbers = ", ".join(f"{count} {name}" for name, count in self.counts.items())
        if self.created:
            return f"seeded CRM: {numbers}"
        return f"CRM already has data, nothing changed (use --reset to reseed): {numbers}"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)


class _Builder:
    """Builds all rows in memory; `rows()` hands them over in foreign-key order."""

    def __init__(self, now: datetime):
        from bot.crm import tables as t  # heavy import only when seeding

        self.t = t
        self.now = now
        self.today = now.date()
        self.rng = random.Random(RANDOM_SEED)
        self.customers: list = []
        self.orders: list = []
        self.subscriptions: list = []
        self.invoices: list[dict] = []  # numbered at the end, chronologically
        self.returns: list = []
        self.tickets: list = []
        self.used_phones: set[str] = set()
        self.used_emails: set[str] = set()

    # -------------------------------------------------------------- helpers
    def ago(self, days: float = 0, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def tracking(self, carrier: str, rng: random.Random) -> str:
        if carrier == "UPS":
            return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXY") for _ in range(6)) + "".join(
                rng.choice("0123456789") for _ in range(10)
            )
        if carrier == "FedEx":
            return "".join(rng.choice("0123456789") for _ in range(12))
        return "9400" + "".join(rng.choice("0123456789") for _ in range(18))

    def customer(self, cid, first, last, email, digits, tier, street, city, state, zip_, card, since_days):
        row = self.t.CustomerRow(
            id=cid,
            first_name=first,
            last_name=last,
            email=email,
            phone=format_phone(digits),
            phone_digits=digits,
            tier=tier,
            street=street,
            city=city,
            state=state,
            postal_code=zip_,
            payment_method=card,
            created_at=self.ago(days=since_days),
        )
        self.used_phones.add(digits)
        self.used_emails.add(email)
        self.customers.append(row)
        return row

    def order(self, oid, customer, placed_at, items, status, *, carrier=None, tracking=None, shipped_at=None,
              expected=None, delivered_at=None, cancelled_at=None, note=None):
        lines = []
        subtotal = Decimal("0")
        for position, (name, quantity) in enumerate(items, start=1):
            product = PRODUCTS[name]
            subtotal += product.price * quantity
            lines.append(
                self.t.OrderLineRow(position=position, sku=product.sku, product=product.name, quantity=quantity,
                                    unit_price=product.price)
            )
        shipping = Decimal("0.00") if subtotal >= FREE_SHIPPING_FROM else SHIPPING_FEE
        row = self.t.OrderRow(
            id=oid,
            customer_id=customer.id,
            status=status,
            placed_at=placed_at,
            shipping_fee=shipping,
            total=_money(subtotal + shipping),
            ship_to=f"{customer.street}, {customer.city}, {customer.state} {customer.postal_code}",
            carrier=carrier,
            tracking_number=tracking,
            shipped_at=shipped_at,
            expected_delivery=expected,
            delivered_at=delivered_at,
            cancelled_at=cancelled_at,
            status_note=note,
            lines=lines,
        )
        self.orders.append(row)
        self.invoice(customer, row.total, placed_at + timedelta(minutes=1),
                     "refunded" if status == "cancelled" else "paid", f"Order {oid}", order_id=oid)
        return row

    def invoice(self, customer, amount, issued_at, status, description, order_id=None, subscription_id=None):
        self.invoices.append(
            dict(customer_id=customer.id, amount=_money(amount), currency="USD", issued_at=issued_at, status=status,
                 description=description, payment_method=customer.payment_method, order_id=order_id,
                 subscription_id=subscription_id)
        )

    def subscription(self, sid, customer, plan, status, started_days, *, next_in=None, paused_days=None,
                     paused_until_in=None, cancelled_days=None, double_charge_seconds=None):
        label, price = PLANS[plan]
        started_at = self.ago(days=started_days)
        row = self.t.SubscriptionRow(
            id=sid,
            customer_id=customer.id,
            plan=plan,
            price=price,
            status=status,
            started_at=started_at,
            next_delivery=self.today + timedelta(days=next_in) if next_in is not None else None,
            paused_until=self.today + timedelta(days=paused_until_in) if paused_until_in is not None else None,
            cancelled_at=self.ago(days=cancelled_days) if cancelled_days is not None else None,
        )
        if status == "paused":
            row.next_delivery = row.paused_until
        self.subscriptions.append(row)
        # Monthly billing from the start until cancellation / pause / now.
        end = self.now
        if cancelled_days is not None:
            end = self.ago(days=cancelled_days)
        if paused_days is not None:
            end = self.ago(days=paused_days)
        # Monthly billing runs at 14:05 UTC (9:05 Eastern) every 30 days from the start day.
        day = started_at.date()
        last = None
        while (charge_at := _at(day, 14, 5)) <= end:
            self.invoice(customer, price, charge_at, "paid", f"Larkspur Coffee Club - {label} plan (monthly)",
                         subscription_id=sid)
            last = charge_at
            day += timedelta(days=30)
        if double_charge_seconds and last is not None:
            self.invoice(customer, price, last + timedelta(seconds=double_charge_seconds), "paid",
                         f"Larkspur Coffee Club - {label} plan (monthly)", subscription_id=sid)
        return row

    def ticket(self, tid, customer, subject, category, status, channel, created_days):
        created = self.ago(days=created_days)
        self.tickets.append(
            self.t.TicketRow(id=tid, customer_id=customer.id, subject=subject, category=category, status=status,
                             channel=channel, created_at=created,
                             updated_at=min(self.now, created + timedelta(hours=self.rng.randint(1, 60))))
        )

    # -------------------------------------------------------------- fixed data
    def fixed(self):
        now, today = self.now, self.today
        maria = self.customer("C1001", "Maria", "Lopez", "maria.lopez@example.com", "5552013344", "plus",
                              "1420 Maple Avenue", "Austin", "TX", "78704", "Visa ending 4242", 400)
        james = self.customer("C1002", "James", "Okafor", "james.okafor@example.com", "5553187720", "standard",
                              "88 Harbor Street Apt 5", "Portland", "OR", "97209", "Mastercard ending 5100", 310)
        aisha = self.customer("C1003", "Aisha", "Khan", "aisha.khan@example.com", "5554429087", "vip",
                              "2300 Lakeview Drive", "Chicago", "IL", "60614", "American Express ending 1009", 720)
        tom = self.customer("C1004", "Tom", "Becker", "tom.becker@example.com", "5556601298", "standard",
                            "17 Birch Lane", "Columbus", "OH", "43215", "Visa ending 7788", 260)

        self.order("A1042", maria, self.ago(days=4, hours=2), [("Pour-Over Kettle", 1), ("Coffee Beans", 2)],
                   "shipped", carrier="UPS", tracking="1Z84F2A70399271864", shipped_at=self.ago(days=3),
                   expected=today + timedelta(days=2))
        self.order("A1043", maria, self.ago(days=15), [("Burr Grinder Pro", 1), ("Ceramic Mug Set", 1)],
                   "delivered", carrier="FedEx", tracking="771204938815", shipped_at=self.ago(days=14),
                   expected=today - timedelta(days=10), delivered_at=self.ago(days=10))
        self.order("A1044", maria, self.ago(days=50), [("Cast Iron Skillet", 1)], "delivered", carrier="USPS",
                   tracking="9400111899223344556677", shipped_at=self.ago(days=49),
                   expected=today - timedelta(days=45), delivered_at=self.ago(days=45))
        self.order("A1045", maria, self.ago(days=9), [("Stand Mixer", 1)], "delayed", carrier="FedEx",
                   tracking="771204951172", shipped_at=self.ago(days=8), expected=today - timedelta(days=3))
        self.order("A1046", maria, self.ago(hours=20), [("Toaster", 1), ("Linen Tea Towels", 1)], "processing")
        self.order("A1047", aisha, self.ago(days=22), [("Dutch Oven", 1)], "lost", carrier="USPS",
                   tracking="9400111899560012447810", shipped_at=self.ago(days=21),
                   expected=today - timedelta(days=16), note="Carrier reported the parcel lost in transit")
        self.order("A1048", aisha, self.ago(days=6, hours=3), [("Air Fryer", 1)], "cancelled",
                   cancelled_at=self.ago(days=6, hours=1))
        self.order("A1049", tom, self.ago(days=5), [("Blender", 1)], "exception", carrier="UPS",
                   tracking="1Z7Y39W10312558820", shipped_at=self.ago(days=4), expected=today - timedelta(days=1),
                   note="Address could not be verified; parcel held at the UPS facility")

        self.subscription("SUB-1001", maria, "taster", "active", 200, next_in=6)
        self.subscription("SUB-1002", james, "regular", "active", 94, next_in=3, double_charge_seconds=90)
        self.subscription("SUB-1003", aisha, "barista", "paused", 150, paused_days=10, paused_until_in=50)
        self.subscription("SUB-1004", tom, "regular", "cancelled", 120, cancelled_days=20)

        self.ticket("TCK-10001", aisha, "Parcel for order A1047 never arrived", "order", "open", "email", 12)
        self.ticket("TCK-10002", tom, "Delivery exception on order A1049 - address check", "order", "pending",
                    "phone", 3)
        self.ticket("TCK-10003", maria, "Question about the grind settings of the Burr Grinder Pro", "general",
                    "closed", "chat", 30)
        assert now.tzinfo is not None

    # -------------------------------------------------------------- random data
    def random_customers(self):
        rng = self.rng
        names: set[tuple[str, str]] = {("Maria", "Lopez"), ("James", "Okafor"), ("Aisha", "Khan"), ("Tom", "Becker")}
        number = 1005
        while len(self.customers) < CUSTOMER_COUNT:
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            if (first, last) in names:
                continue
            names.add((first, last))
            local_last = last.lower().replace("'", "")
            style = rng.random()
            if style < 0.45:
                local = f"{first.lower()}.{local_last}"
            elif style < 0.65:
                local = f"{first.lower()}{local_last}{rng.randint(1, 99)}"
            elif style < 0.85:
                local = f"{first[0].lower()}{local_last}"
            else:
                local = f"{first.lower()}_{local_last}"
            email = f"{local}@{rng.choice(_EMAIL_DOMAINS)}"
            if email in self.used_emails:
                email = f"{local}{rng.randint(100, 999)}@{rng.choice(_EMAIL_DOMAINS)}"
            while True:
                digits = f"555{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
                if digits not in self.used_phones:
                    break
            city, state, zip3 = rng.choice(_CITIES)
            street = f"{rng.randint(12, 9800)} {rng.choice(_STREETS)}"
            if rng.random() < 0.25:
                street += f" Apt {rng.randint(1, 40)}{rng.choice('ABCD')}"
            tier = rng.choices(("standard", "plus", "vip"), weights=(6, 3, 1))[0]
            card = f"{rng.choice(_CARDS)} ending {rng.randint(0, 9999):04d}" if rng.random() < 0.9 else "PayPal"
            self.customer(f"C{number}", first, last, email, digits, tier, street, city, state,
                          f"{zip3}{rng.randint(0, 99):02d}", card, rng.randint(200, 1500))
            number += 1

    def random_orders(self):
        # One generator per section and per order: what happens to one order (which depends on the
        # time of day of `now`) never shifts the random data of the others or of later sections.
        rng = random.Random(f"{RANDOM_SEED}:orders")
        buyers = self.customers[4:]
        weights = [rng.uniform(0.3, 3.0) for _ in buyers]
        fixed_ids = {int(order.id[1:]) for order in self.orders}
        numbers = [n for n in range(FIRST_ORDER, FIRST_ORDER + ORDER_COUNT) if n not in fixed_ids]
        ages = sorted((rng.uniform(0.05, 180) for _ in numbers), reverse=True)  # oldest first = lowest id
        for number, age in zip(numbers, ages):
            oid = f"A{number}"
            orng = random.Random(f"{RANDOM_SEED}:{oid}")
            customer = orng.choices(buyers, weights=weights)[0]
            placed_at = self.ago(days=age).replace(microsecond=0)
            names = orng.sample([p.name for p in CATALOGUE], k=orng.choices((1, 2, 3), weights=(6, 3, 1))[0])
            items = [(name, orng.choice((1, 2, 3)) if name == "Coffee Beans" else
                      (orng.choice((1, 1, 2)) if name in ("Ceramic Mug Set", "Linen Tea Towels") else 1))
                     for name in names]
            cancel_roll, ship_lag, carrier_roll, transit = orng.random(), orng.uniform(0.6, 1.8), orng.random(), \
                orng.randint(2, 6)
            status_roll, note, tracking_rng = orng.random(), orng.choice(_EXCEPTION_NOTES), orng.random()
            day_shift, hour, minute, early = orng.choice((-1, 0, 0, 0, 1)), orng.randint(10, 20), \
                orng.randint(0, 59), orng.uniform(1, 6)
            if cancel_roll < 0.05:
                cancelled_at = min(placed_at + timedelta(hours=1 + 19 * ship_lag / 1.8), self.ago(hours=0.1))
                self.order(oid, customer, placed_at, items, "cancelled", cancelled_at=cancelled_at.replace(microsecond=0))
                continue
            shipped_at = (placed_at + timedelta(days=ship_lag)).replace(microsecond=0)
            if shipped_at >= self.now:
                self.order(oid, customer, placed_at, items, "processing")
                continue
            carrier = "UPS" if carrier_roll < 0.4 else ("FedEx" if carrier_roll < 0.75 else "USPS")
            expected = shipped_at.date() + timedelta(days=transit)
            common = dict(carrier=carrier, shipped_at=shipped_at, expected=expected,
                          tracking=self.tracking(carrier, random.Random(tracking_rng)))
            if expected >= self.today:
                status = "exception" if status_roll < 0.12 else "shipped"
                self.order(oid, customer, placed_at, items, status, note=note if status == "exception" else None,
                           **common)
                continue
            days_past = (self.today - expected).days
            if days_past <= 7 and status_roll < 0.3:
                self.order(oid, customer, placed_at, items, "delayed", **common)
            elif days_past >= 10 and status_roll < 0.015:
                self.order(oid, customer, placed_at, items, "lost",
                           note="Carrier reported the parcel lost in transit", **common)
            else:
                delivered_at = _at(expected + timedelta(days=day_shift), hour, minute)
                if delivered_at >= self.now:
                    delivered_at = (self.now - timedelta(hours=early)).replace(microsecond=0)
                delivered_at = max(delivered_at, shipped_at + timedelta(days=1))
                self.order(oid, customer, placed_at, items, "delivered", delivered_at=delivered_at, **common)

    def random_subscriptions(self):
        rng = random.Random(f"{RANDOM_SEED}:subscriptions")
        number = 1005
        double_charged = 0
        for customer in self.customers[4:]:
            if rng.random() >= 0.42:
                continue
            plan = rng.choices(("taster", "regular", "barista"), weights=(3, 4, 2))[0]
            started = rng.randint(20, 400)
            roll = rng.random()
            sid = f"SUB-{number}"
            number += 1
            if roll < 0.7:
                double = double_charged < 3 and started > 40 and rng.random() < 0.3
                double_charged += int(double)
                self.subscription(sid, customer, plan, "active", started, next_in=rng.randint(1, 14),
                                  double_charge_seconds=rng.randint(30, 240) if double else None)
            elif roll < 0.85:
                paused = rng.randint(1, min(started - 1, 60))
                self.subscription(sid, customer, plan, "paused", started, paused_days=paused,
                                  paused_until_in=rng.randint(5, 80))
            else:
                self.subscription(sid, customer, plan, "cancelled", started,
                                  cancelled_days=rng.randint(1, min(started - 1, 200)))

    def random_returns_and_tickets(self):
        rng = self.rng = random.Random(f"{RANDOM_SEED}:cases")
        delivered = [o for o in self.orders if o.status == "delivered" and o.customer_id not in
                     ("C1001", "C1002", "C1003", "C1004") and o.delivered_at > self.ago(days=70)]
        for order in rng.sample(delivered, k=min(6, len(delivered))):
            line = rng.choice(order.lines)
            created = order.delivered_at + timedelta(days=rng.uniform(1, 9))
            if created >= self.now:
                created = self.now - timedelta(hours=1)
            age = (self.now - created).days
            status = "refunded" if age > 12 else rng.choice(("open", "received"))
            self.returns.append(
                self.t.ReturnRow(
                    reference="RMA-" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)),
                    order_id=order.id, line=line, customer_id=order.customer_id, product=line.product,
                    sku=line.sku, quantity=line.quantity, reason=rng.choice(_RETURN_REASONS), status=status,
                    refund_amount=line.unit_price * line.quantity, created_at=created.replace(microsecond=0),
                )
            )
        by_customer: dict[str, list] = {}
        for order in self.orders:
            by_customer.setdefault(order.customer_id, []).append(order)
        candidates = [c for c in self.customers[4:] if c.id in by_customer]
        for number, customer in enumerate(rng.sample(candidates, k=12), start=10004):
            category, subject = rng.choice(_TICKET_SUBJECTS)
            subject = subject.format(order=rng.choice(by_customer[customer.id]).id)
            status = rng.choices(("open", "pending", "closed"), weights=(3, 2, 7))[0]
            self.ticket(f"TCK-{number}", customer, subject, category, status, rng.choice(("chat", "email", "phone")),
                        rng.uniform(0.5, 60))

    def build(self):
        self.fixed()
        self.random_customers()
        self.random_orders()
        self.random_subscriptions()
        self.random_returns_and_tickets()
        self.invoices.sort(key=lambda inv: inv["issued_at"])  # stable: same-instant keeps creation order
        invoices = [
            self.t.InvoiceRow(id=f"INV-2026-{index:05d}", **data) for index, data in enumerate(self.invoices, start=1)
        ]
        return [self.customers, self.orders, self.subscriptions, invoices, self.returns, self.tickets]


def build_rows(now: datetime) -> list[list]:
    """The demo rows (ORM objects) in insertion order, as lists per table."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return _Builder(now.astimezone(timezone.utc).replace(microsecond=0)).build()


def seed(crm: "SqlCrm", now: datetime | None = None, reset: bool = False) -> SeedResult:
    """Fill `crm` with the demo data (dates relative to `now`, default: the CRM clock).

    Migrates the CRM database to the newest schema first. Does nothing when customers exist, unless `reset`."""
    crm.create_schema()
    if crm.has_data() and not reset:
        return SeedResult(created=False, counts=crm.counts())
    groups = build_rows(now or crm.now())
    with crm.session() as session:
        if reset:
            from sqlalchemy import delete

            from bot.crm.tables import ALL_TABLES

            for table in ALL_TABLES:
                session.execute(delete(table))
        for rows in groups:  # foreign-key order, flushed group by group
            session.add_all(rows)
            session.flush()
    return SeedResult(created=True, counts=crm.counts())
