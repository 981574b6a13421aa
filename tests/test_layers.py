"""The import contract (pyproject.toml [tool.importlinter]) holds, and it catches an upward import."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_layers_contract_holds():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_breaks_the_contract(tmp_path):
    for name in ("bot", "actions"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    # The conversation layer reaching up into a feature, as closure.py once read the handoff tables.
    (tmp_path / "bot" / "conversations" / "upward.py").write_text("from bot.handoff import store\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "bot.conversations.upward -> bot.handoff.store" in result.stdout
