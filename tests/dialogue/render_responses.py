"""Renders every domain response for each frustration_level with Rasa's own response generator
(TemplatedNaturalLanguageGenerator), so the variant choice is Rasa's, not a reimplementation.

Run by the Rasa environment's Python (3.10) from test_response_tone.py, because Rasa is not
installed in the services environment. Prints JSON:
{response: {level: {"generated": message, "suitable": [variants Rasa chooses from]}}},
level being "unset" (the slot emptied), "calm", "annoyed" or "angry".
"""
import asyncio
import json
import sys
from pathlib import Path

from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

SLOT = "frustration_level"
LEVELS = {"unset": None, "calm": "calm", "annoyed": "annoyed", "angry": "angry"}


async def render(domain: Domain) -> dict:
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    variants = ResponseVariationFilter(domain.responses)
    out: dict = {}
    for name in sorted(domain.responses):
        out[name] = {}
        for label, value in LEVELS.items():
            tracker = DialogueStateTracker.from_events("tone", [SlotSet(SLOT, value)], slots=domain.slots)
            generated = await nlg.generate(name, tracker, "rest")
            suitable = variants.responses_for_utter_action(name, "rest", tracker.current_slot_values())
            out[name][label] = {"generated": generated, "suitable": suitable}
    return out


if __name__ == "__main__":
    domain_file = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "domain.yml"
    print(json.dumps(asyncio.run(render(Domain.load(str(domain_file))))))
