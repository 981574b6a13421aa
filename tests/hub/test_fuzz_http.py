"""Fuzzing the hub's HTTP API (issue 15): schemathesis over its OpenAPI schema, hypothesis over raw bodies.

Every generated request goes to the real app (lifespan, SQLite file, stand-in Rasa) through the test
client: as the customer with a real conversation and its token, with another's or a forged token, as a
logged-in supervisor, or as nobody. Whatever it sends, the hub answers below 500, as its OpenAPI schema
says (status, content type, the ``{"error": {"code", "message"}}`` shape of every 4xx), never logs a
traceback, and stores a customer message only when it answers 200. Bounded and derandomized: `make test`
runs the same examples every time, in about 20 s for this file.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)
from starlette.testclient import TestClient

from bot.agents.directory import AgentDirectory
from bot.hub.app import create_app
from bot.hub.routes.agent import COOKIE
from bot.settings import Settings
from hub_stubs import RasaStub
from live_hub import NO_LIMITS, as_conversation_owner, client_file

PASSWORD = "correct horse battery"

FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
FUZZ_BODIES = settings(FUZZ, max_examples=30)

SCHEMA = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
# No channel is configured here: their webhooks answer 404 channel_not_configured whatever is sent.
NEVER_SUCCEED = {label for label in OPERATIONS if label.startswith("POST /channels/")}


@dataclass
class FuzzHub:
    client: TestClient
    conversation: str  # a real conversation, with a handoff waiting for an agent
    session: str  # the supervisor's session cookie
    statuses: Counter

    @property
    def store(self):
        return self.client.app.state.hub.store

    def own_token(self) -> str:
        return f"Bearer {self.client.app.state.hub.sessions.issue(self.conversation)}"

    def customer_messages(self) -> list[tuple[int, str]]:
        return [(m.id, m.text) for m in self.store.history(self.conversation, limit=10_000) if m.sender == "customer"]


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory) -> Iterator[FuzzHub]:
    """One hub for the module (starting one costs about half a second); each test checks its own invariants."""
    folder = tmp_path_factory.mktemp("fuzz-http")
    rasa = RasaStub().start()
    settings_ = Settings(client_file=client_file(folder), hub_db_url=f"sqlite:///{folder / 'hub.db'}",
                         limits=NO_LIMITS,
                         rasa_url=rasa.url, actions_url=rasa.url, rasa_timeout_s=3.0, max_message_chars=4000)
    directory = AgentDirectory(settings_.hub_db_url)
    directory.create_schema()
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general", "billing", "technical"))
    directory.close()
    with TestClient(create_app(settings_)) as client:
        as_conversation_owner(client)
        conversation = client.post("/api/conversations").json()["conversation_id"]
        messages = f"/api/conversations/{conversation}/messages"
        assert client.post(messages, json={"text": "options"}).status_code == 200
        assert client.post(messages, json={"text": "More help", "payload": "/request_human"}).status_code == 200
        login = client.post("/api/agent/login", json={"username": "morgan", "password": PASSWORD})
        assert login.status_code == 200, login.text
        session = client.cookies[COOKIE]
        yield FuzzHub(client, conversation, session, Counter())
    rasa.stop()


@pytest.fixture
def hub(fuzz_hub: FuzzHub, caplog: pytest.LogCaptureFixture) -> Iterator[FuzzHub]:
    as_staff(fuzz_hub, True)
    if fuzz_hub.client.get("/api/agent/me").status_code != 200:  # a fuzzed logout ended the session
        fuzz_hub.client.cookies.clear()
        login = fuzz_hub.client.post("/api/agent/login", json={"username": "morgan", "password": PASSWORD})
        assert login.status_code == 200, login.text
        fuzz_hub.session = fuzz_hub.client.cookies[COOKIE]
    caplog.set_level(logging.INFO, logger="bot")
    yield fuzz_hub
    crashed = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert not crashed, [(r.getMessage(), repr(r.exc_info[1])) for r in crashed]


def assert_error_shape(response) -> None:
    """A 4xx answers the project's one error shape, with a code and a sentence (bot/hub/errors.py)."""
    if response.status_code < 400:
        return
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]


def as_staff(hub: FuzzHub, staff: bool) -> None:
    hub.client.cookies.clear()
    if staff:
        hub.client.cookies.set(COOKIE, hub.session)


