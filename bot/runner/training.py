"""Train the Rasa model only when what it is built from has changed."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.runner.services import MODEL_DIR, OFFLINE_ENV, RASA_BIN
from bot.settings import PROJECT_ROOT

MODEL_NAME = "carebot"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data", "requirements-rasa.txt")


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Hash of every file the model is trained from (names and contents)."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(root)).encode())
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def train_if_changed(force: bool = False, root: Path = PROJECT_ROOT, out: Path = MODEL_DIR) -> int:
    model = out / f"{MODEL_NAME}.tar.gz"
    stamp = out / f"{MODEL_NAME}.fingerprint"
    current = fingerprint(root)
    if not force and model.exists() and stamp.exists() and stamp.read_text().strip() == current:
        print(f"Model is up to date ({model.relative_to(root)}); not retraining.")
        return 0
    print("Training the Rasa model (config, domain or data changed)...", flush=True)
    started = time.monotonic()
    result = subprocess.run(
        [str(RASA_BIN), "train", "--fixed-model-name", MODEL_NAME, "--out", str(out)],
        cwd=root, env={**os.environ, **OFFLINE_ENV},
    )
    if result.returncode != 0:
        print("rasa train failed; see the output above.", file=sys.stderr)
        return result.returncode
    stamp.write_text(current + "\n")
    print(f"Trained {model.relative_to(root)} in {time.monotonic() - started:.0f} s.")
    return 0
