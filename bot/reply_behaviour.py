"""What a bot reply does, read from its words: asks for an order number, apologises, offers a person, is
only a filler ("Is there anything else I can help you with?"), ... The vocabulary of the answer-quality
journeys (bench/journeys/FORMAT.md, bench/journeys.py); pure, so any test can use it
(``from bot.reply_behaviour import is_filler``).

Messages are in the hub's wire shape (bot/conversations/messages.py, widget/PROTOCOL.md): ``{"type": "bot" |
"agent" | "system" | "customer", "text", "buttons", "event"}``. Texts are normalised first (``normalise``: lower
case, Markdown marks and link targets dropped, curly quotes and dashes made plain) and split into sentences
(``sentences``: after . ! ? or a line break). A sentence *asks* when it ends with "?" or contains a request
(``REQUEST``: "tell me", "reply with", "please send", ...); what it asks for are the ``DETAIL_ASKS`` patterns
it matches. The other behaviours are the regexes named after them. These are heuristics over the shipped
replies' wording: when the wording changes they may need a new alternative; tests/bench/test_journeys.py
pins what each must and must not catch. A hand-off is not read from words: it is the hub's system message
(``HANDOFF_EVENTS``).
"""
from __future__ import annotations

import re
from typing import Iterable

# --- vocabulary -------------------------------------------------------------------------------------------
BEHAVIOURS = ("answer", "apologise", "ask_order_number", "ask_email", "ask_item", "offer_action", "decline",
              "hand_off", "offer_person", "filler_only", "clarify")
CUSTOMER_DETAILS = ("order_id", "email", "item", "reason", "name", "phone")
ASK_BEHAVIOURS = {"ask_order_number": "order_id", "ask_email": "email", "ask_item": "item"}

# A system message with one of these events means a person was brought in (bot/handoff/escalation.py):
# "queued" waits for an agent, "offline" means the handoff was opened while nobody was online (the hub
# offers a ticket or a call back instead), "ticket" a ticket was opened, "agent_joined" a person took it.
HANDOFF_EVENTS = frozenset({"queued", "offline", "ticket", "agent_joined"})


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives))


# --- what a sentence asks for (the simulated customer answers these from `customer:`) ---------------------
REQUEST = _rx(r"\?[\"')\s]*$", r"\b(tell|send|give|show) me\b", r"\breply with\b", r"\blet me know\b",
              r"^(please )?(share|provide|enter|type|confirm)\b", r"\bplease (share|provide|send|enter|type)\b")
DETAIL_ASKS: dict[str, re.Pattern[str]] = {  # checked in this order: "phone number" is a phone, not an order
    "phone": _rx(r"\bphone\b", r"\bnumber (to|we can) (reach|call)\b", r"\bcall you (on|at)\b"),
    "order_id": _rx(r"\border (number|no\b|#|id\b|reference)", r"\bcheck the (order )?number\b",
                    r"\bwhich order\b"),
    "email": _rx(r"\be-?mail( address)?\b"),
    "item": _rx(r"\bwhich (item|product|of (the|these) items)\b", r"\bwhat item\b"),
    "reason": _rx(r"\bwhat happened\b", r"\bwhy you('d| would) like to\b", r"\breason\b", r"\bwhat's wrong\b",
                  r"\bwhat('s| is) the (problem|issue)\b", r"\bwhat would you like to talk about\b"),
    "name": _rx(r"\byour (full |first )?name\b", r"\bwho (am i|i'm) (speaking|talking|chatting) (to|with)\b",
                r"\bwhat should i call you\b", r"\bname on the (order|account)\b"),
}
# A yes/no question (offered with buttons, the customer does not answer it by itself).
YES_NO = _rx(r"^(shall|should|would|will|do|does|did|can|could|may|is|are|want|need|ok|okay)\b")

# --- the other behaviours ---------------------------------------------------------------------------------
APOLOGY = _rx(r"\bsorry\b", r"\bapologi[sz]e", r"\bapologies\b", r"\bi understand\b", r"\bi can see why\b",
              r"\bthat's (frustrating|annoying|not (good enough|okay|ok|right|on|the experience))",
              r"\byou have every right\b", r"\bnot what you (paid|wanted|ordered|expected)\b",
              r"\bbear(ing)? with me\b", r"\b(put|make) (this|it|things) right\b", r"\bthat's on (me|us)\b")
