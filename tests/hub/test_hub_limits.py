"""The hub's abuse limits (bot/hub/limits) on the real app: each one trips and resets, in process and
in the real Redis; two hubs sharing one Redis see each other's counts; Redis down, the hub serves."""
from __future__ import annotations

import logging
import time
from dataclasses import replace

import pytest
from real_redis import REDIS_URL, redis_prefix  # noqa: F401 (a fixture)
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from test_hub_websocket import hello, next_frame

from bot.agents.directory import AgentDirectory
from bot.hub.app import create_app
from bot.hub.routes.ws import TRY_LATER
from live_hub import as_conversation_owner
from tests.ports import free_port

PROXY = ("10.0.0.1", 50000)  # the hub sits behind a proxy it trusts; customers differ by X-Forwarded-For
CUSTOMER, NEIGHBOUR = "203.0.113.7", "198.51.100.9"
PASSWORD = "correct horse battery"


def from_ip(ip: str) -> dict[str, str]:
    return {"x-forwarded-for": ip}


@pytest.fixture(params=["memory", "redis"])
def limited(request, settings):
    """``limited("name=COUNT/PERIOD", ...)``: the test's settings with those limits, counted in this
    process or in the real Redis under a prefix of the test's own."""
    def _with(*limits: str, **changes):
        changes = {"trusted_proxies": ("10.0.0.0/8",), **changes}
        if request.param == "redis":
            changes = {"redis_url": REDIS_URL, "redis_prefix": request.getfixturevalue("redis_prefix"), **changes}
        return replace(settings, limits=limits, **changes)
    return _with


@pytest.fixture
def open_hub():
    """Start the real app (lifespan included) as a client at ``peer`` reaches it."""
    clients: list[TestClient] = []

    def _open(settings, peer=PROXY) -> TestClient:
        client = TestClient(create_app(settings), client=peer)
        client.__enter__()
        as_conversation_owner(client)
        clients.append(client)
        return client

    yield _open
    for client in clients:
        client.__exit__(None, None, None)


def send_messages(ws, ids):
    """Send message frames; the ack or error frame of each, by id."""
    for client_id in ids:
        ws.send_json({"type": "message", "id": client_id, "text": f"message {client_id}"})
    answers = {}
    while len(answers) < len(ids):
        frame = ws.receive_json()
        if frame["type"] in ("ack", "error") and frame.get("id") in ids:
            answers[frame["id"]] = frame
    return answers


def refused_hello(ws, limit: str) -> dict:
    ws.send_json({"type": "hello"})
    frame = ws.receive_json()
    assert frame["type"] == "error" and frame["code"] == "rate_limited" and frame["limit"] == limit
    assert frame["retry_after_s"] > 0
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == TRY_LATER
    return frame


def stored_customer_ids(client, conversation):
    return {m.client_message_id for m in client.app.state.hub.store.history(conversation) if m.sender == "customer"}


# -- widget frames ----------------------------------------------------------------------------------
def test_messages_over_the_conversation_limit_are_refused_with_retry_after_and_taken_after_it(limited, open_hub):
    client = open_hub(limited("messages_per_conversation=3/1s"))
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        conversation = hello(ws)["conversation_id"]
        answers = send_messages(ws, ["m1", "m2", "m3", "m4", "m5"])
        refused = {i: f for i, f in answers.items() if f["type"] == "error"}
        assert {i for i, f in answers.items() if f["type"] == "ack"} == {"m1", "m2", "m3"}
        assert set(refused) == {"m4", "m5"}
        assert all(f["code"] == "rate_limited" and f["limit"] == "messages_per_conversation"
                   and 0 < f["retry_after_s"] <= 0.4 for f in refused.values())
        assert stored_customer_ids(client, conversation) == {"m1", "m2", "m3"}  # refused ones are not stored
        time.sleep(refused["m4"]["retry_after_s"] + 0.05)
        assert send_messages(ws, ["m4"])["m4"]["type"] == "ack"  # what the widget does: the same id again
    assert stored_customer_ids(client, conversation) == {"m1", "m2", "m3", "m4"}


def test_the_conversation_limit_counts_every_tab_of_the_conversation(limited, open_hub):
    client = open_hub(limited("messages_per_conversation=2/1h"))
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as first:
        welcome = hello(first)
        with client.websocket_connect("/ws", headers=from_ip(NEIGHBOUR)) as second:
            hello(second, welcome["token"])
            assert send_messages(first, ["a1"])["a1"]["type"] == "ack"
            assert send_messages(second, ["b1"])["b1"]["type"] == "ack"
            assert send_messages(second, ["b2"])["b2"]["limit"] == "messages_per_conversation"


