"""Writes: returns, disputes, callbacks (SQLite and PostgreSQL), each on freshly seeded data."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.crm import DisputeNotAllowed, InvalidRequest, NotFound, ReturnNotAllowed
from bot.crm.sql import SqlCrm

NOW = datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc)  # = conftest.NOW


# ----------------------------------------------------------------- returns
def test_return_a1043(fresh_crm):
    case = fresh_crm.create_return("a1043", "Burr Grinder Pro", "it arrived cracked")
    assert re.fullmatch(r"RMA-[A-Z2-9]{6}", case.reference)
    assert (case.order_id, case.customer_id, case.product, case.sku) == ("A1043", "C1001", "Burr Grinder Pro", "LK-GRD-02")
    assert case.refund_amount == Decimal("149.00") and case.quantity == 1
    assert case.status == "open" and case.reason == "it arrived cracked" and case.created_at == NOW
    order = fresh_crm.get_order("A1043")
    assert [(line.product, line.returned) for line in order.lines] == [("Burr Grinder Pro", True), ("Ceramic Mug Set", False)]
    tickets = fresh_crm.open_tickets("C1001")
    assert [(t.ticket_id, t.category, t.status) for t in tickets] == [(case.reference, "return", "open")]
    assert "Burr Grinder Pro" in tickets[0].subject and "A1043" in tickets[0].subject


@pytest.mark.parametrize(
    "text, product",
    [("the mugs", "Ceramic Mug Set"), ("grinder", "Burr Grinder Pro"), ("ceramic mug set", "Ceramic Mug Set"),
     ("LK-MUG-04", "Ceramic Mug Set"), ("my burr grinder pro", "Burr Grinder Pro")],
)
def test_return_matches_how_customers_name_products(fresh_crm, text, product):
    assert fresh_crm.create_return("A1043", text, "changed my mind").product == product


def test_double_return_is_refused(fresh_crm):
    first = fresh_crm.create_return("A1043", "Ceramic Mug Set", "chipped")
    with pytest.raises(ReturnNotAllowed) as info:
        fresh_crm.create_return("A1043", "mug set", "chipped again")
    assert info.value.reason_code == "already_returned"
    assert first.reference in info.value.message
    # the other product of the order can still be returned
    assert fresh_crm.create_return("A1043", "Burr Grinder Pro", "too loud").product == "Burr Grinder Pro"
    assert fresh_crm.counts()["returns"] == 6 + 2


def test_parallel_returns_of_the_same_item_create_one_case(fresh_crm):
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_):
        try:
            return fresh_crm.create_return("A1043", "Burr Grinder Pro", "broken").reference
        except ReturnNotAllowed as exc:
            return exc.reason_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(4)))
    created = [o for o in outcomes if o.startswith("RMA-")]
    assert len(created) == 1 and outcomes.count("already_returned") == 3
    assert fresh_crm.counts()["returns"] == 6 + 1


def test_product_not_in_order(fresh_crm):
    with pytest.raises(ReturnNotAllowed) as info:
        fresh_crm.create_return("A1043", "Toaster", "broken")
    assert info.value.reason_code == "product_not_in_order"
    assert "Burr Grinder Pro" in info.value.message and "Ceramic Mug Set" in info.value.message
    assert fresh_crm.counts()["returns"] == 6  # nothing written


def test_return_outside_window(fresh_crm):
    with pytest.raises(ReturnNotAllowed) as info:
        fresh_crm.create_return("A1044", "Cast Iron Skillet", "rusty")
    assert info.value.reason_code == "outside_window"
    assert "30-day" in info.value.message


@pytest.mark.parametrize(
    "order_id, product, code",
    [
        ("A1042", "Pour-Over Kettle", "not_delivered"),  # shipped
        ("A1045", "Stand Mixer", "not_delivered"),  # delayed
        ("A1046", "Toaster", "not_delivered"),  # processing
        ("A1047", "Dutch Oven", "not_delivered"),  # lost
        ("A1049", "Blender", "not_delivered"),  # carrier exception
        ("A1048", "Air Fryer", "order_cancelled"),
    ],
)
def test_return_needs_a_delivered_order(fresh_crm, order_id, product, code):
    with pytest.raises(ReturnNotAllowed) as info:
        fresh_crm.create_return(order_id, product, "do not want it")
    assert info.value.reason_code == code and order_id in info.value.message


def test_return_unknown_order_and_bad_input(fresh_crm):
    with pytest.raises(NotFound):
        fresh_crm.create_return("A9999", "Toaster", "broken")
    with pytest.raises(NotFound):
        fresh_crm.create_return("not an order", "Toaster", "broken")
    with pytest.raises(InvalidRequest):
        fresh_crm.create_return("A1043", "  ", "broken")
    with pytest.raises(InvalidRequest):
        fresh_crm.create_return("A1043", "Burr Grinder Pro", "")


def test_return_window_edges(fresh_crm):
    # A1043 was delivered 10 days before NOW: day 30 after delivery is the last day.
    last_day = SqlCrm(fresh_crm.url, clock=lambda: NOW + timedelta(days=20, hours=8))
    too_late = SqlCrm(fresh_crm.url, clock=lambda: NOW + timedelta(days=21))
    try:
        with pytest.raises(ReturnNotAllowed) as info:
            too_late.create_return("A1043", "Ceramic Mug Set", "late")
        assert info.value.reason_code == "outside_window"
        assert last_day.create_return("A1043", "Ceramic Mug Set", "just in time").product == "Ceramic Mug Set"
    finally:
        last_day.close()
        too_late.close()


def test_ambiguous_product(fresh_crm):
    from bot.crm.tables import OrderLineRow, OrderRow

    with fresh_crm.session() as session:
        session.add(
            OrderRow(
                id="A2001", customer_id="C1001", status="delivered", placed_at=NOW - timedelta(days=6),
                shipping_fee=Decimal("0"), total=Decimal("56.00"), ship_to="1420 Maple Avenue, Austin, TX 78704",
                carrier="USPS", tracking_number="9400100000000000000001", shipped_at=NOW - timedelta(days=5),
                expected_delivery=(NOW - timedelta(days=2)).date(), delivered_at=NOW - timedelta(days=2),
                lines=[
                    OrderLineRow(position=1, sku="LK-CBJ-01", product="Cold Brew Jar", quantity=1, unit_price=Decimal("29")),
                    OrderLineRow(position=2, sku="LK-JAR-06", product="Glass Storage Jars", quantity=1, unit_price=Decimal("27")),
                ],
            )
        )
    with pytest.raises(ReturnNotAllowed) as info:
        fresh_crm.create_return("A2001", "the jar", "leaks")
    assert info.value.reason_code == "ambiguous_product"
    assert fresh_crm.create_return("A2001", "cold brew jar", "leaks").sku == "LK-CBJ-01"


# ----------------------------------------------------------------- disputes
def test_dispute_the_double_charge(fresh_crm):
    duplicate = fresh_crm.find_charge("C1002", "22.00")
    case = fresh_crm.create_dispute("c1002", duplicate.invoice_id.lower(), "$22.00", "charged twice for the coffee club")
    assert re.fullmatch(r"DSP-[A-Z2-9]{6}", case.reference)
    assert (case.customer_id, case.invoice_id, case.amount, case.status) == ("C1002", duplicate.invoice_id, Decimal("22.00"), "open")
    assert fresh_crm.find_charge("C1002", 22).status == "disputed"
    assert [(t.ticket_id, t.category) for t in fresh_crm.open_tickets("C1002")] == [(case.reference, "dispute")]
    with pytest.raises(DisputeNotAllowed) as info:
        fresh_crm.create_dispute("C1002", duplicate.invoice_id, "22", "again")
    assert info.value.reason_code == "already_disputed" and case.reference in info.value.message


def test_parallel_disputes_of_one_charge_create_one_case(fresh_crm):
    from concurrent.futures import ThreadPoolExecutor

    invoice_id = fresh_crm.find_charge("C1002", "22.00").invoice_id

    def attempt(_):
        try:
            return fresh_crm.create_dispute("C1002", invoice_id, "22.00", "charged twice").reference
        except DisputeNotAllowed as exc:
            return exc.reason_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(4)))
    assert len([o for o in outcomes if o.startswith("DSP-")]) == 1
    assert outcomes.count("already_disputed") == 3
    assert fresh_crm.counts()["disputes"] == 1


def test_dispute_errors(fresh_crm):
    invoice = fresh_crm.find_charge("C1002", "22.00")
    with pytest.raises(DisputeNotAllowed) as info:
        fresh_crm.create_dispute("C1002", invoice.invoice_id, "22.01", "too much")
    assert info.value.reason_code == "amount_exceeds_charge"
    with pytest.raises(NotFound):  # another customer's invoice
        fresh_crm.create_dispute("C1001", invoice.invoice_id, "22.00", "not mine")
    with pytest.raises(NotFound):
        fresh_crm.create_dispute("C1002", "INV-2026-99999", "22.00", "unknown")
    with pytest.raises(NotFound):
        fresh_crm.create_dispute("C9999", invoice.invoice_id, "22.00", "unknown customer")
    for bad in ("-5", "0", "lots"):
        with pytest.raises(InvalidRequest):
            fresh_crm.create_dispute("C1002", invoice.invoice_id, bad, "bad amount")
    refunded = [inv for inv in fresh_crm.invoices_for_customer("C1003") if inv.order_id == "A1048"][0]
    with pytest.raises(DisputeNotAllowed) as info:
        fresh_crm.create_dispute("C1003", refunded.invoice_id, refunded.amount, "cancelled order")
    assert info.value.reason_code == "refunded"
    assert fresh_crm.counts()["disputes"] == 0
    partial = fresh_crm.create_dispute("C1002", invoice.invoice_id, "10", "partly wrong")
    assert partial.amount == Decimal("10.00")


# ----------------------------------------------------------------- callbacks
def test_callback_links_customer_by_phone(fresh_crm):
    callback = fresh_crm.schedule_callback("+1 555 201 3344", "tomorrow after 3pm", "return of the grinder")
    assert re.fullmatch(r"CB-[A-Z2-9]{6}", callback.reference)
    assert (callback.phone, callback.customer_id, callback.status) == ("(555) 201-3344", "C1001", "scheduled")
    assert callback.when_text == "tomorrow after 3pm" and callback.topic == "return of the grinder"
    tickets = fresh_crm.open_tickets("C1001")
    assert [(t.ticket_id, t.category) for t in tickets] == [(callback.reference, "callback")]


def test_callback_for_unknown_phone_and_explicit_customer(fresh_crm):
    stranger = fresh_crm.schedule_callback("555-000-1234", "Monday morning", "")
    assert stranger.customer_id is None and stranger.topic == "general question"
    explicit = fresh_crm.schedule_callback("(555) 000-1234", "now", "billing", customer_id="c1003")
    assert explicit.customer_id == "C1003"
    assert fresh_crm.counts()["callbacks"] == 2


def test_callback_errors(fresh_crm):
    with pytest.raises(InvalidRequest):
        fresh_crm.schedule_callback("12345", "tomorrow", "billing")
    with pytest.raises(InvalidRequest):
        fresh_crm.schedule_callback("+44 20 7946 0958", "tomorrow", "billing")
    with pytest.raises(InvalidRequest):
        fresh_crm.schedule_callback("555-201-3344", " ", "billing")
    with pytest.raises(NotFound):
        fresh_crm.schedule_callback("555-201-3344", "tomorrow", "billing", customer_id="C9999")
    assert fresh_crm.counts()["callbacks"] == 0


# ----------------------------------------------------------------- seeding
def test_seed_is_idempotent_and_reset_restores(fresh_crm):
    from bot.crm.seed import seed

    baseline = fresh_crm.counts()
    fresh_crm.create_return("A1043", "Burr Grinder Pro", "broken")
    again = seed(fresh_crm, NOW)
    assert again.created is False and again.counts["returns"] == baseline["returns"] + 1
    assert "nothing changed" in again.summary()
    reset = seed(fresh_crm, NOW, reset=True)
    assert reset.created is True and reset.counts == baseline
    assert reset.summary().startswith("seeded CRM: 60 customers, 300 orders")
    assert not any(line.returned for line in fresh_crm.get_order("A1043").lines)
