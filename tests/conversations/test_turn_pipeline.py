"""The turn pipeline itself (bot/conversations/turns.py) on a real SQLite store, with small steps.

The steps here are written for the test; the real ones are exercised through the hub in tests/hub.
"""
from __future__ import annotations

import asyncio

import pytest

from bot.conversations.accept import Acceptor, Inbound, InvalidInput
from bot.conversations.bot_step import REPLY_EMPTY, UnreadableStep
from bot.conversations.store import ANSWERED, BOT, PENDING, REJECTED, OutboundDraft, Store
from bot.conversations.turns import Pipeline, Reply, TurnAnswerer, Turns


class Step:
    def __init__(self, name, *, claims=lambda turn: True, answer=None, bot_reads=False):
        self.name, self.bot_reads = name, bot_reads
        self._claims, self._answer = claims, answer
        self.handled = []

    async def claims(self, turn):
        return self._claims(turn)

    async def handle(self, turn):
        self.handled.append(turn.text)
        if self._answer is None:
            return None
        return Reply([OutboundDraft(text=self._answer, payload={})])


class Recorder:
    def __init__(self):
        self.frames, self.reads = [], []

    async def push(self, conversation_id, frame):
        self.frames.append(frame)

    async def read_by_bot(self, conversation_id, *, by, up_to):
        self.reads.append((by, up_to))


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.create_schema()
    yield store
    store.close()


def build(store, steps, *, amenders=(), after_turn=()):
    recorder = Recorder()
    answerer = TurnAnswerer(store, Pipeline(steps, amenders, after_turn), push=recorder.push,
                            read_by_bot=recorder.read_by_bot)
    return Turns(store, Acceptor(store), answerer), recorder


def run(coro):
    return asyncio.run(coro)


def test_the_first_claiming_step_that_answers_wins_and_later_steps_never_run(store):
    passes = Step("passes")  # claims, then lets the next step answer (like the escalation step)
    skipped = Step("not mine", claims=lambda turn: turn.text == "other")
    answers = Step("answers", answer="from the third step")
    never = Step("never", answer="too late")
    turns, recorder = build(store, [passes, skipped, answers, never])

    async def scenario():
        conversation = await turns.create_conversation()
        accepted = await turns.accept(Inbound(conversation, "hello", "c1"))
        return accepted, await turns.answer(accepted.inbound)

    accepted, replies = run(scenario())
    assert [r.text for r in replies] == ["from the third step"]
    assert passes.handled == ["hello"] and answers.handled == ["hello"] and never.handled == []
    assert store.get_message(accepted.inbound.id).status == ANSWERED
    assert [f["text"] for f in recorder.frames if f["type"] == BOT] == ["from the third step"]


def test_typing_and_the_read_receipt_follow_the_step_that_claims_first(store):
    hub_step = Step("hub keyword", claims=lambda turn: turn.text == "STOP", answer="You're unsubscribed.")
    bot = Step("bot", answer="bot answer", bot_reads=True)
    turns, recorder = build(store, [hub_step, bot])

    async def scenario():
        conversation = await turns.create_conversation()
        first = await turns.accept(Inbound(conversation, "STOP", "c1"))
        await turns.answer(first.inbound)
        hub_frames, hub_reads = list(recorder.frames), list(recorder.reads)
        second = await turns.accept(Inbound(conversation, "where is my order", "c2"))
        await turns.answer(second.inbound)
        return hub_frames, hub_reads, second

    hub_frames, hub_reads, second = run(scenario())
    assert [f["type"] for f in hub_frames] == ["bot"] and hub_reads == []  # the hub answered: no "Read", no typing
    bot_frames = recorder.frames[len(hub_frames):]
    assert [f.get("type") for f in bot_frames] == ["typing", "bot", "typing"]
    assert bot_frames[0]["on"] is True and bot_frames[-1]["on"] is False  # the reply arrives while typing shows
    assert recorder.reads == [("bot", second.inbound.id)]


def test_an_answered_message_is_not_answered_again(store):
    bot = Step("bot", answer="once", bot_reads=True)
    turns, recorder = build(store, [bot])

    async def scenario():
        conversation = await turns.create_conversation()
        accepted = await turns.accept(Inbound(conversation, "hi", "same-id"))
        first = await turns.answer(accepted.inbound)
        retry = await turns.accept(Inbound(conversation, "hi", "same-id"))
        again = await turns.answer(retry.inbound, push=recorder.push)
        return retry, first, again

    retry, first, again = run(scenario())
    assert retry.duplicate and [m.id for m in again] == [m.id for m in first]
    assert bot.handled == ["hi"]  # the step ran once; the retry got the stored reply


