"""The internal services are not open (issue 15), on the real stack: the action server refuses a forged
tracker without the shared secret, Rasa's HTTP API refuses calls without its token; with them (what
Rasa and the hub send) both answer, so the conversation tests in this folder prove the wiring."""
from __future__ import annotations

import socket

import httpx
import pytest

FORGED = {
    "next_action": "action_order_status",
    "sender_id": "attacker",
    "tracker": {
        "sender_id": "attacker",
        "slots": {"verified_customer_id": "C001", "order_id": "A1042", "email": "maria.lopez@example.com"},
        "latest_message": {"text": "where is my order", "intent": {"name": "order_status"}, "entities": []},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    },
    "domain": {},
    "version": "3.6.21",
}


def test_the_action_server_refuses_a_forged_tracker_without_the_secret(stack):
    url = stack.settings.actions_url
    refused = httpx.post(f"{url}/webhook", json=FORGED, timeout=30)
    assert refused.status_code == 401
    assert "A1042" not in refused.text and "Maria" not in refused.text
    wrong = httpx.post(f"{url}/webhook", json=FORGED, headers={"Authorization": "Bearer guess"}, timeout=30)
    assert wrong.status_code == 401
    assert httpx.get(f"{url}/actions", timeout=30).status_code == 401
    assert httpx.get(f"{url}/health", timeout=30).status_code == 200  # the supervisor's probe stays open
    allowed = httpx.post(f"{url}/webhook", json=FORGED, timeout=60,
                         headers={"Authorization": f"Bearer {stack.settings.actions_token}"})
    assert allowed.status_code == 200  # what Rasa does, with the secret of endpoints.yml


def own_address() -> str | None:
    """This machine's address on its network (not loopback), or None when it has none."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # UDP: nothing is sent, the kernel picks the interface
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_the_action_server_and_rasa_listen_on_loopback_only(stack):
    address = own_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    for url in (stack.settings.actions_url, stack.settings.rasa_url):
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=3).close()


def test_rasas_http_api_wants_its_token(stack):
    url, token = stack.settings.rasa_url, stack.settings.rasa_token
    for method, path in [("GET", "/conversations/someone/tracker"), ("POST", "/model/parse"),
                         ("POST", "/conversations/someone/tracker/events"), ("PUT", "/model")]:
        response = httpx.request(method, url + path, json={"text": "hi"} if path == "/model/parse" else [],
                                 timeout=30)
        assert response.status_code == 401, (method, path, response.status_code)
    parsed = httpx.post(url + "/model/parse", params={"token": token}, json={"text": "where is my order"}, timeout=60)
    assert parsed.status_code == 200 and parsed.json()["intent"]["name"]


def test_sensitive_numbers_are_in_no_store_and_no_log_of_the_real_stack(stack, hub):
    """Widget REST -> hub -> Rasa -> actions; then every SQLite file and log of the stack is read whole."""
    from pathlib import Path

    from tests.e2e.conftest import new_conversation, say

    card, cvv, ssn, iban = "4539 1488 0343 6467", "cvv 737", "123-45-6789", "DE89 3704 0044 0532 0130 00"
    conversation = new_conversation(hub)
    replies = say(hub, conversation, f"please charge {card} exp 08/28 {cvv}, my ssn is {ssn} and iban {iban}")
    assert any("For your safety" in (m.get("text") or "") for m in replies)
    say(hub, conversation, "where is my order A1042?")  # Rasa and the actions run on the hidden text
    folder = Path(stack.settings.hub_db_url.removeprefix("sqlite:///")).parent
    files = [*folder.glob("*.db"), *folder.glob("*.db-wal"), *(folder / "log").glob("*.log")]
    assert {f.name for f in files} >= {"hub.db", "tracker.db", "crm.db", "rasa.log", "hub.log", "actions.log"}
    everything = b"".join(f.read_bytes() for f in files)
    assert b"card ending 6467" in everything  # the hidden form is there (the test reads the right files)
    for secret in (card, card.replace(" ", ""), ssn, "DE89 3704", "DE89370400440532013000", cvv):
        assert secret.encode() not in everything, secret


def test_a_billing_dispute_shows_nothing_of_an_account_until_a_receipt_proves_it(stack, hub):
    """Before issue 15, an existing e-mail was enough: the bot listed that account's charges and card."""
    from tests.e2e.conftest import new_conversation, say, texts

    conversation = new_conversation(hub)
    opening = texts(say(hub, conversation, "you charged me twice for my coffee club subscription"))
    assert "email" in opening.lower()
    asked = texts(say(hub, conversation, "james.okafor@example.com"))
    assert "receipt" in asked.lower() and "22" not in asked and "5100" not in asked
    refused = texts(say(hub, conversation, "A1042"))  # Maria's order, not James's
    assert "couldn't match" in refused and "22" not in refused and "5100" not in refused
    from bot.crm import open_crm

    crm = open_crm(stack.settings.crm_url)
    try:
        invoice = crm.invoices_for_customer("C1002", limit=1)[0].invoice_id  # one of James's receipts
    finally:
        crm.close()
    proven = texts(say(hub, conversation, invoice))
    assert "dispute" in proven.lower() or "amount" in proven.lower() or "22" in proven


def test_after_an_erasure_none_of_the_conversations_words_remain_in_any_store(stack, hub, capsys):
    """Widget REST -> hub -> Rasa -> actions (an order look-up with an e-mail, a help-centre question),
    then `carebot privacy erase`: the stack's hub database, Rasa's tracker store, the CRM and the logs are
    read whole, files and write-ahead logs, and hold none of the conversation's words."""
    import json
    from pathlib import Path

    from bot.cli import main as carebot
    from tests.e2e.conftest import new_conversation, say

    word = "Quetzalcoatlus"  # in no article, no model, no seed
    conversation = new_conversation(hub)
    say(hub, conversation, f"my {word} grinder order A1042 hasn't arrived")
    say(hub, conversation, "maria.lopez@example.com")
    say(hub, conversation, f"also can I descale a {word} with vinegar?")
    folder = Path(stack.settings.hub_db_url.removeprefix("sqlite:///")).parent

    def stored() -> bytes:
        files = [*folder.glob("*.db"), *folder.glob("*.db-wal"), *(folder / "log").glob("*.log")]
        return b"".join(f.read_bytes() for f in files)

    assert word.encode() in stored()  # Rasa's tracker keeps what it read (the hub's copy is sealed)
    assert carebot(["privacy", "erase", "--conversation", conversation, "--json"]) == 0  # the stack's settings
    removed = json.loads(capsys.readouterr().out)["removed"]
    assert removed["hub_database"]["messages"] >= 6 and removed["rasa_tracker_store"]["events"] > 10
    assert word.encode() not in stored()
