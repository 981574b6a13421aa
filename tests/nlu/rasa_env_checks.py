"""Checks of the custom NLU components, run by the Rasa environment's Python (3.10)
from test_mean_pooling.py, because Rasa is not installed in the services environment."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.features import Features  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from scipy import sparse  # noqa: E402

from bot.nlu.mean_pooling import MeanPoolingFeaturizer  # noqa: E402

LMF = "run_LanguageModelFeaturizer3"


def message(tokens: np.ndarray) -> Message:
    msg = Message(data={TEXT: "where is my order"})
    msg.add_features(Features(tokens, FEATURE_TYPE_SEQUENCE, TEXT, LMF))
    msg.add_features(Features(np.full((1, tokens.shape[1]), 9.0), FEATURE_TYPE_SENTENCE, TEXT, LMF))  # the [CLS]
    msg.add_features(Features(sparse.coo_matrix(np.ones((1, 5))), FEATURE_TYPE_SENTENCE, TEXT, "run_CountVectors"))
    return msg


def check_replaces_cls_with_normalised_mean() -> None:
    tokens = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 0.0]])
    msg = message(tokens)
    MeanPoolingFeaturizer({"source": "LanguageModelFeaturizer"}).process([msg])
    dense = [f for f in msg.features if f.type == FEATURE_TYPE_SENTENCE and not f.is_sparse()]
    assert len(dense) == 1, dense
    assert dense[0].origin == LMF
    expected = np.array([[2.0, 2.0, 1.0]]) / 3.0
    assert np.allclose(dense[0].features, expected), dense[0].features
    assert any(f.is_sparse() for f in msg.features), "sparse features must be kept"
    assert any(f.type == FEATURE_TYPE_SEQUENCE for f in msg.features), "token features must be kept"


def check_training_data_and_other_sources() -> None:
    msg = message(np.ones((3, 4)))
    MeanPoolingFeaturizer({"source": "SomethingElse"}).process_training_data(TrainingData([msg]))
    dense = [f for f in msg.features if f.type == FEATURE_TYPE_SENTENCE and not f.is_sparse()]
    assert np.allclose(dense[0].features, 9.0), "features of another featurizer are left alone"
    MeanPoolingFeaturizer({"source": "LanguageModelFeaturizer"}).process_training_data(TrainingData([msg]))
    dense = [f for f in msg.features if f.type == FEATURE_TYPE_SENTENCE and not f.is_sparse()]
    assert np.allclose(dense[0].features, 0.5), dense[0].features


if __name__ == "__main__":
    check_replaces_cls_with_normalised_mean()
    check_training_data_and_other_sources()
    print("ok")
