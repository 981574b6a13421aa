"""Every hub table that can hold a customer's words or identity is declared for export and erasure
(bot.hub.wiring.personal_tables), or listed here with the reason it is not: a new table cannot be
forgotten by `carebot privacy erase`."""
from __future__ import annotations

from bot.hub.wiring import personal_tables
from bot.migrations import DATABASES
from bot.sealed import SealedJSON, SealedText

NOT_ERASED = {
    "privacy_audit": "who read or erased what: ids and names of staff, never what was said",
    "outreach_events": "the client's own events (an order delayed), sealed at rest; jobs made from them are erased",
}
IDENTIFYING = {"conversation_id", "customer_id"}


def hub_tables():
    return [table for metadata in DATABASES["hub"].metadata() for table in metadata.sorted_tables]


def test_every_table_with_a_customers_data_is_declared_or_exempt_with_a_reason():
    declared = {table.name for table in personal_tables()}
    for table in hub_tables():
        holds = IDENTIFYING & set(table.columns.keys()) or any(
            isinstance(c.type, (SealedText, SealedJSON)) for c in table.columns)
        if holds:
            assert table.name in declared or table.name in NOT_ERASED, f"{table.name} is not declared"


def test_children_are_erased_before_their_parents():
    order = [table.name for table in personal_tables()]
    for declared in personal_tables():
        for key in declared.table.foreign_keys:
            parent = key.column.table.name
            if parent in order and parent != declared.name:  # messages.reply_to: one DELETE takes both
                assert order.index(parent) > order.index(declared.name), (declared.name, parent)
