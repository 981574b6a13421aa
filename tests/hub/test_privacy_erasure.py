"""Export and erasure of one customer's data (issue 15), on the real app over SQLite and PostgreSQL: a
conversation that went through the bot, a handoff, an agent, a survey with a comment, the knowledge-base
log, a channel binding and Rasa's tracker store; then `carebot privacy` and the supervisors' API."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, inspect, text
from test_closure_flow import ANGRY_FOR_A_PERSON, chat, until
from test_hub_websocket import hello, next_frame, receive_until_typing_off

from bot.agents.directory import AgentDirectory
from bot.channels.store import ChannelStore
from bot.cli import main as carebot
from bot.crm.sql import SqlCrm
from bot.kb.answers import AnswerLog

PASSWORD = "correct horse battery"
WORD = "Quetzalcoatlus"  # a word nothing else in the databases holds
EMAIL = "marisol.quetzal@example.org"


@pytest.fixture
def hub_client(make_client, settings, hub_db_url, tmp_path):
    """The hub on the test's database; Rasa's tracker store beside it (a second SQLite file, or a schema
    of the same PostgreSQL database: the `events` table Rasa makes)."""
    directory = AgentDirectory(hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general", "billing"), capacity=2)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor")
    directory.close()
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}" if hub_db_url.startswith("sqlite") else hub_db_url
    crm_url = f"sqlite:///{tmp_path / 'crm.db'}"  # the test's own CRM, empty: nobody has these addresses
    crm = SqlCrm(crm_url)
    crm.create_schema()
    crm.close()
    return make_client(settings, hub_db_url=hub_db_url, rasa_tracker_url=tracker_url, crm_url=crm_url)


def rasa_tracker(url: str, sender: str, *texts: str) -> None:
    """Rasa's SQL tracker store as Rasa 3.6 creates it (rasa.core.tracker_store.SQLTrackerStore.SQLEvent),
    in the test's database (SQLite or PostgreSQL)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                              "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                              "action_name VARCHAR(255), data TEXT)" if url.startswith("postgresql") else
                              "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT "
                              "NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                              "action_name VARCHAR(255), data TEXT)"))
            for i, said in enumerate(texts):
                conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, :d)"),
                             {"s": sender, "t": float(i), "d": json.dumps({"event": "user", "text": said})})
            conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('someone-else', "
                              "'user', 0, '{\"text\": \"hello\"}')"))
    finally:
        engine.dispose()


def a_whole_conversation(client) -> tuple[str, int]:
    """Bot, handoff, agent, close, survey with a comment: what a real conversation leaves behind."""
    assert client.post("/api/agent/login", json={"username": "alex", "password": PASSWORD}).status_code == 200
    with client.websocket_connect("/ws/agent") as console, client.websocket_connect("/ws") as ws:
        assert console.receive_json()["type"] == "hello"  # an agent is online: the handoff queues
        conversation = hello(ws)["conversation_id"]
        chat(ws, f"hi, I'm Marisol ({EMAIL}), my {WORD} kettle is dented", "c1")
        receive_until_typing_off(ws)
        chat(ws, ANGRY_FOR_A_PERSON, "c2")
        until(ws, lambda f: f.get("event") == "queued")
        [waiting] = client.get("/api/agent/queue").json()["queued"]
        assert client.post(f"/api/agent/handoffs/{waiting['id']}/accept").status_code == 200
        assert client.get(f"/api/agent/handoffs/{waiting['id']}").status_code == 200  # the console's context
        client.post(f"/api/agent/handoffs/{waiting['id']}/messages", json={"text": f"Sorry about the {WORD}!"})
        client.post(f"/api/agent/handoffs/{waiting['id']}/close", json={"disposition": "resolved", "note": WORD})
        question = until(ws, lambda f: f.get("event") == "survey")
        chat(ws, "5", "c3", payload=question["buttons"][4]["payload"])
        assert next_frame(ws)["event"] == "survey_thanks"
    return conversation, waiting["id"]


