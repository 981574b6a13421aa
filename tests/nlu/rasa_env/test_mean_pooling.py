"""MeanPoolingFeaturizer (bot/nlu/mean_pooling.py). Runs in the Rasa environment (see conftest.py)."""
import numpy as np

from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse

from bot.nlu.mean_pooling import MeanPoolingFeaturizer

LMF = "run_LanguageModelFeaturizer3"


def message(tokens: np.ndarray) -> Message:
    msg = Message(data={TEXT: "where is my order"})
    msg.add_features(Features(tokens, FEATURE_TYPE_SEQUENCE, TEXT, LMF))
    msg.add_features(Features(np.full((1, tokens.shape[1]), 9.0), FEATURE_TYPE_SENTENCE, TEXT, LMF))  # the [CLS]
    msg.add_features(Features(sparse.coo_matrix(np.ones((1, 5))), FEATURE_TYPE_SENTENCE, TEXT, "run_CountVectors"))
    return msg


def test_replaces_cls_with_normalised_mean() -> None:
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


def test_training_data_and_other_sources() -> None:
    msg = message(np.ones((3, 4)))
    MeanPoolingFeaturizer({"source": "SomethingElse"}).process_training_data(TrainingData([msg]))
    dense = [f for f in msg.features if f.type == FEATURE_TYPE_SENTENCE and not f.is_sparse()]
    assert np.allclose(dense[0].features, 9.0), "features of another featurizer are left alone"
    MeanPoolingFeaturizer({"source": "LanguageModelFeaturizer"}).process_training_data(TrainingData([msg]))
    dense = [f for f in msg.features if f.type == FEATURE_TYPE_SENTENCE and not f.is_sparse()]
    assert np.allclose(dense[0].features, 0.5), dense[0].features

