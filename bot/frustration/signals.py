"""Signals of frustration that a model trained on Reddit comments misses or under-weights.

Each detector looks for one named thing in one customer message: shouting in capitals,
repeated punctuation, profanity (also masked, "f***"), complaints about repeating oneself
("this is the third time", "still not", "as I said"), sarcasm ("great, just great",
"thanks for nothing"), waiting ("I've been waiting 20 minutes"), exasperation ("unbelievable",
"are you even listening"), threats to leave, and an explicit request for a person.

    find_signals("WHY HAVE YOU CHARGED ME TWICE???")
    # [Signal('shouting', 0.9, 'WHY HAVE YOU CHARGED ME TWICE'), Signal('repeated_punctuation', 0.2, '???')]

`weight` is added to the model's log-odds by the scorer (see scorer.py): a signal pushes an
ambiguous message over the line but cannot turn a clearly happy one ("AMAZING!!!") angry.
`asks_for_person` has weight 0: asking for a human is not frustration, the policy acts on it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# Names, in the order they are reported.
SHOUTING = "shouting"
CAPITALISED_WORD = "capitalised_word"
REPEATED_PUNCTUATION = "repeated_punctuation"
PROFANITY = "profanity"
REPEAT_CONTACT = "repeat_contact"
SARCASM = "sarcasm"
WAITING = "waiting"
EXASPERATION = "exasperation"
THREAT_TO_LEAVE = "threat_to_leave"
ASKS_FOR_PERSON = "asks_for_person"

SIGNAL_NAMES = (SHOUTING, CAPITALISED_WORD, REPEATED_PUNCTUATION, PROFANITY, REPEAT_CONTACT, SARCASM,
                WAITING, EXASPERATION, THREAT_TO_LEAVE, ASKS_FOR_PERSON)

# Log-odds added to the model's score when the signal fires (see module docstring).
WEIGHTS = {
    SHOUTING: 0.9,
    CAPITALISED_WORD: 0.3,
    REPEATED_PUNCTUATION: 0.2,
    PROFANITY: 1.0,
    REPEAT_CONTACT: 1.0,
    SARCASM: 1.6,
    WAITING: 0.7,
    EXASPERATION: 1.2,
    THREAT_TO_LEAVE: 1.5,
    ASKS_FOR_PERSON: 0.0,
}


@dataclass(frozen=True)
class Signal:
    name: str
    weight: float
    evidence: str  # the matched text, for the agent and for debugging

    def to_dict(self) -> dict:
        return {"name": self.name, "weight": self.weight, "evidence": self.evidence}


def _compile(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# Words in capitals that are not shouting: acronyms, carriers, codes, order ids ("A1042", "E05").
_NOT_SHOUTING = frozenset("""
    A I OK OKAY UPS USPS FEDEX DHL USA US UK EU VAT PDF FAQ ETA ASAP PIN ID CVC CVV SMS PM AM
    TV PC APP API URL USB LED LCD FYI BTW IMO IMHO TBH LOL ATM TIA PS NB II III IV NY LA DC
""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]")
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_CODE = re.compile(r"^[A-Z]{1,3}\d")  # A1042, E05, 1Z...


def _capital_words(text: str) -> tuple[list[str], int]:
    """(shouted words, number of words of 2+ letters), ignoring acronyms and codes."""
    # "[NAME]"-style placeholders (GoEmotions masks names so) are not words the customer typed.
    tokens = [t for t in re.split(r"\s+", _PLACEHOLDER.sub(" ", text)) if t]
    shouted, words = [], 0
    for token in tokens:
        if _CODE.match(token):
            continue
        for word in _WORD.findall(token):
            if len(word) < 2:
                continue
            words += 1
            bare = word.replace("'", "").replace("’", "")
            if bare.isupper() and bare.upper() not in _NOT_SHOUTING and len(bare) >= 2:
                shouted.append(word)
    return shouted, words


def _shouting(text: str) -> list[Signal]:
    shouted, words = _capital_words(text)
    loud = [w for w in shouted if len(w) >= 3 or w.upper() in {"NO", "SO", "MY", "ME", "WE", "DO", "IS", "BE", "GO"}]
    if len(loud) >= 3 and len(shouted) / max(words, 1) >= 0.6:
        return [Signal(SHOUTING, WEIGHTS[SHOUTING], " ".join(shouted))]
    emphatic = [w for w in shouted if len(w) >= 3]
    if emphatic and len(shouted) / max(words, 1) < 0.6:
        # One or two words in capitals inside a normal sentence: "It was NOT delivered".
        return [Signal(CAPITALISED_WORD, WEIGHTS[CAPITALISED_WORD], " ".join(emphatic[:3]))]
    return []


