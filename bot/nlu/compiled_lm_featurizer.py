"""LanguageModelFeaturizer with the model call compiled into one TensorFlow graph.

Rasa's LanguageModelFeaturizer calls the Hugging Face TF model eagerly: every one of its
hundreds of Keras layers runs as a separate Python call, which for a single short message
costs far more than the arithmetic (the MiniLM forward pass took ~130 ms of a 140 ms parse;
bench/README.md, "NLU accuracy"). Wrapping the call in `tf.function` with a signature of any
batch size and any length traces the graph once and then runs it as a whole. The outputs are
the same numbers (a test compares them with the eager call); tokenisation, sub-word
alignment and everything else are Rasa's own code, untouched.
"""
from __future__ import annotations

from typing import List

import numpy as np
import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer

IDS = tf.TensorSpec(shape=[None, None], dtype=tf.int32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class CompiledLanguageModelFeaturizer(LanguageModelFeaturizer):
    """Same options as LanguageModelFeaturizer (`model_name`, `model_weights`, `cache_dir`)."""

    def _load_model_instance(self) -> None:
        super()._load_model_instance()
        model = self.model

        @tf.function(input_signature=[IDS, IDS])
        def hidden_states(token_ids, attention_mask):
            return model(token_ids, attention_mask=attention_mask)[0]

        self._hidden_states = hidden_states

    def _compute_batch_sequence_features(self, batch_attention_mask: np.ndarray,
                                         padded_token_ids: List[List[int]]) -> np.ndarray:
        return self._hidden_states(
            tf.convert_to_tensor(np.asarray(padded_token_ids), dtype=tf.int32),
            tf.convert_to_tensor(np.asarray(batch_attention_mask), dtype=tf.int32),
        ).numpy()
