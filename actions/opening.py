"""What the customer already said when a form started, so the form asks only what is missing.

"You sent me the wrong item, I ordered a kettle and got a mug" starts the return form: the
message says why (the return reason) and names the item (the kettle, once the order is known).
`opening_message` finds that message again on any later turn of the same form run; the other
functions read a reason and an order item out of it. Plain functions over the tracker's
dictionaries, no CRM: the validation actions bring the order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from rasa_sdk import Tracker

from bot.parsing import ProductMatch, clean_text, match_product

MAX_REASON_CHARS = 500

# Intents whose opening message is itself the account of what went wrong: the reason is never asked.
SAYS_WHAT_HAPPENED = frozenset({"item_damaged", "item_wrong", "double_charge"})

# Words that give a reason for a return, an exchange or a disputed charge ("it's too small",
# "I don't recognise it", "the colour is wrong"). Without one, "I want to return order A1044" states
# no reason and the form asks for it.
_REASON_WORDS = frozenset("""
    because cause cos coz since too not never nothing no longer broke broken damaged cracked chipped dented
    scratched faulty defective leak leaks leaking stopped wrong missing different bigger smaller larger
    size colour color prefer rather instead gift twice double duplicate unauthorised unauthorized fraud
    recognise recognize overcharged cancelled canceled expected heavy loud small big cheap disappointed
    dont doesnt didnt isnt wasnt wont cant arent
""".split())
_REASON_PHRASES = ("changed my mind", "change my mind", "no longer need", "not what i", "never arrived",
                   "never received", "didn't order", "did not order", "charged me")
# Left out of the reason kept on the case: contact details have no place in its notes.
_CONTACT_ENTITIES = ("email", "phone")
_EMAIL = re.compile(r"\S+@\S+")
_CONTACT_LEAD_IN = re.compile(r"[,;.]?\s*(and\s+)?(my\s+)?(e-?mail(\s+address)?|phone\s+number)(\s+is)?\s*:?$",
                              re.IGNORECASE)


@dataclass(frozen=True)
class Opening:
    """The customer message that started the current run of a form."""

    text: str
    intent: str | None
    entities: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def entity_values(self, name: str) -> list[str]:
        """The values of `name` entities, in the order they were said, without repeats."""
        found = sorted((e for e in self.entities if e.get("entity") == name), key=lambda e: e.get("start") or 0)
        values = [str(e.get("value") or "").strip() for e in found]
        return list(dict.fromkeys(v for v in values if v))

    def without(self, entity_names: Iterable[str]) -> str:
        """The text with the spans of these entities cut out (entities without a span stay)."""
        names = set(entity_names)
        spans = sorted((e["start"], e["end"]) for e in self.entities
                       if e.get("entity") in names and isinstance(e.get("start"), int)
                       and isinstance(e.get("end"), int))
        out, at = [], 0
        for start, end in spans:
            if start >= at:
                out.append(self.text[at:start])
                at = end
        out.append(self.text[at:])
        return " ".join("".join(out).split())

    @property
    def typed(self) -> bool:
        """Words the customer typed, not a button's payload ("/return_request")."""
        return bool(self.text.strip()) and not self.text.strip().startswith("/")


def _opening(parse: dict[str, Any], text: str | None) -> Opening:
    return Opening(
        text=str(text or parse.get("text") or ""),
        intent=(parse.get("intent") or {}).get("name"),
        entities=tuple(e for e in parse.get("entities") or [] if isinstance(e, dict)),
    )


def opening_message(tracker: Tracker, form: str) -> Opening | None:
    """The message that started the current run of `form`: the latest message while the form is
    being activated (it is not active yet), otherwise the last customer message before the
    form's activation event."""
    if tracker.active_loop_name != form:
        latest = tracker.latest_message or {}
        return _opening(latest, latest.get("text"))
    activated = False
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            activated = True
        elif activated and event.get("event") == "user":
            return _opening(event.get("parse_data") or {}, event.get("text"))
    return None


def states_a_reason(opening: Opening) -> bool:
    """Does the message say why? Always for a damaged or wrong item or a double charge (the message
    is what happened); for a return, an exchange or a dispute only when it has words of a reason."""
    if not opening.typed:
        return False
    if opening.intent in SAYS_WHAT_HAPPENED:
        return True
    words = opening.without(("product", "order_id", "email", "amount")).lower().replace("'", "").replace("’", "")
    if any(phrase.replace("'", "") in words for phrase in _REASON_PHRASES):
        return True
    return any(word in _REASON_WORDS for word in re.findall(r"[a-z]+", words))


def reason_from(opening: Opening) -> str | None:
    """The customer's own words as the reason (e-mail address and phone number left out), or None."""
    if not states_a_reason(opening):
        return None
    text = _EMAIL.sub(" ", opening.without(_CONTACT_ENTITIES))
    text = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(text.split())).strip(" ,;:-")
    text = _CONTACT_LEAD_IN.sub("", text).strip(" ,;:-")  # "..., my email is" once the address is cut out
    return clean_text(text, MAX_REASON_CHARS)


def reason_to_fill(tracker: Tracker, form: str, slot: str) -> dict[str, str]:
    """{slot: the reason} when the message that started `form` says why and the slot is neither
    filled nor being asked (once asked, the customer's answer counts); otherwise {}."""
    if tracker.get_slot(slot) is not None or tracker.get_slot("requested_slot") == slot:
        return {}
    opening = opening_message(tracker, form)
    reason = reason_from(opening) if opening is not None else None
    return {slot: reason} if reason else {}


def named_item(opening: Opening, products: Iterable[str]) -> ProductMatch:
    """Which of the order's `products` the customer named: the product entities first ("I ordered a
    [kettle] and got a [mug]": only the kettle is in the order), the words when no entity was found
    ("the pan"). A name matching several items gives their names as candidates."""
    names = list(dict.fromkeys(products))
    said = opening.entity_values("product")
    if said:
        found: list[str] = []
        candidates: list[str] = []
        for value in said:
            match = match_product(value, names)
            if match.product:
                found.append(match.product)
            candidates.extend(match.candidates)
        found = list(dict.fromkeys(found))
        if len(found) == 1:
            return ProductMatch(found[0])
        if found:
            return ProductMatch(None, tuple(found))
        return ProductMatch(None, tuple(dict.fromkeys(candidates)))
    if not opening.typed:
        return ProductMatch(None)
    return match_product(opening.without(("order_id", "email", "phone", "amount")), names)


def unmatched_products(opening: Opening, products: Iterable[str]) -> list[str]:
    """The products the customer named that are not in the order ("the toaster", order A1043)."""
    names = list(products)
    return [value for value in opening.entity_values("product")
            if not match_product(value, names).product and not match_product(value, names).candidates]