_REPEATED_PUNCTUATION = re.compile(r"[!?]{2,}|\.{4,}|!\s*!")


def _repeated_punctuation(text: str) -> list[Signal]:
    match = _REPEATED_PUNCTUATION.search(text)
    return [Signal(REPEATED_PUNCTUATION, WEIGHTS[REPEATED_PUNCTUATION], match.group(0))] if match else []


_PROFANITY = _compile(
    r"\bf+u+c+k+\w*", r"\bf[\*#@\$%!]+\w*", r"\bf[\*#]?c?k(?:ing|in|ed)?\b", r"\bfck\w*", r"\bfuk\w*",
    r"\bsh[i\*1!]t\w*", r"\bs[\*#]{2,}t\b", r"\$h[i\*]t\w*", r"\bbull\s?sh[i\*]t\b", r"\bcrap(?:py)?\b",
    r"\bdamn(?:ed|it)?\b", r"\bgoddamn\w*", r"\bwtf\b", r"\bffs\b", r"\bomfg\b", r"\bpiss(?:ed|ing)?\b",
    r"\bbloody\b", r"\basshole\w*", r"\ba[\*#]{2}hole\b", r"\bbastards?\b", r"\bbitch\w*", r"\bb[\*#]{3,}h\b",
    r"\bwhat the hell\b", r"\bthe hell\b", r"\bscrew (?:you|this|it|that)\b", r"\bsucks?\b", r"\bjesus christ\b",
)


def _profanity(text: str) -> list[Signal]:
    match = _PROFANITY.search(text)
    return [Signal(PROFANITY, WEIGHTS[PROFANITY], match.group(0))] if match else []


_ORDINAL = r"(?:second|third|fourth|fifth|2nd|3rd|4th|5th|\d+th|umpteenth|hundredth|millionth)"
_REPEAT_CONTACT = _compile(
    rf"\b{_ORDINAL} (?:time|day|week|month|email|call|message|attempt)\b",
    r"\b(?:two|three|four|five|six|\d+) times\b",
    r"\b(?:yet|once) again\b", r"\bnot again\b", r"\bagain\s*[!?]{2,}",
    r"\bin a row\b", r"\bevery (?:single )?time\b", r"\bhow many times\b",
    r"\bstill (?:not|no|nothing|hasn'?t|haven'?t|isn'?t|doesn'?t|don'?t|didn'?t|can'?t|won'?t|says|shows|"
    r"broken|the same|getting|charging|charged|wrong|missing|invalid|e\d\d)\b",
    r"\b(?:i|we) (?:just|already) (?:said|told|explained|did|tried|checked|asked)\b",
    r"\bas i (?:said|told you|already said|mentioned|explained)\b",
    r"\b(?:you )?(?:already|just) (?:said|told me) (?:that|this)\b",
    r"\byou keep (?:telling|saying|sending|asking|repeating|promising)\b",
    r"\bsame (?:useless |stupid )?(?:answer|thing|reply|response|message)\b",
    r"\bkeeps? (?:happening|coming back|failing|breaking)\b",
    r"\bbroken record\b", r"\bgoing (?:round|around) in circles\b", r"\bthat'?s what you said\b",
    r"\b(?:like|as) (?:last|every) (?:time|month|week)\b", r"\bhappened (?:last|again)\b",
)
# "again" alone is a repeat complaint unless it is a request or thanks: "send it again", "thanks again".
_AGAIN = re.compile(r"\bagain\b", re.IGNORECASE)
_AGAIN_BENIGN = re.compile(
    r"\b(?:thanks|thank you|thx|send|resend|re-send|buy|order|ordering|try|see|say|explain|check|do|log in|sign in|"
    r"visit|come|shop|pair|start|restart|run|use|read|repeat|hear|open|back)\b(?:\W+\w+){0,3}\W*$",
    re.IGNORECASE,
)
_AGAIN_NEGATIVE = re.compile(
    r"\b(?:late|wrong|broken|missing|charged|declined|failed|failing|lost|damaged|stale|forgot|messed|"
    r"happened|nothing|same|short|empty|crashed|crashing|error|not)\b(?:\W+\w+){0,6}\W+$",
    re.IGNORECASE,
)


def _repeat_contact(text: str) -> list[Signal]:
    match = _REPEAT_CONTACT.search(text)
    if match:
        return [Signal(REPEAT_CONTACT, WEIGHTS[REPEAT_CONTACT], match.group(0))]
    for again in _AGAIN.finditer(text):
        before = text[: again.start()]
        if _AGAIN_BENIGN.search(before):
            continue
        if _AGAIN_NEGATIVE.search(before) or re.search(r"\bagain\s*[.!]*\s*$", text[: again.end() + 3], re.I):
            words = before.split()[-4:]
            return [Signal(REPEAT_CONTACT, WEIGHTS[REPEAT_CONTACT], " ".join(words + ["again"]))]
    return []


