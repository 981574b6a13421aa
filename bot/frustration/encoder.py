"""MiniLM adapted to frustration: low-rank (LoRA) adapters on its top layers plus a linear head.

Only the adapters and the head are trained and committed (well under 5 MB); the base weights
are the project's offline all-MiniLM-L6-v2. For inference the adapters are merged into a
private copy of the transformer, so the process-wide sentence encoder (bot/embeddings.py)
used by the knowledge base and NLU is never changed.

Training (training.py) runs the frozen lower layers once and caches their token states, then
trains only the top `top_layers` layers' adapters, which is what makes CPU training feasible.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np

# Linear modules of a BERT layer that get an adapter: (path inside the layer, short name).
ADAPTED = (("attention.self.query", "q"), ("attention.self.key", "k"), ("attention.self.value", "v"),
           ("attention.output.dense", "o"), ("intermediate.dense", "up"), ("output.dense", "down"))
MAX_LENGTH = 64  # tokens; GoEmotions comments average 19, customer messages are short too


@dataclass(frozen=True)
class AdapterShape:
    top_layers: int = 3
    rank: int = 16
    alpha: float = 32.0
    n_layers: int = 6

    @property
    def first_adapted(self) -> int:
        return self.n_layers - self.top_layers

    @property
    def scale(self) -> float:
        return self.alpha / self.rank


def _torch():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    return torch


def load_base(folder: str | None = None):
    """(tokenizer, BertModel) from the offline MiniLM folder, in eval mode, a private copy."""
    _torch()
    from transformers import AutoModel, AutoTokenizer

    from bot.embeddings import model_folder

    folder = folder or str(model_folder())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder)
    model.eval()
    return tokenizer, model


def _get(module, path: str):
    for part in path.split("."):
        module = getattr(module, part)
    return module


def _set(module, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        module = getattr(module, part)
    setattr(module, last, value)


def adapter_key(layer: int, short: str, part: str) -> str:
    return f"lora.{layer}.{short}.{part}"


def make_lora_linear(base, rank: int, scale: float, dropout: float, generator):
    """A trainable wrapper: base(x) + scale * B(A(dropout(x))), B starting at zero."""
    torch = _torch()
    nn = torch.nn

    class LoRALinear(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = base
            self.A = nn.Parameter(torch.empty(rank, base.in_features))
            self.B = nn.Parameter(torch.zeros(base.out_features, rank))
            bound = 1 / math.sqrt(base.in_features)  # kaiming_uniform(a=sqrt(5)) bound, seeded
            with torch.no_grad():
                self.A.uniform_(-bound, bound, generator=generator)
            self.drop = nn.Dropout(dropout)
            self.scale = scale

        def forward(self, x):
            return self.base(x) + (self.drop(x) @ self.A.t() @ self.B.t()) * self.scale

    return LoRALinear()


def add_adapters(model, shape: AdapterShape, generator, dropout: float = 0.1) -> list:
    """Freeze `model` and wrap the adapted modules of its top layers; returns the trainable parameters."""
    for parameter in model.parameters():
        parameter.requires_grad = False
    params = []
    for index in range(shape.first_adapted, shape.n_layers):
        layer = model.encoder.layer[index]
        for path, _ in ADAPTED:
            wrapped = make_lora_linear(_get(layer, path), shape.rank, shape.scale, dropout, generator)
            _set(layer, path, wrapped)
            params += [wrapped.A, wrapped.B]
    return params


def export_adapters(model, shape: AdapterShape) -> dict[str, np.ndarray]:
    arrays = {}
    for index in range(shape.first_adapted, shape.n_layers):
        layer = model.encoder.layer[index]
        for path, short in ADAPTED:
            wrapped = _get(layer, path)
            arrays[adapter_key(index, short, "A")] = wrapped.A.detach().cpu().numpy().astype(np.float32)
            arrays[adapter_key(index, short, "B")] = wrapped.B.detach().cpu().numpy().astype(np.float32)
    return arrays


def merge_adapters(model, shape: AdapterShape, arrays) -> None:
    """Add scale * B @ A to each adapted weight of a plain (unwrapped) model, in place."""
    torch = _torch()
    with torch.no_grad():
        for index in range(shape.first_adapted, shape.n_layers):
            layer = model.encoder.layer[index]
            for path, short in ADAPTED:
                linear = _get(layer, path)
                a = torch.from_numpy(np.asarray(arrays[adapter_key(index, short, "A")], dtype=np.float32))
                b = torch.from_numpy(np.asarray(arrays[adapter_key(index, short, "B")], dtype=np.float32))
                linear.weight += shape.scale * (b @ a)


def additive_mask(attention_mask):
    """BERT's additive attention mask (0 for tokens, very negative for padding), shape (B, 1, 1, T)."""
    torch = _torch()
    mask = attention_mask[:, None, None, :].to(torch.float32)
    return (1.0 - mask) * torch.finfo(torch.float32).min


def run_layers(model, hidden, attention_mask, start: int, stop: int):
    """Token states after layers [start, stop) of the encoder (used to cache and to train the top)."""
    mask = additive_mask(attention_mask)
    for index in range(start, stop):
        output = model.encoder.layer[index](hidden, attention_mask=mask)
        hidden = output[0] if isinstance(output, tuple) else output
    return hidden


def mean_pool(hidden, attention_mask):
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class AdaptedEncoder:
    """Inference: MiniLM with merged adapters and the head; `logits(texts)` is the head's log-odds."""

    def __init__(self, shape: AdapterShape, arrays, folder: str | None = None) -> None:
        self.torch = _torch()
        self.tokenizer, self.model = load_base(folder)
        merge_adapters(self.model, shape, arrays)
        self.head_w = self.torch.from_numpy(np.asarray(arrays["head.w"], dtype=np.float32))
        self.head_b = float(np.asarray(arrays["head.b"]).reshape(-1)[0])

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        torch = self.torch
        out = np.zeros(len(texts), dtype=np.float64)
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths pad less
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                index = order[start:start + batch_size]
                batch = self.tokenizer([texts[i] for i in index], padding=True, truncation=True,
                                       max_length=MAX_LENGTH, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                pooled = mean_pool(hidden, batch["attention_mask"])
                out[index] = (pooled @ self.head_w + self.head_b).numpy()
        return out