def test_messages_per_ip_count_all_of_the_ips_conversations(limited, open_hub):
    client = open_hub(limited("messages_per_ip=3/1h"))
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as first, \
            client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as second, \
            client.websocket_connect("/ws", headers=from_ip(NEIGHBOUR)) as neighbour:
        hello(first), hello(second), hello(neighbour)
        assert [f["type"] for f in send_messages(first, ["a1", "a2"]).values()] == ["ack", "ack"]
        answers = send_messages(second, ["b1", "b2"])
        assert answers["b1"]["type"] == "ack" and answers["b2"]["limit"] == "messages_per_ip"
        assert send_messages(neighbour, ["n1"])["n1"]["type"] == "ack"  # another address has its own count


@pytest.mark.parametrize("kind,frame", [("typing", {"type": "typing", "on": True}),
                                        ("read", {"type": "read", "up_to": 1}),
                                        ("ping", {"type": "ping"})])
@pytest.mark.parametrize("scope", ["conversation", "ip"])
def test_typing_read_and_ping_frames_have_limits_per_conversation_and_per_ip(limited, open_hub, kind, frame, scope):
    client = open_hub(limited(f"{kind}_per_{scope}=2/1h"))
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        hello(ws)
        for _ in range(2):
            ws.send_json(frame)
        ws.send_json(frame)
        ws.send_json({"type": "message", "id": "after", "text": "still here"})  # other frames still pass
        seen = []
        while not any(f.get("id") == "after" for f in seen):
            seen.append(next_frame(ws))
    errors = [f for f in seen if f["type"] == "error"]
    assert [(f["code"], f["limit"]) for f in errors] == [("rate_limited", f"{kind}_per_{scope}")]
    assert 60 * 29 < errors[0]["retry_after_s"] <= 60 * 30 and "id" not in errors[0]  # 2 an hour: 30 min each
    assert [f["type"] for f in seen if f["type"] == "pong"] == (["pong", "pong"] if kind == "ping" else [])
    assert {"type": "ack"}.items() <= [f for f in seen if f.get("id") == "after"][0].items()


def test_malformed_frames_count_against_the_ips_frames(limited, open_hub):
    client = open_hub(limited("frames_per_ip=4/1h"))
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        hello(ws)  # frame 1
        for raw in ["{oops", "[1]", '{"type": "dance"}']:  # frames 2-4: refused as malformed
            ws.send_text(raw)
            assert ws.receive_json()["code"] in ("invalid_json", "invalid_frame", "unknown_type")
        ws.send_text("{oops")
        assert ws.receive_json()["limit"] == "frames_per_ip"
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["limit"] == "frames_per_ip"


# -- sockets and conversations per IP --------------------------------------------------------------
def test_new_conversations_per_ip_widget_and_rest_together_and_resuming_is_not_new(limited, open_hub):
    client = open_hub(limited("new_conversations_per_ip=3/1h"))
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        first = hello(ws)
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        hello(ws)
    assert client.post("/api/conversations", headers=from_ip(CUSTOMER)).status_code == 201
    for _ in range(3):  # reconnecting with the token resumes: not a new conversation
        with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
            assert hello(ws, first["token"])["resumed"] is True
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        frame = refused_hello(ws, "new_conversations_per_ip")
    assert frame["retry_after_s"] > 60 * 10  # 3 an hour: one comes back after 20 minutes
    response = client.post("/api/conversations", headers=from_ip(CUSTOMER))
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 60 * 10 < int(response.headers["retry-after"]) <= 20 * 60
    with client.websocket_connect("/ws", headers=from_ip(NEIGHBOUR)) as ws:
        assert hello(ws)["resumed"] is False  # another address


def test_resuming_one_conversation_too_often_is_refused(limited, open_hub):
    client = open_hub(limited("hello_per_conversation=2/1h"))
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        token = hello(ws)["token"]  # a new conversation: not a resume
    for _ in range(2):
        with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
            assert hello(ws, token)["resumed"] is True
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        ws.send_json({"type": "hello", "token": token})
        frame = ws.receive_json()
        assert frame["limit"] == "hello_per_conversation"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == TRY_LATER


def test_hello_frames_per_ip(limited, open_hub):
    client = open_hub(limited("hello_per_ip=2/1h"))
    for _ in range(2):
        with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
            hello(ws)
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        refused_hello(ws, "hello_per_ip")