_PRAISE = r"(?:great|wonderful|perfect|fantastic|brilliant|lovely|marvell?ous|excellent|amazing|super|terrific)"
_SARCASM = _compile(
    # "Oh wonderful." said flat, then more text; "Oh great, didn't expect that!" is genuine.
    rf"\b{_PRAISE},? just {_PRAISE}\b", rf"\bjust {_PRAISE}\s*[.!]*\s*$", rf"^\W*oh,? {_PRAISE}\.\s+\w",
    r"\boh,? (?:joy|goody)\b", r"\bthanks? (?:a lot |so much )?for nothing\b",
    r"\b(?:wow|gee|oh),? (?:so|very|really|super) helpful\b", r"\b(?:so|very|really) helpful(?:,| not| indeed)?\s*[.!]*\s*$",
    r"\breally glad i asked\b", r"\byeah,? right\b", r"\bsure you (?:will|are|do|did)\b",
    r"\b(?:love|loving|like) (?:how|that) (?:it|you|the|your|there|nobody|no one)\b",
    r"\bwell done,? (?:larkspur|guys|everyone|you)\b", r"\bwhat a (?:surprise|shock|joke)\b", r"\bsurprise,? surprise\b",
    rf"\b{_PRAISE} (?:service|job|support|work|customer service),? (?:really|truly|as always|as usual)\b",
    rf"\b(?:another|yet another) (?:lost|broken|late|missing|wrong|damaged) \w+ and\b",
    r"\bwhat would i do without you\b", r"\bslow clap\b", r"\bbravo\b",
)


def _sarcasm(text: str) -> list[Signal]:
    match = _SARCASM.search(text.strip())
    return [Signal(SARCASM, WEIGHTS[SARCASM], match.group(0))] if match else []


_DURATION = r"(?:\d+|a|an|one|two|three|four|five|six|several|few|couple of|many)\s+(?:more\s+)?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)"
_WAITING = _compile(
    r"\b(?:been|still|keep|kept|sick of|tired of) waiting\b", r"\bwaited (?:for )?" + _DURATION,
    r"\bwaiting (?:for )?(?:ages|forever|days|weeks|hours|months|" + _DURATION + r")\b",
    r"\b(?:it'?s|it has|that'?s) been " + _DURATION + r"\b",
    _DURATION + r" (?:and|with|without) (?:no|nothing|still|not a|any)\b",
    r"\b(?:no|never got a|haven'?t had a|haven'?t got a|still no) (?:reply|answer|response|call ?back|update|word)\b",
    r"\bnobody (?:has )?(?:called|replied|answered|got back|responded|came)\b",
    r"\bno ?one (?:has )?(?:called|replied|answered|got back|responded|came)\b",
    r"\bhow (?:much )?longer\b", r"\bhow long (?:do|will|must|should) i (?:have to )?wait\b",
    r"\b(?:hello|anyone there|anybody there)\s*\?{1,}\s*$", r"^\W*\?{2,}\W*$",
)


def _waiting(text: str) -> list[Signal]:
    match = _WAITING.search(text)
    return [Signal(WAITING, WEIGHTS[WAITING], match.group(0))] if match else []


_EXASPERATION = _compile(
    r"\bridiculous\b", r"\bunacceptable\b", r"\buseless\b", r"\bunbelievable\b", r"\bunreal\b", r"\bpathetic\b",
    r"\bdisgrace(?:ful)?\b", r"\bdisgust(?:ed|ing)?\b", r"\bappalling\b", r"\boutrageous\b", r"\bincompetent\b",
    r"\babsurd\b", r"\bjoke\b", r"\bscam\b", r"\btheft\b", r"\bworst\b", r"\bterrible\b", r"\bawful\b",
    r"\bhorrible\b", r"\bfurious\b", r"\blivid\b", r"\bfed up\b", r"\bsick (?:and tired )?of\b", r"\bhad enough\b",
    r"^\W*seriously\W*$", r"^\W*(?:ugh+|argh+|omg|wow|sigh|jeez|come on)\W*$", r"\bi give up\b",
    r"\bforget it\b", r"\bnot good enough\b", r"\bare you (?:even )?(?:listening|reading|serious|kidding|joking)\b",
    r"\bare you a broken record\b", r"\bwaste of (?:time|money)\b", r"\bnot (?:ok|okay|acceptable)\b",
    r"\bfrustrat(?:ed|ing)\b", r"\bannoy(?:ed|ing)\b", r"\bupset\b", r"\bangry\b", r"\bfuming\b",
    r"\bnobody (?:helps|cares|fixes)\b", r"\bnot helping\b", r"\bno help\b", r"\b(?:you'?re|you are|this is) not helping\b",
    r"\bcalling me a liar\b", r"\bdo (?:something|your job)\b", r"\bcan you actually\b",
    r"\bgetting tired of\b", r"\bthis is getting\b",
)


