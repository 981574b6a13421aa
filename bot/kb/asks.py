"""Several asks in one message: "do you ship to canada and do you take paypal".

    split_asks("do you ship to canada and do you take paypal")
    -> ["do you ship to canada", "do you take paypal"]

A message is cut where one question ends ("?" followed by more words) and where a
coordinating word ("and", "also", "plus", "or") starts a new question: one opened by a question
word or an inverted auxiliary ("and how long...", "also can i...", "and will I..."). Everything
else stays whole: "return and refund" or "stopped pumping and won't start" are one ask. This is
the grammar of English questions, not a list of topics; a part too short to be searched on its
own (fewer than MIN_WORDS words) is joined back to the part before it.
"""
from __future__ import annotations

import re

MIN_WORDS = 3

_OPENERS = (
    r"how|what|what's|whats|when|where|which|who|why|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|shall|may|might|must|have|has|any|is there|are there"
)
# "? more text", or "[,;-] and|also|plus|or <question opener>"
_CUT = re.compile(
    r"(?<=\?)\s+(?=\S)"
    r"|\s*[,;]?\s+(?:and|also|plus|&)\s+(?:also\s+)?(?=(?:" + _OPENERS + r")\b)",
    re.IGNORECASE,
)


def split_asks(text: str) -> list[str]:
    """The asks of a message, in order; one element (the text, stripped) when it holds one."""
    text = " ".join(text.split())
    if not text:
        return []
    parts: list[str] = []
    for piece in _CUT.split(text):
        piece = piece.strip(" ,;-")
        if not piece:
            continue
        # a leading "also" / "and" left after a "?" cut says nothing
        piece = re.sub(r"^(?:and|also|plus)\s+", "", piece, flags=re.IGNORECASE)
        if parts and len(piece.split()) < MIN_WORDS:
            parts[-1] = f"{parts[-1]} {piece}"
        elif not parts or len(parts[-1].split()) >= MIN_WORDS:
            parts.append(piece)
        else:
            parts[-1] = f"{parts[-1]} {piece}"
    return parts


# A sentence ends at ".", "!" or "?" followed by a space (or the end): "$14.95." ends one, "$14.95 for" not.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def states_and_asks(text: str) -> bool:
    """Does the message tell something that happened besides asking ("I paid $14.95 for express and it
    came 2 days late. Do I get that back?"), rather than only ask ("If my parcel is late, do I get a
    refund?")? True when it holds a question and a statement of at least MIN_WORDS words."""
    sentences = [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]
    asks = any(s.endswith("?") for s in sentences)
    states = any(not s.endswith("?") and len(s.split()) >= MIN_WORDS for s in sentences)
    return asks and states
