"""Question or request: is the customer asking about a policy, or asking us to act on their case?

"Can I return coffee beans once the bag is opened?" and "I want to return the skillet from
order A1044" have the same intent (return_request) but need different answers: the first
is answered from the knowledge base, then the bot offers to start a return; the second
starts the return. This component learns the difference from labelled examples
(`data/speech_acts.yml`: a list under `question:` and one under `request:`), not from
keyword lists, and marks a question with the entity `question` (value "policy"), so rules
can tell the two apart (data/rules/questions.yml).

The model is a logistic regression on TF-IDF word and character n-grams of the text: the
difference is mostly in the form of the sentence ("can I ...?", "do you ...", "I want ...",
"please ...", an order id of one's own), which n-grams see directly, and the examples are
written for any shop, so the rule transfers to a new client's data. Measured by
cross-validation in bench/speech_act.py.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import ngram_features
from bot.nlu.sentence_intent_classifier import LinearModel

logger = logging.getLogger(__name__)

MODEL_FILE = "speech_act.npz"
META_FILE = "speech_act.json"
LABELS = ("request", "question")
SPEECH_ACT = "speech_act"  # the parse data key with the label and its probability


class ExamplesError(ValueError):
    """The speech-act examples file is missing or malformed."""


def load_examples(path: Path) -> Tuple[List[str], np.ndarray]:
    """Texts and labels (1 = question) from the examples file; a clear error when it is wrong."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExamplesError(f"speech-act examples not readable: {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ExamplesError(f"speech-act examples are not valid YAML: {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ExamplesError(f"{path}: expected the keys 'question' and 'request', each a list of texts")
    texts: List[str] = []
    labels: List[int] = []
    for label in LABELS:
        items = data.get(label)
        if not isinstance(items, list) or len(items) < 5:
            raise ExamplesError(f"{path}: '{label}' must be a list of at least 5 example texts")
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise ExamplesError(f"{path}: every example under '{label}' must be non-empty text")
            texts.append(item.strip())
            labels.append(LABELS.index(label))
    return texts, np.asarray(labels)


def stratified_folds(labels: np.ndarray, folds: int, seed: int = 42) -> np.ndarray:
    """The fold of each example, each label spread evenly over the folds."""
    rng = np.random.default_rng(seed)
    fold_of = np.zeros(len(labels), dtype=int)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        rng.shuffle(rows)
        fold_of[rows] = np.arange(len(rows)) % folds
    return fold_of


def out_of_fold_probabilities(texts: Sequence[str], labels: np.ndarray, folds: int = 5, c: float = 4.0,
                              seed: int = 42) -> np.ndarray:
    """P(question) of every example from a model that did not see it (stratified folds)."""
    fold_of = stratified_folds(labels, folds, seed)
    out = np.zeros(len(texts))
    for fold in range(folds):
        train, held = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        model = SpeechActModel.fit([texts[i] for i in train], labels[train], c, seed)
        out[held] = model.question_probability([texts[i] for i in held])
    return out


def choose_threshold(probabilities: np.ndarray, labels: np.ndarray, question_miss_cost: float) -> float:
    """The threshold with the lowest cost on out-of-fold probabilities. A question taken for a
    request starts a form the customer did not ask for; a request taken for a question costs one
    click on the offered button: the first costs `question_miss_cost` times the second. Ties go
    to the threshold in the middle of the best range."""
    candidates = np.unique(np.concatenate([[0.5], np.round(probabilities, 4)]))
    costs = np.array([question_miss_cost * ((labels == 1) & (probabilities < t)).sum()
                      + ((labels == 0) & (probabilities >= t)).sum() for t in candidates])
    best = np.flatnonzero(costs == costs.min())
    return float(candidates[best[len(best) // 2]])


class SpeechActModel:
    """The classifier itself, without Rasa: fit on texts, probability of "question" per text."""

    def __init__(self, ngrams: ngram_features.NgramFeatures, model: LinearModel) -> None:
        self.ngrams, self.model = ngrams, model

    @classmethod
    def fit(cls, texts: Sequence[str], labels: np.ndarray, c: float = 4.0, seed: int = 42) -> "SpeechActModel":
        ngrams = ngram_features.NgramFeatures.fit(list(texts), (1, 3), (2, 5), 2)
        model = LinearModel.fit(ngrams.transform(list(texts)), labels, len(LABELS), c, 3000, seed)
        return cls(ngrams, model)

    def question_probability(self, texts: Sequence[str]) -> np.ndarray:
        logits = self.model.logits(self.ngrams.transform([t or "" for t in texts]))
        logits = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        return (probs / probs.sum(axis=1, keepdims=True))[:, LABELS.index("question")]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class SpeechActClassifier(GraphComponent):
    """Adds `speech_act` {name, confidence} to the parse data and, for a question, the entity
    `question`. Needs no features of other components (it reads the text)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "examples": "data/speech_acts.yml",  # relative to the directory `rasa train` runs in
            # P(question) at or above which the entity is set; None: chosen at training by 5-fold
            # cross-validation on the examples, weighing a missed question `question_miss_cost` times a
            # missed request (choose_threshold)
            "threshold": None,
            "question_miss_cost": 2.0,
            "entity": "question",
            "C": 4.0,
            "random_seed": 42,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[SpeechActModel] = None, threshold: float = 0.5) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.threshold = float(config["threshold"]) if config.get("threshold") is not None else threshold

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SpeechActClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = load_examples(Path(self.config["examples"]))
        c, seed = float(self.config["C"]), int(self.config["random_seed"])
        if self.config.get("threshold") is None:
            held_out = out_of_fold_probabilities(texts, labels, 5, c, seed)
            self.threshold = choose_threshold(held_out, labels, float(self.config["question_miss_cost"]))
        self.model = SpeechActModel.fit(texts, labels, c, seed)
        logger.info("SpeechActClassifier: fitted on %d examples (%d questions), threshold %.3f",
                    len(texts), int(labels.sum()), self.threshold)
        self.persist()
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        for message, probability in zip(messages, self.model.question_probability(texts)):
            text = message.get(TEXT) or ""
            question = bool(text.strip()) and float(probability) >= self.threshold
            message.set(SPEECH_ACT, {"name": LABELS[int(question)], "confidence": round(float(probability), 4)},
                        add_to_output=True)
            if question:
                entity = {
                    ENTITY_ATTRIBUTE_TYPE: self.config["entity"],
                    ENTITY_ATTRIBUTE_VALUE: "policy",
                    ENTITY_ATTRIBUTE_START: 0,
                    ENTITY_ATTRIBUTE_END: len(text),
                    ENTITY_ATTRIBUTE_CONFIDENCE: round(float(probability), 4),
                    EXTRACTOR: self.__class__.__name__,
                }
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages

    def persist(self) -> None:
        assert self.model is not None
        with self._model_storage.write_to(self._resource) as folder:
            np.savez(folder / MODEL_FILE, weights=self.model.model.weights, bias=self.model.model.bias,
                     **self.model.ngrams.arrays())
            (folder / META_FILE).write_text(json.dumps({"ngrams": self.model.ngrams.meta(), "threshold": self.threshold}),
                                            encoding="utf-8")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SpeechActClassifier":
        try:
            with model_storage.read_from(resource) as folder:
                meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
                with np.load(folder / MODEL_FILE, allow_pickle=False) as data:
                    arrays = {k: data[k] for k in data.files}
        except (ValueError, FileNotFoundError):
            logger.debug("SpeechActClassifier: no trained model in %s", resource.name)
            return cls(config, model_storage, resource)
        ngrams = ngram_features.NgramFeatures.from_arrays(meta["ngrams"], arrays)
        return cls(config, model_storage, resource,
                   SpeechActModel(ngrams, LinearModel(arrays["weights"], arrays["bias"])),
                   threshold=float(meta.get("threshold", 0.5)))
