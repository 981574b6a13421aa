"""GoEmotions, grouped into frustrated / not frustrated.

The train and dev splits are vendored in `data/goemotions/` (see ATTRIBUTION.md there); the
test split is read only by the benchmark, from the shared datasets folder.

    split = load_split("train")            # vendored copy
    split = load_split("test", folder)     # any folder holding the upstream {split}.tsv
    split.texts, split.frustrated, split.labels   # list[str], (n,) int8, (n, 28) float32
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

VENDORED = Path(__file__).resolve().parent / "data" / "goemotions"
N_LABELS = 28
# anger, annoyance, disappointment, disapproval, disgust
FRUSTRATED_LABELS = (2, 3, 9, 10, 11)


@dataclass(frozen=True)
class Split:
    name: str
    texts: list[str]
    labels: np.ndarray  # (n, 28) float32 multi-hot
    frustrated: np.ndarray  # (n,) int8: 1 when any FRUSTRATED_LABELS is set

    def head(self, n: int) -> "Split":
        """The first n rows (a quick subset for tests and smoke runs)."""
        return Split(self.name, self.texts[:n], self.labels[:n], self.frustrated[:n])


def label_names(folder: Path = VENDORED) -> list[str]:
    return (Path(folder) / "labels.txt").read_text(encoding="utf-8").split()


def parse_lines(lines, name: str = "") -> Split:
    """Rows `text<TAB>ids<TAB>comment id` (ids comma-separated) into a Split."""
    texts, rows = [], []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"{name} line {number}: expected text<TAB>label ids")
        ids = [int(i) for i in parts[1].split(",") if i.strip()]
        if any(not 0 <= i < N_LABELS for i in ids):
            raise ValueError(f"{name} line {number}: label id out of range in {parts[1]!r}")
        texts.append(parts[0])
        rows.append(ids)
    labels = np.zeros((len(rows), N_LABELS), dtype=np.float32)
    for i, ids in enumerate(rows):
        labels[i, ids] = 1.0
    frustrated = (labels[:, list(FRUSTRATED_LABELS)].max(axis=1) > 0).astype(np.int8) if rows else np.zeros(0, np.int8)
    return Split(name, texts, labels, frustrated)


def load_split(name: str, folder: Path | str | None = None) -> Split:
    """`train` / `dev` from the vendored copy (default), or `{name}.tsv[.gz]` from `folder`."""
    folder = Path(folder) if folder is not None else VENDORED
    for candidate in (folder / f"{name}.tsv", folder / f"{name}.tsv.gz"):
        if candidate.is_file():
            opener = gzip.open if candidate.suffix == ".gz" else open
            with opener(candidate, "rt", encoding="utf-8") as handle:
                return parse_lines(handle, name)
    raise FileNotFoundError(f"GoEmotions split {name!r} not found in {folder}")