def test_concurrent_answers_of_one_conversation_run_one_at_a_time_in_order(store):
    order = []

    class Slow(Step):
        async def handle(self, turn):
            order.append(("start", turn.text))
            await asyncio.sleep(0.05)
            order.append(("end", turn.text))
            return Reply([OutboundDraft(text=f"re: {turn.text}", payload={})])

    turns, _ = build(store, [Slow("slow")])

    async def scenario():
        conversation = await turns.create_conversation()
        a = await turns.accept(Inbound(conversation, "one", "1"))
        b = await turns.accept(Inbound(conversation, "two", "2"))
        await asyncio.gather(turns.answer(a.inbound), turns.answer(b.inbound))

    run(scenario())
    assert order == [("start", "one"), ("end", "one"), ("start", "two"), ("end", "two")]


def test_amenders_and_after_turn_subscribers_see_the_reply(store):
    class Amend:
        async def amend(self, turn, reply):
            turn.notes["amended"] = reply.step
            return Reply(reply.drafts + [OutboundDraft(text="amended", payload={})], reply.status, step=reply.step)

    class After:
        async def after_turn(self, turn, reply):
            return [OutboundDraft(text=f"after {reply.step} ({turn.notes['amended']})", payload={})]

    turns, recorder = build(store, [Step("bot", answer="answer")], amenders=[Amend()], after_turn=[After()])

    async def scenario():
        conversation = await turns.create_conversation()
        accepted = await turns.accept(Inbound(conversation, "hi", "c1"))
        return await turns.answer(accepted.inbound)

    assert [m.text for m in run(scenario())] == ["answer", "amended", "after bot (bot)"]


def test_a_step_that_answers_nothing_leaves_the_message_for_a_person(store):
    class ToPerson(Step):
        async def handle(self, turn):
            return Reply([], status=None)

    turns, recorder = build(store, [ToPerson("person")])

    async def scenario():
        conversation = await turns.create_conversation()
        accepted = await turns.accept(Inbound(conversation, "hello?", "c1"))
        return accepted, await turns.answer(accepted.inbound)

    accepted, replies = run(scenario())
    assert replies == [] and recorder.frames == []
    assert store.get_message(accepted.inbound.id).status == PENDING


def test_unreadable_messages_are_answered_by_the_hub_and_marked_rejected(store):
    turns, recorder = build(store, [UnreadableStep(text_limit=10), Step("bot", answer="bot", bot_reads=True)])

    async def scenario():
        conversation = await turns.create_conversation()
        empty = await turns.accept(Inbound(conversation, "   ", "c1"))
        long = await turns.accept(Inbound(conversation, "x" * 11, "c2"))
        return empty, long, await turns.answer(empty.inbound), await turns.answer(long.inbound)

    empty, long, empty_replies, long_replies = run(scenario())
    assert [r.text for r in empty_replies] == [REPLY_EMPTY]
    assert "too long" in long_replies[0].text
    assert store.get_message(empty.inbound.id).status == REJECTED == store.get_message(long.inbound.id).status
    assert recorder.reads == [] and not any(f["type"] == "typing" for f in recorder.frames)


def test_accept_refuses_bad_input_and_stores_nothing(store):
    turns, _ = build(store, [])

    async def scenario():
        conversation = await turns.create_conversation()
        for bad in (Inbound(conversation, 42), Inbound(conversation, "hi", ""),
                    Inbound(conversation, "hi", "c", button_payload="x" * 1001)):
            with pytest.raises(InvalidInput):
                await turns.accept(bad)
        return conversation

    conversation = run(scenario())
    assert store.history(conversation) == []


def test_accept_tells_its_listeners_once_per_new_message(store):
    seen = []

    async def listener(message):
        seen.append(message.text)

    turns = Turns(store, Acceptor(store, on_accepted=[listener]), None)

    async def scenario():
        conversation = await turns.create_conversation()
        await turns.accept(Inbound(conversation, "first", "c1"))
        await turns.accept(Inbound(conversation, "first", "c1"))  # a retry
        await turns.accept(Inbound(conversation, "second", "c2"))

    run(scenario())
    assert seen == ["first", "second"]


def test_later_steps_are_not_asked_once_a_step_answered(store):
    asked = []

    def claims(name):
        def check(turn):
            asked.append(name)
            return True
        return check

    turns, _ = build(store, [Step("first", claims=claims("first")), Step("second", claims=claims("second"),
                                                                           answer="second answers"),
                             Step("third", claims=claims("third"), answer="never")])

    async def scenario():
        conversation = await turns.create_conversation()
        accepted = await turns.accept(Inbound(conversation, "hi", "c1"))
        return await turns.answer(accepted.inbound)

    assert [m.text for m in run(scenario())] == ["second answers"]
    assert asked == ["first", "second"]  # a step's claim can cost a query: the third is never asked
