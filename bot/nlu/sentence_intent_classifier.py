"""Intent classifier on the sentence embedding plus word and character n-grams.

A multinomial logistic regression reads one feature vector per message:

    [ dense sentence embedding (mean-pooled MiniLM) | w * TF-IDF word 1-2-grams | w * TF-IDF char 2-5-grams ]

The n-grams catch the exact wording the embedding blurs ("top up" vs "top-up failed"); the
embedding carries paraphrases the n-grams never saw. Measured in bench/README.md ("NLU
accuracy"): on Banking77 the n-grams add about a point over the embedding alone.

Confidence of intent k = calibrated probability x similarity:
- probability: the regression's softmax with a temperature fitted on a held-out slice of the
  training data (`calibration_fraction`), so 0.8 means about 80 % right on unseen messages;
- similarity: the cosine between the message's embedding and the nearest training example of
  intent k (clipped at 0). A message far from everything the intent was trained on gets a low
  confidence even when the regression is sure, which is what the FallbackClassifier's one
  threshold then uses to say "I don't know" (out of scope).

Nothing is pickled: the model is stored as NumPy arrays and JSON vocabularies.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse

from bot.nlu import ngram_features

logger = logging.getLogger(__name__)

MODEL_FILE = "model.npz"
META_FILE = "meta.json"


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The temperature T minimising the negative log-likelihood of softmax(logits / T)."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t))
        return float(-np.log(np.clip(p[np.arange(len(gold)), gold], 1e-12, None)).mean())

    result = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(result.x))


def calibration_split(labels: np.ndarray, fraction: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Per intent, a seeded `fraction` of the examples (none when an intent has fewer than 3)."""
    rng = np.random.RandomState(seed)
    held: List[int] = []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        if len(idx) < 3:
            continue
        rng.shuffle(idx)
        held.extend(idx[: max(1, int(round(len(idx) * fraction)))].tolist())
    mask = np.zeros(len(labels), dtype=bool)
    mask[held] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


