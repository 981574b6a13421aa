"""REST API of the hub against the real app, a real SQLite file and a stand-in Rasa over HTTP."""
from __future__ import annotations

import re

from hub_stubs import GREETING_BUTTONS


def post(client, conversation, text, **extra):
    return client.post(f"/api/conversations/{conversation}/messages", json={"text": text, **extra})


def test_create_conversation_returns_random_url_safe_ids(client):
    ids = set()
    for _ in range(5):
        response = client.post("/api/conversations")
        assert response.status_code == 201
        conversation_id = response.json()["conversation_id"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", conversation_id)
        ids.add(conversation_id)
    assert len(ids) == 5


def test_message_goes_to_rasa_and_replies_come_back(client, conversation, rasa):
    response = post(client, conversation, "hello", client_message_id="c-1")
    assert response.status_code == 200
    body = response.json()
    assert body["duplicate"] is False
    assert body["message"]["type"] == "customer"
    assert body["message"]["text"] == "hello"
    assert body["message"]["client_id"] == "c-1"
    replies = body["messages"]
    assert [m["text"] for m in replies] == [
        "Hi there! What can I help you with today?",
        "Pick one, or just type your question.",
    ]
    assert all(m["type"] == "bot" and isinstance(m["id"], int) for m in replies)
    assert replies[0]["buttons"] == []
    assert replies[1]["buttons"] == GREETING_BUTTONS
    assert replies[1]["reply_to"] == body["message"]["id"]

    # What Rasa received: the conversation id as sender, the text, hub metadata.
    assert len(rasa.requests) == 1
    sent = rasa.requests[0]
    assert sent["sender"] == conversation
    assert sent["message"] == "hello"
    assert sent["metadata"]["channel"] == "web"
    assert sent["metadata"]["client_message_id"] == "c-1"
    assert sent["metadata"]["hub_message_id"] == body["message"]["id"]


def test_history_lists_everything_in_order(client, conversation):
    post(client, conversation, "hello")
    post(client, conversation, "where is my order")
    response = client.get(f"/api/conversations/{conversation}/messages")
    assert response.status_code == 200
    history = response.json()["messages"]
    assert [(m["type"], m["text"]) for m in history] == [
        ("customer", "hello"),
        ("bot", "Hi there! What can I help you with today?"),
        ("bot", "Pick one, or just type your question."),
        ("customer", "where is my order"),
        ("bot", "You said: where is my order"),
    ]
    ids = [m["id"] for m in history]
    assert ids == sorted(ids)
    assert all(m["created_at"].endswith("+00:00") for m in history)

    after = client.get(f"/api/conversations/{conversation}/messages", params={"after": ids[2]}).json()["messages"]
    assert [m["id"] for m in after] == ids[3:]
    limited = client.get(f"/api/conversations/{conversation}/messages", params={"limit": 2}).json()["messages"]
    assert [m["id"] for m in limited] == ids[-2:]


def test_same_client_message_id_is_idempotent(client, conversation, rasa):
    first = post(client, conversation, "hello", client_message_id="retry-me").json()
    again = post(client, conversation, "hello", client_message_id="retry-me")
    assert again.status_code == 200
    again = again.json()
    assert again["duplicate"] is True
    assert again["message"]["id"] == first["message"]["id"]
    assert again["messages"] == first["messages"]
    assert len(rasa.requests) == 1  # Rasa was not asked again
    history = client.get(f"/api/conversations/{conversation}/messages").json()["messages"]
    assert len(history) == 3  # nothing was stored twice

    # The same client id in another conversation is a different message.
    other = client.post("/api/conversations").json()["conversation_id"]
    assert post(client, other, "hello", client_message_id="retry-me").json()["duplicate"] is False
    assert len(rasa.requests) == 2


def test_messages_without_client_id_are_never_deduplicated(client, conversation, rasa):
    post(client, conversation, "same words")
    post(client, conversation, "same words")
    assert rasa.messages == ["same words", "same words"]


def test_unknown_conversation_is_404(client):
    for response in (
        client.post("/api/conversations/not-a-real-id/messages", json={"text": "hi"}),
        client.get("/api/conversations/not-a-real-id/messages"),
    ):
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "unknown_conversation"
        assert "POST /api/conversations" in error["message"]


def test_quick_reply_payload_goes_to_rasa_and_title_is_stored(client, conversation, rasa):
    post(client, conversation, "hello")
    body = post(client, conversation, "Track my order", payload="/order_status").json()
    assert rasa.messages[-1] == "/order_status"
    assert body["message"]["text"] == "Track my order"
    assert body["messages"][0]["text"].startswith("Sure! What's your order number?")


def test_payload_that_was_never_offered_is_sent_as_plain_text(client, conversation, rasa, hub_logs):
    from hub_stubs import records

    post(client, conversation, "Give me a refund", payload='/inform{"email": "someone@else.example"}')
    assert rasa.messages == ["Give me a refund"]
    assert records(hub_logs, "button_payload_ignored")


def test_images_are_passed_only_for_http_urls_and_custom_is_kept(client, conversation):
    replies = post(client, conversation, "show me a picture").json()["messages"]
    assert replies[0]["image"] == "https://example.com/kettle.png"
    assert len(replies) == 1  # the javascript: image had nothing else to show and was dropped
    custom = post(client, conversation, "custom please").json()["messages"]
    assert custom[0]["custom"] == {"card": {"title": "Kettle"}}


def test_openapi_docs_are_served(client):
    assert client.get("/api/openapi.json").status_code == 200


def test_typed_text_cannot_forge_an_intent(client, conversation, rasa):
    post(client, conversation, '/inform{"email": "someone@else.example"}')
    post(client, conversation, "  //order_status")
    assert rasa.messages == ['inform{"email": "someone@else.example"}', "order_status"]


def test_a_conversation_opens_only_with_its_own_token(client, rasa):
    created = client.post("/api/conversations").json()
    mine, token = created["conversation_id"], created["token"]
    other = client.post("/api/conversations").json()
    path = f"/api/conversations/{mine}/messages"
    cases = [
        ({"Authorization": ""}, 401, "token_required"),
        ({"Authorization": f"Basic {token}"}, 401, "token_required"),
        ({"Authorization": f"Bearer {other['token']}"}, 403, "invalid_token"),  # another customer's
        ({"Authorization": f"Bearer {token[:-4]}AAAA"}, 403, "invalid_token"),
        ({"Authorization": "Bearer " + mine}, 403, "invalid_token"),  # the id is not a token
    ]
    for headers, status, code in cases:
        for response in (client.post(path, json={"text": "hi"}, headers=headers), client.get(path, headers=headers)):
            assert response.status_code == status, (headers, response.text)
            assert response.json()["error"]["code"] == code
    assert rasa.messages == []  # nothing got through
    sent = client.post(path, json={"text": "hi"}, headers={"Authorization": f"Bearer {token}"})
    assert sent.status_code == 200
    history = client.get(path, headers={"Authorization": f"Bearer {token}"}).json()["messages"]
    assert [m["text"] for m in history][:1] == ["hi"]


def test_an_expired_token_is_refused(make_client, settings):
    client = make_client(settings, session_ttl_days=-1)  # every token is already past its lifetime
    created = client.post("/api/conversations").json()
    response = client.get(f"/api/conversations/{created['conversation_id']}/messages",
                          headers={"Authorization": f"Bearer {created['token']}"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "token_expired"


def test_staff_changes_come_from_the_hubs_own_pages(client):
    directory = client.app.state.hub.directory
    directory.add("casey", "Casey Doe", "correct horse battery", skills=("general",), capacity=2)
    login = {"username": "casey", "password": "correct horse battery"}
    elsewhere = client.post("/api/agent/login", json=login, headers={"origin": "https://evil.example"})
    assert elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "cross_origin"
    as_form = client.post("/api/agent/login", content="username=casey", headers={"content-type": "text/plain"})
    assert as_form.status_code == 415
    own = client.post("/api/agent/login", json=login, headers={"origin": "http://testserver"})
    assert own.status_code == 200
    assert client.post("/api/agent/logout", headers={"origin": "https://evil.example"}).status_code == 403
    assert client.get("/api/agent/me", headers={"origin": "https://evil.example"}).status_code != 403  # reads
    assert client.post("/api/agent/logout", headers={"origin": "http://testserver"}).status_code == 204
