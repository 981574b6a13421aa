"""SentenceIntentClassifier (bot/nlu/sentence_intent_classifier.py) and its n-gram block.

Synthetic sentence embeddings stand in for MiniLM: each intent is a direction in 16 dimensions
and its examples scatter around it, so the expected answers follow from the geometry."""
import uuid

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.ngram_features import NgramFeatures
from bot.nlu.sentence_intent_classifier import (
    SentenceIntentClassifier,
    calibration_split,
    fit_temperature,
    nearest_similarity,
    softmax,
)

DIM = 16
ORIGIN = "run_LanguageModelFeaturizer3"
WORDS = {"order_status": "where is my parcel", "cancel_order": "cancel my order now", "refund": "money back please"}


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


@pytest.fixture()
def centers():
    rng = np.random.RandomState(0)
    return {name: unit(rng.randn(DIM)) for name in WORDS}


def message(text: str, vector, intent=None) -> Message:
    msg = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    if vector is not None:
        msg.add_features(Features(np.asarray(vector, dtype=np.float32).reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, ORIGIN))
    return msg


def examples(centers, per_intent=30, noise=0.25, seed=1, texts=None):
    rng = np.random.RandomState(seed)
    out = []
    for name, center in centers.items():
        for i in range(per_intent):
            text = (texts or WORDS)[name] + f" {i}"
            out.append(message(text, unit(center + noise * rng.randn(DIM)), name))
    return out


def make(tmp_path, **config):
    (tmp_path / "storage").mkdir(exist_ok=True)
    storage = LocalModelStorage.create(tmp_path / "storage")
    resource = Resource(f"sic-{uuid.uuid4().hex[:6]}")
    context = ExecutionContext(GraphSchema({}), "test")
    full = {**SentenceIntentClassifier.get_default_config(), **config}
    return SentenceIntentClassifier.create(full, storage, resource, context), (full, storage, resource, context)


def parse(classifier, text, vector):
    msg = message(text, vector)
    classifier.process([msg])
    return msg.get(INTENT), msg.get(INTENT_RANKING_KEY)


def test_classifies_unseen_messages_and_survives_persist_and_load(tmp_path, centers):
    classifier, (config, storage, resource, context) = make(tmp_path)
    classifier.train(TrainingData(examples(centers)))
    test = examples(centers, per_intent=10, seed=7)
    predicted = [parse(classifier, m.get(TEXT), m.features[0].features)[0]["name"] for m in test]
    assert predicted == [m.get(INTENT) for m in test]

    loaded = SentenceIntentClassifier.load(config, storage, resource, context)
    for m in test[:5]:
        a = parse(classifier, m.get(TEXT), m.features[0].features)[1]
        b = parse(loaded, m.get(TEXT), m.features[0].features)[1]
        assert [r["name"] for r in a] == [r["name"] for r in b]
        assert np.allclose([r["confidence"] for r in a], [r["confidence"] for r in b], atol=1e-6)


def test_a_message_far_from_every_training_example_gets_a_low_confidence(tmp_path, centers):
    classifier, _ = make(tmp_path)
    classifier.train(TrainingData(examples(centers, per_intent=80, noise=0.1)))  # 24 held out: calibration runs
    basis = np.stack(list(centers.values()))
    far = np.random.RandomState(3).randn(DIM)
    far = unit(far - basis.T @ np.linalg.lstsq(basis.T, far, rcond=None)[0])  # orthogonal to every intent
    near, _ = parse(classifier, "where is my parcel", centers["order_status"])
    away, _ = parse(classifier, "where is my parcel", far)
    assert near["name"] == "order_status" and near["confidence"] > 0.6
    assert 0.5 < classifier.similarity_floor < 1.0, "median similarity of held-out examples to their intent"

    seen = examples(centers, per_intent=80, noise=0.1)[0]  # a training example: as close as can be, so its confidence is the probability
    vector = seen.features[0].features.reshape(-1)
    logits = classifier.model.logits(classifier._features(vector.reshape(1, -1), [seen.get(TEXT)]))
    nearest = nearest_similarity(vector, classifier.examples, classifier.starts)
    probability = softmax(classifier._scores(logits, nearest) / classifier.temperature)[0].max()
    assert parse(classifier, seen.get(TEXT), vector)[0]["confidence"] == pytest.approx(probability, rel=1e-5)
    assert away["confidence"] < 0.5 * near["confidence"]

    plain, _ = make(tmp_path, similarity_weight=0.0)
    plain.train(TrainingData(examples(centers, per_intent=80, noise=0.1)))
    assert parse(plain, "where is my parcel", far)[0]["confidence"] > away["confidence"], \
        "without the similarity factor the confidence is the probability alone"


