"""bench/journeys.py: the checks, the simulated customer and the runner on hand-made transcripts (the
bot's wording is the shipped one, from domain.yml and actions/), and two journeys through the real stack."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from bot.reply_behaviour import BEHAVIOURS, behaviours, details_asked, is_filler
from bot.settings import PROJECT_ROOT

# bench/ is not a package (and tests/bench shadows the name): load the script by its path, as test_kb_bench does
spec = importlib.util.spec_from_file_location("journeys_bench", PROJECT_ROOT / "bench" / "journeys.py")
runner = importlib.util.module_from_spec(spec)
sys.modules["journeys_bench"] = runner
spec.loader.exec_module(runner)
Turn, customer_reply, judge, problems = runner.Turn, runner.customer_reply, runner.judge, runner.problems

SAMPLE = Path(__file__).resolve().parent / "journeys_sample.yml"


def bot(text: str, *titles: str, event: str | None = None) -> dict:
    message = {"type": "system" if event else "bot", "text": text,
               "buttons": [{"title": t, "payload": "/" + t.lower().replace(" ", "_")} for t in titles]}
    if event:
        message["event"] = event
    return message


ASK_ORDER = bot("What's your order number? It starts with an A, like A1042, and it's in your confirmation email.")
ASK_EMAIL = bot("To keep your account safe, what's the email address on the order?")
ASK_ITEM = bot("Which item from order A1043 is it about?", "Burr Grinder Pro", "Ceramic Mug Set")
ASK_REASON = bot("Could you tell me briefly what happened, or why you'd like to return it?")
ASK_PHONE = bot("What's the best phone number to reach you on?")
NOT_FOUND = bot("I can't find order A99999. Could you check the number?")
WARRANTY = bot("All our appliances carry a 2-year warranty, and the Barista One espresso machine has 3 years. "
               "For a warranty repair or replacement, email help@larkspur.example with your order number and a "
               "short video or photo of the fault, and we'll send a prepaid label.")
SHIPPING = bot("We ship across the US with UPS, FedEx and USPS. Standard delivery takes 3-5 business days and "
               "is free over $50 (otherwise $5.95); Express takes 1-2 business days for $14.95.")
HAWAII = bot("**Standard**: 4–8 business days by USPS Priority Mail.\n\nFrom *Delivery times by region* "
             "([larkspur.example/help/delivery](https://larkspur.example/help/delivery)). Did this answer your "
             "question?", "Yes", "No")
OFFER_CALLBACK = bot("One of our care team can sort this out personally: I can put you through to someone now, or "
                     "they can call you back. Shall I arrange a call back?",
                     "Talk to a person", "Yes, call me back", "No thanks")
ANYTHING_ELSE = bot("Is there anything else I can help you with?")
OUT_OF_SCOPE = bot("Sorry, that's outside what I can help with. I can help with orders, deliveries, returns, "
                   "billing, your account and the Coffee Club.", "Track my order", "Talk to a person")
OUT_OF_SCOPE_ANNOYED = bot("That's not one I can help with, I'm afraid, and I know that's not what you wanted. "
                           "A person might.", "Talk to a person")
COMPLAINT = bot("I'm really sorry, that's not the experience we want you to have. I'd like to put this right.")
QUEUED = bot("I'm connecting you with a member of our team. You're next in line (less than a minute). They'll "
             "see everything we've talked about, so you won't have to repeat yourself.", event="queued")
OFFLINE = bot("All of our team are busy or away at the moment. They'll answer as soon as they are back. I can "
              "open a ticket with everything we've discussed, or arrange a call back.", "Open a ticket",
              event="offline")
CUSTOMER = {"order_id": "A1043", "email": "maria.lopez@example.com", "item": "Ceramic Mug Set",
            "reason": "one of the mugs arrived chipped", "phone": "555 201 3344"}


# --- what the bot asks for ---------------------------------------------------------------------------
@pytest.mark.parametrize("message, detail", [
    (ASK_ORDER, "order_id"), (ASK_EMAIL, "email"), (ASK_ITEM, "item"), (ASK_REASON, "reason"),
    (ASK_PHONE, "phone"), (NOT_FOUND, "order_id"),
    (bot("What's the email address on your Larkspur & Co account?"), "email"),
    (bot("Could I have your name, please?"), "name"),
    (bot("If you need a copy emailed, reply with your order number and we'll arrange it."), "order_id"),
])
def test_asks_for_the_detail(message, detail):
    assert details_asked(message["text"]) == [detail]


@pytest.mark.parametrize("message", [WARRANTY, SHIPPING, HAWAII, ANYTHING_ELSE, OFFER_CALLBACK,
                                     bot("We'll email a reset link that works for 30 minutes.")])
def test_mentioning_a_detail_is_not_asking_for_it(message):
    assert details_asked(message["text"]) == []


def test_the_customer_answers_what_they_know():
    assert customer_reply(ASK_ORDER, CUSTOMER) == "A1043"
    assert customer_reply(ASK_EMAIL, CUSTOMER) == "maria.lopez@example.com"
    assert customer_reply(ASK_ITEM, CUSTOMER) == "Ceramic Mug Set"  # typed, though the items are buttons
    assert customer_reply(ASK_REASON, CUSTOMER) == "one of the mugs arrived chipped"
    assert customer_reply(bot("What's your order number and the email on it?"), CUSTOMER) == \
        "A1043, maria.lopez@example.com"
    assert customer_reply(ASK_PHONE, {"order_id": "A1042"}) is None  # not a detail this customer has
    assert customer_reply(SHIPPING, CUSTOMER) is None


def test_a_yes_no_question_with_buttons_is_left_to_the_script():
    assert customer_reply(OFFER_CALLBACK, CUSTOMER) is None
    yes_no = bot("Would you like me to look it up with your order number?", "Yes", "No")
    assert customer_reply(yes_no, CUSTOMER) is None
    assert customer_reply({**yes_no, "buttons": []}, CUSTOMER) == "A1043"


# --- fillers -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Is there anything else I can help you with?", "Anything else?", "Thanks for bearing with me. Anything else?",
    "I'm sorry for all this. Anything else?", "You're welcome! Is there anything else I can help with?",
    "Happy to help. Anything else on your mind?", "Great, glad that helped! Is there anything else I can do for you?",
    "How can I help you today?", "Can I help with anything else?",
])
def test_fillers(text):
    assert is_filler(text)


@pytest.mark.parametrize("text", [
    SHIPPING["text"], HAWAII["text"], ASK_ORDER["text"], "",
    "Thank you, we read every piece of feedback and share it with the team. Is there anything I can help with "
    "right now?",
    "Refunds take 5-7 business days. Is there anything else I can help you with?",
])
def test_not_fillers(text):
    assert not is_filler(text)


# --- behaviours -------------------------------------------------------------------------------------------
def test_answer_is_information_not_only_questions_apologies_or_fillers():
    assert "answer" in behaviours([SHIPPING])
    assert "answer" in behaviours([HAWAII])
    for only in ([ASK_ORDER], [ANYTHING_ELSE], [COMPLAINT], [OFFER_CALLBACK], [OUT_OF_SCOPE], [QUEUED]):
        assert "answer" not in behaviours(only), only


def test_apologise_counts_only_before_the_first_question_for_a_detail():
    sorry = bot("I'm sorry to hear that.")
    assert "apologise" in behaviours([sorry, ASK_ORDER])
    assert "apologise" in behaviours([bot("Sorry about that! " + ASK_ORDER["text"])])
    assert "apologise" not in behaviours([ASK_ORDER, sorry])
    assert "apologise" not in behaviours([SHIPPING])


def test_asks_offers_decline_and_clarify():
    assert {"ask_order_number", "ask_email", "ask_item"} <= behaviours([ASK_ORDER, ASK_EMAIL, ASK_ITEM])
    assert "ask_order_number" not in behaviours([WARRANTY])
    assert "offer_person" in behaviours([OFFER_CALLBACK])
    assert "offer_person" in behaviours([bot("Here you go.", "Talk to a person")])  # a button title counts
    assert "offer_action" in behaviours([bot("Here you go.", "Start a return")])
    assert "offer_action" in behaviours([bot("If you see a charge you don't recognise, I can open a billing case.")])
    assert "offer_action" not in behaviours([SHIPPING])
    assert "offer_person" not in behaviours([SHIPPING])
    assert "decline" in behaviours([OUT_OF_SCOPE])
    assert "decline" not in behaviours([OUT_OF_SCOPE_ANNOYED])  # says no, but not what it can do
    assert "clarify" in behaviours([bot("I found a few articles that could answer that. Which one is closest?",
                                        "Shipping costs", "Delivery times")])
    assert "clarify" in behaviours([bot("Sorry, I didn't quite get that. Could you say it another way?")])
    assert "clarify" not in behaviours([ASK_ITEM])


def test_hand_off_is_the_hubs_system_event_not_the_wording():
    assert "hand_off" in behaviours([QUEUED])
    assert "hand_off" in behaviours([OFFLINE])
    assert "hand_off" not in behaviours([{**QUEUED, "type": "bot", "event": None}])
    assert "hand_off" not in behaviours([OFFER_CALLBACK])


def test_filler_only_turns():
    assert "filler_only" in behaviours([ANYTHING_ELSE])
    assert "filler_only" in behaviours([bot("You're welcome!"), bot("Anything else?", "Talk to a person")])
    assert "filler_only" not in behaviours([SHIPPING, ANYTHING_ELSE])
    assert "filler_only" not in behaviours([])


# --- judging ----------------------------------------------------------------------------------------------
def test_facts_need_one_alternative_of_every_group_and_not_none_of_the_phrases():
    journey = {"id": "X", "turns": [{"say": "hawaii?", "expect": {
        "facts": [["4 to 8 business days", "4-8 business days"], "USPS Priority"],
        "not": ["3-5 business days"]}}]}
    turn = Turn("hawaii?", [{"type": "customer", "text": "hawaii?"}, HAWAII])
    assert all(c.ok for c in judge(journey, [turn]))  # en dash, Markdown and case do not matter
    wrong = Turn("hawaii?", [{"type": "customer", "text": "hawaii?"}, SHIPPING])
    failed = [c.name for c in judge(journey, [wrong]) if not c.ok]
    assert failed == ["facts", "facts", "not"]


class FakeBot:
    """Answers each customer text by the first rule whose words it contains; records what was sent."""

    def __init__(self, rules: list[tuple[str, list[dict]]]) -> None:
        self.rules, self.sent = rules, []

    def __call__(self, text: str, payload: str | None = None) -> list[dict]:
        self.sent.append((text, payload))
        return next((replies for key, replies in self.rules if key in text.lower()), [ANYTHING_ELSE])


def test_the_runner_answers_follow_ups_from_customer_and_judges_the_whole_turn():
    fake = FakeBot([("my mugs", [bot("I'm sorry to hear that."), ASK_ORDER]), ("a1043", [ASK_EMAIL]),
                    ("maria", [ASK_ITEM]), ("ceramic", [ASK_REASON]),
                    ("the mugs", [bot("I've opened case RMA-20001 for you. We've emailed a free prepaid return "
                                     "label to maria.lopez@example.com.")])])
    journey = {"id": "S", "customer": CUSTOMER, "turns": [{"say": "one of my mugs arrived chipped", "expect": {
        "facts": [["RMA-"]], "do": ["apologise", "ask_order_number", "ask_email", "ask_item", "answer"],
        "dont": ["hand_off", "filler_only"]}}]}
    result = runner.run_journey(journey, fake)
    # the scripted say and three automatic answers: the reason is the fourth detail, so it is not given
    assert [text for text, _ in fake.sent] == ["one of my mugs arrived chipped", "A1043",
                                                "maria.lopez@example.com", "Ceramic Mug Set"]
    assert not result.success
    assert [c.name for c in result.failed] == ["facts", "do:answer"]

    fake.rules[0] = ("my mugs", [bot("I'm sorry to hear that."), ASK_ITEM])  # the bot already knows the order
    result = runner.run_journey(journey, fake)
    assert [text for text, _ in fake.sent[4:]] == ["one of my mugs arrived chipped", "Ceramic Mug Set",
                                                    "one of the mugs arrived chipped"]
    assert [c.name for c in result.failed] == ["do:ask_order_number", "do:ask_email"]


def test_after_a_hand_off_later_turns_are_skipped():
    fake = FakeBot([("human", [OFFLINE]), ("order", [ASK_ORDER])])
    journey = {"id": "H", "customer": {"order_id": "A1042"}, "turns": [
        {"say": "let me talk to a human", "expect": {"do": ["hand_off"]}},
        {"say": "where is my order", "expect": {"do": ["answer"], "dont": ["hand_off"]}},
        {"say": "hello?", "expect": {"do": ["hand_off"]}},
    ]}
    result = runner.run_journey(journey, fake)
    assert fake.sent == [("let me talk to a human", None)]
    assert [t.skipped for t in result.turns] == [False, True, True]
    assert [(c.turn, c.name, c.ok) for c in result.checks] == [
        (1, "do:hand_off", True), (2, "dont:hand_off", False), (3, "do:hand_off", True)]
    listed = runner.failures([result], verbose=True)
    assert "turn 2  dont:hand_off: handed off at turn 1" in listed and "2. (not sent: handed off before)" in listed
    assert "hub [offline]: All of our team are busy" in listed


def test_a_say_that_is_a_button_title_presses_it():
    fake = FakeBot([("grinder", [OFFER_CALLBACK])])
    journey = {"id": "B", "customer": CUSTOMER, "turns": [{"say": "my grinder broke"}, {"say": "No thanks"}]}
    runner.run_journey(journey, fake)
    assert fake.sent == [("my grinder broke", None), ("No thanks", "/no_thanks")]  # nothing pressed by itself


def test_an_error_stops_the_journey_and_fails_it():
    def broken(text, payload=None):
        raise runner.httpx.ConnectError("refused")

    result = runner.run_journey({"id": "E", "turns": [{"say": "hi"}]}, broken)
    assert not result.success and "refused" in result.error


def test_report_lists_tables_and_failures():
    fake = FakeBot([("hawaii", [SHIPPING])])
    journey = yaml.safe_load(SAMPLE.read_text())[2]  # S003, Hawaii
    results = [runner.run_journey(journey, fake)]
    table = runner.summary(results)
    assert "| 1 | 0 | 0.0 % | 0 |" in table and "| shipping | 1 | 0 | 0.0 % |" in table
    assert "| facts | 1 | 1 | 1 |" in table
    listed = runner.failures(results)
    assert "S003" in listed and "facts" in listed and "customer: how long does shipping" in listed
    assert "bot: We ship across the US" in listed


# --- the journey files ---------------------------------------------------------------------------------------
def test_format_problems_are_reported():
    assert problems(yaml.safe_load(SAMPLE.read_text())) == []
    bad = [{"id": "A", "turns": [{"say": "hi", "expect": {"do": ["answr"], "facts": "x"}}]},
           {"id": "A", "customer": {"order": "A1"}, "turns": [{"text": "hi"}]}]
    found = "\n".join(problems(bad))
    for needle in ("unknown behaviour 'answr'", "`facts` must be a list", "duplicate id", "needs `say`"):
        assert needle in found
    # keys FORMAT.md does not define are reported, not refused (the journey files document a `source`)
    documented = [{"id": "B", "customer": {"order": "A1"}, "turns": [{"say": "hi", "expect": {"source": "kb"}}]}]
    assert problems(documented) == []
    assert runner.unchecked_keys(documented) == {"customer.order": 1, "expect.source": 1}
    assert set(BEHAVIOURS) >= {"answer", "filler_only", "hand_off", "clarify"}


def test_unknown_ids_and_missing_files_are_refused(tmp_path):
    with pytest.raises(runner.JourneyFileError, match="S999"):
        runner.load_journeys([SAMPLE], only=["S001", "S999"])
    with pytest.raises(runner.JourneyFileError, match="does not exist"):
        runner.load_journeys([tmp_path / "dev.yml"])
    assert [j["id"] for j in runner.load_journeys([SAMPLE], only=["S002"])] == ["S002"]


# --- the real stack -------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_two_sample_journeys_through_the_real_stack(request):
    from bot.runner.stack import MODEL

    if not MODEL.exists():
        pytest.skip("no trained model in models/ (make train)")
    stack = request.getfixturevalue("stack")
    journeys = runner.load_journeys([SAMPLE], only=["S001", "S002"])
    results = {r.journey["id"]: r for r in runner.run_all(journeys, stack.url)}
    order = results["S001"]
    assert order.error is None, order.error
    sent = [m["text"] for m in order.turns[0].messages if m["type"] == "customer"]
    assert sent == ["where is my order?", "A1042", "maria.lopez@example.com"], order.turns[0].messages
    assert order.success, runner.failures([order], verbose=True)
    angry = results["S002"]
    assert [t.skipped for t in angry.turns] == [False, True], runner.failures([angry], verbose=True)
    assert angry.success, runner.failures([angry], verbose=True)


@pytest.mark.e2e
def test_no_development_journey_gets_a_filler_only_turn(request):
    """Issue 20: no bot turn is only "anything else?". Every journey of dev.yml, through the real stack,
    judged on that alone, on every turn whose author marked it as asking something (`dont: [filler_only]`;
    the whole benchmark's other checks are reported, not asserted: bench/README.md).
    test.yml is not run here: it stays untouched until the work on the issue is finished."""
    from bot.runner.stack import MODEL

    if not MODEL.exists():
        pytest.skip("no trained model in models/ (make train)")
    stack = request.getfixturevalue("stack")
    journeys = runner.load_journeys([PROJECT_ROOT / "bench" / "journeys" / "dev.yml"])
    assert len(journeys) >= 100
    fillers = []
    for result in runner.run_all(journeys, stack.url):
        assert result.error is None, (result.journey["id"], result.error)
        scripted = result.journey["turns"]
        for number, turn in enumerate(result.turns, 1):
            if "filler_only" not in ((scripted[number - 1].get("expect") or {}).get("dont") or []):
                continue  # "thanks!" may well get "You're welcome! Anything else?"
            texts = [m.get("text") or "" for m in turn.replies if m.get("type") == "bot"]
            if texts and all(is_filler(t) for t in texts):
                fillers.append(f'{result.journey["id"]} turn {number}: {texts}')
    assert not fillers, "\n".join(fillers)


def test_each_journey_finds_the_freshly_seeded_crm(tmp_path, monkeypatch):
    """What one journey opens (a return, here) is gone for the next: reseed_crm, run before each."""
    from bot.crm import open_crm
    from bot.settings import Settings

    monkeypatch.setenv("CAREBOT_CRM_URL", f"sqlite:///{tmp_path / 'crm.db'}")
    runner.reseed_crm()
    settings = Settings.from_env()
    crm = open_crm(settings.crm_url, client_file=settings.client_file)
    try:
        seeded = crm.counts()
        order = crm.get_order("A1043")
        crm.create_return("A1043", order.lines[0].product, "wrong item")
        assert crm.counts()["returns"] == seeded["returns"] + 1
        runner.reseed_crm()
        assert crm.counts() == seeded
    finally:
        crm.close()


def test_a_step_before_each_journey_needs_them_one_at_a_time():
    with pytest.raises(ValueError):
        runner.run_all([], "http://127.0.0.1:9", concurrency=2, before_each=lambda: None)
