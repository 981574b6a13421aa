"""The channels' tables on SQLite and on the real PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from bot.channels.store import ChannelStore
from bot.conversations.store import OutboundDraft, Store, utcnow


def open_store(url: str) -> tuple[Store, ChannelStore]:
    store = Store(url)
    store.create_schema()
    channels = ChannelStore(store)
    channels.create_schema()
    return store, channels


def test_bindings_are_unique_per_address_and_move_with_the_customer(hub_db_url):
    store, channels = open_store(hub_db_url)
    try:
        first, second = store.create_conversation("telegram"), store.create_conversation("web")
        bound = channels.bind("telegram", "42", first)
        assert (bound.conversation_id, bound.customer_id, bound.identity_checked_at) == (first, None, None)
        again = channels.bind("telegram", "42", second, customer_id="C1001", identity_checked=True)
        assert again.conversation_id == second and again.customer_id == "C1001" and again.identity_checked_at
        assert channels.binding("telegram", "42") == again
        assert channels.binding("whatsapp", "42") is None
        assert [b.address for b in channels.bindings_of(second)] == ["42"] and channels.bindings_of(first) == []
    finally:
        store.close()


def test_the_active_target_is_where_the_customer_last_wrote(hub_db_url):
    store, channels = open_store(hub_db_url)
    try:
        conversation = store.create_conversation("web")
        assert channels.active_target(conversation) is None  # the widget only
        channels.bind("whatsapp", "+15552013344", conversation)
        assert channels.active_target(conversation) == ("whatsapp", "+15552013344")  # nothing written yet: outreach
        store.add_inbound(conversation, "hi", payload=None)
        assert channels.active_target(conversation) is None  # last written in the widget
        store.add_inbound(conversation, "hi again", payload={"channel": "whatsapp"})
        assert channels.active_target(conversation) == ("whatsapp", "+15552013344")
    finally:
        store.close()


def test_recent_conversations_of_a_customer(hub_db_url):
    store, channels = open_store(hub_db_url)
    try:
        old, new = store.create_conversation("web"), store.create_conversation("telegram")
        channels.link_customer("C1001", old)
        channels.link_customer("C1001", old)  # idempotent
        assert channels.recent_conversation("C1001", utcnow() - timedelta(days=7))[0] == old
        channels.link_customer("C1001", new)
        store.add_inbound(new, "newer activity")
        assert channels.recent_conversation("C1001", utcnow() - timedelta(days=7))[0] == new
        assert channels.recent_conversation("C1001", utcnow() + timedelta(minutes=1)) is None
        assert channels.recent_conversation("C9999", utcnow() - timedelta(days=7)) is None
    finally:
        store.close()


def test_the_outbox_holds_one_row_per_message_and_address(hub_db_url):
    store, channels = open_store(hub_db_url)
    try:
        conversation = store.create_conversation("telegram")
        [message] = store.add_outbound(conversation, [OutboundDraft(text="hello", payload={})])
        assert channels.enqueue(message.id, "telegram", "42") is True
        assert channels.enqueue(message.id, "telegram", "42") is False
        assert channels.enqueue(message.id, "slack", "D1/U1") is True
        first, second = channels.pending()
        channels.retry_later(first.id, 1, utcnow() + timedelta(seconds=30), "HTTP 500")
        channels.give_up(second.id, 1, "HTTP 403: blocked")
        [row] = channels.pending()
        assert (row.attempts, row.last_error) == (1, "HTTP 500") and row.next_attempt_at > utcnow()
        channels.sent(row.id, 2)
        assert channels.pending() == []
        assert [(r.status, r.attempts) for r in channels.outbox(message.id)] == [("sent", 2), ("failed", 1)]
    finally:
        store.close()


def test_a_link_records_how_strongly_the_conversation_knows_the_customer(hub_db_url):
    store, channels = open_store(hub_db_url)
    try:
        typed, verified = store.create_conversation("web"), store.create_conversation("whatsapp")
        channels.link_customer("C1001", verified, identity="platform_verified_phone")
        channels.link_customer_of(typed, "C1001")  # the bot's verification: order number and e-mail
        store.add_inbound(typed, "newer activity")
        since = utcnow() - timedelta(days=7)
        assert channels.identity_of("C1001", typed) == "order_and_email"
        assert channels.recent_conversation("C1001", since)[0] == typed
        assert channels.recent_conversation("C1001", since, at_least="platform_verified_email")[0] == verified
        assert channels.recent_conversation("C1001", since, at_least="order_and_email")[0] == typed

        channels.link_customer_of(verified, "C1001")  # verified again by typing: the link never gets weaker
        assert channels.identity_of("C1001", verified) == "platform_verified_phone"
        channels.link_customer("C1002", verified)  # no identity given: never continued by a channel
        assert channels.identity_of("C1002", verified) == "none"
        assert channels.recent_conversation("C1002", since, at_least="order_and_email") is None
        assert channels.identity_of("C1001", "no-such-conversation") == "none"
    finally:
        store.close()
