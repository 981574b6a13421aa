"""The trained per-message model: adapted MiniLM blended with the word model (training.py).

    model = TextModel.load()            # bot/frustration/data/model.npz
    model.margin(["this is ridiculous"])   # log-odds minus the dev-chosen threshold: > 0 is frustrated

Loading takes a second or two (MiniLM); keep one per process (`shared_model()`).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.frustration.encoder import AdaptedEncoder, AdapterShape
from bot.frustration.words import WordModel

DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "model.npz"


class ModelUnavailable(RuntimeError):
    """The model file is missing or unreadable (run `carebot frustration train`)."""


class TextModel:
    def __init__(self, meta: dict, encoder: AdaptedEncoder, words: WordModel) -> None:
        self.meta = meta
        self.encoder = encoder
        self.words = words
        self.word_weight = float(meta["word_weight"])
        threshold = min(max(float(meta["threshold"]), 1e-6), 1 - 1e-6)
        self.threshold_log_odds = float(np.log(threshold / (1 - threshold)))

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL) -> "TextModel":
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
            meta = json.loads(str(arrays.pop("meta")))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelUnavailable(f"frustration model {path} unreadable ({exc}): run `carebot frustration train`") from None
        if meta.get("format") != 1:
            raise ModelUnavailable(f"frustration model {path}: unsupported format {meta.get('format')!r}")
        shape = AdapterShape(**meta["adapters"])
        return cls(meta, AdaptedEncoder(shape, arrays), WordModel.from_arrays(arrays))

    def log_odds(self, texts: Sequence[str]) -> np.ndarray:
        """Blended log-odds of `frustrated`, before the threshold."""
        texts = list(texts)
        if not texts:
            return np.zeros(0)
        encoder = self.encoder.logits(texts)
        words = self.words.logits(texts)
        return self.word_weight * words + (1 - self.word_weight) * encoder

    def margin(self, texts: Sequence[str]) -> np.ndarray:
        """Log-odds shifted so that 0 is the dev-chosen decision threshold."""
        return self.log_odds(texts) - self.threshold_log_odds

    def probability(self, texts: Sequence[str]) -> np.ndarray:
        """sigmoid(margin): 0.5 at the decision threshold."""
        return 1.0 / (1.0 + np.exp(-self.margin(texts)))


_lock = threading.Lock()
_shared: dict[str, TextModel] = {}


def shared_model(path: Path | str = DEFAULT_MODEL) -> TextModel:
    """One TextModel per file per process, loaded on first use (thread-safe)."""
    key = str(Path(path).resolve())
    with _lock:
        if key not in _shared:
            _shared[key] = TextModel.load(path)
        return _shared[key]
