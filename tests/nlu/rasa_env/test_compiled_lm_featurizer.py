"""CompiledLanguageModelFeaturizer (bot/nlu/compiled_lm_featurizer.py) gives Rasa's own
LanguageModelFeaturizer's features, from the real MiniLM weights (.cache, linked by `make setup`)."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.compiled_lm_featurizer import CompiledLanguageModelFeaturizer
from conftest import PROJECT_ROOT

WEIGHTS = PROJECT_ROOT / ".cache" / "all-MiniLM-L6-v2"
TEXTS = ["where is my order A1042?", "I want my money back", "hi", "the kettle I bought last week stopped working " * 3]


def featurize(cls, texts, training):
    config = {**cls.get_default_config(), "model_name": "bert", "model_weights": str(WEIGHTS)}
    featurizer = cls(config, ExecutionContext(GraphSchema({}), "lmf"))
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={TEXT: t}) for t in texts]
    tokenizer.process(messages)
    if training:
        featurizer.process_training_data(TrainingData(messages))
    else:
        featurizer.process(messages)
    return [(m.get_dense_features(TEXT)[0].features, m.get_dense_features(TEXT)[1].features) for m in messages]


@pytest.mark.parametrize("training", [False, True], ids=["one message at a time", "training batch"])
def test_same_features_as_rasas_eager_featurizer(training):
    if not (WEIGHTS / "config.json").exists():
        pytest.fail(f"MiniLM not found at {WEIGHTS}: run `make setup`")
    eager = featurize(LanguageModelFeaturizer, TEXTS, training)
    compiled = featurize(CompiledLanguageModelFeaturizer, TEXTS, training)
    for (seq_a, sent_a), (seq_b, sent_b) in zip(eager, compiled):
        assert seq_a.shape == seq_b.shape and seq_a.shape[1] == 384
        assert np.allclose(seq_a, seq_b, atol=1e-4) and np.allclose(sent_a, sent_b, atol=1e-4)