def test_ngrams_separate_intents_the_embedding_cannot(tmp_path):
    same = unit(np.ones(DIM))
    centers = {"order_status": same, "cancel_order": same}
    data = examples(centers, noise=0.05)
    with_ngrams, _ = make(tmp_path)
    with_ngrams.train(TrainingData(data))
    assert parse(with_ngrams, "cancel my order now", same)[0]["name"] == "cancel_order"
    assert parse(with_ngrams, "where is my parcel", same)[0]["name"] == "order_status"

    embedding_only, _ = make(tmp_path, ngram_weight=0.0)
    embedding_only.train(TrainingData(data))
    first = parse(embedding_only, "cancel my order now", same)[1]
    assert abs(first[0]["confidence"] - first[1]["confidence"]) < 0.2, "same embedding: a near coin toss"


def test_two_intents_and_one_intent(tmp_path, centers):
    two = {k: centers[k] for k in ("order_status", "refund")}
    classifier, _ = make(tmp_path)
    classifier.train(TrainingData(examples(two)))
    assert parse(classifier, "money back please", centers["refund"])[0]["name"] == "refund"
    assert parse(classifier, "where is my parcel", centers["order_status"])[0]["name"] == "order_status"

    single, (config, storage, resource, context) = make(tmp_path)
    single.train(TrainingData(examples({"refund": centers["refund"]})))
    intent, ranking = parse(SentenceIntentClassifier.load(config, storage, resource, context),
                            "money back please", centers["refund"])
    assert intent["name"] == "refund" and len(ranking) == 1 and intent["confidence"] > 0.8


def test_untrained_or_missing_features_give_no_intent(tmp_path, centers):
    classifier, (config, storage, resource, context) = make(tmp_path)
    assert parse(classifier, "hello", centers["refund"]) == ({"name": None, "confidence": 0.0}, [])
    classifier.train(TrainingData(examples(centers)))
    assert parse(classifier, "hello", None) == ({"name": None, "confidence": 0.0}, [])
    assert parse(classifier, "hello", np.ones(DIM + 1))[0]["name"] is None, "a different embedding size"
    never_trained = SentenceIntentClassifier.load(config, storage, Resource("missing"), context)
    assert parse(never_trained, "hello", centers["refund"])[0]["name"] is None


def test_fit_temperature_recovers_the_temperature_that_generated_the_labels():
    rng = np.random.RandomState(5)
    logits = rng.randn(4000, 6) * 3.0
    for true_t in (0.5, 2.0):
        probs = softmax(logits / true_t)
        gold = np.array([rng.choice(6, p=p) for p in probs])
        assert abs(fit_temperature(logits, gold) - true_t) / true_t < 0.1


def test_calibration_split_holds_out_a_fraction_of_each_intent():
    labels = np.array([0] * 30 + [1] * 10 + [2] * 2)
    fit, held = calibration_split(labels, 0.1, seed=42)
    assert sorted(np.concatenate([fit, held]).tolist()) == list(range(len(labels)))
    assert np.bincount(labels[held], minlength=3).tolist() == [3, 1, 0]  # an intent with 2 examples keeps both
    again = calibration_split(labels, 0.1, seed=42)[1]
    assert held.tolist() == again.tolist()


def test_ngram_features_are_the_same_after_a_round_trip():
    texts = ["my top-up failed", "top up my card", "I recieved the wrong card", "card arrived?"]
    ngrams = NgramFeatures.fit(texts, (1, 2), (2, 5), char_min_df=1)
    restored = NgramFeatures.from_arrays(ngrams.meta(), ngrams.arrays())
    probe = ["top-up failed again", "received card", "zzz"]
    assert (abs(ngrams.transform(probe) - restored.transform(probe))).max() < 1e-6
    assert restored.size == ngrams.size
    assert ngrams.transform(["top-up"]).nnz > 0


def test_nearest_similarity_per_intent():
    examples = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)  # intent 0: rows 0-1, intent 1: row 2
    nearest = nearest_similarity(np.array([0.0, 1.0]), examples, np.array([0, 2]))
    assert nearest.shape == (1, 2) and np.allclose(nearest, [[0.8, 1.0]])
