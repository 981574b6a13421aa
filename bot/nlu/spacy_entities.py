"""spaCy's named entities (dates, times, names) from the doc SpacyNLP already made.

Rasa's SpacyEntityExtractor runs the whole spaCy pipeline a second time on every message,
because SpacyNLP's doc is lower-cased by default and NER needs the capitals. With SpacyNLP's
`case_sensitive: true` the doc is built from the text as typed, so this subclass takes its
entities from that doc (about 5 ms saved per parse; bench/README.md, "NLU accuracy"). When
the doc is missing or was built from altered text it falls back to running spaCy, exactly as
Rasa's extractor does.
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False, model_from="SpacyNLP"
)
class SharedDocSpacyEntityExtractor(SpacyEntityExtractor):
    """Same options as SpacyEntityExtractor (`dimensions`)."""

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None or doc.text != text:
                doc = model.model(text)
            extracted = self.filter_irrelevant_entities(
                self.add_extractor_name(self._extract_entities(doc)), self._config["dimensions"])
            message.set(ENTITIES, message.get(ENTITIES, []) + extracted, add_to_output=True)
        return messages