def test_open_sockets_per_ip_and_a_closed_one_frees_its_place(limited, open_hub):
    client = open_hub(limited("sockets_per_ip=2"))
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as first:
        hello(first)
        with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as second:
            hello(second)
            with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as third:
                frame = third.receive_json()
                assert (frame["code"], frame["limit"]) == ("rate_limited", "sockets_per_ip")
                with pytest.raises(WebSocketDisconnect) as closed:
                    third.receive_json()
                assert closed.value.code == TRY_LATER
            with client.websocket_connect("/ws", headers=from_ip(NEIGHBOUR)) as neighbour:
                hello(neighbour)
        # `second` closed: its place is free once the hub has seen it go
        deadline = time.monotonic() + 5
        while True:
            with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as again:
                again.send_json({"type": "hello"})
                frame = again.receive_json()
            if frame["type"] == "welcome" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert frame["type"] == "welcome"


# -- REST ----------------------------------------------------------------------------------------------
def test_rest_messages_get_429_with_retry_after_and_are_not_stored(limited, open_hub):
    client = open_hub(limited("messages_per_conversation=2/4s"))  # one comes back every 2 s
    conversation = client.post("/api/conversations", headers=from_ip(CUSTOMER)).json()["conversation_id"]
    path = f"/api/conversations/{conversation}/messages"
    for i in range(2):
        assert client.post(path, json={"text": "hi", "client_message_id": f"r{i}"}).status_code == 200
    refused = client.post(path, json={"text": "hi", "client_message_id": "r2"})
    wait = int(refused.headers["retry-after"])
    assert refused.status_code == 429 and 1 <= wait <= 2
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and f"try again in {wait} second" in error["message"]
    assert stored_customer_ids(client, conversation) == {"r0", "r1"}
    time.sleep(wait)
    assert client.post(path, json={"text": "hi", "client_message_id": "r2"}).status_code == 200
    assert stored_customer_ids(client, conversation) == {"r0", "r1", "r2"}


def test_rest_messages_per_ip_and_every_api_route_per_ip(limited, open_hub):
    client = open_hub(limited("messages_per_ip=1/1h", "api_per_ip=4/1h"))
    first = client.post("/api/conversations", headers=from_ip(CUSTOMER)).json()["conversation_id"]  # 1
    second = client.post("/api/conversations", headers=from_ip(CUSTOMER)).json()["conversation_id"]  # 2
    assert client.post(f"/api/conversations/{first}/messages", json={"text": "hi"},
                       headers=from_ip(CUSTOMER)).status_code == 200  # 3
    refused = client.post(f"/api/conversations/{second}/messages", json={"text": "hi"}, headers=from_ip(CUSTOMER))  # 4
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 3000
    assert client.get("/api/agent/me", headers=from_ip(CUSTOMER)).status_code == 429  # 5: over api_per_ip
    assert client.get("/api/agent/me", headers=from_ip(NEIGHBOUR)).status_code == 401
    assert client.get("/health").status_code == 200  # the load balancer's check is not an API call


def test_history_reads_per_conversation(limited, open_hub):
    client = open_hub(limited("history_per_conversation=2/1h"))
    conversation = client.post("/api/conversations").json()["conversation_id"]
    codes = [client.get(f"/api/conversations/{conversation}/messages").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# -- logins --------------------------------------------------------------------------------------------
def test_failed_logins_per_ip_on_top_of_the_per_username_throttle(limited, open_hub):
    settings = limited("logins_per_ip=3/1h")
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD)
    directory.close()
    client = open_hub(settings)

    def login(username, password, ip=CUSTOMER):
        return client.post("/api/agent/login", json={"username": username, "password": password}, headers=from_ip(ip))

    for _ in range(5):  # successful logins are given back: a shift behind one office address logs in
        assert login("alex", PASSWORD).status_code == 200
    # a different username each time: the per-username throttle never sees a second failure
    assert [login(f"user{i}", "guess-guess-guess").status_code for i in range(3)] == [401, 401, 401]
    refused = login("user9", "guess-guess-guess")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_attempts"
    assert int(refused.headers["retry-after"]) > 60
    assert login("alex", PASSWORD).status_code == 429  # even the right password, from that address
    assert login("alex", PASSWORD, ip=NEIGHBOUR).status_code == 200


def test_agent_console_frames_per_ip(limited, open_hub):
    settings = limited("console_frames_per_ip=2/1h")
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD)
    directory.close()
    client = open_hub(settings)
    assert client.post("/api/agent/login", json={"username": "alex", "password": PASSWORD}).status_code == 200
    with client.websocket_connect("/ws/agent") as console:
        assert console.receive_json()["type"] == "hello"
        for _ in range(3):
            console.send_json({"type": "ping"})
        frames = []
        while len(frames) < 3:
            frame = console.receive_json()
            if frame["type"] != "queue_changed":  # an agent coming online shortens the waits
                frames.append(frame)
    assert frames[:2] == [{"type": "pong"}] * 2
    assert (frames[2]["code"], frames[2]["limit"]) == ("rate_limited", "console_frames_per_ip")


