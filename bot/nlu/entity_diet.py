"""DIET for entities only: trains on the examples that hold entities, never sets the intent.

The intent comes from SentenceIntentClassifier, so DIET's intent head is dead weight. This
subclass trains DIET on the examples with entity annotations plus a seeded sample of examples
without any (`negatives_per_positive` of them per annotated example, so it also learns where
there is nothing to tag), and skips training when no example has an entity (Banking77, CLINC150):
there is then nothing to learn and parsing returns no DIET entities. `process` only adds
entities; the intent and its ranking are left to the intent classifier.

On the project data this cuts DIET's training set to a fraction (bench/README.md, "NLU accuracy").
"""
from __future__ import annotations

import logging
import random
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)


def entity_training_subset(training_data: TrainingData, negatives_per_positive: float, seed: int) -> TrainingData:
    """Annotated examples plus a seeded sample of unannotated ones (lookups, regexes and synonyms kept)."""
    examples = [m for m in training_data.nlu_examples if m.get(INTENT)]
    positives = [m for m in examples if m.get(ENTITIES)]
    negatives = [m for m in examples if not m.get(ENTITIES)]
    if not positives:
        return TrainingData()
    count = min(len(negatives), int(round(len(positives) * negatives_per_positive)))
    sample = random.Random(seed).sample(negatives, count) if count else []
    return TrainingData(
        training_examples=positives + sample,
        entity_synonyms=training_data.entity_synonyms,
        regex_features=training_data.regex_features,
        lookup_tables=training_data.lookup_tables,
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class EntityDIETClassifier(DIETClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DIETClassifier.get_default_config(), "negatives_per_positive": 1.0}

    def train(self, training_data: TrainingData) -> Resource:
        subset = entity_training_subset(
            training_data, float(self.component_config["negatives_per_positive"]),
            int(self.component_config.get("random_seed") or 0))
        if not subset.training_examples:
            logger.info("EntityDIETClassifier: no example has an entity; nothing to train")
            return self._resource
        logger.info("EntityDIETClassifier: training on %d of %d examples",
                    len(subset.training_examples), len(training_data.nlu_examples))
        return super().train(subset)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            out = self._predict(message)
            if out is not None:  # untrained: keep what earlier extractors found
                message.set(ENTITIES, self._predict_entities(out, message), add_to_output=True)
        return messages
