"""Fuzzing the widget's websocket protocol (issue 15; widget/PROTOCOL.md) with a hypothesis state machine.

A customer connects, says hello (or not), resumes with its token, a forged one or none, sends messages
(fresh ids, repeated ids, ids of refused messages), typing, read marks, pings, and anything else: wrong
types, missing fields, non-JSON, binary, huge and deeply nested frames, and reconnects in between. After
every frame (synchronised with a ping: the hub answers frames in order) the hub has answered with the
frames the protocol documents (an ``error`` with a documented code, about the frame's ``id`` when it
has one, or the normal answer), never a traceback in its log, and the conversation's stored customer
messages are exactly the acknowledged ones, in order, each client id once; a refused frame stores nothing.
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, \
    run_state_machine_as_test
from starlette.testclient import TestClient

from bot.hub import json_limits
from bot.hub.app import create_app
from bot.hub.routes.ws import MAX_FRAME_CHARS
from bot.settings import Settings
from hub_stubs import RasaStub
from live_hub import NO_LIMITS, client_file

# widget/PROTOCOL.md, "error"
ERROR_CODES = {"invalid_json", "invalid_frame", "missing_type", "unknown_type", "frame_too_large",
               "binary_not_supported", "invalid_token", "token_required", "hello_required", "missing_field",
               "invalid_field", "invalid_text", "invalid_payload", "invalid_client_message_id",
               "unknown_conversation", "rate_limited"}
# what the hub sends on its own, between the answers to a customer's frames (bot answers, receipts...)
BACKGROUND = {"receipt", "typing", "bot", "agent", "system", "customer", "queue"}

FUZZ = settings(max_examples=40, stateful_step_count=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def socket_hub(tmp_path_factory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("fuzz-ws")
    rasa = RasaStub().start()
    settings_ = Settings(client_file=client_file(folder), hub_db_url=f"sqlite:///{folder / 'hub.db'}",
                         limits=NO_LIMITS,
                         rasa_url=rasa.url, actions_url=rasa.url, rasa_timeout_s=3.0, max_message_chars=4000)
    with TestClient(create_app(settings_)) as client:
        yield client
    rasa.stop()


# -- what a customer might send -------------------------------------------------------------------------
odd = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=20)
       | st.lists(st.integers(), max_size=3) | st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
texts = st.one_of(st.text(max_size=40), st.sampled_from(
    ["hello", "options", "", "  ", "\x00\x07", "\ud800 lone", "my card is 4111 1111 1111 1111", "bye",
     "x" * 4_001, "y" * 15_000, "cards", "gibberish"]))
garbage = st.one_of(
    st.text(max_size=30),  # mostly not JSON
    st.sampled_from(["", "null", "[]", '"hello"', "42", "{", '{"type": }', '{"type": "message"', "{}",
                     '{"type": null}', '{"type": 7}', '{"type": "HELLO"}', '{"type": "message", "id": "a"}']),
    st.integers(1, 20_000).map(lambda n: "[" * n + "]" * n),  # nested past the depth limit
    st.integers(1, 40).map(lambda n: '{"type": "ping", "x": ' + "[" * n + "]" * n + "}"),
    st.integers(1, 6_000).map(lambda n: '{"type": "read", "up_to": ' + "9" * n + "}"),  # number too long
    st.integers(16_000, 40_000).map(lambda n: '{"type": "message", "id": "big", "text": "' + "z" * n + '"}'),
    st.builds(lambda kind, value: {"type": kind, "on": value, "up_to": value, "token": value, "id": value,
                                   "text": value, "payload": value, "language": value},
              st.sampled_from(["hello", "message", "typing", "read", "ping", "pong", "welcome", "ack"]), odd),
)


def is_ping(frame: Any) -> bool:
    """The hub answers this frame with a pong of its own (a fuzzed frame can be a ping)."""
    if isinstance(frame, str):
        try:
            frame = json_limits.loads(frame) if len(frame) <= MAX_FRAME_CHARS else None
        except ValueError:
            return False
    return isinstance(frame, dict) and frame.get("type") == "ping"


class WidgetSocket(RuleBasedStateMachine):
    client: TestClient  # set by the test
    seen: Counter = Counter()  # the answers, over every run: the fuzzer reached what it should

    def __init__(self) -> None:
        super().__init__()
        self.hub = self.client.app.state.hub
        self._context = None
        self.ws = None
        self.conversation: str | None = None  # after a welcome on this connection
        self.token: str | None = None
        self.accepted: dict[str, int] = {}  # client id -> stored message id, in order
        self.refused: list[str] = []  # client ids of messages refused for good (never stored)
        self.sent = 0

    # -- plumbing ---------------------------------------------------------------------------------------
    def connect(self) -> None:
        self._context = self.client.websocket_connect("/ws")
        self.ws = self._context.__enter__()

    def disconnect(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
        self._context = self.ws = None

    def teardown(self) -> None:
        self.disconnect()

    def exchange(self, frame: Any = None, *, raw: str | None = None, binary: bytes | None = None) -> list[dict]:
        """Send one frame, then a ping: the frames the hub answered it with (background frames dropped)."""
        if binary is not None:
            self.ws.send_bytes(binary)
        elif raw is not None:
            self.ws.send_text(raw)
        else:
            self.ws.send_json(frame)
        self.ws.send_json({"type": "ping"})
        pongs = 1 + is_ping(frame if raw is None and binary is None else raw)
        answers = []
        while True:
            answer = self.ws.receive_json()
            kind = answer.get("type")
            if kind == "pong":
                pongs -= 1
                if not pongs:
                    return answers
                continue
            if kind in BACKGROUND:
                continue
            assert kind in ("error", "welcome", "ack"), answer
            self.seen[kind if kind != "error" else answer["code"]] += 1
            if kind == "ack" and answer["duplicate"] or kind == "welcome" and answer["resumed"]:
                self.seen[f"{kind}:again"] += 1
            if kind == "error":
                assert answer["code"] in ERROR_CODES, answer
                assert isinstance(answer["message"], str) and answer["message"], answer
            answers.append(answer)

    def stored(self) -> list[tuple[str | None, int]]:
        if self.conversation is None:
            return []
        return [(m.client_message_id, m.id) for m in self.hub.store.history(self.conversation, limit=10_000)
                if m.sender == "customer"]

    # -- rules --------------------------------------------------------------------------------------------
    @initialize(say_hello=st.sampled_from([True, True, True, False]))
    def open_socket(self, say_hello: bool) -> None:
        self.connect()
        if say_hello:  # as the widget does; without, the frames before a hello are fuzzed
            self.hello("none", "en")

    @rule()
    def reconnect(self) -> None:
        self.disconnect()
        self.connect()
        self.conversation = None  # until the next welcome: the new connection has said no hello

    @precondition(lambda self: self.conversation is not None)
    @rule(kind=st.sampled_from(["fresh", "repeat"]), text=texts)
    def second_tab(self, kind: str, text: str) -> None:
        """Another tab resumes the conversation and sends a message (new, or a retry of one this tab sent)."""
        client_id = list(self.accepted)[-1] if kind == "repeat" and self.accepted else f"tab-{self.sent}"
        self.sent += 1
        with self.client.websocket_connect("/ws") as tab:
            tab.send_json({"type": "hello", "token": self.token})
            while (welcome := tab.receive_json())["type"] != "welcome":
                pass
            assert welcome["resumed"] and welcome["conversation_id"] == self.conversation
            tab.send_json({"type": "message", "id": client_id, "text": text})
            while (ack := tab.receive_json())["type"] not in ("ack", "error"):
                pass
        assert ack["type"] == "ack", ack
        if ack["duplicate"]:
            assert self.accepted[client_id] == ack["message_id"]
        else:
            assert client_id not in self.accepted
            self.accepted[client_id] = ack["message_id"]

    @rule(which=st.sampled_from(["mine", "none", "forged", "not_a_string", "conversation_id"]),
          language=st.none() | st.text(max_size=30) | st.integers())
    def hello(self, which: str, language: Any) -> None:
        frame: dict[str, Any] = {"type": "hello", "language": language}
        if which == "mine" and self.token:
            frame["token"] = self.token
        elif which == "forged":
            frame["token"] = (self.token or "v1.x.0.sig")[:-2] + "zz"
        elif which == "not_a_string":
            frame["token"] = 12345
        elif which == "conversation_id":
            frame["conversation_id"] = self.conversation or "c0ffee"
        answers = self.exchange(frame)
        if which in ("not_a_string", "conversation_id"):
            assert [a.get("code") for a in answers] == [{"not_a_string": "invalid_token",
                                                         "conversation_id": "token_required"}[which]], answers
            return
        assert [a["type"] for a in answers] == ["welcome"], answers
        welcome = answers[0]
        resuming = "token" in frame and which == "mine"
        assert welcome["resumed"] is resuming, (which, welcome)
        if not resuming:
            self.accepted, self.refused = {}, []
        else:
            history = [(m.get("client_id"), m["id"]) for m in welcome["history"] if m["type"] == "customer"]
            assert history == list(self.accepted.items())
        self.conversation, self.token = welcome["conversation_id"], welcome["token"]

    @rule(fresh=st.uuids().map(str) | st.text(min_size=1, max_size=8) | st.integers(0, 10**6),
          text=texts, payload=st.none() | st.sampled_from(["/order_status", "/request_human", "", 5, "x" * 1_001]),
          kind=st.sampled_from(["fresh", "repeat", "refused_again"]))
    def message(self, fresh: Any, text: Any, payload: Any, kind: str) -> None:
        if kind == "repeat" and self.accepted:
            client_id = list(self.accepted)[self.sent % len(self.accepted)]
        elif kind == "refused_again" and self.refused:
            client_id = self.refused[-1]
        else:
            client_id = fresh
        self.sent += 1
        frame = {"type": "message", "id": client_id, "text": text}
        if payload is not None:
            frame["payload"] = payload
        self.send_message(frame)

    @rule(text=texts, kind=st.sampled_from(["fresh", "repeat"]))
    def plain_message(self, text: str, kind: str) -> None:
        """A message as the widget sends it (a second rule, so messages are a larger share of the frames)."""
        self.message(f"w-{self.sent}", text, None, kind)

    @rule(frame=st.fixed_dictionaries({"type": st.just("message")},
                                      optional={"id": odd, "text": odd, "payload": odd}))
    def malformed_message(self, frame: dict) -> None:
        self.send_message(frame)

    def send_message(self, frame: dict) -> None:
        before = self.stored()
        answers = self.exchange(frame)
        assert len(answers) == 1, answers
        answer = answers[0]
        client_id = frame.get("id")
        valid_id = isinstance(client_id, (str, int)) and not isinstance(client_id, bool)
        if answer["type"] == "ack":
            key = str(client_id)
            assert answer["id"] == client_id and valid_id and self.conversation is not None, (frame, answer)
            if answer["duplicate"]:
                assert self.accepted[key] == answer["message_id"], (frame, answer, self.accepted)
            else:
                assert key not in self.accepted and answer["message_id"] not in self.accepted.values()
                self.accepted[key] = answer["message_id"]
        else:
            assert answer["type"] == "error", answer
            if valid_id:
                assert answer.get("id") == client_id, (frame, answer)
            if self.conversation is None:
                assert answer["code"] in ("missing_field", "invalid_field", "hello_required"), answer
            else:
                if answer["code"] != "rate_limited" and valid_id:
                    self.refused.append(str(client_id))
                if valid_id and isinstance(frame.get("text"), str) and answer["code"] not in (
                        "rate_limited", "invalid_payload", "invalid_client_message_id"):
                    raise AssertionError(f"a well-formed message was refused: {frame!r} -> {answer!r}")
            assert self.stored() == before, "a refused message changed the stored conversation"

    @rule(on=odd)
    def typing(self, on: Any) -> None:
        assert self.exchange({"type": "typing", "on": on}) == []

    @rule(up_to=odd | st.integers(1, 50))
    def read(self, up_to: Any) -> None:
        answers = self.exchange({"type": "read", "up_to": up_to})
        valid = isinstance(up_to, int) and not isinstance(up_to, bool) and up_to >= 1
        expected = [] if valid and self.conversation else \
            ["invalid_field"] if not valid else ["hello_required"]
        assert [a["code"] for a in answers] == expected, (up_to, answers)

    @rule(raw=garbage)
    def anything(self, raw: Any) -> None:
        before = self.stored()
        if isinstance(raw, dict):
            answers = self.exchange(raw)
        else:
            answers = self.exchange(raw=raw)
        for answer in answers:
            if answer["type"] == "welcome":  # a hello after all: a new conversation unless resumed
                if not answer["resumed"]:
                    self.accepted, self.refused = {}, []
                self.conversation, self.token = answer["conversation_id"], answer["token"]
                return
            if answer["type"] == "ack":  # it was a message after all (an id and a text)
                key = str(raw["id"])
                if answer["duplicate"]:
                    assert self.accepted[key] == answer["message_id"]
                else:
                    self.accepted[key] = answer["message_id"]
                return
        assert len(answers) <= 1, answers
        assert self.stored() == before, (raw, answers)

    @rule(data=st.binary(max_size=40))
    def binary(self, data: bytes) -> None:
        assert [a["code"] for a in self.exchange(binary=data)] == ["binary_not_supported"]

    # -- invariants -----------------------------------------------------------------------------------------
    @invariant()
    def stored_messages_are_exactly_the_acknowledged_ones(self) -> None:
        if self.conversation is not None:
            assert self.stored() == list(self.accepted.items())


def test_any_sequence_of_widget_frames_keeps_the_conversation_whole(socket_hub, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    WidgetSocket.client = socket_hub
    run_state_machine_as_test(WidgetSocket, settings=FUZZ)
    print(dict(WidgetSocket.seen))
    for answer in ("ack", "ack:again", "welcome", "welcome:again", "hello_required", "invalid_json",
                   "invalid_field", "invalid_text", "binary_not_supported"):
        assert WidgetSocket.seen[answer], (answer, WidgetSocket.seen)
    crashed = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert not crashed, [(r.getMessage(), repr(r.exc_info[1])) for r in crashed]
