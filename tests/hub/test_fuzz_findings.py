"""What the fuzzers (test_fuzz_http.py, test_fuzz_widget_socket.py) found, one plain test each."""
from __future__ import annotations

import pytest

from bot.agents.directory import AgentDirectory
from bot.hub.app import create_app
from bot.settings import Settings


PASSWORD = "correct horse battery"


def url(conversation):
    return f"/api/conversations/{conversation}/messages"


@pytest.mark.parametrize("body", [b'{"text": ' + b"9" * 5_000 + b"}",
                                  b'{"text": "hi", "client_message_id": -' + b"1" * 4_400 + b"}"])
def test_a_number_too_long_for_python_is_refused_plainly_not_a_500(client, conversation, rasa, body):
    response = client.post(url(conversation), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    assert "digits" in response.json()["error"]["message"]
    assert rasa.requests == [] and client.get(url(conversation)).json()["messages"] == []
    with client.websocket_connect("/ws") as ws:  # a frame with one is malformed too
        ws.send_text('{"type": "read", "up_to": ' + "9" * 5_000 + "}")
        assert ws.receive_json()["code"] == "invalid_json"


@pytest.mark.parametrize("path", ["/api/agent/handoffs/{}", "/api/agent/handoffs/{}/suggestions",
                                  "/api/supervisor/qa/{}"])
def test_an_id_no_database_column_holds_is_422_not_a_500(client, settings, conversation, path):
    directory = AgentDirectory(settings.hub_db_url)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor")
    directory.close()
    assert client.post("/api/agent/login", json={"username": "morgan", "password": PASSWORD}).status_code == 200
    for too_big in (2**63, 2**31):  # SQLite: OverflowError; PostgreSQL's INTEGER: out of range
        response = client.get(path.format(too_big))
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
        response = client.get(url(conversation), params={"after": too_big})
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert client.get(path.format(2**31 - 1)).status_code == 404


def test_the_schema_promises_the_error_shape_the_hub_sends():
    schema = create_app(Settings()).openapi()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            error = operation["responses"]["4XX"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorBody"}, path
            assert "422" not in operation["responses"], path  # FastAPI's {"detail": [...]}, never sent
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    csv = schema["paths"]["/api/supervisor/kpis.csv"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in csv