OFFER_ACTION = _rx(r"\b(want|would you like|do you want) me to\b", r"\bshall i\b", r"\bshould i\b",
                   r"\bi can (start|open|arrange|set up|book|send|check|look|pause|change|cancel|raise|file|"
                   r"log|resend|reorder|refund|replace|update|help you)\b", r"\bi'll (start|open|arrange)\b",
                   r"\bif you('d| would) like,? i\b")
OFFER_PERSON = _rx(r"\b(talk|speak|chat) (to|with) (a|an|one of|someone|somebody|our)\b",
                   r"\bput you through\b", r"\bcall(s)? you back\b", r"\bcall back\b", r"\bcall me back\b",
                   r"\bget (you )?(a|to a) (person|human|someone|colleague)\b",
                   r"\b(a|one of our|our) (person|human|colleague|agent|team member|specialist|care team)\b",
                   r"\bone of (our|the) team\b", r"\bsomeone (can|could|will|to)\b", r"\bwant a person\b",
                   r"\bconnect you\b")
# Button titles: "Talk to a person" offers a person; "Start a return" an action.
PERSON_TITLE = _rx(r"\b(person|human|agent|someone|colleague|call (me )?back|call back)\b")
ACTION_TITLE = _rx(r"^(start|open|arrange|track|dispute|pause|change|cancel|book|send|check|update|return|"
                   r"exchange|reset|resend|reorder|report|view|see|get|apply)\b")
CANT_HELP = _rx(r"\b(can't|cannot|can not|unable to|not able to) (help|assist|answer|do)\b",
                r"\boutside (of )?what i can\b", r"\bnot (something|one|a topic) i can\b",
                r"\bisn't something i\b", r"\bi don't have a reliable answer\b")
CAN_HELP = _rx(r"\bi can help( you)? with\b", r"\bi('m| am) (here|able) to help with\b",
               r"\bi can (help|track|answer|sort)\b")
CLARIFY = _rx(r"\bwhich (one|of these|article|product)\b", r"\b(did|do) you mean\b", r"\bwhat do you mean\b",
              r"\b(rephrase|say it another way|reword)\b", r"\b(tell me|say) more\b", r"\bbe more specific\b",
              r"\bclarify\b", r"\bare you asking\b", r"\bwhat you'd like to know\b", r"\bis it about\b")
# Fillers: a prompt for more ("Is there anything else I can help you with?") and the pleasantries around it.
FILLER_PROMPT = _rx(r"\b(anything|something) else\b", r"\b(what|how) else\b",
                    r"^(is there )?anything (i can|on your mind)",
                    r"^(how|what) can i (help|do)( you)?( with)?( for you)?( today| now| right now)?\?$")
PLEASANTRY = _rx(r"^(you're|you are) (very )?welcome\b", r"^(happy|glad) to help\b", r"^glad (that|i could)\b",
                 r"^(great|no problem|no worries|of course|sure|my pleasure|anytime|okay|ok)\b",
                 r"^thanks?( you)?\b", r"^(i'm )?sorry for all this\b", r"^thanks for bearing with me\b")
MAX_PLEASANTRY_WORDS = 6
GREETING = _rx(r"^(hi|hello|hey|good (morning|afternoon|evening))\b", r"^i'm lark\b", r"^i can help( you)? with\b")
MIN_ANSWER_WORDS = 4


# --- text -------------------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text or "")  # [text](url) -> text
    text = re.sub(r"\*+|__|`", "", text)
    text = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                                         "\u2013": "-", "\u2014": "-", "\u00a0": " "}))
    return text.lower()


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", normalise(text))
    return [" ".join(p.split()).strip(" -*") for p in parts if p.strip(" -*\t")]


def asks(sentence: str) -> bool:
    return bool(REQUEST.search(sentence))


