"""Intent classifier on the sentence embedding plus word and character n-grams.

A multinomial logistic regression reads one feature vector per message:

    [ dense sentence embedding (mean-pooled MiniLM) | w * TF-IDF word 1-2-grams | w * TF-IDF char 2-5-grams ]

The n-grams catch the exact wording the embedding blurs ("top up" vs "top-up failed"); the
embedding carries paraphrases the n-grams never saw. Measured in bench/README.md ("NLU
accuracy"): on Banking77 the n-grams add about a point over the embedding alone.

Score of intent k = the regression's logit + `similarity_bonus` x s_k, where s_k is the cosine
between the message's embedding and the nearest training example of intent k: a
nearest-neighbour vote on top of the regression (+0.2 points on a Banking77 validation split,
+2 on 10-shot cross-validation).

Confidence of intent k = calibrated probability x similarity factor:
- probability: the softmax of the scores with a temperature fitted on a held-out slice of the
  training data (`calibration_fraction`), so 0.8 means about 80 % right on unseen messages;
- similarity factor: min(1, s_k / s0), where s0 is the median of s for the held-out slice
  (each example against its own intent) (how close an ordinary answerable message is). A message as close as usual
  keeps its probability; one far from everything the intent was trained on gets a low
  confidence even when the regression is sure, and the FallbackClassifier's one threshold then
  says "I don't know" (out of scope). Without a held-out slice (tiny data) s0 = 1.

The n-gram vocabulary and idf come from all training texts; the regression that the
temperature is fitted for sees only the rest, and the final regression starts from its
weights (a warm start: fewer iterations).

Nothing is pickled: the model is stored as NumPy arrays and JSON vocabularies.
"""
from __future__ import annotations

import json
import logging
import time
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