# -- client addresses ------------------------------------------------------------------------------------
def test_x_forwarded_for_counts_only_from_a_trusted_proxy(limited, open_hub):
    direct = open_hub(limited("new_conversations_per_ip=1/1h", trusted_proxies=()), peer=(CUSTOMER, 40000))
    assert direct.post("/api/conversations", headers=from_ip("192.0.2.1")).status_code == 201
    # a forged header from an untrusted peer does not make it a new customer
    assert direct.post("/api/conversations", headers=from_ip("192.0.2.2")).status_code == 429
    proxied = open_hub(limited("new_conversations_per_ip=1/1h"))
    # the proxy appends the peer it saw; what the client wrote to the left of it is not believed
    assert proxied.post("/api/conversations", headers=from_ip("192.0.2.50, 192.0.2.1")).status_code == 201
    assert proxied.post("/api/conversations", headers=from_ip("192.0.2.51, 192.0.2.1")).status_code == 429
    assert proxied.post("/api/conversations", headers=from_ip("192.0.2.2")).status_code == 201


def test_exempt_addresses_are_not_limited_per_ip(limited, open_hub):
    client = open_hub(limited("new_conversations_per_ip=1/1h", limit_exempt_ips=("192.0.2.0/24",)))
    assert [client.post("/api/conversations", headers=from_ip("192.0.2.8")).status_code for _ in range(3)] == [201] * 3
    assert [client.post("/api/conversations", headers=from_ip(CUSTOMER)).status_code for _ in range(2)] == [201, 429]


def test_ipv6_clients_are_counted_by_their_64(limited, open_hub):
    client = open_hub(limited("new_conversations_per_ip=1/1h"))
    assert client.post("/api/conversations", headers=from_ip("2001:db8:1:2::1")).status_code == 201
    assert client.post("/api/conversations", headers=from_ip("2001:db8:1:2::ffff")).status_code == 429
    assert client.post("/api/conversations", headers=from_ip("2001:db8:1:3::1")).status_code == 201


# -- several replicas, Redis down ---------------------------------------------------------------------
def test_two_hubs_sharing_one_redis_see_each_others_counts(settings, redis_prefix, open_hub):
    shared = replace(settings, redis_url=REDIS_URL, redis_prefix=redis_prefix, trusted_proxies=("10.0.0.0/8",),
                     limits=("new_conversations_per_ip=2/1h", "messages_per_conversation=2/1h", "sockets_per_ip=1"))
    first, second = open_hub(shared), open_hub(shared)  # one database, one Redis: two replicas
    assert first.post("/api/conversations", headers=from_ip(CUSTOMER)).status_code == 201
    with second.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        welcome = hello(ws)
        assert send_messages(ws, ["s1"])["s1"]["type"] == "ack"
        with first.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as other:  # the IP's one socket is on `second`
            assert other.receive_json()["limit"] == "sockets_per_ip"
    assert first.post("/api/conversations", headers=from_ip(CUSTOMER)).status_code == 429
    with first.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        assert hello(ws, welcome["token"])["resumed"] is True
        answers = send_messages(ws, ["f1", "f2"])
    assert answers["f1"]["type"] == "ack" and answers["f2"]["limit"] == "messages_per_conversation"
    alone = open_hub(replace(shared, redis_url=""))  # a replica without Redis counts on its own
    assert alone.post("/api/conversations", headers=from_ip(CUSTOMER)).status_code == 201


def test_redis_unreachable_the_hub_serves_and_limits_each_replica_on_its_own(settings, open_hub, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    down = replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0", trusted_proxies=("10.0.0.0/8",),
                   limits=("new_conversations_per_ip=2/1h",))
    client = open_hub(down)
    with client.websocket_connect("/ws", headers=from_ip(CUSTOMER)) as ws:
        hello(ws)
        assert send_messages(ws, ["d1"])["d1"]["type"] == "ack"
    assert client.post("/api/conversations", headers=from_ip(CUSTOMER)).status_code == 201
    assert client.post("/api/conversations", headers=from_ip(CUSTOMER)).status_code == 429
    assert any(getattr(r, "event", None) == "limits_redis_down" and r.levelno == logging.WARNING
               for r in caplog.records)


def test_wrong_limits_stop_the_hub_from_starting(settings):
    with pytest.raises(ValueError, match="CAREBOT_LIMITS"):
        with TestClient(create_app(replace(settings, limits=("messages_per_ip=lots",)))):
            pass