# -- schemathesis over the OpenAPI schema ----------------------------------------------------------------
def strategy(operation, conversation: str):
    """Generated requests; a conversation path names the real conversation in a third of them, so the
    deep code runs too, not only the 404."""
    modes = [operation.as_strategy(GenerationMode.POSITIVE)]
    if any(p.location in ("query", "path") for p in operation.iter_parameters()):
        modes.append(operation.as_strategy(GenerationMode.NEGATIVE))
    if "{conversation_id}" in operation.path:
        modes.append(operation.as_strategy(path_parameters={"conversation_id": conversation}))
    return st.one_of(modes)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_generated_requests_are_answered_as_the_schema_says(hub, label):
    operation = OPERATIONS[label]
    own = hub.own_token()
    statuses: Counter = Counter()

    @FUZZ
    @given(case=strategy(operation, hub.conversation), staff=st.booleans(),
           authorization=st.sampled_from([own, None, "Bearer v1.x.0.forged", "Basic Zm9vOmJhcg=="]))
    def run(case, staff, authorization):
        as_staff(hub, staff)
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        kwargs.pop("cookies", None)  # the client's own jar: the staff session or none
        if "json" in kwargs:
            kwargs["content"] = json.dumps(kwargs.pop("json")).encode()
        if authorization is None and case.path_parameters and \
                case.path_parameters.get("conversation_id", hub.conversation) != hub.conversation:
            authorization = own  # the test client's hook adds the path's own token, but can't sign any id
        if authorization is not None:
            kwargs["headers"]["Authorization"] = authorization
        response = hub.client.request(**kwargs)
        statuses[response.status_code] += 1
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        assert_error_shape(response)
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 content_type_conformance, response_schema_conformance])

    run()
    if label not in NEVER_SUCCEED:  # some requests got past the login and token checks into the route's code
        assert set(statuses) - {401, 403}, statuses


# -- raw bodies: the routes that read JSON themselves (read_json_body), no schema to generate from ---------
KEYS = ["text", "client_message_id", "payload", "username", "password", "note", "disposition", "skill",
        "agent_id", "score", "comment", "type", "id", "update", "customers", "orders", "data", "name",
        "trigger", "enabled"]
scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**31 - 2, max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=50)
           | st.sampled_from(["", " ", "\x00", "\ud800", "hello", "/request_human", "A1042", "general",
                              "resolved", "order_delayed", "4111 1111 1111 1111", "é" * 3000]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5),
                           max_leaves=12)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5)


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")  # lone surrogates and NaN as JSON allows


raw_bodies = st.one_of(
    objects.map(encoded),
    json_values.map(encoded),
    st.binary(max_size=64),  # not UTF-8, not JSON
    st.text(max_size=64).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(lambda n, key: b'{"%s": ' % key.encode() + b"[" * n + b"]" * n + b"}",
              st.integers(1, 5_000), st.sampled_from(KEYS)),  # nested past MAX_DEPTH
    st.builds(lambda n, key: b'{"%s": %s}' % (key.encode(), b"9" * n), st.integers(1, 6_000),
              st.sampled_from(KEYS)),  # numbers past Python's 4,300-digit conversion limit
    st.builds(lambda n: b'{"text": "' + b"x" * n + b'"}', st.sampled_from([4_001, 70_000, 1_100_000])),
    st.sampled_from([b"", b"   ", b"\xef\xbb\xbf{}", b"null", b"NaN", b'{"text": "hi"', b"[]", b'"text"']),
)
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", None, "text/plain",
                 "application/x-www-form-urlencoded"]

BODY_ROUTES = ["/api/conversations/{conversation}/messages", "/api/agent/login", "/api/agent/logout",
               "/api/agent/handoffs/{handoff}/messages", "/api/agent/handoffs/{handoff}/transfer",
               "/api/agent/handoffs/{handoff}/handback", "/api/agent/handoffs/{handoff}/close",
               "/api/supervisor/qa/1/review", "/api/outreach/events", "/api/outreach/campaigns",
               "/channels/telegram/webhook", "/channels/slack/events"]


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_any_body_gets_a_clear_answer_and_only_accepted_messages_are_stored(hub, route):
    queue = hub.client.get("/api/agent/queue").json()
    handoffs = [h["id"] for section in queue.values() if isinstance(section, list) for h in section
                if isinstance(h, dict) and "id" in h]
    path = route.format(conversation=hub.conversation, handoff=handoffs[0] if handoffs else 1)

    @FUZZ_BODIES
    @given(body=raw_bodies, content_type=st.sampled_from(CONTENT_TYPES), staff=st.booleans())
    def run(body, content_type, staff):
        as_staff(hub, staff)
        before = hub.customer_messages()
        headers = {"content-type": content_type} if content_type else {}
        response = hub.client.post(path, content=body, headers=headers)
        assert response.status_code < 500, (body[:300], response.text[:300])
        assert_error_shape(response)
        after = hub.customer_messages()
        if route.startswith("/api/conversations/") and response.status_code == 200 \
                and not response.json()["duplicate"]:
            assert after[:len(before)] == before and len(after) == len(before) + 1
            assert after[-1][0] == response.json()["message"]["id"]
        else:  # refused, a retry, or not a customer's message: nothing new from the customer
            assert after == before, (body[:300], response.status_code)

    run()