def nearest_similarity(dense: np.ndarray, examples: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(n_messages, n_intents): cosine to the nearest training example of each intent.
    `examples` are unit vectors sorted by intent; `starts[k]` is intent k's first row."""
    return np.maximum.reduceat(np.atleast_2d(dense) @ examples.T, starts, axis=1)


def typical_similarity(nearest: np.ndarray, labels: np.ndarray) -> float:
    """Median similarity of held-out examples to the nearest training example of their own intent:
    how close an ordinary, answerable message is to the training data."""
    return float(np.clip(np.median(nearest[np.arange(len(labels)), labels]), 1e-3, 1.0))


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
    """Multinomial logistic regression weights, applied without scikit-learn at parse time.

    The weights are kept as (n_features, n_classes), C-contiguous: a sparse row times that
    matrix reads only the rows of the message's non-zero features (a transposed view would be
    copied whole, some 30 MB, on every parse)."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights = np.ascontiguousarray(weights)  # (n_features, n_classes)
        self.bias = bias

    @classmethod
    def fit(cls, features: sparse.csr_matrix, labels: np.ndarray, n_classes: int, c: float,
            max_iter: int, seed: int, warm: Optional["LinearModel"] = None) -> "LinearModel":
        """`warm`: a model over the same features and classes to start from (fewer iterations)."""
        from sklearn.linear_model import LogisticRegression

        present = np.unique(labels)
        model = LogisticRegression(C=c, max_iter=max_iter, random_state=seed, warm_start=warm is not None)
        if warm is not None and len(present) > 2:
            model.coef_ = np.asarray(warm.weights.T[present], dtype=np.float64)
            model.intercept_ = np.asarray(warm.bias[present], dtype=np.float64)
        model.fit(features, labels)
        weights = np.zeros((n_classes, features.shape[1]), dtype=np.float32)  # transposed on return
        bias = np.zeros(n_classes, dtype=np.float32)
        present = model.classes_.astype(int)  # the same as np.unique(labels)
        if len(present) == 2:  # scikit-learn keeps one row for two classes: logit(second) - logit(first)
            weights[present[1]] = model.coef_[0]
            bias[present[1]] = model.intercept_[0]
        else:
            weights[present] = model.coef_
            bias[present] = model.intercept_
        return cls(weights.T, bias)

    def logits(self, features: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(features @ self.weights) + self.bias


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
            # added to each intent's logit: bonus x cosine to that intent's nearest training example
            # (a nearest-neighbour vote; 5 chosen on validation, bench/README.md); 0 = regression only
            "similarity_bonus": 5.0,
            "similarity_weight": 1.0,  # exponent of the similarity factor; 0 = probability only
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
        self.similarity_floor: float = state.get("similarity_floor", 1.0)
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
        dense = np.vstack([v for _, v in rows])[order].astype(np.float32)
        labels = labels[order]
        texts = [rows[i][0].get(TEXT) for i in order]
        self.intents = intents
        self.examples = dense
        self.starts = np.searchsorted(labels, np.arange(len(intents))).astype(np.int64)
        if len(intents) == 1:
            self.model = LinearModel(np.zeros((1, 1), np.float32), np.zeros(1, np.float32))
            self.persist()
            return self._resource

        cfg = self.config
        self.ngrams = None
        if float(cfg["ngram_weight"]) > 0:  # vocabulary and idf from every text; labels are not involved
            self.ngrams = ngram_features.NgramFeatures.fit(
                texts, tuple(cfg["word_ngrams"]), tuple(cfg["char_ngrams"]), int(cfg["char_min_df"]))
        features = self._features(dense, texts)
        warm = None
        fraction = float(cfg["calibration_fraction"])
        if fraction > 0:
            fit_idx, held_idx = calibration_split(labels, fraction, int(cfg["random_seed"]))
            if len(held_idx) >= 20:
                warm = self._fit(features[fit_idx], labels[fit_idx])
                fit_starts = np.searchsorted(labels[fit_idx], np.arange(len(intents)))  # fit_idx keeps the order
                nearest = nearest_similarity(dense[held_idx], dense[fit_idx], fit_starts)
                scores = self._scores(warm.logits(features[held_idx]), nearest)
                self.temperature = fit_temperature(scores, labels[held_idx])
                self.similarity_floor = typical_similarity(nearest, labels[held_idx])
                logger.info("SentenceIntentClassifier: temperature %.3f, similarity floor %.3f from %d "
                            "held-out examples", self.temperature, self.similarity_floor, len(held_idx))
        self.model = self._fit(features, labels, warm)
        self.persist()
        return self._resource

    def _fit(self, features: sparse.csr_matrix, labels: np.ndarray, warm: Optional[LinearModel] = None) -> LinearModel:
        cfg = self.config
        start = time.perf_counter()
        model = LinearModel.fit(features, labels, len(self.intents), float(cfg["C"]), int(cfg["max_iter"]),
                                int(cfg["random_seed"]), warm)
        logger.info("SentenceIntentClassifier: fitted on %d examples x %d features in %.1f s%s",
                    features.shape[0], features.shape[1], time.perf_counter() - start,
                    " (warm start)" if warm is not None else "")
        return model

    # ------------------------------------------------------------------ prediction

    def _scores(self, logits: np.ndarray, nearest: np.ndarray) -> np.ndarray:
        """The regression's logits plus `similarity_bonus` x nearest-example similarity."""
        return logits + float(self.config["similarity_bonus"]) * nearest

    def confidences(self, dense: np.ndarray, text: str) -> np.ndarray:
        """Calibrated probability x similarity factor, one value per intent."""
        nearest = nearest_similarity(dense, self.examples, self.starts)[0]
        if len(self.intents) == 1:
            probs = np.ones(1)
        else:
            logits = self.model.logits(self._features(dense.reshape(1, -1), [text]))
            probs = softmax(self._scores(logits, nearest) / self.temperature)[0]
        weight = float(self.config["similarity_weight"])
        if weight > 0:
            probs = probs * np.clip(nearest / self.similarity_floor, 0.0, 1.0) ** weight
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
            meta: Dict[str, Any] = {"intents": self.intents, "temperature": self.temperature,
                                    "similarity_floor": self.similarity_floor}
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
            "similarity_floor": float(meta.get("similarity_floor", 1.0)),
            "model": LinearModel(arrays["weights"], arrays["bias"]),
            "examples": arrays["examples"],
            "starts": arrays["starts"],
        }
        if "ngrams" in meta:
            state["ngrams"] = ngram_features.NgramFeatures.from_arrays(meta["ngrams"], arrays)
        return cls(config, model_storage, resource, state)
