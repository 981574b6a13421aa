"""The demo data itself: deterministic, consistent with client.yml, plausible whenever seeded."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import yaml

from bot.crm.seed import CATALOGUE, PLANS, build_rows, seed
from bot.crm.sql import SqlCrm

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc)

CONTRACT_PRODUCTS = [
    "Pour-Over Kettle", "Barista One espresso machine", "Burr Grinder Pro", "Cold Brew Jar", "Milk Frother",
    "Ceramic Mug Set", "Cast Iron Skillet", "Chef's Knife", "Bamboo Cutting Board", "Stand Mixer", "Toaster",
    "Blender", "Air Fryer", "Dutch Oven", "French Press", "Coffee Beans", "Glass Storage Jars", "Linen Tea Towels",
    "Water Filter Pitcher", "Smart Kitchen Scale",
]


def _snapshot(now: datetime):
    customers, orders, subscriptions, invoices, returns, tickets = build_rows(now)
    return (
        [(c.id, c.first_name, c.last_name, c.email, c.phone, c.tier, c.street, c.payment_method) for c in customers],
        [(o.id, o.customer_id, o.status, o.total, o.carrier, o.tracking_number, o.placed_at,
          [(line.sku, line.quantity) for line in o.lines]) for o in orders],
        [(s.id, s.customer_id, s.plan, s.status) for s in subscriptions],
        [(i.id, i.customer_id, i.amount, i.issued_at) for i in invoices],
        [(r.reference, r.order_id, r.sku) for r in returns],
        [(t.id, t.customer_id, t.status) for t in tickets],
    )


def test_seed_is_deterministic():
    assert _snapshot(NOW) == _snapshot(NOW)


def test_catalogue_and_plans_match_the_client():
    assert [p.name for p in CATALOGUE] == CONTRACT_PRODUCTS
    assert len({p.sku for p in CATALOGUE}) == len(CATALOGUE)
    assert all(p.price > 0 for p in CATALOGUE)
    client = yaml.safe_load((ROOT / "client.yml").read_text())
    plans = client["subscription"]["plans"]
    assert set(plans) == set(PLANS)
    for key, (label, price) in PLANS.items():
        assert plans[key]["label"] == label and Decimal(str(plans[key]["price"])).quantize(Decimal("0.01")) == price


def test_seed_with_the_real_clock_is_plausible_today():
    """Seeded "now" with the real clock: the fixed stories hold on the day of the demo."""
    crm = SqlCrm("sqlite://")
    try:
        result = seed(crm)  # now = crm clock = real time
        assert result.created and result.counts["orders"] == 300
        today = datetime.now(timezone.utc).date()
        a1042 = crm.get_order("A1042")
        assert a1042.status == "shipped" and a1042.shipment.expected_delivery == today + timedelta(days=2)
        assert crm.get_order("A1043").return_by >= today + timedelta(days=19)
        assert crm.get_order("A1045").status == "delayed"
        assert len(crm.find_charges("C1002", "22.00")) == 5
        assert crm.create_return("A1043", "Ceramic Mug Set", "chipped").reference.startswith("RMA-")
    finally:
        crm.close()


def test_stored_shipped_orders_turn_delayed_when_time_passes():
    """A demo database seeded a week ago reports A1042 as delayed, not "shipped" in the past."""
    crm = SqlCrm("sqlite://", clock=lambda: NOW + timedelta(days=7))
    try:
        seed(crm, NOW)
        assert crm.get_order("A1042").status == "delayed"
    finally:
        crm.close()


def test_statuses_are_plausible_for_other_nows():
    for now in (datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc), datetime(2027, 6, 30, 23, 55, tzinfo=timezone.utc)):
        _, orders, subscriptions, invoices, _, _ = build_rows(now)
        today = now.date()
        assert len(orders) == 300 and len({o.id for o in orders}) == 300
        for order in orders:
            if order.status == "shipped":
                assert order.expected_delivery >= today
            if order.status == "delivered":
                assert order.delivered_at <= now and order.delivered_at > order.shipped_at
            if order.status == "processing":
                assert now - order.placed_at < timedelta(days=2)
        assert all(inv.issued_at <= now for inv in invoices)
        assert [inv.id for inv in invoices] == [f"INV-2026-{n:05d}" for n in range(1, len(invoices) + 1)]
        issued = [inv.issued_at for inv in invoices]
        assert issued == sorted(issued)
        james = [inv for inv in invoices if inv.customer_id == "C1002" and inv.issued_at.date() == today - timedelta(days=4)]
        assert len(james) == 2 and {inv.amount for inv in james} == {Decimal("22.00")}