class LinearModel:
    """Multinomial logistic regression weights, applied without scikit-learn at parse time."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights = weights  # (n_classes, n_features)
        self.bias = bias

    @classmethod
    def fit(cls, features: sparse.csr_matrix, labels: np.ndarray, n_classes: int, c: float,
            max_iter: int, seed: int) -> "LinearModel":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=c, max_iter=max_iter, random_state=seed)
        model.fit(features, labels)
        weights = np.zeros((n_classes, features.shape[1]), dtype=np.float32)
        bias = np.zeros(n_classes, dtype=np.float32)
        present = model.classes_.astype(int)
        if len(present) == 2:  # scikit-learn keeps one row for two classes: logit(second) - logit(first)
            weights[present[1]] = model.coef_[0]
            bias[present[1]] = model.intercept_[0]
        else:
            weights[present] = model.coef_
            bias[present] = model.intercept_
        return cls(weights, bias)

    def logits(self, features: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(features @ self.weights.T) + self.bias


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SentenceIntentClassifier(GraphComponent, IntentClassifier):
    """Put it after the featurizers (it needs a dense sentence feature for TEXT)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [DenseFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "C": 10.0,  # inverse L2 strength of the logistic regression
            "max_iter": 3000,
            "ngram_weight": 0.5,  # scale of the TF-IDF blocks against the unit-length embedding; 0 = embedding only
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "char_min_df": 2,  # character n-grams seen in fewer training examples are dropped
            "calibration_fraction": 0.1,  # held out per intent to fit the temperature; 0 = no calibration
            "similarity_weight": 1.0,  # exponent of the nearest-example similarity; 0 = probability only
            "ranking_length": 10,
            "random_seed": 42,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 state: Optional[Dict[str, Any]] = None) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self._set_state(state)

    def _set_state(self, state: Optional[Dict[str, Any]]) -> None:
        state = state or {}
        self.intents: List[str] = state.get("intents", [])
        self.model: Optional[LinearModel] = state.get("model")
        self.temperature: float = state.get("temperature", 1.0)
        self.ngrams: Optional[ngram_features.NgramFeatures] = state.get("ngrams")
        self.examples: Optional[np.ndarray] = state.get("examples")  # unit embeddings, sorted by intent
        self.starts: Optional[np.ndarray] = state.get("starts")  # first row of each intent in `examples`

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceIntentClassifier":
        return cls(config, model_storage, resource)

    # ------------------------------------------------------------------ features

    @staticmethod
    def dense_sentence(message: Message) -> Optional[np.ndarray]:
        features = [
            f.features for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and not f.is_sparse()
        ]
        if not features:
            return None
        vector = np.concatenate([np.asarray(f, dtype=np.float32).reshape(-1) for f in features])
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def _features(self, dense: np.ndarray, texts: List[str]) -> sparse.csr_matrix:
        blocks = [sparse.csr_matrix(dense)]
        if self.ngrams is not None:
            blocks.append(self.ngrams.transform(texts) * float(self.config["ngram_weight"]))
        return sparse.hstack(blocks, format="csr")

    # ------------------------------------------------------------------ training

    def train(self, training_data: TrainingData) -> Resource:
        rows = [(m, self.dense_sentence(m)) for m in training_data.intent_examples]
        rows = [(m, v) for m, v in rows if v is not None]
        intents = sorted({m.get(INTENT) for m, _ in rows})
        if len(intents) < 1:
            logger.warning("SentenceIntentClassifier: no intent examples with sentence features; not trained")
            return self._resource
        index = {name: i for i, name in enumerate(intents)}
        labels = np.array([index[m.get(INTENT)] for m, _ in rows])
        order = np.argsort(labels, kind="stable")
        dense = np.vstack([v for _, v in rows])[order]
        labels = labels[order]
        texts = [rows[i][0].get(TEXT) for i in order]
        self.intents = intents
        self.examples = dense.astype(np.float32)
        self.starts = np.searchsorted(labels, np.arange(len(intents))).astype(np.int64)
        if len(intents) == 1:
            self.model = LinearModel(np.zeros((1, 1), np.float32), np.zeros(1, np.float32))
            self.ngrams = None
            self.persist()
            return self._resource

        cfg = self.config
        fraction = float(cfg["calibration_fraction"])
        if fraction > 0:
            fit_idx, held_idx = calibration_split(labels, fraction, int(cfg["random_seed"]))
            if len(held_idx) >= 20:
                model = self._fit(dense[fit_idx], [texts[i] for i in fit_idx], labels[fit_idx])
                logits = model.logits(self._features(dense[held_idx], [texts[i] for i in held_idx]))
                self.temperature = fit_temperature(logits, labels[held_idx])
                logger.info("SentenceIntentClassifier: temperature %.3f from %d held-out examples",
                            self.temperature, len(held_idx))
        self.model = self._fit(dense, texts, labels)
        self.persist()
        return self._resource

    def _fit(self, dense: np.ndarray, texts: List[str], labels: np.ndarray) -> LinearModel:
        """Fits the n-gram vocabularies (kept in self.ngrams) and the regression on these rows."""
        cfg = self.config
        self.ngrams = None
        if float(cfg["ngram_weight"]) > 0:
            self.ngrams = ngram_features.NgramFeatures.fit(
                texts, tuple(cfg["word_ngrams"]), tuple(cfg["char_ngrams"]), int(cfg["char_min_df"]))
        return LinearModel.fit(self._features(dense, texts), labels, len(self.intents), float(cfg["C"]),
                               int(cfg["max_iter"]), int(cfg["random_seed"]))

    # ------------------------------------------------------------------ prediction

    def confidences(self, dense: np.ndarray, text: str) -> np.ndarray:
        """Calibrated probability x nearest-example similarity, one value per intent."""
        if len(self.intents) == 1:
            probs = np.ones(1)
        else:
            logits = self.model.logits(self._features(dense.reshape(1, -1), [text]))[0]
            probs = softmax(logits.reshape(1, -1) / self.temperature)[0]
        weight = float(self.config["similarity_weight"])
        if weight > 0 and self.examples is not None and len(self.examples):
            nearest = np.maximum.reduceat(self.examples @ dense, self.starts)
            probs = probs * np.clip(nearest, 0.0, 1.0) ** weight
        return probs

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            dense = self.dense_sentence(message) if self.model is not None else None
            if dense is None or (self.examples is not None and dense.shape[0] != self.examples.shape[1]):
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            conf = self.confidences(dense, message.get(TEXT) or "")
            order = np.argsort(-conf, kind="stable")[: int(self.config["ranking_length"]) or None]
            ranking = [{"name": self.intents[i], "confidence": float(conf[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    # ------------------------------------------------------------------ storage

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as folder:
            arrays = {
                "weights": self.model.weights, "bias": self.model.bias,
                "examples": self.examples, "starts": self.starts,
            }
            meta: Dict[str, Any] = {"intents": self.intents, "temperature": self.temperature}
            if self.ngrams is not None:
                arrays.update(self.ngrams.arrays())
                meta["ngrams"] = self.ngrams.meta()
            np.savez(folder / MODEL_FILE, **arrays)
            (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SentenceIntentClassifier":
        try:
            with model_storage.read_from(resource) as folder:
                meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
                with np.load(folder / MODEL_FILE, allow_pickle=False) as data:
                    arrays = {k: data[k] for k in data.files}
        except (ValueError, FileNotFoundError):
            logger.debug("SentenceIntentClassifier: no trained model in %s", resource.name)
            return cls(config, model_storage, resource)
        state = {
            "intents": meta["intents"],
            "temperature": float(meta["temperature"]),
            "model": LinearModel(arrays["weights"], arrays["bias"]),
            "examples": arrays["examples"],
            "starts": arrays["starts"],
        }
        if "ngrams" in meta:
            state["ngrams"] = ngram_features.NgramFeatures.from_arrays(meta["ngrams"], arrays)
        return cls(config, model_storage, resource, state)