def _exasperation(text: str) -> list[Signal]:
    match = _EXASPERATION.search(text.strip())
    return [Signal(EXASPERATION, WEIGHTS[EXASPERATION], match.group(0))] if match else []


_THREAT = _compile(
    r"\bi'?m (?:so )?done with (?:you|this|larkspur|your)\b", r"\bcancel (?:my account|everything)\b",
    r"\bnever (?:order|buy|shop|use)\w* (?:from|with|here|you|again)\b", r"\b(?:take|taking) my business\b",
    r"\bdisput\w* (?:the|this|a) (?:charge|payment|transaction)\b", r"\bcharge ?back\b",
    r"\b(?:leave|leaving|write|writing|post|posting) (?:a )?(?:bad |1[- ]star |one[- ]star |terrible )?review\b",
    r"\breport(?:ing)? (?:you|this|larkspur)\b", r"\bbetter business bureau\b", r"\bbbb\b",
    # a lawyer as a threat ("I'm calling my lawyer"), not as a topic ("recommend a divorce lawyer")
    r"\b(?:my|(?:get|call|contact|hire|involve|speak to|talk to|go to)\w* (?:a|my)) (?:lawyer|attorney)s?\b",
    r"\b(?:lawyer|attorney)s? (?:will|are going to|is going to|gonna)\b", r"\blegal action\b",
    r"\b(?:i'?ll|i will|i'?m going to|gonna|going to) sue\b", r"\bsue (?:you|larkspur|your company)\b",
    r"\bsmall claims\b", r"\btrading standards\b", r"\bconsumer protection\b",
    r"\b(?:thinking|think) (?:of|about) cancell?ing\b", r"\bnot (?:sure )?(?:it'?s )?worth staying\b",
    r"\btell(?:ing)? everyone\b", r"\blast time i (?:order|buy|shop)\w*\b",
)


def _threat_to_leave(text: str) -> list[Signal]:
    match = _THREAT.search(text)
    return [Signal(THREAT_TO_LEAVE, WEIGHTS[THREAT_TO_LEAVE], match.group(0))] if match else []


_PERSON = (r"(?:a |an |the |your |some |one of your )?(?:real |actual |live |human )?"
           r"(?:person|human|agent|representative|rep|operator|manager|supervisor|someone|somebody|people|staff|"
           r"colleague|team member|customer service|support team|privacy team|billing team)")
_ASKS_FOR_PERSON = _compile(
    rf"\b(?:speak|talk|chat|get through|connect me|put me through|transfer me)(?: to| with)? {_PERSON}\b",
    rf"\b(?:can|could|may) i (?:have|get|speak to|talk to) {_PERSON}\b",
    rf"\b(?:i want|i need|i'?d like|i would like|give me|get me) (?:to speak to |to talk to )?{_PERSON}\b",
    rf"\bis there {_PERSON}\b", r"\b(?:real|actual|live) (?:person|human|agent)\b", r"\bnot a (?:bot|robot|machine)\b",
    r"^\W*(?:human|agent|representative|operator|person|real person)(?: please| pls| now)?\W*$",
    r"\b(?:agent|human|representative|operator) (?:please|pls|now)\b",
    r"\b(?:someone|somebody) (?:from your team |from larkspur )?(?:call|ring|phone|contact) me\b",
    r"\bcall me back\b",
)


def _asks_for_person(text: str) -> list[Signal]:
    match = _ASKS_FOR_PERSON.search(text)
    return [Signal(ASKS_FOR_PERSON, WEIGHTS[ASKS_FOR_PERSON], match.group(0))] if match else []


DETECTORS: tuple[Callable[[str], list[Signal]], ...] = (
    _shouting, _repeated_punctuation, _profanity, _repeat_contact, _sarcasm, _waiting, _exasperation,
    _threat_to_leave, _asks_for_person,
)


def find_signals(text: str) -> list[Signal]:
    """Every signal that fires in one customer message, in SIGNAL_NAMES order; [] for empty text."""
    if not text or not text.strip():
        return []
    found = [signal for detect in DETECTORS for signal in detect(text)]
    return sorted(found, key=lambda s: SIGNAL_NAMES.index(s.name))


def log_odds_boost(signals: list[Signal]) -> float:
    """Sum of the weights of the fired signals (each name counted once)."""
    seen: dict[str, float] = {}
    for signal in signals:
        seen[signal.name] = signal.weight
    return sum(seen.values())
