"""Sentence features for sentence-transformer models: the mean of the token features.

Rasa's LanguageModelFeaturizer takes a BERT model's [CLS] vector as the sentence feature.
all-MiniLM-L6-v2 was trained with mean pooling, so its [CLS] vector is a poor sentence
embedding; this component replaces it with the L2-normalised mean of the token features
the LanguageModelFeaturizer produced (the model's real sentence embedding, up to sub-word
weighting). Measured in bench/README.md.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MeanPoolingFeaturizer(GraphComponent):
    """Put it right after LanguageModelFeaturizer; it keeps that featurizer's feature origin,
    so DIET's `featurizers` option and everything downstream see no difference in names."""

    @staticmethod
    def required_components() -> List[type]:
        return [LanguageModelFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Substring of the feature origin (the graph node name) of the featurizer to pool.
        return {"source": "LanguageModelFeaturizer"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._source = config["source"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MeanPoolingFeaturizer":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self.pool(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.pool(message)
        return messages

    def pool(self, message: Message) -> None:
        sequences = [
            f for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SEQUENCE
            and not f.is_sparse() and self._source in f.origin
        ]
        for sequence in sequences:
            tokens = np.asarray(sequence.features)
            if tokens.ndim != 2 or tokens.shape[0] == 0:
                continue
            mean = tokens.mean(axis=0, keepdims=True)
            norm = float(np.linalg.norm(mean))
            if norm > 0:
                mean = mean / norm
            message.features = [
                f for f in message.features
                if not (f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.origin == sequence.origin)
            ]
            message.add_features(Features(mean, FEATURE_TYPE_SENTENCE, TEXT, sequence.origin))
