"""Train the per-message frustration model from the vendored GoEmotions splits.

    carebot frustration train                    # the committed model (70 min on the shared 2-core box)
    carebot frustration train --limit 400 --output /tmp/m.npz    # a smoke run in seconds

Three parts, all deterministic for a given seed and thread count:

1. Encoder: LoRA adapters on MiniLM's top layers and a linear head, trained on `frustrated`
   with the 28 GoEmotions labels as an auxiliary target (the fine-grained emotions teach the
   shared layers more than the binary label alone). The lower layers are frozen, so their
   token states are computed once and cached. The checkpoint with the best dev F1 is kept.
2. Word model: hashed TF-IDF word + character n-grams into a logistic regression (words.py).
3. Blend and threshold: log-odds `w * words + (1 - w) * encoder`; `w` and the decision
   threshold maximise F1 on the dev split. The test split is never read here.

The committed model was trained with the defaults (2 threads); the best dev checkpoint came at
1.5 epochs. Small runs are bit-identical when repeated with the same seed and thread count
(tests/frustration); a full rerun was not compared byte for byte.

The result is one `.npz` (adapters, head, word model, blend, and a JSON `meta` record of the
options and dev metrics) that `TextModel.load` reads.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from bot.frustration import encoder as enc
from bot.frustration.goemotions import N_LABELS, Split, load_split
from bot.frustration.metrics import best_threshold, f1_at
from bot.frustration.words import WordModel

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "data" / "model.npz"
FORMAT_VERSION = 1


@dataclass
class TrainOptions:
    epochs: float = 2.0
    top_layers: int = 3
    rank: int = 16
    alpha: float = 32.0
    learning_rate: float = 1e-3
    aux_weight: float = 1.0
    batch_size: int = 32
    evals_per_epoch: int = 2
    word_c: float = 1.0
    seed: int = 0
    threads: int = 2
    limit: int | None = None  # use the first N training rows (and N // 4 dev rows): smoke runs and tests
    blend_grid: tuple[float, ...] = field(default=tuple(round(0.1 * i, 1) for i in range(11)))


def _log_odds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _cache_lower_states(tokenizer, model, texts: list[str], stop: int, batch_size: int = 128) -> list:
    """Per text, the (tokens, 384) float16 states after the frozen layers [0, stop)."""
    import torch

    states: list = [None] * len(texts)
    order = np.argsort([len(t) for t in texts], kind="stable")
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            index = order[start:start + batch_size]
            batch = tokenizer([texts[i] for i in index], padding=True, truncation=True, max_length=enc.MAX_LENGTH,
                              return_tensors="pt")
            hidden = model.embeddings(input_ids=batch["input_ids"], token_type_ids=batch.get("token_type_ids"))
            hidden = enc.run_layers(model, hidden, batch["attention_mask"], 0, stop)
            lengths = batch["attention_mask"].sum(1).tolist()
            for row, i in enumerate(index):
                states[i] = hidden[row, :lengths[row]].to(torch.float16).clone()
    return states


def _pad(states: list):
    import torch

    longest = max(len(s) for s in states)
    hidden = torch.zeros(len(states), longest, states[0].shape[1])
    mask = torch.zeros(len(states), longest, dtype=torch.long)
    for row, s in enumerate(states):
        hidden[row, :len(s)] = s.float()
        mask[row, :len(s)] = 1
    return hidden, mask


def train_encoder(train: Split, dev: Split, options: TrainOptions, log: Callable[[str], None]):
    """Adapter and head arrays of the best dev checkpoint, its dev log-odds, and a summary."""
    import torch

    torch.manual_seed(options.seed)
    generator = torch.Generator().manual_seed(options.seed)
    tokenizer, model = enc.load_base()
    shape = enc.AdapterShape(top_layers=options.top_layers, rank=options.rank, alpha=options.alpha,
                             n_layers=len(model.encoder.layer))
    started = time.monotonic()
    cached_train = _cache_lower_states(tokenizer, model, train.texts, shape.first_adapted)
    cached_dev = _cache_lower_states(tokenizer, model, dev.texts, shape.first_adapted)
    log(f"cached layer-{shape.first_adapted} states of {len(train.texts)} + {len(dev.texts)} texts "
        f"in {time.monotonic() - started:.0f} s")

    params = enc.add_adapters(model, shape, generator)
    head = torch.nn.Linear(384, 1)
    aux_head = torch.nn.Linear(384, N_LABELS)
    dropout = torch.nn.Dropout(0.1)
    params += list(head.parameters()) + list(aux_head.parameters())
    optimizer = torch.optim.AdamW(params, lr=options.learning_rate, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(cached_train) / options.batch_size)
    total = max(1, int(steps_per_epoch * options.epochs))
    warmup = max(1, int(0.06 * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(total - warmup, 1)))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    y = torch.tensor(train.frustrated, dtype=torch.float32)
    labels = torch.from_numpy(train.labels)
    lengths = np.array([len(s) for s in cached_train])

    def top(states):
        hidden, mask = _pad(states)
        hidden = enc.run_layers(model, hidden, mask, shape.first_adapted, shape.n_layers)
        return enc.mean_pool(hidden, mask)

    def dev_log_odds() -> np.ndarray:
        model.eval()
        out = []
        with torch.inference_mode():
            for start in range(0, len(cached_dev), 256):
                out.append(head(top(cached_dev[start:start + 256])).squeeze(1))
        model.train()
        return torch.cat(out).double().numpy()

    def batches():
        # Shuffle, then sort within chunks of 50 batches by length (less padding), then shuffle batches.
        perm = torch.randperm(len(cached_train), generator=generator).numpy()
        chunk = options.batch_size * 50
        out = []
        for begin in range(0, len(perm), chunk):
            part = perm[begin:begin + chunk]
            part = part[np.argsort(lengths[part], kind="stable")]
            out += [part[i:i + options.batch_size] for i in range(0, len(part), options.batch_size)]
        order = torch.randperm(len(out), generator=generator).numpy()
        return [out[i] for i in order]

    eval_every = max(1, steps_per_epoch // max(1, options.evals_per_epoch))
    best: dict = {"f1": -1.0}
    step = 0
    started = time.monotonic()
    model.train()
    while step < total:
        for batch in batches():
            if step >= total:
                break
            pooled = dropout(top([cached_train[i] for i in batch]))
            loss = loss_fn(head(pooled).squeeze(1), y[batch])
            if options.aux_weight:
                loss = loss + options.aux_weight * loss_fn(aux_head(pooled), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            if step % eval_every == 0 or step == total:
                z = dev_log_odds()
                threshold, f1 = best_threshold(dev.frustrated, _sigmoid(z))
                log(f"step {step}/{total} ({step / steps_per_epoch:.2f} epochs, {time.monotonic() - started:.0f} s): "
                    f"dev F1 {f1:.3f} at {threshold:.2f}")
                if f1 > best["f1"]:
                    arrays = enc.export_adapters(model, shape)
                    arrays["head.w"] = head.weight.detach().numpy()[0].astype(np.float32)
                    arrays["head.b"] = head.bias.detach().numpy().astype(np.float32)
                    best = {"f1": f1, "step": step, "arrays": arrays, "dev_log_odds": z}
    summary = {"dev_f1": round(best["f1"], 4), "best_step": best["step"], "steps": total,
               "epochs_at_best": round(best["step"] / steps_per_epoch, 2), "shape": asdict(shape)}
    return best["arrays"], best["dev_log_odds"], shape, summary


def choose_blend(y_dev: np.ndarray, encoder_z: np.ndarray, words_z: np.ndarray, grid) -> dict:
    """The word weight and threshold (on blended log-odds) with the best dev F1; ties go to less weight."""
    best = {"f1": -1.0}
    for weight in grid:
        z = weight * words_z + (1 - weight) * encoder_z
        threshold, f1 = best_threshold(y_dev, _sigmoid(z))
        if f1 > best["f1"] + 1e-9:
            best = {"f1": f1, "word_weight": float(weight), "threshold": float(threshold)}
    return best


def train(options: TrainOptions | None = None, output: Path | str = DEFAULT_OUTPUT,
          log: Callable[[str], None] = print, train_split: Split | None = None, dev_split: Split | None = None) -> dict:
    """Train all three parts, write `output`, return the meta record."""
    import torch

    options = options or TrainOptions()
    torch.set_num_threads(max(1, options.threads))
    train_split = train_split or load_split("train")
    dev_split = dev_split or load_split("dev")
    if options.limit:
        train_split = train_split.head(options.limit)
        dev_split = dev_split.head(max(50, options.limit // 4))
    log(f"training on {len(train_split.texts)} GoEmotions comments ({int(train_split.frustrated.sum())} frustrated), "
        f"dev {len(dev_split.texts)}")
    started = time.monotonic()
    arrays, encoder_dev_z, shape, encoder_summary = train_encoder(train_split, dev_split, options, log)
    words = WordModel.fit(train_split.texts, train_split.frustrated, c=options.word_c)
    words_dev_z = words.logits(dev_split.texts)
    _, words_f1 = best_threshold(dev_split.frustrated, _sigmoid(words_dev_z))
    blend = choose_blend(dev_split.frustrated, encoder_dev_z, words_dev_z, options.blend_grid)
    log(f"word model dev F1 {words_f1:.3f}; blend: word weight {blend['word_weight']:.1f}, "
        f"threshold {blend['threshold']:.2f}, dev F1 {blend['f1']:.3f}")
    blended = blend["word_weight"] * words_dev_z + (1 - blend["word_weight"]) * encoder_dev_z
    precision, recall, f1 = f1_at(dev_split.frustrated, _sigmoid(blended) >= blend["threshold"])
    meta = {
        "format": FORMAT_VERSION,
        "base_model": "all-MiniLM-L6-v2",
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(options).items()},
        "adapters": asdict(shape),
        "max_length": enc.MAX_LENGTH,
        "word_weight": blend["word_weight"],
        "threshold": blend["threshold"],
        "train_rows": len(train_split.texts),
        "dev_rows": len(dev_split.texts),
        "dev": {"encoder_f1": encoder_summary["dev_f1"], "words_f1": round(words_f1, 4),
                "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)},
        "encoder": {k: v for k, v in encoder_summary.items() if k != "shape"},
    }
    arrays.update(words.to_arrays())
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    log(f"wrote {output} ({output.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.0f} s")
    return meta