def detail_asks(sentence: str) -> list[str]:
    """The customer details (``CUSTOMER_DETAILS``) a sentence asks for, in the order it names them."""
    if not asks(sentence):
        return []
    found = [(m.start(), detail) for detail, pattern in DETAIL_ASKS.items() if (m := pattern.search(sentence))]
    return [detail for _, detail in sorted(found)]


def details_asked(text: str) -> list[str]:
    return list(dict.fromkeys(d for s in sentences(text) for d in detail_asks(s)))


def is_filler(text: str) -> bool:
    """Only "Is there anything else I can help you with?" or a close variant, with at most a pleasantry
    ("You're welcome!", "Happy to help.") around it: nothing the customer asked for."""
    parts = sentences(text)
    prompts = [s for s in parts if asks(s) and FILLER_PROMPT.search(s)]
    return bool(prompts) and all(s in prompts or _pleasantry(s) for s in parts)


def _pleasantry(sentence: str) -> bool:
    return bool(PLEASANTRY.search(sentence)) and len(sentence.split()) <= MAX_PLEASANTRY_WORDS


def is_handoff(message: dict) -> bool:
    return message.get("type") == "system" and message.get("event") in HANDOFF_EVENTS


def quick_replies(message: dict) -> list[dict]:
    return [b for b in message.get("buttons") or [] if isinstance(b, dict) and b.get("payload")]


def spoken(messages: Iterable[dict]) -> list[dict]:
    """The bot's and agents' messages (not the customer's, not the hub's system notices)."""
    return [m for m in messages if m.get("type") in ("bot", "agent")]


# --- behaviours of one turn -------------------------------------------------------------------------------
def _substantive(sentence: str) -> bool:
    s = sentence
    if asks(s) or _pleasantry(s) or GREETING.search(s) or OFFER_ACTION.search(s) or OFFER_PERSON.search(s):
        return False
    if CANT_HELP.search(s) or FILLER_PROMPT.search(s) or (APOLOGY.search(s) and not re.search(r"\d", s)):
        return False
    return len(s.split()) >= MIN_ANSWER_WORDS


def _answer(messages: list[list[str]]) -> bool:
    """A substantive sentence, not after a question in its message ("What's your order number? It starts
    with an A, like A1042" is a question with a hint, not an answer)."""
    for parts in messages:
        for s in parts:
            if asks(s):
                break
            if _substantive(s):
                return True
    return False


def _apologise(parts: list[str]) -> bool:
    first_apology = next((i for i, s in enumerate(parts) if APOLOGY.search(s)), None)
    first_ask = next((i for i, s in enumerate(parts) if detail_asks(s)), len(parts))
    return first_apology is not None and first_apology < first_ask


def behaviours(messages: list[dict]) -> set[str]:
    """Which behaviours of the vocabulary the bot showed in one turn's replies."""
    said = spoken(messages)
    per_message = [sentences(m.get("text") or "") for m in said]
    parts = [s for message in per_message for s in message]
    titles = [normalise(b["title"]) for m in said for b in quick_replies(m)]
    asked = {d for s in parts for d in detail_asks(s)}
    found = {name for name, detail in ASK_BEHAVIOURS.items() if detail in asked}
    if _answer(per_message):
        found.add("answer")
    if _apologise(parts):
        found.add("apologise")
    if any(OFFER_PERSON.search(s) for s in parts) or any(PERSON_TITLE.search(t) for t in titles):
        found.add("offer_person")
    if any(OFFER_ACTION.search(s) and not OFFER_PERSON.search(s) for s in parts) or any(
            ACTION_TITLE.search(t) and not PERSON_TITLE.search(t) for t in titles):
        found.add("offer_action")
    # what it can help with, said apart from the "can't help": "outside what I can help with" is not it
    if any(CANT_HELP.search(s) for s in parts) and any(CAN_HELP.search(CANT_HELP.sub(" ", s)) for s in parts):
        found.add("decline")
    if any(asks(s) and CLARIFY.search(s) and not detail_asks(s) for s in parts):
        found.add("clarify")
    if any(is_handoff(m) for m in messages):
        found.add("hand_off")
    if is_filler("\n".join(m.get("text") or "" for m in said)):  # "You're welcome!" + "Anything else?" too
        found.add("filler_only")
    return found
