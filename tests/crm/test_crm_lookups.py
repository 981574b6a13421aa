"""Read-only behaviour of the CRM on the seeded demo data (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.crm import Crm, InvalidRequest, to_dict

NOW = datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc)  # = conftest.NOW, the clock of the fixtures

TODAY = NOW.date()


def test_implements_the_protocol(seeded_crm):
    assert isinstance(seeded_crm, Crm)
    seeded_crm.ping()
    assert seeded_crm.now() == NOW


def test_seed_counts(seeded_crm):
    counts = seeded_crm.counts()
    assert counts["customers"] == 60
    assert counts["orders"] == 300
    assert 400 <= counts["order_lines"] <= 700
    assert 400 <= counts["invoices"] <= 600
    assert 20 <= counts["subscriptions"] <= 40
    assert counts["tickets"] >= 10
    assert counts["returns"] == 6
    assert counts["disputes"] == counts["callbacks"] == 0


def test_order_ids_are_a1001_to_a1300_with_every_status(seeded_crm):
    ids = [f"A{n}" for n in range(1001, 1301)]
    orders = [seeded_crm.get_order(order_id) for order_id in ids]
    assert all(order is not None for order in orders)
    statuses = Counter(order.status for order in orders)
    assert set(statuses) == {"processing", "shipped", "delayed", "delivered", "exception", "lost", "cancelled"}
    assert statuses["delivered"] > 150
    for order in orders:
        assert order.total == sum((line.line_total for line in order.lines), Decimal("0")) + order.shipping_fee
        assert order.lines and order.placed_at <= NOW
        if order.status in ("shipped", "delayed", "delivered", "exception", "lost"):
            assert order.shipment and order.shipment.carrier in ("UPS", "FedEx", "USPS")
            assert order.shipment.tracking_number and order.placed_at < order.shipment.shipped_at <= NOW
        else:
            assert order.shipment is None
        if order.status == "delivered":
            assert order.shipment.shipped_at < order.shipment.delivered_at <= NOW
            assert order.return_by == order.shipment.delivered_at.date() + timedelta(days=30)
        if order.status == "shipped":
            assert order.shipment.expected_delivery >= TODAY
        if order.status == "delayed":
            assert order.shipment.expected_delivery < TODAY and order.shipment.delivered_at is None


# ----------------------------------------------------------------- customers
def test_find_maria_by_email_phone_and_id(seeded_crm):
    maria = seeded_crm.find_customer(email="maria.lopez@example.com")
    assert maria is not None
    assert (maria.customer_id, maria.full_name, maria.tier) == ("C1001", "Maria Lopez", "plus")
    assert maria.phone == "(555) 201-3344"
    assert maria.address.one_line() == "1420 Maple Avenue, Austin, TX 78704"
    for phone in ("(555) 201-3344", "555-201-3344", "+1 555 201 3344", "5552013344", "1-555-201-3344"):
        assert seeded_crm.find_customer(phone=phone) == maria
    assert seeded_crm.find_customer(email="  Maria.Lopez@EXAMPLE.com ") == maria
    assert seeded_crm.find_customer(customer_id="c1001") == maria
    assert seeded_crm.find_customer(email="maria.lopez@example.com", customer_id="C1001") == maria


def test_find_customer_requires_all_given_keys_to_match(seeded_crm):
    assert seeded_crm.find_customer(email="maria.lopez@example.com", customer_id="C1002") is None
    assert seeded_crm.find_customer(email="maria.lopez@example.com", phone="555-318-7720") is None
    assert seeded_crm.find_customer(email="nobody@example.com") is None
    assert seeded_crm.find_customer(phone="12345") is None
    assert seeded_crm.find_customer(customer_id="C9999") is None
    with pytest.raises(InvalidRequest):
        seeded_crm.find_customer()
    with pytest.raises(InvalidRequest):
        seeded_crm.find_customer(email="  ", phone="")


def test_customers_are_diverse_and_unique(seeded_crm):
    customers = [seeded_crm.find_customer(customer_id=f"C{n}") for n in range(1001, 1061)]
    assert all(customers)
    assert len({c.email for c in customers}) == 60
    assert len({c.phone for c in customers}) == 60
    assert len({c.full_name for c in customers}) == 60
    assert len({c.last_name for c in customers}) >= 25
    assert {c.tier for c in customers} == {"standard", "plus", "vip"}
    for customer in customers:
        assert "@" in customer.email and customer.email == customer.email.lower()
        assert customer.phone.startswith("(555) ")
        assert customer.customer_since < NOW


# ----------------------------------------------------------------- orders
def test_a1042_shipped_via_ups(seeded_crm):
    order = seeded_crm.get_order("A1042")
    assert order.customer_id == "C1001" and order.status == "shipped"
    assert order.shipment.carrier == "UPS" and order.shipment.tracking_number == "1Z84F2A70399271864"
    assert order.shipment.shipped_at == NOW - timedelta(days=3)
    assert order.shipment.expected_delivery == TODAY + timedelta(days=2)
    assert order.shipment.delivered_at is None
    assert order.products == ("Pour-Over Kettle", "Coffee Beans")
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("LK-KET-01", 1, Decimal("49.00")),
        ("LK-BEAN-12", 2, Decimal("18.00")),
    ]
    assert order.total == Decimal("85.00") and order.shipping_fee == Decimal("0.00")
    assert order.return_by is None
    assert order.ship_to == "1420 Maple Avenue, Austin, TX 78704"


@pytest.mark.parametrize("text", ["A1042", "a1042", " #A1042 ", "1042", "A-1042"])
def test_order_id_normalisation(seeded_crm, text):
    assert seeded_crm.get_order(text).order_id == "A1042"


@pytest.mark.parametrize("text", ["A9999", "B1042", "hello", "", "A12", "A1042; DROP TABLE crm_orders"])
def test_unknown_orders_are_none(seeded_crm, text):
    assert seeded_crm.get_order(text) is None


def test_fixed_orders(seeded_crm):
    a1043 = seeded_crm.get_order("A1043")
    assert a1043.status == "delivered" and a1043.shipment.delivered_at == NOW - timedelta(days=10)
    assert a1043.return_by == TODAY + timedelta(days=20)
    assert a1043.products == ("Burr Grinder Pro", "Ceramic Mug Set") and a1043.total == Decimal("183.00")

    a1044 = seeded_crm.get_order("A1044")
    assert a1044.status == "delivered" and a1044.shipment.delivered_at == NOW - timedelta(days=45)
    assert a1044.return_by < TODAY
    assert a1044.total == Decimal("59.00") and a1044.shipping_fee == Decimal("0.00")  # free from $50

    a1045 = seeded_crm.get_order("A1045")
    assert a1045.status == "delayed" and a1045.shipment.expected_delivery == TODAY - timedelta(days=3)

    a1046 = seeded_crm.get_order("A1046")
    assert a1046.status == "processing" and a1046.shipment is None

    a1047 = seeded_crm.get_order("A1047")
    assert a1047.status == "lost" and a1047.customer_id == "C1003" and "lost" in a1047.shipment.status_note

    a1048 = seeded_crm.get_order("A1048")
    assert a1048.status == "cancelled" and a1048.cancelled_at is not None and a1048.shipment is None

    a1049 = seeded_crm.get_order("A1049")
    assert a1049.status == "exception" and "Address" in a1049.shipment.status_note


def test_orders_for_customer_newest_first(seeded_crm):
    orders = seeded_crm.orders_for_customer("C1001", limit=10)
    assert [o.order_id for o in orders] == ["A1046", "A1042", "A1045", "A1043", "A1044"]
    assert [o.order_id for o in seeded_crm.orders_for_customer("c1001", limit=2)] == ["A1046", "A1042"]
    assert seeded_crm.orders_for_customer("C9999") == []
    assert len(seeded_crm.orders_for_customer("C1001")) == 5


# ----------------------------------------------------------------- billing
def test_invoices_for_customer(seeded_crm):
    invoices = seeded_crm.invoices_for_customer("C1001", limit=50)
    assert invoices == sorted(invoices, key=lambda inv: inv.issued_at, reverse=True)
    assert all(inv.customer_id == "C1001" and inv.currency == "USD" for inv in invoices)
    assert all(inv.invoice_id.startswith("INV-2026-") and len(inv.invoice_id) == 14 for inv in invoices)
    order_invoices = {inv.order_id: inv for inv in invoices if inv.order_id}
    assert set(order_invoices) == {"A1042", "A1043", "A1044", "A1045", "A1046"}
    assert order_invoices["A1043"].amount == Decimal("183.00") and order_invoices["A1043"].status == "paid"
    taster = [inv for inv in invoices if inv.subscription_id == "SUB-1001"]
    assert len(taster) == 7 and {inv.amount for inv in taster} == {Decimal("12.00")}
    assert len(seeded_crm.invoices_for_customer("C1001", limit=3)) == 3
    assert seeded_crm.invoices_for_customer("C9999") == []
    cancelled = [inv for inv in seeded_crm.invoices_for_customer("C1003") if inv.order_id == "A1048"]
    assert cancelled[0].status == "refunded"


@pytest.mark.parametrize("amount", [Decimal("22.00"), "22", "$22.00", 22, "22.0", 22.0])
def test_double_charge_of_james(seeded_crm, amount):
    charges = seeded_crm.find_charges("C1002", amount)
    same_day = [c for c in charges if c.issued_at.date() == TODAY - timedelta(days=4)]
    assert len(same_day) == 2
    assert same_day[0].issued_at - same_day[1].issued_at == timedelta(seconds=90)
    assert same_day[0].invoice_id != same_day[1].invoice_id
    assert len(charges) == 5  # 4 (twice), 34, 64 and 94 days ago
    charge = seeded_crm.find_charge("c1002", amount)
    assert charge == charges[0] and charge.amount == Decimal("22.00") and charge.subscription_id == "SUB-1002"


def test_find_charge_window_and_misses(seeded_crm):
    # Maria's $12 taster charges: 200, 170, 140, 110, 80, 50, 20 days ago -> 4 within 120 days
    charges = seeded_crm.find_charges("C1001", "12.00")
    assert len(charges) == 4
    assert all(NOW - c.issued_at <= timedelta(days=120) for c in charges)
    assert seeded_crm.find_charge("C1001", "183.00").order_id == "A1043"
    assert seeded_crm.find_charge("C1001", "23.45") is None
    assert seeded_crm.find_charge("C9999", "22.00") is None
    with pytest.raises(InvalidRequest):
        seeded_crm.find_charge("C1001", "twelve dollars")


def test_a_few_customers_have_double_charges(seeded_crm):
    doubled = set()
    for n in range(1001, 1061):
        seen = Counter((inv.amount, inv.issued_at.date()) for inv in seeded_crm.invoices_for_customer(f"C{n}", 500))
        if any(count > 1 for count in seen.values()):
            doubled.add(f"C{n}")
    assert "C1002" in doubled and 3 <= len(doubled) <= 6


# ----------------------------------------------------------------- subscriptions, tickets
def test_subscriptions(seeded_crm):
    maria = seeded_crm.get_subscription("C1001")
    assert (maria.plan, maria.status, maria.price) == ("taster", "active", Decimal("12.00"))
    assert maria.next_delivery == TODAY + timedelta(days=6)
    james = seeded_crm.get_subscription("c1002")
    assert (james.plan, james.status, james.price) == ("regular", "active", Decimal("22.00"))
    aisha = seeded_crm.get_subscription("C1003")
    assert (aisha.plan, aisha.status) == ("barista", "paused")
    assert aisha.paused_until == aisha.next_delivery == TODAY + timedelta(days=50)
    tom = seeded_crm.get_subscription("C1004")
    assert tom.status == "cancelled" and tom.cancelled_at == NOW - timedelta(days=20) and tom.next_delivery is None
    assert seeded_crm.get_subscription("C9999") is None
    statuses = Counter()
    for n in range(1001, 1061):
        sub = seeded_crm.get_subscription(f"C{n}")
        if sub:
            statuses[sub.status] += 1
            assert sub.plan in ("taster", "regular", "barista")
            if sub.status == "active":
                assert sub.next_delivery > TODAY
    assert set(statuses) == {"active", "paused", "cancelled"}


def test_open_tickets(seeded_crm):
    assert [t.ticket_id for t in seeded_crm.open_tickets("C1003")] == ["TCK-10001"]
    tom = seeded_crm.open_tickets("C1004")
    assert [(t.ticket_id, t.status) for t in tom] == [("TCK-10002", "pending")]
    assert seeded_crm.open_tickets("C1001") == []  # Maria's only ticket is closed
    assert seeded_crm.open_tickets("C9999") == []


def test_records_serialise_to_json(seeded_crm):
    data = to_dict(seeded_crm.get_order("A1043"))
    text = json.dumps(data)
    assert data["total"] == "183.00" and data["shipment"]["carrier"] == "FedEx"
    assert json.loads(text)["lines"][0]["product"] == "Burr Grinder Pro"
    customer = to_dict(seeded_crm.find_customer(customer_id="C1001"))
    assert customer["full_name"] == "Maria Lopez" and json.dumps(customer)
    assert json.dumps(to_dict(seeded_crm.get_subscription("C1003")))