def everything(url: str) -> str:
    """Every value of every table of a database, as text."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return "\n".join(str(tuple(row)) for table in inspect(engine).get_table_names()
                             for row in conn.execute(text(f'SELECT * FROM "{table}"')))
    finally:
        engine.dispose()


def run(*argv: str, settings, capsys, err: list | None = None) -> tuple[int, dict]:
    """`carebot ...` in this process, with the test's settings instead of the environment's."""
    from bot import cli

    real = cli.parse

    def parse(args=None, parser=None):
        parsed = real(args, parser)
        parsed.settings = settings
        return parsed

    cli.parse = parse
    try:
        code = carebot(list(argv))
    finally:
        cli.parse = real
    captured = capsys.readouterr()
    if err is not None:
        err.append(captured.err)
    out = captured.out
    return code, (json.loads(out) if out.strip().startswith("{") else {"text": out})


def test_erasing_a_conversation_leaves_none_of_its_words_anywhere(hub_client, settings, hub_db_url, capsys):
    hub = hub_client.app.state.hub
    conversation, handoff = a_whole_conversation(hub_client)
    AnswerLog(hub.store.engine).record(conversation, f"can I descale a {WORD}?", "answered", [])
    ChannelStore(hub.store).bind("whatsapp", "+15550104477", conversation, customer_id="C-77")
    tracker_url = hub.privacy.trackers.engine.url.render_as_string(hide_password=False)
    rasa_tracker(tracker_url, conversation, f"my {WORD} kettle is dented", EMAIL)
    settings = hub.settings
    assert WORD in everything(hub_db_url) and WORD in everything(tracker_url)

    code, exported = run("privacy", "export", "--conversation", conversation, "--json", settings=settings, capsys=capsys)
    assert code == 0
    hub_rows = exported["hub_database"]
    for table in ("messages", "handoffs", "handoff_events", "survey_responses", "kb_answers", "channel_bindings",
                  "conversation_closures", "qa_scorecards", "turn_analysis", "conversations"):
        assert hub_rows.get(table), f"the export has no {table}"
    assert any(WORD in (m["text"] or "") for m in hub_rows["messages"])
    assert [e["data"]["text"] for e in exported["rasa_tracker_store"][conversation]][0].endswith("dented")

    code, erased = run("privacy", "erase", "--conversation", conversation, "--json", settings=settings, capsys=capsys)
    assert code == 0
    removed = erased["removed"]
    assert removed["hub_database"]["messages"] >= 5 and removed["hub_database"]["handoffs"] == 1
    assert removed["rasa_tracker_store"] == {"events": 2}
    for store in (hub_db_url, tracker_url):
        words = everything(store)
        assert WORD not in words and EMAIL not in words and "+15550104477" not in words
    assert "someone-else" in everything(tracker_url)  # other conversations are untouched
    # The audit log kept who did what, and nothing that was said.
    code, audit = run("privacy", "audit", "--conversation", conversation, "--json", settings=settings, capsys=capsys)
    actions = [(e["actor"], e["action"]) for e in audit["entries"]]
    assert ("agent:alex", "console_context") in actions
    assert ("cli", "export") in actions and ("cli", "erase") in actions
    assert WORD not in json.dumps(audit)
    # The conversation is gone for the hub too.
    assert hub_client.get(f"/api/conversations/{conversation}/messages").status_code in (401, 403, 404)


def test_an_email_request_finds_every_conversation_of_the_address(hub_client, capsys):
    hub = hub_client.app.state.hub
    first = hub_client.post("/api/conversations").json()["conversation_id"]
    hub_client.post(f"/api/conversations/{first}/messages", json={"text": f"it's {EMAIL.upper()} about my order"})
    second = hub_client.post("/api/conversations").json()["conversation_id"]
    hub_client.post(f"/api/conversations/{second}/messages", json={"text": "where is my order A1042"})
    other = hub_client.post("/api/conversations").json()["conversation_id"]
    hub_client.post(f"/api/conversations/{other}/messages", json={"text": "hello there"})
    tracker_url = hub.privacy.trackers.engine.url.render_as_string(hide_password=False)
    rasa_tracker(tracker_url, second, EMAIL)  # given as a slot, in the bot's form: only Rasa has it

    code, erased = run("privacy", "erase", "--email", EMAIL, "--json", settings=hub.settings, capsys=capsys)
    assert code == 0
    assert sorted(erased["request"]["conversations"]) == sorted([first, second])
    assert erased["request"]["subject"].startswith("email:") and EMAIL not in json.dumps(erased)
    assert not hub.store.conversation_exists(first) and not hub.store.conversation_exists(second)
    assert hub.store.conversation_exists(other)


def test_unknown_subjects_are_refused_clearly(hub_client, capsys, tmp_path):
    hub = hub_client.app.state.hub
    errors: list[str] = []
    code, out = run("privacy", "erase", "--conversation", "no-such-conversation", "--json", settings=hub.settings,
                    capsys=capsys, err=errors)
    assert code == 2 and out == {"text": ""}
    assert "no conversation with id 'no-such-conversation'" in errors[0]
    code, out = run("privacy", "export", "--email", "not an address", settings=hub.settings, capsys=capsys, err=errors)
    assert code == 2 and "not an e-mail address" in errors[1]
    from dataclasses import replace

    down = replace(hub.settings, hub_db_url="postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    code, out = run("privacy", "erase", "--email", EMAIL, "--json", settings=down, capsys=capsys, err=errors)
    assert code == 1 and out == {"text": ""} and "OperationalError" in errors[2] and "Traceback" not in errors[2]
    no_crm = replace(hub.settings, crm_url=f"sqlite:///{tmp_path / 'no-tables.db'}")  # a request by e-mail needs it
    code, out = run("privacy", "erase", "--email", EMAIL, "--json", settings=no_crm, capsys=capsys, err=errors)
    assert code == 1 and "CrmUnavailable" in errors[3]


def test_supervisors_export_and_erase_through_the_api_and_agents_cannot(hub_client):
    conversation = hub_client.post("/api/conversations").json()["conversation_id"]
    hub_client.post(f"/api/conversations/{conversation}/messages", json={"text": f"the {WORD} is broken"})
    assert hub_client.get("/api/supervisor/privacy/export", params={"conversation": conversation}).status_code == 401
    assert hub_client.post("/api/agent/login", json={"username": "alex", "password": PASSWORD}).status_code == 200
    assert hub_client.get("/api/supervisor/privacy/export", params={"conversation": conversation}).status_code == 403
    assert hub_client.post("/api/agent/login", json={"username": "morgan", "password": PASSWORD}).status_code == 200
    exported = hub_client.get("/api/supervisor/privacy/export", params={"conversation": conversation})
    assert exported.status_code == 200 and WORD in json.dumps(exported.json()["hub_database"]["messages"])
    bad = hub_client.post("/api/supervisor/privacy/erase", json={"conversation": conversation, "email": EMAIL})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_subject"
    unknown = hub_client.post("/api/supervisor/privacy/erase", json={"conversation": "nope"})
    assert unknown.status_code == 404
    erased = hub_client.post("/api/supervisor/privacy/erase", json={"conversation": conversation})
    assert erased.status_code == 200 and erased.json()["removed"]["hub_database"]["messages"] >= 1
    audit = hub_client.get("/api/supervisor/privacy/audit", params={"conversation": conversation}).json()["entries"]
    assert [(e["actor"], e["action"]) for e in audit] == [("supervisor:morgan", "export"),
                                                           ("supervisor:morgan", "erase")]


def test_the_retention_purge_keeps_the_statistics_without_the_words(hub_client, settings, capsys):
    from datetime import timedelta

    from bot.conversations.closure import Closures
    from bot.conversations.store import utcnow
    from bot.hub.wiring import privacy_service
    from bot.surveys.store import SurveyStore

    hub = hub_client.app.state.hub
    old, _ = a_whole_conversation(hub_client)
    [survey, *_] = SurveyStore(hub.store).for_conversation(old)
    SurveyStore(hub.store).add_comment(survey.id, f"the {WORD} agent was lovely")
    AnswerLog(hub.store.engine).record(old, f"can I descale a {WORD}?", "answered", [])
    tracker_url = hub.privacy.trackers.engine.url.render_as_string(hide_password=False)
    rasa_tracker(tracker_url, old, f"my {WORD} kettle")
    service = privacy_service(hub.settings, hub.store, crm=None, client={"privacy": {"retention_days": 30}})
    later = utcnow() + timedelta(days=31)
    recent = hub_client.post("/api/conversations").json()["conversation_id"]
    hub_client.post(f"/api/conversations/{recent}/messages", json={"text": f"a {WORD} from today"})

    listed = service.purge(utcnow() + timedelta(days=29), actor="cli", dry_run=True)
    assert listed["conversations"] == [] and listed["purged"] is False  # nothing is 30 days old yet
    with hub.store.engine.connect() as conn:  # make "recent" recent at `later`
        conn.execute(text("UPDATE conversations SET updated_at = :t WHERE id = :i"), {"t": later, "i": recent})
        conn.commit()
    done = service.purge(later, actor="cli")
    assert done["conversations"] == [old]
    assert done["hub_database"]["deleted"]["messages"] >= 5
    assert done["hub_database"]["anonymised"]["survey_responses"] >= 1
    assert done["rasa_tracker_store"]["deleted"]["events"] == 1
    words = everything(hub.settings.hub_db_url)
    left = [line for line in words.splitlines() if WORD in line]
    assert left and all(recent in line for line in left)  # only the recent conversation's words are left
    [closure] = Closures(hub.store).for_conversation(old)
    assert closure.resolved  # the KPIs keep the episode
    scores = [s.score for s in SurveyStore(hub.store).for_conversation(old)]
    assert 5 in scores
    assert service.purge(later, actor="cli")["conversations"] == []  # a purged conversation is not purged again
    assert [e.action for e in service.audit.entries(conversation_id=old)][-1] == "purge"
